//! Error messages next to the field that caused them.

use leptos::prelude::*;

use crate::backend::FieldError;
use crate::server_fns::field_error;

/// The refusal in an action's latest result (`action.value()`), if any.
pub fn refusal<T, V>(value: V) -> Signal<Option<FieldError>>
where
    T: Clone + Send + Sync + 'static,
    V: Get<Value = Option<Result<T, ServerFnError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(e)) => Some(field_error(&e)),
        _ => None,
    })
}

/// Shows the message when the refusal is about `field` (`""` = the whole form).
#[component]
pub fn ErrorFor(error: Signal<Option<FieldError>>, field: &'static str) -> impl IntoView {
    move || {
        error.get().and_then(|e| {
            let matches = match &e.field {
                Some(f) => f == field,
                None => field.is_empty(),
            };
            matches.then(|| view! { <p class="error" data-field=field>{e.message}</p> })
        })
    }
}
