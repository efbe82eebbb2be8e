//! Shown for any path the router does not know.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        // A real 404 status, not a 200 with an error page, so crawlers and tests see it.
        if let Some(resp) = use_context::<leptos_actix::ResponseOptions>() {
            resp.set_status(actix_web::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <h1>"Not found"</h1>
        <p>"There is nothing here. " <a href="/">"Go home"</a></p>
    }
}
