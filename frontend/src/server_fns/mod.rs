//! Server functions, one module per resource. Each is a `POST /dash/<name>` that a
//! plain HTML form can call (JavaScript off: the server redirects back, errors in the
//! URL) and that hydrated pages call without a reload.
//!
//! **Every state-changing one checks the session's CSRF token and refuses a foreign
//! `Origin`** (`authorized`); reads only need the session.

pub mod alerts;
pub mod api_keys;
pub mod apps;
pub mod auth;
pub mod endpoints;
pub mod event_types;
pub mod log;

use leptos::prelude::ServerFnError;

use crate::backend::FieldError;

/// Where the server functions are served.
pub const PREFIX: &str = "/dash";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hr_session";

/// A refusal as a server function error (JSON of [`FieldError`]), so the page can put
/// the message next to its field.
pub fn refuse(error: FieldError) -> ServerFnError {
    ServerFnError::ServerError(serde_json_lite(&error))
}

/// The [`FieldError`] inside an error from a server function, if it is one of ours.
pub fn field_error(error: &ServerFnError) -> FieldError {
    let text = match error {
        ServerFnError::ServerError(text) => text.clone(),
        other => other.to_string(),
    };
    parse_field_error(&text).unwrap_or_else(|| FieldError::form(text))
}

// A tiny fixed format instead of pulling serde_json into the wasm bundle:
// "<field>\u{1f}<message>", field empty for form-level errors.
fn serde_json_lite(error: &FieldError) -> String {
    format!(
        "{}\u{1f}{}",
        error.field.as_deref().unwrap_or(""),
        error.message
    )
}

fn parse_field_error(text: &str) -> Option<FieldError> {
    let (field, message) = text.split_once('\u{1f}')?;
    Some(FieldError {
        field: (!field.is_empty()).then(|| field.to_string()),
        message: message.to_string(),
    })
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use actix_web::{HttpRequest, http::header};
    use leptos::prelude::*;

    use super::{SESSION_COOKIE, refuse};
    use crate::backend::{FieldError, Session, SharedBackend};

    pub fn backend() -> Result<SharedBackend, ServerFnError> {
        use_context::<SharedBackend>()
            .ok_or_else(|| ServerFnError::ServerError("dashboard backend missing".into()))
    }

    pub async fn request() -> Result<HttpRequest, ServerFnError> {
        leptos_actix::extract::<HttpRequest>()
            .await
            .map_err(|e| ServerFnError::ServerError(e.to_string()))
    }

    fn cookie(req: &HttpRequest) -> Option<String> {
        req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
    }

    /// The signed-in session, if any.
    pub async fn session() -> Result<Option<Session>, ServerFnError> {
        let req = request().await?;
        let Some(cookie) = cookie(&req) else {
            return Ok(None);
        };
        Ok(backend()?.session(cookie).await)
    }

    /// The session, for a read: signed in.
    pub async fn signed_in() -> Result<Session, ServerFnError> {
        session()
            .await?
            .ok_or_else(|| refuse(FieldError::form("You are signed out. Sign in again.")))
    }

    /// The session, for a state-changing call: signed in, the form's CSRF token is the
    /// session's, and the request does not come from another site.
    pub async fn authorized(csrf: &str) -> Result<Session, ServerFnError> {
        let req = request().await?;
        same_origin(&req)?;
        let session = session()
            .await?
            .ok_or_else(|| refuse(FieldError::form("You are signed out. Sign in again.")))?;
        if !constant_time_eq(session.user.csrf.as_bytes(), csrf.as_bytes()) {
            return Err(refuse(FieldError::form(
                "This form expired. Reload the page and try again.",
            )));
        }
        Ok(session)
    }

    /// Refuses a request whose `Origin` (or, without one, `Referer`) names another
    /// host than the one it was sent to.
    pub fn same_origin(req: &HttpRequest) -> Result<(), ServerFnError> {
        let host = req.connection_info().host().to_string();
        let claimed = req
            .headers()
            .get(header::ORIGIN)
            .or_else(|| req.headers().get(header::REFERER))
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split("://")
                    .nth(1)
                    .unwrap_or("")
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_string()
            });
        match claimed {
            Some(origin) if origin != host => Err(refuse(FieldError::form(
                "Refused: this form was sent from another site.",
            ))),
            _ => Ok(()),
        }
    }

    /// Sets (or, with `None`, clears) the session cookie on the response.
    pub fn set_session_cookie(value: Option<&str>, secure: bool) {
        set_cookie(SESSION_COOKIE, value, 7 * 24 * 3600, secure);
    }

    /// An `HttpOnly`, `SameSite=Lax` cookie for the whole site (`Secure` over https);
    /// `None` clears it.
    pub fn set_cookie(name: &str, value: Option<&str>, max_age: u32, secure: bool) {
        let Some(response) = use_context::<leptos_actix::ResponseOptions>() else {
            return;
        };
        let (value, age) = match value {
            Some(v) => (v, max_age),
            None => ("", 0),
        };
        let secure = if secure { "; Secure" } else { "" };
        let cookie =
            format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}{secure}");
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.append_header(header::SET_COOKIE, value);
        }
    }

    /// The client's address, for the login rate limit.
    pub async fn client_address() -> String {
        match request().await {
            Ok(req) => req
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}
