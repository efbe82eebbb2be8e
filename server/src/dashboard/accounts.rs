//! Accounts in the dashboard: sign-up and sign-in (rate-limited per account and per
//! client address).

use frontend::backend::FieldError;

use super::backend::{DashboardBackend, internal};
use crate::{
    domain::{Email, OrganizationName, Password},
    store::{NewTenant, StoreError},
};

impl DashboardBackend {
    pub(super) async fn sign_up(
        &self,
        organization: String,
        email: String,
        password: String,
    ) -> Result<String, FieldError> {
        if !self.settings.signup_enabled {
            return Err(FieldError::form("Sign-up is disabled on this server."));
        }
        let organization = OrganizationName::parse(&organization)
            .map_err(|m| FieldError::on("organization", format!("Organization {m}")))?;
        let email = Email::parse(email.trim())
            .map_err(|m| FieldError::on("email", format!("Email {m}")))?;
        let password = Password::parse(password)
            .map_err(|m| FieldError::on("password", format!("Password {m}")))?;
        let password_hash = tokio::task::spawn_blocking(move || password.hash())
            .await
            .map_err(|_| FieldError::form("Something went wrong on our side. Try again."))?;
        let (tenant_id, _) = self
            .store
            .create_tenant(NewTenant {
                organization,
                email,
                password_hash,
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) => FieldError::on("email", m),
                e => internal(e),
            })?;
        tracing::info!(tenant_id = %tenant_id, "tenant signed up in the dashboard");
        let user = self.store.first_user(&tenant_id).await.map_err(internal)?;
        self.start_session(&user).await
    }

    pub(super) async fn log_in(
        &self,
        email: String,
        password: String,
        client: String,
    ) -> Result<String, FieldError> {
        let account = email.trim().to_lowercase();
        if self.per_address.check_key(&client).is_err()
            || self.per_account.check_key(&account).is_err()
        {
            tracing::warn!("dashboard sign-in rate-limited");
            return Err(FieldError::form(
                "Too many sign-in attempts. Wait a minute, then try again.",
            ));
        }
        let wrong = || FieldError::form("Wrong email or password.");
        let email = Email::parse(&account).map_err(|_| wrong())?;
        let password = Password::parse(password).map_err(|_| wrong())?;
        let user = self
            .store
            .check_password(&email, password)
            .await
            .map_err(internal)?
            .ok_or_else(wrong)?;
        self.start_session(&user).await
    }
}
