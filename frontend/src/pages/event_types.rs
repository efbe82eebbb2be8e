//! Event types: list, create, archive.

use leptos::{either::Either, prelude::*};

use crate::components::submit::Submit;

use crate::backend::User;
use crate::components::{
    authed::Authed,
    field_error::{ErrorFor, refusal},
};
use crate::server_fns::event_types::{CreateEventType, SetEventTypeArchived, list_event_types};

#[component]
pub fn EventTypesPage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <EventTypes user /> } /> }
}

#[component]
fn EventTypes(user: User) -> impl IntoView {
    let create = ServerAction::<CreateEventType>::new();
    let archive = ServerAction::<SetEventTypeArchived>::new();
    let types = Resource::new(
        move || (create.version().get(), archive.version().get()),
        |_| list_event_types(),
    );
    let error = refusal(create.value());
    let form_csrf = user.csrf.clone();
    let csrf = user.csrf.clone();
    view! {
        <h1>"Event types"</h1>
        <ActionForm action=create attr:class="create">
            <input type="hidden" name="csrf" value=form_csrf />
            <label>"Name" <input type="text" name="name" id="event-type-name" required maxlength="256" placeholder="invoice.paid" /></label>
            <label>"Description" <input type="text" name="description" maxlength="4096" /></label>
            <Submit pending=create.pending() label="Create" busy="Creating…" id="create-event-type" />
            <ErrorFor error field="name" />
            <ErrorFor error field="description" />
            <ErrorFor error field="" />
        </ActionForm>
        <Suspense fallback=|| view! { <p class="loading">"Loading event types…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match types.await {
                        Ok(list) if list.is_empty() => Either::Left(view! {
                            <p class="empty">"No event types yet — create one above. Messages may use any type; listing them here documents them."</p>
                        }.into_any()),
                        Ok(list) => Either::Left(view! {
                            <table class="list" id="event-types">
                                <thead><tr><th>"Name"</th><th>"Description"</th><th>"State"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|et| {
                                        let (state, label, next) = if et.archived {
                                            ("archived", "Restore", "false")
                                        } else {
                                            ("active", "Archive", "true")
                                        };
                                        let (csrf, name) = (csrf.clone(), et.name.clone());
                                        view! {
                                            <tr data-event-type=et.name.clone()>
                                                <td><code>{et.name.clone()}</code></td>
                                                <td>{et.description}</td>
                                                <td class=state>{state}</td>
                                                <td>
                                                    <ActionForm action=archive attr:class="inline">
                                                        <input type="hidden" name="csrf" value=csrf />
                                                        <input type="hidden" name="name" value=name />
                                                        <input type="hidden" name="archived" value=next />
                                                        <button type="submit">{label}</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()),
                        Err(e) => Either::Right(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}
