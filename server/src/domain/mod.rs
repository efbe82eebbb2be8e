//! Types that are valid by construction: input is parsed into them at the boundary
//! (`Email::parse`, `Password::parse`, …) and everything past it can rely on them.

mod api_key;
mod email;
mod ids;
mod names;
mod password;

pub use api_key::ApiKeyToken;
pub use email::Email;
pub use ids::{ApiKeyId, TenantId, UserId};
pub use names::{ApiKeyName, OrganizationName};
pub use password::{Password, PasswordHash};
