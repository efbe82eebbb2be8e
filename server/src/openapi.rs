//! The OpenAPI 3 description of `/api/v1`, generated from the handlers and types
//! (utoipa) and served at `/api/v1/openapi.json`; `/docs` renders it.
//!
//! Every operation documents its success responses where it is declared; the error
//! responses every operation can give (`{"code","detail"}` with 400, 401, 404, 409,
//! 413, 415, 422, 429) are added here once, by [`CommonErrors`].

use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::{
        RefOr, Required, ResponseBuilder,
        content::ContentBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};

use crate::routes;

/// Every error body.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documentation only: error.rs builds the real bodies
pub struct HttpError {
    /// Machine-readable: `validation_error`, `not_found`, `conflict`, `unauthorized`, …
    code: String,
    /// Human-readable; a validation error starts with the field's name.
    detail: String,
    /// The field a `validation_error` is about.
    field: Option<String>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hookrelay API",
        description = "Webhook sending, Svix v1-compatible. Authenticate with `Authorization: Bearer hr_…` (from sign-up or `/api/v1/api-keys`). Lists are cursor-paginated: pass `iterator` from a response to get the next page, or its `prevIterator` for the page before. Every POST accepts an `Idempotency-Key` header (replayed for 24 h).",
    ),
    paths(
        routes::signup::signup,
        routes::api_keys::list,
        routes::api_keys::create,
        routes::api_keys::revoke,
        routes::applications::list,
        routes::applications::create,
        routes::applications::get_one,
        routes::applications::replace,
        routes::applications::patch_one,
        routes::applications::delete_one,
        routes::endpoints::list,
        routes::endpoints::create,
        routes::endpoints::get_one,
        routes::endpoints::replace,
        routes::endpoints::patch_one,
        routes::endpoints::delete_one,
        routes::endpoint_extras::get_secret,
        routes::endpoint_extras::rotate_secret,
        routes::endpoint_extras::get_headers,
        routes::endpoint_extras::set_headers,
        routes::endpoint_extras::patch_headers,
        routes::endpoint_extras::stats,
        routes::endpoint_extras::recover,
        routes::endpoint_extras::send_example,
        routes::messages::list,
        routes::messages::create,
        routes::messages::get_one,
        routes::messages::resend,
        routes::attempts::by_endpoint,
        routes::attempts::by_message,
        routes::attempts::get_one,
        routes::event_types::list,
        routes::event_types::create,
        routes::event_types::get_one,
        routes::event_types::replace,
        routes::event_types::patch_one,
        routes::event_types::delete_one,
        routes::settings::get_settings,
        routes::settings::put_settings,
        routes::alerts::get_alerts,
        routes::alerts::put_alerts,
    ),
    components(schemas(HttpError, crate::routes::pagination::Ordering)),
    modifiers(&CommonErrors),
    tags(
        (name = "Authentication", description = "Sign-up and API keys"),
        (name = "Application", description = "Your customers: each has endpoints and messages"),
        (name = "Endpoint", description = "Where an application's messages are delivered"),
        (name = "Message", description = "Events to deliver"),
        (name = "Message Attempt", description = "Delivery attempts"),
        (name = "Event Type", description = "The catalogue of event types"),
        (name = "Settings", description = "How the tenant's webhooks are sent"),
        (name = "Alerts", description = "Email alerts about failing deliveries"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme, and the shared error responses to every operation.
struct CommonErrors;

const ERRORS: &[(&str, &str)] = &[
    ("400", "The body is not valid JSON"),
    ("401", "Missing, malformed, unknown or revoked API key"),
    ("404", "No such object (or it belongs to another tenant)"),
    (
        "409",
        "Conflicts with an existing object, or an Idempotency-Key reused with another request",
    ),
    ("413", "The body is larger than HOOKRELAY_MAX_BODY"),
    ("415", "The body is not application/json"),
    ("422", "A field's value is not acceptable; `field` names it"),
    (
        "429",
        "Over the API key's rate limit, or (POST /msg) more than a second from the tenant's next message slot; see Retry-After",
    ),
];

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("hr_…")
                    .build(),
            ),
        );
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for (status, description) in ERRORS {
                    let response = ResponseBuilder::new()
                        .description(*description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                                    "HttpError",
                                ))))
                                .build(),
                        )
                        .build();
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert(RefOr::T(response));
                }
                // Unique, SDK-friendly ids: `v1.application.create`.
                let tag = operation
                    .tags
                    .as_ref()
                    .and_then(|t| t.first())
                    .map(|t| t.to_lowercase().replace(' ', "-"));
                if let (Some(tag), Some(name)) = (tag, &operation.operation_id) {
                    operation.operation_id = Some(format!("v1.{tag}.{}", name.replace('_', "-")));
                }
                if operation.security.is_none() {
                    operation.security =
                        Some(vec![utoipa::openapi::security::SecurityRequirement::new(
                            "bearer",
                            Vec::<String>::new(),
                        )]);
                }
                if let Some(RefOr::T(body)) = &mut operation.request_body {
                    body.required = Some(Required::True);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_documented_with_errors_and_auth() {
        let doc = ApiDoc::openapi();
        let json = serde_json::to_value(&doc).unwrap();
        let paths = json["paths"].as_object().unwrap();
        let mut ids = std::collections::HashSet::<String>::new();
        assert!(paths.contains_key("/api/v1/app/{app_id}/msg"));
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                assert!(
                    op["responses"]["422"].is_object(),
                    "{method} {path} documents 422"
                );
                assert!(
                    op["security"].is_array(),
                    "{method} {path} says how it is authenticated"
                );
                let id = op["operationId"].as_str().unwrap().to_string();
                assert!(ids.insert(id.clone()), "operationId {id} is unique");
            }
        }
    }
}
