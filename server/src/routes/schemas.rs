//! OpenAPI schemas of the fields whose rules a derive cannot state (lists of patterned
//! strings, maps with key rules). Each pattern here is exactly what `fields.rs` and
//! `domain` accept, so a request valid by the document is accepted by the server.

use utoipa::openapi::{
    RefOr,
    schema::{
        AdditionalProperties, ArrayBuilder, ArrayItems, ObjectBuilder, Schema, SchemaType, Type,
    },
};

/// uids, eventIds, event type names.
pub const NAME_PATTERN: &str = r"^[a-zA-Z0-9\-_.]+$";
/// Channels, tags, feature flags.
pub const CHANNEL_PATTERN: &str = r"^[a-zA-Z0-9\-_.:]+$";
/// An HTTP header name (a token).
pub const HEADER_NAME_PATTERN: &str = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/// A header value: no line breaks, no NUL.
pub const HEADER_VALUE_PATTERN: &str = r"^[^\r\n\x00]*$";

fn patterned_string(pattern: &str, max_length: usize) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .min_length(Some(1))
        .max_length(Some(max_length))
        .into()
}

fn nullable_list(item: Schema, max_items: Option<usize>) -> ArrayBuilder {
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ArrayItems::RefOrSchema(Box::new(RefOr::T(item))))
        .max_items(max_items)
}

pub fn event_type_names() -> ArrayBuilder {
    nullable_list(patterned_string(NAME_PATTERN, 256), None)
        .description(Some("Event types it receives; absent or empty = all"))
}

/// Longest delay one step of an endpoint's retry schedule may have: a week.
pub const MAX_RETRY_DELAY_SECS: i64 = 7 * 86_400;
/// Most retries an endpoint's schedule may list.
pub const MAX_RETRIES: usize = 20;

pub fn retry_schedule() -> ArrayBuilder {
    let delay = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(MAX_RETRY_DELAY_SECS))
        .into();
    nullable_list(delay, Some(MAX_RETRIES)).description(Some(
        "Seconds to wait before each retry, e.g. [5, 300, 1800]; absent or null = the server's HOOKRELAY_RETRY_SCHEDULE",
    ))
}

pub fn mail_recipients() -> ArrayBuilder {
    ArrayBuilder::new()
        .schema_type(Type::Array)
        .items(ArrayItems::RefOrSchema(Box::new(RefOr::T(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Email,
                )))
                .max_length(Some(254))
                .into(),
        ))))
        .max_items(Some(20))
}

pub fn alert_kinds() -> ArrayBuilder {
    ArrayBuilder::new()
        .schema_type(Type::Array)
        .items(ArrayItems::RefOrSchema(Box::new(RefOr::T(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(crate::store::ALERT_KINDS))
                .into(),
        ))))
}

pub fn channels() -> ArrayBuilder {
    nullable_list(patterned_string(CHANNEL_PATTERN, 128), Some(10))
}

fn string_map(key: Schema, value: Schema, max: usize, nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::Object, Type::Null])
    } else {
        SchemaType::new(Type::Object)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .property_names(Some(key))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(value))))
        .max_properties(Some(max))
}

/// `{string: string}`, at most 100 entries.
pub fn metadata() -> ObjectBuilder {
    let key: Schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(256))
        .into();
    let value: Schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(4096))
        .into();
    string_map(key, value, 100, true)
}

fn headers_map(nullable: bool) -> ObjectBuilder {
    let key = patterned_string(HEADER_NAME_PATTERN, 256);
    let value: Schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(HEADER_VALUE_PATTERN))
        .max_length(Some(4096))
        .into();
    string_map(key, value, 50, nullable).description(Some(
        "Custom headers sent with every delivery. hookrelay's own (webhook-id, webhook-timestamp, webhook-signature, svix-*, content-type, content-length, user-agent, host, connection, transfer-encoding) cannot be set: such a name is refused (422).",
    ))
}

pub fn headers() -> ObjectBuilder {
    headers_map(false)
}

pub fn optional_headers() -> ObjectBuilder {
    headers_map(true)
}

pub fn header_names() -> ArrayBuilder {
    nullable_list(patterned_string(HEADER_NAME_PATTERN, 256), None)
}

fn string_pattern(pattern: &str, max_length: Option<usize>, nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .pattern(Some(pattern))
        .max_length(max_length)
}

/// An endpoint URL: `domain::URL_PATTERN`, at most 2,048 characters.
pub fn endpoint_url() -> ObjectBuilder {
    string_pattern(
        crate::domain::URL_PATTERN,
        Some(crate::domain::MAX_URL_LEN),
        false,
    )
}

pub fn optional_endpoint_url() -> ObjectBuilder {
    string_pattern(
        crate::domain::URL_PATTERN,
        Some(crate::domain::MAX_URL_LEN),
        true,
    )
}

/// A signing secret: `domain::SECRET_PATTERN`; generated when absent.
pub fn optional_secret() -> ObjectBuilder {
    string_pattern(crate::domain::SECRET_PATTERN, None, true).description(Some(
        "`whsec_` + base64 of 24 to 64 bytes; generated when absent",
    ))
}
