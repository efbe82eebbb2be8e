use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "endpoint_secret")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub endpoint_id: String,
    /// base64(nonce ‖ ciphertext): see `crypto::SecretBox`.
    pub ciphertext: String,
    pub created_at: DateTimeUtc,
    /// Null for the current secret; the end of the grace period for a rotated one.
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
