//! What the dashboard needs from the server, as a trait the server implements
//! (`hookrelay::dashboard::backend`) and provides as context: the frontend never
//! depends on the server crate. Only the SSR build has it; the browser reaches it
//! through the server functions in `server_fns/`.

use serde::{Deserialize, Serialize};

/// The signed-in user, as pages see them (never the session cookie).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub email: String,
    pub organization: String,
    /// Put in every state-changing form; checked by every server function.
    pub csrf: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRow {
    pub id: String,
    pub name: String,
    pub uid: Option<String>,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub recipients: Vec<String>,
    pub kinds: Vec<String>,
    pub throttle_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub disabled: bool,
    /// Empty: every event type.
    pub event_types: Vec<String>,
    /// Deliveries that finished in the last 24 h, and the share that succeeded (%).
    pub finished_24h: u64,
    pub success_rate_24h: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub id: String,
    pub message_id: String,
    pub when: String,
    pub succeeded: bool,
    /// 0 when no response came back.
    pub status_code: i32,
    pub duration_ms: i64,
    pub error: Option<String>,
}

/// One hour of an endpoint's attempts, for the 24 h chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourBucket {
    /// `HH:00` (UTC).
    pub label: String,
    pub succeeded: i64,
    pub failed: i64,
    pub mean_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDetail {
    pub app: AppRow,
    pub endpoint: EndpointRow,
    /// `whsec_abcd…`, or the whole secret when the page asked to reveal it.
    pub secret: String,
    pub revealed: bool,
    pub pending: u64,
    pub failed: u64,
    /// Newest first.
    pub attempts: Vec<AttemptRow>,
    /// The last 24 hours, oldest first, the current hour last.
    pub hours: Vec<HourBucket>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTypeRow {
    pub name: String,
    pub description: String,
    pub archived: bool,
}

/// The delivery log's filters, as the page's query string carries them (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// "", "succeeded" or "failed".
    pub status: String,
    pub event_type: String,
    pub endpoint: String,
    /// Attempts of the last N hours; "" for all.
    pub hours: String,
    /// A cursor from a previous page (`next` / `prev`).
    pub iterator: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRow {
    pub attempt: AttemptRow,
    pub endpoint_id: String,
    pub url: String,
    /// The response body's first 4 KiB (message page only; empty in the log).
    pub response: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPage {
    pub app: AppRow,
    pub rows: Vec<LogRow>,
    pub next: Option<String>,
    pub prev: Option<String>,
    /// The application's endpoints, for the filter.
    pub endpoints: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDetail {
    pub app: AppRow,
    pub id: String,
    pub event_type: String,
    pub created: String,
    /// The payload as stored (pretty-printed), or a note that retention purged it.
    pub payload: String,
    /// What every delivery of it carries.
    pub headers: Vec<(String, String)>,
    /// Every attempt, newest first, with its response.
    pub attempts: Vec<LogRow>,
    /// Endpoints it can be resent to: (id, url).
    pub endpoints: Vec<(String, String)>,
}

/// `FieldError::field` of "there is no such thing (for you)": the page answers 404.
pub const NOT_FOUND: &str = "not_found";

/// The alert kinds and how the page names them.
pub const ALERT_KINDS: [(&str, &str); 4] = [
    ("endpoint.failing", "An endpoint starts failing"),
    ("message.exhausted", "A message exhausts its retries"),
    ("endpoint.disabled", "An endpoint is disabled"),
    ("endpoint.recovered", "An endpoint recovers"),
];

/// A refusal the page shows next to `field` (or at the top of the form when `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    pub fn on(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }

    pub fn form(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
        }
    }
}

#[cfg(feature = "ssr")]
pub use server_side::*;

#[cfg(feature = "ssr")]
mod server_side {
    use std::{future::Future, pin::Pin, sync::Arc};

    use super::*;

    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// A signed-in session as the backend knows it.
    #[derive(Debug, Clone)]
    pub struct Session {
        pub user: User,
        /// The tenant, opaque to the frontend.
        pub tenant: String,
    }

    /// The server's side of the dashboard. Every method taking a `Session` acts within
    /// that session's tenant only.
    pub trait Backend: Send + Sync + 'static {
        /// Creates the organization and its first user; the new session's cookie.
        fn signup(
            &self,
            organization: String,
            email: String,
            password: String,
        ) -> BoxFuture<'_, Result<String, FieldError>>;
        /// The new session's cookie; refused when wrong or rate-limited (`client` is
        /// the address the attempt came from).
        fn login(
            &self,
            email: String,
            password: String,
            client: String,
        ) -> BoxFuture<'_, Result<String, FieldError>>;
        fn session(&self, cookie: String) -> BoxFuture<'_, Option<Session>>;
        fn logout(&self, cookie: String) -> BoxFuture<'_, ()>;
        /// Whether cookies must be `Secure` (served over https).
        fn secure_cookies(&self) -> bool;

        fn apps(&self, session: Session) -> BoxFuture<'_, Result<Vec<AppRow>, FieldError>>;
        fn create_app(
            &self,
            session: Session,
            name: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn rename_app(
            &self,
            session: Session,
            id: String,
            name: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn delete_app(&self, session: Session, id: String)
        -> BoxFuture<'_, Result<(), FieldError>>;

        fn api_keys(&self, session: Session) -> BoxFuture<'_, Result<Vec<ApiKeyRow>, FieldError>>;
        /// The new key, in plain: shown once.
        fn create_api_key(
            &self,
            session: Session,
            name: String,
        ) -> BoxFuture<'_, Result<String, FieldError>>;
        fn revoke_api_key(
            &self,
            session: Session,
            id: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;

        fn app(&self, session: Session, app: String) -> BoxFuture<'_, Result<AppRow, FieldError>>;
        fn endpoints(
            &self,
            session: Session,
            app: String,
        ) -> BoxFuture<'_, Result<Vec<EndpointRow>, FieldError>>;
        /// `event_types`: comma-separated names, empty for all.
        fn create_endpoint(
            &self,
            session: Session,
            app: String,
            url: String,
            description: String,
            event_types: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        /// Replaces URL, description and event-type filter (comma-separated, empty
        /// for all).
        fn edit_endpoint(
            &self,
            session: Session,
            app: String,
            endpoint: String,
            url: String,
            description: String,
            event_types: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn set_endpoint_disabled(
            &self,
            session: Session,
            app: String,
            endpoint: String,
            disabled: bool,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn delete_endpoint(
            &self,
            session: Session,
            app: String,
            endpoint: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn endpoint(
            &self,
            session: Session,
            app: String,
            endpoint: String,
            reveal: bool,
        ) -> BoxFuture<'_, Result<EndpointDetail, FieldError>>;
        /// A new signing secret; the old one stays valid for 24 h.
        fn rotate_secret(
            &self,
            session: Session,
            app: String,
            endpoint: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn send_test(
            &self,
            session: Session,
            app: String,
            endpoint: String,
            event_type: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        /// Queues again what failed in the last `hours`; how many.
        fn recover(
            &self,
            session: Session,
            app: String,
            endpoint: String,
            hours: i64,
        ) -> BoxFuture<'_, Result<u64, FieldError>>;

        fn delivery_log(
            &self,
            session: Session,
            app: String,
            query: LogQuery,
        ) -> BoxFuture<'_, Result<LogPage, FieldError>>;
        fn message(
            &self,
            session: Session,
            app: String,
            message: String,
        ) -> BoxFuture<'_, Result<MessageDetail, FieldError>>;
        /// A manual attempt of the message to the endpoint.
        fn resend(
            &self,
            session: Session,
            app: String,
            message: String,
            endpoint: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;

        /// Archived ones too (marked).
        fn event_types(
            &self,
            session: Session,
        ) -> BoxFuture<'_, Result<Vec<EventTypeRow>, FieldError>>;
        fn create_event_type(
            &self,
            session: Session,
            name: String,
            description: String,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
        fn set_event_type_archived(
            &self,
            session: Session,
            name: String,
            archived: bool,
        ) -> BoxFuture<'_, Result<(), FieldError>>;

        fn alerts(&self, session: Session) -> BoxFuture<'_, Result<AlertView, FieldError>>;
        fn set_alerts(
            &self,
            session: Session,
            settings: AlertView,
        ) -> BoxFuture<'_, Result<(), FieldError>>;
    }

    /// How the server provides it (`provide_context`).
    pub type SharedBackend = Arc<dyn Backend>;
}
