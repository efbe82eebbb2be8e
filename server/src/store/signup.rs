//! Creating a tenant with its first user and API key, in one transaction.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};

use super::{Store, StoreError};
use crate::domain::{
    ApiKeyId, ApiKeyToken, Email, OrganizationName, PasswordHash, TenantId, UserId,
};
use crate::entities::{api_key, tenant, tenant_user};

pub struct NewTenant {
    pub organization: OrganizationName,
    pub email: Email,
    pub password_hash: PasswordHash,
}

impl Store {
    /// Creates the tenant, its owner and a first API key named "default"; returns the
    /// tenant id and the plain key (the only time it exists outside the caller).
    /// An email already registered → `Conflict`.
    pub async fn create_tenant(
        &self,
        new: NewTenant,
    ) -> Result<(TenantId, ApiKeyToken), StoreError> {
        let now = Utc::now();
        let tenant_id = TenantId::generate();
        let token = ApiKeyToken::generate();
        let txn = self.db.begin().await?;
        tenant::Entity::insert(tenant::ActiveModel {
            id: Set(tenant_id.to_string()),
            name: Set(new.organization.0),
            created_at: Set(now),
            svix_headers: Set(false),
        })
        .exec(&txn)
        .await?;
        tenant_user::Entity::insert(tenant_user::ActiveModel {
            id: Set(UserId::generate().to_string()),
            tenant_id: Set(tenant_id.to_string()),
            email: Set(new.email.as_str().to_string()),
            password_hash: Set(new.password_hash.0),
            created_at: Set(now),
        })
        .exec(&txn)
        .await
        .map_err(|e| StoreError::from_write(e, "an account with this email already exists"))?;
        api_key::Entity::insert(api_key::ActiveModel {
            id: Set(ApiKeyId::generate().to_string()),
            tenant_id: Set(tenant_id.to_string()),
            name: Set("default".to_string()),
            key_hash: Set(token.hash()),
            key_prefix: Set(token.display_prefix()),
            created_at: Set(now),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok((tenant_id, token))
    }
}
