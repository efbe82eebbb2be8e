//! One endpoint: its signing secret (masked, revealed on demand, copyable), rotation
//! with confirmation, a test event, recovery of failed messages, its recent attempts,
//! enable/disable and delete.

use leptos::{either::EitherOf3, prelude::*};

use crate::components::submit::Submit;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::backend::{EndpointDetail, User};
use crate::components::{
    authed::Authed,
    chart::DeliveryChart,
    field_error::{ErrorFor, refusal},
    missing::{Missing, is_missing},
};
use crate::server_fns::endpoints::{
    DeleteEndpoint, EditEndpoint, Recover, RotateSecret, SendTest, SetEndpointDisabled,
    get_endpoint,
};

#[component]
pub fn EndpointPage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <Endpoint user /> } /> }
}

#[derive(Clone, Copy)]
struct Actions {
    rotate: ServerAction<RotateSecret>,
    test: ServerAction<SendTest>,
    recover: ServerAction<Recover>,
    toggle: ServerAction<SetEndpointDisabled>,
    delete: ServerAction<DeleteEndpoint>,
    edit: ServerAction<EditEndpoint>,
}

#[component]
fn Endpoint(user: User) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let ids = move || {
        params.with(|p| {
            (
                p.get("app").unwrap_or_default(),
                p.get("endpoint").unwrap_or_default(),
            )
        })
    };
    let reveal = move || query.with(|q| q.get("reveal").is_some());
    let actions = Actions {
        rotate: ServerAction::new(),
        test: ServerAction::new(),
        recover: ServerAction::new(),
        toggle: ServerAction::new(),
        delete: ServerAction::new(),
        edit: ServerAction::new(),
    };
    let detail = Resource::new(
        move || {
            (
                ids(),
                reveal(),
                actions.rotate.version().get(),
                actions.test.version().get(),
                actions.recover.version().get(),
                actions.toggle.version().get(),
                actions.edit.version().get(),
            )
        },
        |((app, endpoint), reveal, ..)| get_endpoint(app, endpoint, reveal),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading endpoint…"</p> }>
            {move || {
                let csrf = user.csrf.clone();
                Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => EitherOf3::A(view! { <EndpointView detail csrf actions /> }),
                        Err(e) if is_missing(&e) => EitherOf3::B(view! { <Missing /> }),
                        Err(e) => EitherOf3::C(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn EndpointView(detail: EndpointDetail, csrf: String, actions: Actions) -> impl IntoView {
    let EndpointDetail {
        app,
        endpoint: ep,
        secret,
        revealed,
        pending,
        failed,
        attempts,
        hours,
    } = detail;
    let here = format!("/apps/{}/endpoints/{}", app.id, ep.id);
    // Each form carries the token and the ids (a fresh copy per form: a form's
    // children are moved into it).
    let hidden = || {
        view! {
            <input type="hidden" name="csrf" value=csrf.clone() />
            <input type="hidden" name="app" value=app.id.clone() />
            <input type="hidden" name="endpoint" value=ep.id.clone() />
        }
        .into_any()
    };
    let (for_rotate, for_test, for_recover, for_toggle, for_delete, for_edit) =
        (hidden(), hidden(), hidden(), hidden(), hidden(), hidden());
    let edit_error = refusal(actions.edit.value());
    let (current_url, current_description) = (ep.url.clone(), ep.description.clone());
    let current_types = ep.event_types.join(", ");
    let test_error = refusal(actions.test.value());
    let recover_error = refusal(actions.recover.value());
    let recovered = move || match actions.recover.value().get() {
        Some(Ok(n)) => Some(view! { <span class="saved">{format!("{n} queued again.")}</span> }),
        _ => None,
    };
    let rate = match ep.success_rate_24h {
        Some(r) => format!(
            "{r}% of {} deliveries in the last 24 h succeeded",
            ep.finished_24h
        ),
        None => "No deliveries in the last 24 h".into(),
    };
    let (toggle_label, next) = if ep.disabled {
        ("Enable", "false")
    } else {
        ("Disable", "true")
    };
    view! {
        <p>
            <a href="/apps">"Applications"</a> " / "
            <a href=format!("/apps/{}", app.id)>{app.name.clone()}</a> " / endpoint"
        </p>
        <h1 class="url">{ep.url.clone()}</h1>
        <p>
            <span class=if ep.disabled { "disabled" } else { "enabled" } id="endpoint-status">
                {if ep.disabled { "Disabled" } else { "Enabled" }}
            </span>
            " · " {rate} " · " {pending} " pending · " {failed} " failed"
        </p>

        <DeliveryChart hours />

        <h2>"Signing secret"</h2>
        <p class="secret">
            <code id="secret">{secret.clone()}</code> " "
            {if revealed {
                view! {
                    <a href=here.clone() rel="external">"Hide"</a> " "
                    <button type="button" id="copy-secret" onclick=format!("navigator.clipboard.writeText('{secret}')")>"Copy"</button>
                }.into_any()
            } else {
                // A full page load (`rel=external`): the secret is rendered by the
                // server only when asked for, and never kept in the browser's app.
                view! { <a id="reveal-secret" rel="external" href=format!("{here}?reveal=1")>"Reveal"</a> }.into_any()
            }}
        </p>
        <ActionForm action=actions.rotate attr:class="inline" attr:onsubmit="return confirm('Rotate the signing secret? The current one stays valid for 24 hours.')">
            {for_rotate}
            <Submit pending=actions.rotate.pending() label="Rotate secret" busy="Rotating…" id="rotate-secret" />
            <span class="hint">"The current secret keeps working for 24 hours after rotating."</span>
        </ActionForm>
        {move || matches!(actions.rotate.value().get(), Some(Ok(()))).then(|| view! { <p class="saved" id="rotated">"Rotated. Both secrets are valid for the next 24 hours."</p> })}

        <h2>"Send a test event"</h2>
        <ActionForm action=actions.test attr:class="create">
            {for_test}
            <label>"Event type" <input type="text" name="event_type" id="test-event-type" value="test.event" required /></label>
            <Submit pending=actions.test.pending() label="Send" busy="Sending…" id="send-test" />
            <ErrorFor error=test_error field="event_type" />
            <ErrorFor error=test_error field="" />
        </ActionForm>

        <h2>"Recover failed messages"</h2>
        <ActionForm action=actions.recover attr:class="create">
            {for_recover}
            <label>"Failed in the last"
                <select name="hours">
                    <option value="1">"hour"</option>
                    <option value="6">"6 hours"</option>
                    <option value="24" selected>"24 hours"</option>
                    <option value="168">"7 days"</option>
                </select>
            </label>
            <Submit pending=actions.recover.pending() label="Recover" busy="Recovering…" id="recover" />
            {recovered}
            <ErrorFor error=recover_error field="hours" />
        </ActionForm>

        <h2>"Recent attempts"</h2>
        {if attempts.is_empty() {
            view! { <p class="empty">"No attempts yet — send a test event."</p> }.into_any()
        } else {
            view! {
                <table class="list" id="attempts">
                    <thead><tr><th>"When"</th><th>"Result"</th><th>"Duration"</th><th>"Message"</th></tr></thead>
                    <tbody>
                        {attempts.into_iter().map(|a| {
                            let result = match (a.succeeded, a.status_code, a.error.clone()) {
                                (true, code, _) => format!("HTTP {code}"),
                                (false, 0, Some(error)) => error,
                                (false, code, _) => format!("HTTP {code}"),
                            };
                            view! {
                                <tr class=if a.succeeded { "ok" } else { "failed" }>
                                    <td>{a.when}</td>
                                    <td>{result}</td>
                                    <td>{format!("{} ms", a.duration_ms)}</td>
                                    <td><code>{a.message_id}</code></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}

        <h2>"Edit"</h2>
        <ActionForm action=actions.edit attr:class="create" attr:id="edit-endpoint">
            {for_edit}
            <label>"URL" <input type="url" name="url" id="edit-url" value=current_url required /></label>
            <label>"Description" <input type="text" name="description" value=current_description maxlength="4096" /></label>
            <label>"Event types (comma-separated; empty = all)" <input type="text" name="event_types" id="edit-types" value=current_types /></label>
            <Submit pending=actions.edit.pending() label="Save" busy="Saving…" id="save-endpoint" />
            <ErrorFor error=edit_error field="url" />
            <ErrorFor error=edit_error field="event_types" />
            <ErrorFor error=edit_error field="description" />
        </ActionForm>

        <h2>"Manage"</h2>
        <ActionForm action=actions.toggle attr:class="inline">
            {for_toggle}
            <input type="hidden" name="disabled" value=next />
            <button type="submit" id="toggle-endpoint">{toggle_label}</button>
        </ActionForm>
        " "
        <ActionForm action=actions.delete attr:class="inline" attr:onsubmit="return confirm('Delete this endpoint and its delivery history?')">
            {for_delete}
            <Submit pending=actions.delete.pending() label="Delete endpoint" busy="Deleting…" id="delete-endpoint" class="danger" />
        </ActionForm>
    }
}
