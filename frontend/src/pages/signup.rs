//! Sign up: creates the organization and its first user, and signs them in.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::field_error::{ErrorFor, refusal};
use crate::server_fns::auth::SignUp;

#[component]
pub fn SignupPage() -> impl IntoView {
    let sign_up = ServerAction::<SignUp>::new();
    let error = refusal(sign_up.value());
    view! {
        <section class="auth">
            <h1>"Create your hookrelay account"</h1>
            <ActionForm action=sign_up>
                <ErrorFor error field="" />
                <label>"Organization" <input type="text" name="organization" required maxlength="200" /></label>
                <ErrorFor error field="organization" />
                <label>"Email" <input type="email" name="email" required autocomplete="username" /></label>
                <ErrorFor error field="email" />
                <label>"Password (at least 10 characters)"
                    <input type="password" name="password" required minlength="10" autocomplete="new-password" />
                </label>
                <ErrorFor error field="password" />
                <button type="submit" id="sign-up" disabled=move || sign_up.pending().get()>
                    {move || if sign_up.pending().get() { "Creating…" } else { "Sign up" }}
                </button>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
