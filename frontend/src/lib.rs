//! hookrelay's dashboard.
//!
//! One crate, two builds: with `ssr` it is linked into the server, which renders every
//! page to HTML; with `hydrate` it is compiled to wasm32 and takes over that HTML in the
//! browser. This crate never depends on `server`: whatever it needs from the backend it
//! will reach through server functions whose bodies the server provides.

pub mod app;
pub mod pages;

pub use app::{App, shell};

/// Entry point of the browser bundle: called by Leptos' hydration script once the
/// wasm module has loaded.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
