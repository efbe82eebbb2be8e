//! HTTP routes, one module per resource.

pub mod alerts;
pub mod api_keys;
pub mod applications;
pub mod attempts;
pub mod endpoint_extras;
pub mod endpoints;
pub mod event_types;
pub mod fallback;
pub mod fields;
pub mod health;
pub mod messages;
pub mod metrics;
pub mod pagination;
pub mod schemas;
pub mod settings;
pub mod signup;

use actix_web::{middleware::from_fn, web};

use crate::{auth::require_api_key, idempotency::idempotency};

/// `/api/v1`: sign-up is public, everything else needs an API key. Unknown paths
/// under `/api` answer a JSON 404.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .service(
                web::scope("/v1")
                    .route("/openapi.json", web::get().to(crate::docs::openapi_json))
                    .service(
                        web::resource("/signup")
                            .wrap(from_fn(idempotency))
                            .route(web::post().to(signup::signup)),
                    )
                    .service(
                        web::scope("")
                            // Outermost last: authenticate, then idempotency (keys are per tenant).
                            .wrap(from_fn(idempotency))
                            .wrap(from_fn(require_api_key))
                            // Routes are matched in order: the hot path first.
                            .configure(messages::routes)
                            .configure(api_keys::routes)
                            .configure(applications::routes)
                            .configure(endpoints::routes)
                            .configure(endpoint_extras::routes)
                            .configure(attempts::routes)
                            .configure(event_types::routes)
                            .configure(settings::routes)
                            .configure(alerts::routes)
                            .default_service(web::to(fallback::api_not_found)),
                    ),
            )
            .default_service(web::to(fallback::api_not_found)),
    );
}

/// PUT answers 201 when it created the object, 200 when it replaced one.
pub fn created_or_ok(created: bool) -> actix_web::HttpResponseBuilder {
    if created {
        actix_web::HttpResponse::Created()
    } else {
        actix_web::HttpResponse::Ok()
    }
}
