//! The landing page.

use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    // Interactive only once the wasm bundle has hydrated the page: the browser test
    // clicks it to prove hydration works end to end.
    let (clicks, set_clicks) = signal(0u32);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <h1>"hookrelay"</h1>
        <p>"Webhooks, signed, retried and logged."</p>
        <p><a href="/login">"Log in"</a> " · " <a href="/signup">"Sign up"</a></p>
        <p id="hydration-state" data-hydrated=move || hydrated.get().to_string()>
            {move || if hydrated.get() { "interactive" } else { "static" }}
        </p>
        <button id="hydration-probe" on:click=move |_| set_clicks.update(|n| *n += 1)>
            "Clicked " <span id="click-count">{clicks}</span> " times"
        </button>
    }
}
