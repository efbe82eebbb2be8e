//! API keys: create (the key is shown once), list, revoke.

use leptos::{either::Either, prelude::*};

use crate::components::submit::Submit;

use crate::backend::User;
use crate::components::{
    authed::Authed,
    field_error::{ErrorFor, refusal},
};
use crate::server_fns::api_keys::{CreateApiKey, RevokeApiKey, list_api_keys, take_new_api_key};

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    view! { <Authed page=|user: User| view! { <ApiKeys user /> } /> }
}

#[component]
fn ApiKeys(user: User) -> impl IntoView {
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    // The key just created: handed over once (a short-lived cookie, so this also works
    // after a plain form post), then gone.
    let new_key = Resource::new(move || create.version().get(), |_| take_new_api_key());
    let error = refusal(create.value());
    let csrf = user.csrf.clone();
    let form_csrf = user.csrf.clone();
    view! {
        <h1>"API keys"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                new_key.await.ok().flatten().map(|key| view! {
                    <div class="notice" id="new-key">
                        <p>"Your new API key. Copy it now: it is not shown again."</p>
                        <code id="new-key-value">{key}</code>
                    </div>
                })
            })}
        </Suspense>
        <ActionForm action=create attr:class="create">
            <input type="hidden" name="csrf" value=form_csrf />
            <label>"Name" <input type="text" name="name" id="new-key-name" required maxlength="100" placeholder="production" /></label>
            <Submit pending=create.pending() label="Create key" busy="Creating…" id="create-key" />
            <ErrorFor error field="name" />
            <ErrorFor error field="" />
        </ActionForm>
        <Suspense fallback=|| view! { <p class="loading">"Loading keys…"</p> }>
            {move || {
                let csrf = csrf.clone();
                Suspend::new(async move {
                    match keys.await {
                        Ok(list) => Either::Left(view! {
                            <table class="list" id="api-keys">
                                <thead><tr><th>"Name"</th><th>"Key"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|key| {
                                        let csrf = csrf.clone();
                                        let id = key.id.clone();
                                        view! {
                                            <tr data-key=key.id.clone()>
                                                <td>{key.name}</td>
                                                <td><code>{key.prefix}"…"</code></td>
                                                <td>{key.created}</td>
                                                <td>{key.last_used.unwrap_or_else(|| "never".into())}</td>
                                                <td>
                                                    <ActionForm action=revoke attr:class="inline">
                                                        <input type="hidden" name="csrf" value=csrf />
                                                        <input type="hidden" name="id" value=id />
                                                        <button type="submit" class="danger">"Revoke"</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }),
                        Err(e) => Either::Right(view! { <p class="error">{e.to_string()}</p> }),
                    }
                })
            }}
        </Suspense>
    }
}
