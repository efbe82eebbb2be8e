//! One message: its payload, the headers its deliveries carry, every attempt with its
//! response, and a resend button per endpoint.

use leptos::{either::EitherOf3, prelude::*};
use leptos_router::hooks::use_params_map;

use crate::backend::{MessageDetail, User};
use crate::components::{
    authed::Authed,
    missing::{Missing, is_missing},
};
use crate::pages::delivery_log::result_text;
use crate::server_fns::log::{Resend, get_message};

#[component]
pub fn MessagePage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <Message user /> } /> }
}

#[component]
fn Message(user: User) -> impl IntoView {
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            (
                p.get("app").unwrap_or_default(),
                p.get("message").unwrap_or_default(),
            )
        })
    };
    let resend = ServerAction::<Resend>::new();
    let detail = Resource::new(
        move || (ids(), resend.version().get()),
        |((app, message), _)| get_message(app, message),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the message…"</p> }>
            {move || {
                let csrf = user.csrf.clone();
                Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => EitherOf3::A(view! { <MessageView detail csrf resend /> }),
                        Err(e) if is_missing(&e) => EitherOf3::B(view! { <Missing /> }),
                        Err(e) => EitherOf3::C(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn MessageView(detail: MessageDetail, csrf: String, resend: ServerAction<Resend>) -> impl IntoView {
    let app_id = detail.app.id.clone();
    let message_id = detail.id.clone();
    let queued = move || {
        matches!(resend.value().get(), Some(Ok(()))).then(
            || view! { <p class="saved" id="resent">"Queued: a new attempt is on its way."</p> },
        )
    };
    view! {
        <p><a href="/apps">"Applications"</a> " / "
           <a href=format!("/apps/{}", detail.app.id)>{detail.app.name.clone()}</a> " / "
           <a href=format!("/apps/{}/log", detail.app.id)>"delivery log"</a></p>
        <h1>"Message " <code>{detail.id.clone()}</code></h1>
        <p>{detail.event_type.clone()} " · " {detail.created.clone()}</p>
        <h2>"Payload"</h2>
        <pre id="payload">{detail.payload.clone()}</pre>
        <h2>"Headers sent"</h2>
        <table class="list">
            <tbody>
                {detail.headers.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td><code>{v}</code></td></tr> }).collect_view()}
            </tbody>
        </table>
        <h2>"Resend"</h2>
        {queued}
        {detail.endpoints.into_iter().map(|(endpoint, url)| {
            let (csrf, app, message) = (csrf.clone(), app_id.clone(), message_id.clone());
            view! {
                <ActionForm action=resend attr:class="inline">
                    <input type="hidden" name="csrf" value=csrf />
                    <input type="hidden" name="app" value=app />
                    <input type="hidden" name="message" value=message />
                    <input type="hidden" name="endpoint" value=endpoint />
                    <button type="submit" class="resend">"Resend to " {url}</button>
                </ActionForm>
            }
        }).collect_view()}
        <h2>"Attempts"</h2>
        {if detail.attempts.is_empty() {
            view! { <p class="empty">"No attempts yet."</p> }.into_any()
        } else {
            view! {
                <table class="list" id="message-attempts">
                    <thead><tr><th>"When"</th><th>"Result"</th><th>"Endpoint"</th><th>"Response"</th></tr></thead>
                    <tbody>
                        {detail.attempts.into_iter().map(|row| {
                            let result = result_text(&row);
                            view! {
                                <tr class=if row.attempt.succeeded { "ok" } else { "failed" }>
                                    <td>{row.attempt.when.clone()}</td>
                                    <td>{result}</td>
                                    <td>{row.url.clone()}</td>
                                    <td><pre class="response">{row.response.clone()}</pre></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
