//! Alert settings: recipients, which kinds, throttle window.

use leptos::{either::Either, prelude::*};

use crate::components::submit::Submit;

use crate::backend::{ALERT_KINDS, User};
use crate::components::{
    authed::Authed,
    field_error::{ErrorFor, refusal},
};
use crate::server_fns::alerts::{SaveAlerts, get_alerts};

#[component]
pub fn AlertsPage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <Alerts user /> } /> }
}

#[component]
fn Alerts(user: User) -> impl IntoView {
    let save = ServerAction::<SaveAlerts>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_alerts());
    let error = refusal(save.value());
    let query = leptos_router::hooks::use_query_map();
    let saved = move || {
        matches!(save.value().get(), Some(Ok(()))) || query.with(|q| q.get("saved").is_some())
    };
    let csrf = user.csrf.clone();
    view! {
        <h1>"Alert emails"</h1>
        <p>"Who is emailed when deliveries fail, about what, and how often."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match settings.await {
                        Ok(current) => Either::Left(view! {
                            <ActionForm action=save attr:id="alerts-form">
                                <input type="hidden" name="csrf" value=csrf />
                                <ErrorFor error field="" />
                                <label>"Recipients (one per line)"
                                    <textarea name="recipients" id="recipients" rows="3">{current.recipients.join("\n")}</textarea>
                                </label>
                                <ErrorFor error field="recipients" />
                                <fieldset>
                                    <legend>"Email me when"</legend>
                                    {ALERT_KINDS.iter().map(|(kind, label)| {
                                        let name = kind.replace('.', "_");
                                        let checked = current.kinds.iter().any(|k| k == kind);
                                        view! {
                                            <label class="check">
                                                <input type="checkbox" name=name.clone() id=name value="on" checked=checked />
                                                {*label}
                                            </label>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                <label>"At most one email per endpoint and kind every (minutes)"
                                    <input type="number" name="throttle_minutes" id="throttle" min="1" max="10080" value=current.throttle_minutes />
                                </label>
                                <ErrorFor error field="throttleMinutes" />
                                <Submit pending=save.pending() label="Save" busy="Saving…" id="save-alerts" />
                                {move || saved().then(|| view! { <span class="saved">"Saved."</span> })}
                            </ActionForm>
                        }),
                        Err(e) => Either::Right(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}
