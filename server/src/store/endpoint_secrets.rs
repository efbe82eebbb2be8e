//! Endpoint signing secrets, encrypted at rest (`crypto::MainKey::seal`, bound to the
//! endpoint's id). One is current (`expires_at` null); a rotated one stays valid until
//! its `expires_at`, so deliveries carry a signature for each during the grace period.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Expr,
};

use super::{StoreError, TenantScope};
use crate::crypto::MainKey;
use crate::domain::{EndpointSecretId, WebhookSecret};
use crate::entities::{endpoint, endpoint_secret};

impl TenantScope<'_> {
    pub(super) async fn insert_secret(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        key: &MainKey,
        endpoint_id: &str,
        secret: &WebhookSecret,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        endpoint_secret::ActiveModel {
            id: Set(EndpointSecretId::generate().to_string()),
            tenant_id: Set(self.tenant_id.to_string()),
            endpoint_id: Set(endpoint_id.to_string()),
            ciphertext: Set(key.seal(secret.expose().as_bytes(), endpoint_id)),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
        }
        .insert(db)
        .await?;
        Ok(())
    }

    /// The secrets a delivery is signed with now: the current one first, then rotated
    /// ones still in their grace period.
    pub async fn endpoint_secrets(
        &self,
        key: &MainKey,
        ep: &endpoint::Model,
    ) -> Result<Vec<WebhookSecret>, StoreError> {
        use endpoint_secret::Column;
        let now = Utc::now();
        let rows = endpoint_secret::Entity::find()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::EndpointId.eq(ep.id.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(Column::ExpiresAt.is_null())
                    .add(Column::ExpiresAt.gt(now)),
            )
            .order_by_desc(Column::Id)
            .all(self.db)
            .await?;
        open_secrets(key, &ep.id, &rows)
    }

    /// Makes `new` (or a generated secret) current; the previous current one stays
    /// valid for `grace`. Secrets whose grace period is over are deleted.
    pub async fn rotate_endpoint_secret(
        &self,
        key: &MainKey,
        ep: &endpoint::Model,
        new: Option<WebhookSecret>,
        grace: Duration,
    ) -> Result<WebhookSecret, StoreError> {
        use endpoint_secret::Column;
        let now = Utc::now();
        let new = new.unwrap_or_else(WebhookSecret::generate);
        let txn = self.db.begin().await?;
        let scoped = endpoint_secret::Entity::delete_many()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::EndpointId.eq(ep.id.as_str()));
        if grace.is_zero() {
            scoped
                .filter(Column::ExpiresAt.is_null())
                .exec(&txn)
                .await?;
        } else {
            endpoint_secret::Entity::update_many()
                .col_expr(Column::ExpiresAt, Expr::value(now + grace))
                .filter(Column::TenantId.eq(self.tenant_id.as_str()))
                .filter(Column::EndpointId.eq(ep.id.as_str()))
                .filter(Column::ExpiresAt.is_null())
                .exec(&txn)
                .await?;
        }
        endpoint_secret::Entity::delete_many()
            .filter(Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(Column::EndpointId.eq(ep.id.as_str()))
            .filter(Column::ExpiresAt.lte(now))
            .exec(&txn)
            .await?;
        self.insert_secret(&txn, key, &ep.id, &new, None).await?;
        txn.commit().await?;
        // The hand-off keeps endpoints' secrets under their app's fan-out view.
        self.forget_fanout(&ep.app_id).await;
        Ok(new)
    }
}

/// Decrypts an endpoint's secret rows: the current one first, then rotated ones
/// newest first (the order `rows` come in).
pub fn open_secrets(
    key: &MainKey,
    endpoint_id: &str,
    rows: &[endpoint_secret::Model],
) -> Result<Vec<WebhookSecret>, StoreError> {
    let mut secrets: Vec<(bool, WebhookSecret)> = Vec::with_capacity(rows.len());
    for row in rows {
        let plain = key
            .open(&row.ciphertext, endpoint_id)
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        let text = String::from_utf8(plain)
            .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
        secrets.push((row.expires_at.is_none(), WebhookSecret::from_stored(text)));
    }
    secrets.sort_by_key(|(current, _)| !current);
    Ok(secrets.into_iter().map(|(_, s)| s).collect())
}
