//! Applications: list, create, rename, delete.

use leptos::{either::Either, prelude::*};

use crate::backend::{AppRow, User};
use crate::components::{
    authed::Authed,
    field_error::{ErrorFor, refusal},
};
use crate::server_fns::apps::{CreateApp, DeleteApp, RenameApp, list_apps};

#[component]
pub fn AppsPage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <Apps user /> } /> }
}

#[component]
fn Apps(user: User) -> impl IntoView {
    let create = ServerAction::<CreateApp>::new();
    let rename = ServerAction::<RenameApp>::new();
    let delete = ServerAction::<DeleteApp>::new();
    let apps = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |_| list_apps(),
    );
    let create_error = refusal(create.value());
    let rename_error = refusal(rename.value());
    let csrf = user.csrf.clone();
    let form_csrf = user.csrf.clone();
    view! {
        <h1>"Applications"</h1>
        <ActionForm action=create attr:class="create">
            <input type="hidden" name="csrf" value=form_csrf />
            <label>"New application" <input type="text" name="name" id="new-app-name" required maxlength="256" placeholder="Acme Shop" /></label>
            <button type="submit" id="create-app" disabled=move || create.pending().get()>
                {move || if create.pending().get() { "Creating…" } else { "Create" }}
            </button>
            <ErrorFor error=create_error field="name" />
            <ErrorFor error=create_error field="" />
        </ActionForm>
        <ErrorFor error=rename_error field="name" />
        <Suspense fallback=|| view! { <p class="loading">"Loading applications…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match apps.await {
                        Ok(list) if list.is_empty() => Either::Left(view! {
                            <p class="empty">"No applications yet — create one above."</p>
                        }.into_any()),
                        Ok(list) => Either::Left(view! {
                            <table class="list" id="apps">
                                <thead><tr><th>"Name"</th><th>"Id"</th><th>"Created"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|app| view! { <AppRowView app csrf=csrf.clone() rename delete /> }).collect_view()}
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

#[component]
fn AppRowView(
    app: AppRow,
    csrf: String,
    rename: ServerAction<RenameApp>,
    delete: ServerAction<DeleteApp>,
) -> impl IntoView {
    let (rename_csrf, rename_id, name) = (csrf.clone(), app.id.clone(), app.name.clone());
    let (delete_csrf, delete_id) = (csrf, app.id.clone());
    view! {
        <tr data-app=app.id.clone()>
            <td>
                <a class="name" href=format!("/apps/{}", app.id)><strong>{app.name.clone()}</strong></a>
                <ActionForm action=rename attr:class="inline">
                    <input type="hidden" name="csrf" value=rename_csrf />
                    <input type="hidden" name="id" value=rename_id />
                    <input type="text" name="name" value=name required aria-label="Name" />
                    <button type="submit">"Rename"</button>
                </ActionForm>
            </td>
            <td><code>{app.id.clone()}</code></td>
            <td>{app.created.clone()}</td>
            <td>
                <ActionForm action=delete attr:class="inline">
                    <input type="hidden" name="csrf" value=delete_csrf />
                    <input type="hidden" name="id" value=delete_id />
                    <button type="submit" class="danger">"Delete"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
