//! `/api/v1/openapi.json` and `/docs`: the API's description and an interactive page
//! that renders it. The page is one self-contained HTML file (no CDN, no build step),
//! so the docs work on an offline machine.

use std::sync::OnceLock;

use actix_web::{HttpResponse, http::header};
use utoipa::OpenApi;

use crate::openapi::ApiDoc;

const DOCS_PAGE: &str = include_str!("docs.html");

/// The OpenAPI document, generated once.
pub fn openapi_json_text() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes")
    })
}

pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(openapi_json_text())
}

pub async fn docs_page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(DOCS_PAGE)
}
