//! hookrelay's dashboard.
//!
//! One crate, two builds: with `ssr` it is linked into the server, which renders every
//! page to HTML; with `hydrate` it is compiled to wasm32 and takes over that HTML in the
//! browser. This crate never depends on `server`: it defines what it needs as the
//! [`backend::Backend`] trait, which the server implements and provides as context to
//! the server functions (`server_fns/`).

pub mod app;
pub mod backend;
pub mod components;
pub mod pages;
pub mod server_fns;

pub use app::{App, shell};

/// Entry point of the browser bundle: called by Leptos' hydration script once the
/// wasm module has loaded.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
