//! `POST /api/v1/signup {organization, email, password}` → 201 `{tenantId, apiKey}`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::{
    domain::{Email, OrganizationName, Password},
    error::ApiError,
    extract::ApiJson,
    state::AppState,
    store::NewTenant,
};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupIn {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00]*[^\x00\t\n\x0b\x0c\r ][^\x00]*$"
    )]
    organization: String,
    #[schema(
        max_length = 254,
        pattern = r#"^[^\s@<>()\[\],;:"\\\x00-\x1f\x7f-\x9f]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"#
    )]
    email: String,
    /// At least 10 characters.
    #[schema(min_length = 10, max_length = 1024, format = Password)]
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupOut {
    tenant_id: String,
    api_key: String,
}

/// `POST /api/v1/signup` (registered in `routes::api` with the idempotency layer).
#[utoipa::path(post, path = "/api/v1/signup", tag = "Authentication", request_body = SignupIn, responses((status = 201, description = "The tenant and its first API key", body = SignupOut)), security(()))]
pub async fn signup(
    state: web::Data<AppState>,
    body: ApiJson<SignupIn>,
) -> Result<HttpResponse, ApiError> {
    if !state.settings.signup_enabled {
        return Err(ApiError::Forbidden {
            code: "signup_disabled",
            detail: "sign-up is disabled on this server (HOOKRELAY_SIGNUP_ENABLED=false)",
        });
    }
    let SignupIn {
        organization,
        email,
        password,
    } = body.into_inner();
    let organization = OrganizationName::parse(&organization)
        .map_err(|m| ApiError::validation("organization", m))?;
    let email = Email::parse(&email).map_err(|m| ApiError::validation("email", m))?;
    let password = Password::parse(password).map_err(|m| ApiError::validation("password", m))?;
    // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let password_hash = web::block(move || password.hash())
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let (tenant_id, api_key) = state
        .store
        .create_tenant(NewTenant {
            organization,
            email,
            password_hash,
        })
        .await?;
    tracing::info!(tenant_id = %tenant_id, "tenant signed up");
    Ok(HttpResponse::Created().json(SignupOut {
        tenant_id: tenant_id.to_string(),
        api_key: api_key.reveal().to_string(),
    }))
}
