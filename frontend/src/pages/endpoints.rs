//! An application's endpoints: list with status and 24 h success rate, register,
//! enable/disable, delete.

use leptos::{either::EitherOf3, prelude::*};
use leptos_router::hooks::use_params_map;

use crate::backend::{EndpointRow, User};
use crate::components::{
    authed::Authed,
    field_error::{ErrorFor, refusal},
    missing::{Missing, is_missing},
};
use crate::server_fns::endpoints::{CreateEndpoint, SetEndpointDisabled, get_app, list_endpoints};

#[component]
pub fn EndpointsPage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <Endpoints user /> } /> }
}

#[component]
fn Endpoints(user: User) -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.with(|p| p.get("app").unwrap_or_default());
    let create = ServerAction::<CreateEndpoint>::new();
    let toggle = ServerAction::<SetEndpointDisabled>::new();
    let data = Resource::new(
        move || (app_id(), create.version().get(), toggle.version().get()),
        |(app, ..)| async move {
            let details = get_app(app.clone()).await?;
            let endpoints = list_endpoints(app).await?;
            Ok::<_, ServerFnError>((details, endpoints))
        },
    );
    let error = refusal(create.value());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading endpoints…"</p> }>
            {move || {
                let csrf = user.csrf.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok((app, endpoints)) => {
                            let empty = endpoints.is_empty();
                            let rows = endpoints
                                .into_iter()
                                .map(|ep| view! { <EndpointRowView ep app=app.id.clone() csrf=csrf.clone() toggle /> })
                                .collect_view();
                            let (form_csrf, form_app) = (csrf.clone(), app.id.clone());
                            EitherOf3::A(view! {
                                <p><a href="/apps">"Applications"</a> " / " {app.name.clone()}</p>
                                <h1>{app.name.clone()} " — endpoints"</h1>
                                <p><a id="delivery-log" href=format!("/apps/{}/log", app.id)>"Delivery log →"</a></p>
                                <ActionForm action=create attr:class="create" attr:id="new-endpoint">
                                    <input type="hidden" name="csrf" value=form_csrf />
                                    <input type="hidden" name="app" value=form_app />
                                    <label>"URL" <input type="url" name="url" id="endpoint-url" required placeholder="https://example.com/webhooks" /></label>
                                    <label>"Description" <input type="text" name="description" maxlength="4096" /></label>
                                    <label>"Event types (comma-separated; empty = all)" <input type="text" name="event_types" id="endpoint-types" placeholder="invoice.paid, user.created" /></label>
                                    <button type="submit" id="add-endpoint" disabled=move || create.pending().get()>
                                        {move || if create.pending().get() { "Adding…" } else { "Add endpoint" }}
                                    </button>
                                    <ErrorFor error field="url" />
                                    <ErrorFor error field="event_types" />
                                    <ErrorFor error field="description" />
                                    <ErrorFor error field="" />
                                </ActionForm>
                                {if empty {
                                    view! { <p class="empty">"No endpoints yet — add one above."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="list" id="endpoints">
                                            <thead><tr><th>"URL"</th><th>"Status"</th><th>"Success (24 h)"</th><th>"Event types"</th><th></th></tr></thead>
                                            <tbody>{rows}</tbody>
                                        </table>
                                    }.into_any()
                                }}
                            })
                        }
                        Err(e) if is_missing(&e) => EitherOf3::B(view! { <Missing /> }),
                        Err(e) => EitherOf3::C(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn EndpointRowView(
    ep: EndpointRow,
    app: String,
    csrf: String,
    toggle: ServerAction<SetEndpointDisabled>,
) -> impl IntoView {
    let link = format!("/apps/{app}/endpoints/{}", ep.id);
    let rate = match ep.success_rate_24h {
        Some(r) => format!("{r}% of {}", ep.finished_24h),
        None => "no deliveries".into(),
    };
    let types = if ep.event_types.is_empty() {
        "all".to_string()
    } else {
        ep.event_types.join(", ")
    };
    let (status, button, next) = if ep.disabled {
        ("disabled", "Enable", "false")
    } else {
        ("enabled", "Disable", "true")
    };
    let endpoint_id = ep.id.clone();
    view! {
        <tr data-endpoint=ep.id.clone()>
            <td><a href=link>{ep.url.clone()}</a></td>
            <td class=status>{status}</td>
            <td>{rate}</td>
            <td>{types}</td>
            <td>
                <ActionForm action=toggle attr:class="inline">
                    <input type="hidden" name="csrf" value=csrf />
                    <input type="hidden" name="app" value=app />
                    <input type="hidden" name="endpoint" value=endpoint_id />
                    <input type="hidden" name="disabled" value=next />
                    <button type="submit" class="toggle">{button}</button>
                </ActionForm>
            </td>
        </tr>
    }
}
