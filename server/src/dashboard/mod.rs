//! The Leptos dashboard mounted in the actix app: server-rendered pages, and the
//! browser bundle built by `build.rs` and served from memory.

mod assets;

use actix_web::web;
use frontend::{App, shell};
use leptos::config::{Env, LeptosOptions};
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

/// Registers the bundle's files and every page of the router.
pub fn configure(options: LeptosOptions) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let routes = generate_route_list(App);
        cfg.app_data(web::Data::new(options.clone())).route(
            &format!("/{PKG_DIR}/{{file}}"),
            web::get().to(assets::serve),
        );
        cfg.leptos_routes(routes, move || shell(options.clone()));
    }
}

/// Renders the app for any path no route matched, so its router shows the
/// "not found" page (with a 404 status). Used as the app's default service.
pub fn not_found_page(options: LeptosOptions) -> actix_web::Route {
    leptos_actix::render_app_to_stream(move || shell(options.clone()), leptos_router::Method::Get)
}
