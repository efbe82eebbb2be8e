//! Log in.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::field_error::{ErrorFor, refusal};
use crate::server_fns::auth::LogIn;

#[component]
pub fn LoginPage() -> impl IntoView {
    let log_in = ServerAction::<LogIn>::new();
    let error = refusal(log_in.value());
    view! {
        <section class="auth">
            <h1>"Log in to hookrelay"</h1>
            <ActionForm action=log_in>
                <ErrorFor error field="" />
                <label>"Email" <input type="email" name="email" required autocomplete="username" /></label>
                <ErrorFor error field="email" />
                <label>"Password" <input type="password" name="password" required autocomplete="current-password" /></label>
                <ErrorFor error field="password" />
                <button type="submit" id="log-in" disabled=move || log_in.pending().get()>
                    {move || if log_in.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p>"No account yet? " <A href="/signup">"Sign up"</A></p>
        </section>
    }
}
