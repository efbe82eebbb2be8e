//! Prefixed, time-sortable identifiers: `org_…`, `app_…`, `ep_…`, `msg_…` (a ULID after the
//! prefix), as Svix does. The prefix says what an id names when it turns up in a log.

use std::{fmt, sync::Mutex};

/// ULIDs from one monotonic generator: ids made later in this process always sort
/// after earlier ones, even within one millisecond, so "newest first" is exact.
fn next_ulid() -> ulid::Ulid {
    static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());
    let mut generator = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    // Overflow needs 2^80 ids in one millisecond; fall back to a fresh random one.
    generator
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::generate())
}

macro_rules! prefixed_id {
    ($name:ident, $prefix:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, next_ulid()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Parses an id taken from a URL or a cursor: the prefix and a ULID, or
            /// nothing (such an id can name no row; callers answer 404).
            pub fn parse(text: &str) -> Option<Self> {
                let body = text.strip_prefix($prefix)?;
                (body.len() == 26 && body.bytes().all(|b| b.is_ascii_alphanumeric()))
                    .then(|| Self(text.to_string()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(TenantId, "org_");
prefixed_id!(UserId, "user_");
prefixed_id!(ApiKeyId, "key_");
prefixed_id!(AppId, "app_");
prefixed_id!(EndpointId, "ep_");
prefixed_id!(EndpointSecretId, "whsk_");
prefixed_id!(EventTypeId, "et_");
prefixed_id!(MessageId, "msg_");
prefixed_id!(DeliveryId, "dlv_");
prefixed_id!(AttemptId, "atmpt_");
prefixed_id!(StateChangeId, "sc_");
prefixed_id!(AlertEmailId, "mail_");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_sort_by_creation_time() {
        let first = ApiKeyId::generate();
        let second = ApiKeyId::generate();
        assert!(first.as_str().starts_with("key_"));
        assert_eq!(first.as_str().len(), 4 + 26);
        assert!(first.as_str() < second.as_str());
        assert_eq!(ApiKeyId::parse(first.as_str()), Some(first.clone()));
        assert_eq!(ApiKeyId::parse("key_\0';--"), None);
        assert_eq!(
            ApiKeyId::parse(&first.as_str().replace("key_", "org_")),
            None
        );
    }
}
