//! Dashboard accounts: checking a password, and sessions (a random cookie stored as
//! its SHA-256, with a CSRF token and an expiry).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::domain::{Email, Password, PasswordHash, TenantId};
use crate::entities::{dashboard_session, tenant, tenant_user};

/// How long a dashboard session lasts.
pub const SESSION_LIFETIME: Duration = Duration::days(7);

/// A signed-in user, as the dashboard needs them.
#[derive(Debug, Clone)]
pub struct DashboardUser {
    pub user_id: String,
    pub tenant_id: TenantId,
    pub email: String,
    pub organization: String,
    pub csrf_token: String,
}

/// A new session: the cookie value (only here, in plain) and who it is.
pub struct NewSession {
    pub cookie: String,
    pub user: DashboardUser,
}

fn hash(cookie: &str) -> String {
    hex::encode(Sha256::digest(cookie.as_bytes()))
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(crate::crypto::random_bytes::<32>())
}

impl Store {
    /// The user with this email and password, or `None` (for either being wrong: the
    /// caller cannot tell which, nor can an attacker). The hash is checked even for an
    /// unknown address, so timing does not tell either.
    pub async fn check_password(
        &self,
        email: &Email,
        password: Password,
    ) -> Result<Option<tenant_user::Model>, StoreError> {
        let user = tenant_user::Entity::find()
            .filter(tenant_user::Column::Email.eq(email.as_str()))
            .one(&self.db)
            .await?;
        let hash = user.as_ref().map_or_else(
            || DUMMY_HASH.clone(),
            |u| PasswordHash(u.password_hash.clone()),
        );
        let ok = tokio::task::spawn_blocking(move || password.verify(&hash))
            .await
            .unwrap_or(false);
        Ok(user.filter(|_| ok))
    }

    pub async fn start_session(&self, user: &tenant_user::Model) -> Result<NewSession, StoreError> {
        let cookie = random_token();
        let csrf_token = random_token();
        let now = Utc::now();
        dashboard_session::ActiveModel {
            token_hash: Set(hash(&cookie)),
            user_id: Set(user.id.clone()),
            tenant_id: Set(user.tenant_id.clone()),
            csrf_token: Set(csrf_token.clone()),
            created_at: Set(now),
            expires_at: Set(now + SESSION_LIFETIME),
        }
        .insert(&self.db)
        .await?;
        let organization = self.organization_name(&user.tenant_id).await?;
        Ok(NewSession {
            cookie,
            user: DashboardUser {
                user_id: user.id.clone(),
                tenant_id: TenantId(user.tenant_id.clone()),
                email: user.email.clone(),
                organization,
                csrf_token,
            },
        })
    }

    /// The session's user while it is valid.
    pub async fn session_user(&self, cookie: &str) -> Result<Option<DashboardUser>, StoreError> {
        let Some(session) = dashboard_session::Entity::find_by_id(hash(cookie))
            .filter(dashboard_session::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let Some(user) = tenant_user::Entity::find_by_id(session.user_id.as_str())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let organization = self.organization_name(&session.tenant_id).await?;
        Ok(Some(DashboardUser {
            user_id: user.id,
            tenant_id: TenantId(session.tenant_id),
            email: user.email,
            organization,
            csrf_token: session.csrf_token,
        }))
    }

    pub async fn end_session(&self, cookie: &str) -> Result<(), StoreError> {
        dashboard_session::Entity::delete_by_id(hash(cookie))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The user created by sign-up for `tenant`.
    pub async fn first_user(&self, tenant: &TenantId) -> Result<tenant_user::Model, StoreError> {
        use sea_orm::QueryOrder;
        tenant_user::Entity::find()
            .filter(tenant_user::Column::TenantId.eq(tenant.as_str()))
            .order_by_asc(tenant_user::Column::Id)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn organization_name(&self, tenant_id: &str) -> Result<String, StoreError> {
        Ok(tenant::Entity::find_by_id(tenant_id)
            .one(&self.db)
            .await?
            .map(|t| t.name)
            .unwrap_or_default())
    }
}

/// A real argon2id hash of a random password, verified against when the email is
/// unknown, so that costs what a wrong password costs.
static DUMMY_HASH: std::sync::LazyLock<PasswordHash> = std::sync::LazyLock::new(|| {
    Password::parse(random_token())
        .expect("43 characters")
        .hash()
});
