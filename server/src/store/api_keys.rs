//! API keys: created and listed per tenant, resolved by hash on every request.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{Page, PageRequest, Store, StoreError, TenantScope, paginate};
use crate::cache::keys;
use crate::domain::{ApiKeyId, ApiKeyName, ApiKeyToken, TenantId};
use crate::entities::api_key::{self, Column};

/// Who a valid key belongs to: what the auth middleware hands to handlers.
#[derive(Debug, Clone)]
pub struct ApiKeyAuth {
    pub key_id: ApiKeyId,
    pub tenant_id: TenantId,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What the cache keeps of a key: who it belongs to.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct CachedKey {
    key_id: String,
    tenant_id: String,
    last_used_at: Option<DateTime<Utc>>,
}

/// A freshly created key, with the plain key to hand over once.
pub struct NewApiKey {
    pub model: api_key::Model,
    pub token: ApiKeyToken,
}

/// Where an authenticated request is going, so that authentication can fetch what the
/// request will look up in the same cache round trip (`cache/prefetch.rs`).
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestTarget<'a> {
    /// The application id or uid the path names (`/app/{app}/…`).
    pub app_path: Option<&'a str>,
    /// Whether it publishes a message (and so reads the fan-out view).
    pub publishes: bool,
}

impl Store {
    /// Resolves a presented key. Revoked keys resolve to nothing. Unscoped: the key is
    /// what tells us the tenant.
    pub async fn authenticate_api_key(
        &self,
        token: &ApiKeyToken,
        target: RequestTarget<'_>,
    ) -> Result<Option<ApiKeyAuth>, StoreError> {
        let hash = token.hash();
        self.cache
            .prefetch_request(&hash, target.app_path, target.publishes)
            .await;
        // Cached by hash (never the key), and only keys that resolve: unknown keys go
        // to the database each time rather than filling the cache.
        let found = self
            .cache
            .get_or_load(&keys::api_key(&hash), || async {
                api_key::Entity::find()
                    .filter(Column::KeyHash.eq(hash.as_str()))
                    .filter(Column::RevokedAt.is_null())
                    .one(&self.db)
                    .await?
                    .map(|m| CachedKey {
                        key_id: m.id,
                        tenant_id: m.tenant_id,
                        last_used_at: m.last_used_at,
                    })
                    .ok_or(StoreError::NotFound)
            })
            .await;
        match found {
            Ok(m) => {
                self.cache.learn_key_tenant(&hash, &m.tenant_id);
                Ok(Some(ApiKeyAuth {
                    key_id: ApiKeyId(m.key_id),
                    tenant_id: TenantId(m.tenant_id),
                    last_used_at: m.last_used_at,
                }))
            }
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Records that a key was used. Called at most about once a minute per key (the
    /// caller decides), off the response path. The cached lookup is dropped so the
    /// next request sees the new time (and does not touch again).
    pub async fn touch_api_key(
        &self,
        key_id: &ApiKeyId,
        token: &ApiKeyToken,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        api_key::Entity::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(at))
            .filter(Column::Id.eq(key_id.as_str()))
            .exec(&self.db)
            .await?;
        self.cache.invalidate(&[keys::api_key(&token.hash())]).await;
        Ok(())
    }
}

impl TenantScope<'_> {
    pub async fn create_api_key(&self, name: ApiKeyName) -> Result<NewApiKey, StoreError> {
        let token = ApiKeyToken::generate();
        let model = api_key::Model {
            id: ApiKeyId::generate().to_string(),
            tenant_id: self.tenant_id.to_string(),
            name: name.0,
            key_hash: token.hash(),
            key_prefix: token.display_prefix(),
            created_at: Utc::now(),
            last_used_at: None,
            revoked_at: None,
        };
        api_key::Entity::insert(api_key::ActiveModel {
            id: Set(model.id.clone()),
            tenant_id: Set(model.tenant_id.clone()),
            name: Set(model.name.clone()),
            key_hash: Set(model.key_hash.clone()),
            key_prefix: Set(model.key_prefix.clone()),
            created_at: Set(model.created_at),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .exec(self.db)
        .await?;
        Ok(NewApiKey { model, token })
    }

    /// Active keys, a page at a time.
    pub async fn list_api_keys(
        &self,
        page: &PageRequest,
    ) -> Result<Page<api_key::Model>, StoreError> {
        let query = api_key::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::RevokedAt.is_null());
        paginate(self.db, query, Column::Id, page).await
    }

    /// Revokes a key of this tenant: effective on the very next request, on any
    /// process (the cached lookup is invalidated once the revocation commits). Another
    /// tenant's key, an unknown id or a key already revoked → `NotFound`.
    pub async fn revoke_api_key(&self, key_id: &ApiKeyId) -> Result<(), StoreError> {
        let key = api_key::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::Id.eq(key_id.as_str()))
            .one(self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        let result = api_key::Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(Utc::now()))
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::Id.eq(key_id.as_str()))
            .filter(Column::RevokedAt.is_null())
            .exec(self.db)
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        self.cache.invalidate(&[keys::api_key(&key.key_hash)]).await;
        Ok(())
    }
}
