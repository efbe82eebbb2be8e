//! The dashboard's backend (`frontend::backend::Backend`) over the store: the same
//! tenant-scoped queries and field rules as the REST API, errors turned into messages
//! for the field that caused them.

use std::{num::NonZeroU32, sync::Arc};

use frontend::backend::{
    AlertView, ApiKeyRow, AppRow, Backend, BoxFuture, EndpointDetail, EndpointRow, EventTypeRow,
    FieldError, LogPage, LogQuery, MessageDetail, NOT_FOUND, Session, User,
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{
    config::Settings,
    crypto::MainKey,
    domain::{ApiKeyId, ApiKeyName, AppId, TenantId},
    store::{AppFields, AppPatch, PageRequest, Store, StoreError},
};

/// Sign-in attempts allowed per account and per client address, per minute.
const LOGIN_PER_ACCOUNT_PER_MINUTE: u32 = 5;
const LOGIN_PER_ADDRESS_PER_MINUTE: u32 = 20;
/// The dashboard lists at most this many applications or keys on one page.
const LIST_LIMIT: u64 = 250;

pub struct DashboardBackend {
    pub(super) store: Store,
    pub(super) settings: Arc<Settings>,
    main_key: MainKey,
    wake: Arc<crate::engine::wake::Wake>,
    pub(super) per_account: DefaultKeyedRateLimiter<String>,
    pub(super) per_address: DefaultKeyedRateLimiter<String>,
    pub(super) charts: super::chart_cache::ChartCache,
}

impl DashboardBackend {
    pub fn new(state: &crate::state::AppState) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).expect("not zero"));
        Self {
            store: state.store.clone(),
            settings: state.settings.clone(),
            main_key: state.main_key.clone(),
            wake: state.wake.clone(),
            per_account: RateLimiter::keyed(per_minute(LOGIN_PER_ACCOUNT_PER_MINUTE)),
            per_address: RateLimiter::keyed(per_minute(LOGIN_PER_ADDRESS_PER_MINUTE)),
            charts: Default::default(),
        }
    }

    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    pub(super) fn main_key(&self) -> &MainKey {
        &self.main_key
    }

    /// New work was queued: this process's workers look now.
    pub(super) fn wake_workers(&self) {
        self.wake.anything();
    }

    pub(super) fn tenant(session: &Session) -> TenantId {
        TenantId(session.tenant.clone())
    }

    pub(super) async fn start_session(
        &self,
        user: &crate::entities::tenant_user::Model,
    ) -> Result<String, FieldError> {
        let session = self.store.start_session(user).await.map_err(internal)?;
        Ok(session.cookie)
    }
}

pub(super) fn internal(e: StoreError) -> FieldError {
    tracing::error!(error = %e, "dashboard request failed");
    FieldError::form("Something went wrong on our side. Try again.")
}

/// Store errors as the page shows them: a missing object (perhaps another tenant's)
/// and conflicts are the user's to fix; anything else is ours.
pub(super) fn store_error(e: StoreError) -> FieldError {
    match e {
        StoreError::NotFound => FieldError::form("Not found: it may have been deleted."),
        StoreError::Conflict(what) => FieldError::form(what),
        e => internal(e),
    }
}

/// Missing (or another tenant's): the page answers 404.
pub(super) fn not_found(e: StoreError) -> FieldError {
    match e {
        StoreError::NotFound => FieldError::on(NOT_FOUND, "Not found."),
        e => store_error(e),
    }
}

/// The first page of a list, as long as the dashboard shows one.
pub(super) fn listing() -> PageRequest {
    PageRequest {
        limit: LIST_LIMIT,
        ..Default::default()
    }
}

pub(super) fn app_row(app: &crate::entities::application::Model) -> AppRow {
    AppRow {
        id: app.id.clone(),
        name: app.name.clone(),
        uid: app.uid.clone(),
        created: day(app.created_at),
    }
}

