//! A form's submit button that shows its action is running: it says what it is doing
//! ("Sending…"), is marked `aria-busy` and cannot be pressed twice. Without
//! JavaScript it is a plain submit button and the browser's own loading shows.

use leptos::prelude::*;

#[component]
pub fn Submit(
    /// The action's `pending()`.
    #[prop(into)]
    pending: Signal<bool>,
    /// What the button says at rest.
    label: &'static str,
    /// What it says while the action runs.
    busy: &'static str,
    #[prop(optional)] id: &'static str,
    #[prop(optional)] class: &'static str,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            id=(!id.is_empty()).then_some(id)
            class=(!class.is_empty()).then_some(class)
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
        >
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}
