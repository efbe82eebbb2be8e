//! The dashboard's backend (`frontend::backend::Backend`) over the store: the same
//! tenant-scoped queries and field rules as the REST API, errors turned into messages
//! for the field that caused them.

use std::{num::NonZeroU32, sync::Arc};

use frontend::backend::{
    AlertView, ApiKeyRow, AppRow, Backend, BoxFuture, FieldError, Session, User,
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{
    config::Settings,
    domain::{ApiKeyId, ApiKeyName, AppId, Email, OrganizationName, Password, TenantId},
    store::{AlertSettings, AppFields, AppPatch, NewTenant, PageRequest, Store, StoreError},
};

/// Sign-in attempts allowed per account and per client address, per minute.
const LOGIN_PER_ACCOUNT_PER_MINUTE: u32 = 5;
const LOGIN_PER_ADDRESS_PER_MINUTE: u32 = 20;
/// The dashboard lists at most this many applications or keys on one page.
const LIST_LIMIT: u64 = 250;

pub struct DashboardBackend {
    store: Store,
    settings: Arc<Settings>,
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<String>,
}

impl DashboardBackend {
    pub fn new(store: Store, settings: Arc<Settings>) -> Self {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).expect("not zero"));
        Self {
            store,
            settings,
            per_account: RateLimiter::keyed(per_minute(LOGIN_PER_ACCOUNT_PER_MINUTE)),
            per_address: RateLimiter::keyed(per_minute(LOGIN_PER_ADDRESS_PER_MINUTE)),
        }
    }

    fn tenant(session: &Session) -> TenantId {
        TenantId(session.tenant.clone())
    }

    async fn start_session(
        &self,
        user: &crate::entities::tenant_user::Model,
    ) -> Result<String, FieldError> {
        let session = self.store.start_session(user).await.map_err(internal)?;
        Ok(session.cookie)
    }
}

fn internal(e: StoreError) -> FieldError {
    tracing::error!(error = %e, "dashboard request failed");
    FieldError::form("Something went wrong on our side. Try again.")
}

/// Store errors as the page shows them: a missing object (perhaps another tenant's)
/// and conflicts are the user's to fix; anything else is ours.
fn store_error(e: StoreError) -> FieldError {
    match e {
        StoreError::NotFound => FieldError::form("Not found: it may have been deleted."),
        StoreError::Conflict(what) => FieldError::form(what),
        e => internal(e),
    }
}

fn day(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl Backend for DashboardBackend {
    fn signup(
        &self,
        organization: String,
        email: String,
        password: String,
    ) -> BoxFuture<'_, Result<String, FieldError>> {
        Box::pin(async move {
            if !self.settings.signup_enabled {
                return Err(FieldError::form("Sign-up is disabled on this server."));
            }
            let organization = OrganizationName::parse(&organization)
                .map_err(|m| FieldError::on("organization", format!("Organization {m}")))?;
            let email = Email::parse(email.trim())
                .map_err(|m| FieldError::on("email", format!("Email {m}")))?;
            let password = Password::parse(password)
                .map_err(|m| FieldError::on("password", format!("Password {m}")))?;
            let password_hash = tokio::task::spawn_blocking(move || password.hash())
                .await
                .map_err(|_| FieldError::form("Something went wrong on our side. Try again."))?;
            let (tenant_id, _) = self
                .store
                .create_tenant(NewTenant {
                    organization,
                    email,
                    password_hash,
                })
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(m) => FieldError::on("email", m),
                    e => internal(e),
                })?;
            tracing::info!(tenant_id = %tenant_id, "tenant signed up in the dashboard");
            let user = self.store.first_user(&tenant_id).await.map_err(internal)?;
            self.start_session(&user).await
        })
    }

    fn login(
        &self,
        email: String,
        password: String,
        client: String,
    ) -> BoxFuture<'_, Result<String, FieldError>> {
        Box::pin(async move {
            let account = email.trim().to_lowercase();
            if self.per_address.check_key(&client).is_err()
                || self.per_account.check_key(&account).is_err()
            {
                tracing::warn!("dashboard sign-in rate-limited");
                return Err(FieldError::form(
                    "Too many sign-in attempts. Wait a minute, then try again.",
                ));
            }
            let wrong = || FieldError::form("Wrong email or password.");
            let email = Email::parse(&account).map_err(|_| wrong())?;
            let password = Password::parse(password).map_err(|_| wrong())?;
            let user = self
                .store
                .check_password(&email, password)
                .await
                .map_err(internal)?
                .ok_or_else(wrong)?;
            self.start_session(&user).await
        })
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
            let page = PageRequest {
                limit: LIST_LIMIT,
                ..Default::default()
            };
            let page = self
                .store
                .tenant(&tenant)
                .list_apps(&page)
                .await
                .map_err(store_error)?;
            Ok(page
                .items
                .into_iter()
                .map(|a| AppRow {
                    id: a.id,
                    name: a.name,
                    uid: a.uid,
                    created: day(a.created_at),
                })
                .collect())
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
            let page = PageRequest {
                limit: LIST_LIMIT,
                ..Default::default()
            };
            let page = self
                .store
                .tenant(&tenant)
                .list_api_keys(&page)
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

    fn alerts(&self, session: Session) -> BoxFuture<'_, Result<AlertView, FieldError>> {
        Box::pin(async move {
            let tenant = Self::tenant(&session);
            let settings = self
                .store
                .tenant(&tenant)
                .alert_settings()
                .await
                .map_err(store_error)?;
            let seconds = settings
                .throttle_seconds
                .unwrap_or(self.settings.alert_throttle.as_secs() as i64);
            Ok(AlertView {
                recipients: settings.recipients,
                kinds: settings.kinds,
                throttle_minutes: (seconds / 60).max(1),
            })
        })
    }

    fn set_alerts(
        &self,
        session: Session,
        view: AlertView,
    ) -> BoxFuture<'_, Result<(), FieldError>> {
        Box::pin(async move {
            if view.recipients.len() > 20 {
                return Err(FieldError::on("recipients", "At most 20 recipients."));
            }
            let mut recipients = Vec::new();
            for address in &view.recipients {
                let ok = address.parse::<lettre::Address>().is_ok();
                let email = Email::parse(address).ok().filter(|_| ok).ok_or_else(|| {
                    FieldError::on("recipients", format!("{address} is not an email address."))
                })?;
                if !recipients.contains(&email.as_str().to_string()) {
                    recipients.push(email.as_str().to_string());
                }
            }
            let kinds: Vec<String> = view
                .kinds
                .into_iter()
                .filter(|k| crate::store::ALERT_KINDS.contains(&k.as_str()))
                .collect();
            if !(1..=10_080).contains(&view.throttle_minutes) {
                return Err(FieldError::on(
                    "throttleMinutes",
                    "Between 1 minute and 10080 (a week).",
                ));
            }
            let tenant = Self::tenant(&session);
            self.store
                .tenant(&tenant)
                .set_alert_settings(&AlertSettings {
                    recipients,
                    kinds,
                    throttle_seconds: Some(view.throttle_minutes * 60),
                })
                .await
                .map_err(store_error)
        })
    }
}