pub(super) fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl Backend for DashboardBackend {
    fn signup(
        &self,
        organization: String,
        email: String,
        password: String,
    ) -> BoxFuture<'_, Result<String, FieldError>> {
        Box::pin(self.sign_up(organization, email, password))
    }

    fn login(
        &self,
        email: String,
        password: String,
        client: String,
    ) -> BoxFuture<'_, Result<String, FieldError>> {
        Box::pin(self.log_in(email, password, client))
    }

    fn session(&self, cookie: String) -> BoxFuture<'_, Option<Session>> {
        Box::pin(async move {
            let user = self.store.session_user(&cookie).await.ok().flatten()?;
            Some(Session {
                tenant: user.tenant_id.to_string(),
                user: User {
                    email: user.email,
                    organization: user.organization,
                    csrf: user.csrf_token,
                },
            })
        })
    }

    fn logout(&self, cookie: String) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.store.end_session(&cookie).await {
                tracing::warn!(error = %e, "could not end a dashboard session");
            }
        })
    }

    fn secure_cookies(&self) -> bool {
        self.settings
            .public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    fn apps(&self, session: Session) -> BoxFuture<'_, Result<Vec<AppRow>, FieldError>> {
        Box::pin(async move {
            let tenant = Self::tenant(&session);
            let page = self
                .store
                .tenant(&tenant)
                .list_apps(&listing())
                .await
                .map_err(store_error)?;
            Ok(page.items.iter().map(app_row).collect())
        })
    }

    fn create_app(&self, session: Session, name: String) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(async move {
            let name = crate::domain::parse_display_name(&name, 256)
                .map_err(|m| FieldError::on("name", format!("Name {m}")))?;
            let tenant = Self::tenant(&session);
            self.store
                .tenant(&tenant)
                .create_app(AppFields {
                    name,
                    ..Default::default()
                })
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn rename_app(
        &self,
        session: Session,
        id: String,
        name: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(async move {
            let name = crate::domain::parse_display_name(&name, 256)
                .map_err(|m| FieldError::on("name", format!("Name {m}")))?;
            AppId::parse(&id).ok_or_else(|| store_error(StoreError::NotFound))?;
            let tenant = Self::tenant(&session);
            self.store
                .tenant(&tenant)
                .patch_app(
                    &id,
                    AppPatch {
                        name: Some(name),
                        ..Default::default()
                    },
                )
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }

    fn delete_app(&self, session: Session, id: String) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(async move {
            AppId::parse(&id).ok_or_else(|| store_error(StoreError::NotFound))?;
            let tenant = Self::tenant(&session);
            self.store
                .tenant(&tenant)
                .delete_app(&id)
                .await
                .map_err(store_error)
        })
    }

    fn api_keys(&self, session: Session) -> BoxFuture<'_, Result<Vec<ApiKeyRow>, FieldError>> {
        Box::pin(async move {
            let tenant = Self::tenant(&session);
            let page = self
                .store
                .tenant(&tenant)
                .list_api_keys(&listing())
                .await
                .map_err(store_error)?;
            Ok(page
                .items
                .into_iter()
                .map(|k| ApiKeyRow {
                    id: k.id,
                    name: k.name,
                    prefix: k.key_prefix,
                    created: day(k.created_at),
                    last_used: k.last_used_at.map(day),
                })
                .collect())
        })
    }

    fn create_api_key(
        &self,
        session: Session,
        name: String,
    ) -> BoxFuture<'_, Result<String, FieldError>> {
        Box::pin(async move {
            let name = ApiKeyName::parse(&name)
                .map_err(|m| FieldError::on("name", format!("Name {m}")))?;
            let tenant = Self::tenant(&session);
            let created = self
                .store
                .tenant(&tenant)
                .create_api_key(name)
                .await
                .map_err(store_error)?;
            tracing::info!(key_id = %created.model.id, "API key created in the dashboard");
            Ok(created.token.reveal().to_string())
        })
    }

    fn revoke_api_key(
        &self,
        session: Session,
        id: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(async move {
            let id = ApiKeyId::parse(&id).ok_or_else(|| store_error(StoreError::NotFound))?;
            let tenant = Self::tenant(&session);
            self.store
                .tenant(&tenant)
                .revoke_api_key(&id)
                .await
                .map_err(store_error)?;
            tracing::info!(key_id = %id, "API key revoked in the dashboard");
            Ok(())
        })
    }

    fn app(&self, session: Session, app: String) -> BoxFuture<'_, Result<AppRow, FieldError>> {
        Box::pin(async move {
            let tenant = Self::tenant(&session);
            let app = self
                .store
                .tenant(&tenant)
                .find_app(&app)
                .await
                .map_err(not_found)?;
            Ok(app_row(&app))
        })
    }

    fn endpoints(
        &self,
        session: Session,
        app: String,
    ) -> BoxFuture<'_, Result<Vec<EndpointRow>, FieldError>> {
        Box::pin(self.list_endpoints(session, app))
    }

    fn create_endpoint(
        &self,
        session: Session,
        app: String,
        url: String,
        description: String,
        event_types: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.add_endpoint(session, app, url, description, event_types))
    }

    fn edit_endpoint(
        &self,
        session: Session,
        app: String,
        endpoint: String,
        url: String,
        description: String,
        event_types: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.change_endpoint(session, app, endpoint, url, description, event_types))
    }

    fn set_endpoint_disabled(
        &self,
        session: Session,
        app: String,
        endpoint: String,
        disabled: bool,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.endpoint_disabled(session, app, endpoint, disabled))
    }

    fn delete_endpoint(
        &self,
        session: Session,
        app: String,
        endpoint: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.remove_endpoint(session, app, endpoint))
    }

    fn endpoint(
        &self,
        session: Session,
        app: String,
        endpoint: String,
        reveal: bool,
    ) -> BoxFuture<'_, Result<EndpointDetail, FieldError>> {
        Box::pin(self.endpoint_page(session, app, endpoint, reveal))
    }

    fn rotate_secret(
        &self,
        session: Session,
        app: String,
        endpoint: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.rotate(session, app, endpoint))
    }

    fn send_test(
        &self,
        session: Session,
        app: String,
        endpoint: String,
        event_type: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.test_event(session, app, endpoint, event_type))
    }

    fn recover(
        &self,
        session: Session,
        app: String,
        endpoint: String,
        hours: i64,
    ) -> BoxFuture<'_, Result<u64, FieldError>> {
        Box::pin(self.recover_since(session, app, endpoint, hours))
    }

    fn delivery_log(
        &self,
        session: Session,
        app: String,
        query: LogQuery,
    ) -> BoxFuture<'_, Result<LogPage, FieldError>> {
        Box::pin(self.log_page(session, app, query))
    }

    fn message(
        &self,
        session: Session,
        app: String,
        message: String,
    ) -> BoxFuture<'_, Result<MessageDetail, FieldError>> {
        Box::pin(self.message_page(session, app, message))
    }

    fn resend(
        &self,
        session: Session,
        app: String,
        message: String,
        endpoint: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.resend_message(session, app, message, endpoint))
    }

    fn event_types(
        &self,
        session: Session,
    ) -> BoxFuture<'_, Result<Vec<EventTypeRow>, FieldError>> {
        Box::pin(self.catalogue(session))
    }

    fn create_event_type(
        &self,
        session: Session,
        name: String,
        description: String,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.add_event_type(session, name, description))
    }

    fn set_event_type_archived(
        &self,
        session: Session,
        name: String,
        archived: bool,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.archive_event_type(session, name, archived))
    }

    fn alerts(&self, session: Session) -> BoxFuture<'_, Result<AlertView, FieldError>> {
        Box::pin(self.alert_view(session))
    }

    fn set_alerts(
        &self,
        session: Session,
        view: AlertView,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(self.save_alerts(session, view))
    }
}
