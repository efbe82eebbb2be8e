//! What a page shows for an id that does not exist or is another tenant's: the same
//! 404 page as an unknown path, with a 404 status.

use leptos::prelude::*;

use crate::backend::{FieldError, NOT_FOUND};
use crate::server_fns::field_error;

/// Whether a server function's error means "no such thing".
pub fn is_missing(error: &ServerFnError) -> bool {
    matches!(field_error(error), FieldError { field: Some(f), .. } if f == NOT_FOUND)
}

#[component]
pub fn Missing() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_actix::ResponseOptions>() {
        response.set_status(actix_web::http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Not found"</h1>
        <p>"There is nothing here. " <a href="/apps">"Back to your applications"</a></p>
    }
}
