//! The Leptos dashboard mounted in the actix app: server-rendered pages, and the
//! browser bundle built by `build.rs` and served from memory.

mod accounts;
mod alerts;
mod assets;
pub mod backend;
mod chart;
mod chart_cache;
mod endpoints;
mod event_types;
mod log;

use actix_web::web;
use frontend::{App, backend::SharedBackend, shell};
use leptos::{
    config::{Env, LeptosOptions},
    prelude::provide_context,
};
use leptos_actix::{LeptosRoutes, generate_route_list};

/// URL path under which the bundle is served (`/pkg/<name>.js`).
pub const PKG_DIR: &str = "pkg";

/// Leptos' own options: where the hydration script finds the bundle.
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(assets::OUTPUT_NAME)
        .site_pkg_dir(PKG_DIR)
        // Only read by Leptos for optional files (wasm-split manifests) we do not use.
        .site_root("target/site")
        .env(Env::PROD)
        .build()
}

/// Registers the bundle's files, the server functions (`/dash/…`) and every page of
/// the router, each with the backend in its context.
pub fn configure(
    options: LeptosOptions,
    backend: SharedBackend,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let routes = generate_route_list(App);
        let for_fns = backend.clone();
        cfg.app_data(web::Data::new(options.clone()))
            .route(
                &format!("/{PKG_DIR}/{{file}}"),
                web::get().to(assets::serve),
            )
            .route(
                &format!("{}/{{tail:.*}}", frontend::server_fns::PREFIX),
                leptos_actix::handle_server_fns_with_context(move || {
                    provide_context(for_fns.clone())
                }),
            );
        cfg.leptos_routes_with_context(
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        );
    }
}

/// Renders the app for any path no route matched, so its router shows the
/// "not found" page (with a 404 status). Used as the app's default service.
pub fn not_found_page(options: LeptosOptions) -> actix_web::Route {
    leptos_actix::render_app_to_stream(move || shell(options.clone()), leptos_router::Method::Get)
}
