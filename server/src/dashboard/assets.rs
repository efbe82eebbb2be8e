//! The browser bundle (wasm + its JS glue), embedded at build time by `build.rs`.
//! File names carry a content hash, so responses are cacheable forever; a request for
//! any other name is a 404.

use actix_web::{HttpResponse, http::header, web};

include!(concat!(env!("OUT_DIR"), "/bundle.rs"));

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let js_name = format!("{OUTPUT_NAME}.js");
    let wasm_name = format!("{OUTPUT_NAME}_bg.wasm");
    let (body, content_type) = if *file == js_name {
        (JS, "text/javascript; charset=utf-8")
    } else if *file == wasm_name {
        (WASM, "application/wasm")
    } else {
        return HttpResponse::NotFound().finish();
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, IMMUTABLE))
        .insert_header((header::ETAG, format!("\"{OUTPUT_NAME}\"")))
        .body(body)
}
