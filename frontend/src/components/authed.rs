//! The signed-in frame: loads the session's user, or sends the visitor to the login
//! page; shows the navigation and the page with the user (and its CSRF token).

use leptos::{either::Either, prelude::*};
use leptos_router::components::{A, Redirect};

use crate::backend::User;
use crate::server_fns::auth::{LogOut, current_user};

#[component]
pub fn Authed<F, V>(page: F) -> impl IntoView
where
    F: Fn(User) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let user = Resource::new(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => Either::Left(view! {
                            <Nav user=user.clone() />
                            <section class="page">{page(user)}</section>
                        }),
                        _ => {
                            send_to_login();
                            Either::Right(view! { <Redirect path="/login" /> })
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Nav(user: User) -> impl IntoView {
    // A plain form, with or without JavaScript: logging out reloads the whole page,
    // leaving nothing of the session in the browser's memory.
    let log_out = <LogOut as leptos::server_fn::ServerFn>::PATH;
    view! {
        <header class="top">
            <strong class="brand">"hookrelay"</strong>
            <nav>
                <A href="/apps">"Applications"</A>
                <A href="/event-types">"Event types"</A>
                <A href="/api-keys">"API keys"</A>
                <A href="/alerts">"Alerts"</A>
            </nav>
            <span class="who">{user.organization.clone()} " · " {user.email.clone()}</span>
            <form method="post" action=log_out class="inline">
                <input type="hidden" name="csrf" value=user.csrf.clone() />
                <button type="submit" id="log-out">"Log out"</button>
            </form>
        </header>
    }
}

/// On the server, a real `302` to the login page (a browser without JavaScript follows
/// it); in the browser, `<Redirect>` navigates.
fn send_to_login() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_actix::ResponseOptions>() {
        use actix_web::http::{StatusCode, header};
        response.set_status(StatusCode::FOUND);
        response.insert_header(header::LOCATION, header::HeaderValue::from_static("/login"));
    }
}
