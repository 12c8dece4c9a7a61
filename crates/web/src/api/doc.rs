//! The refusals every operation of a kind can give, added to the OpenAPI document in one pass
//! instead of repeated on 85 `#[utoipa::path]` attributes (issue #17: 400/401/415/422/429 were
//! missing on 45 operations, and a client generated from the document could not handle them).
//!
//! Each comes from a layer all routes of that kind pass through, so the rule lives here, next
//! to the document, rather than in each handler's annotation:
//! - 401 `unauthenticated`: a bearer token that is unknown, revoked or expired is refused by the
//!   sign-in layer on every route; routes that need a caller also refuse anonymous ones.
//! - 422 `control_character`: a path or query with a control character (`%00`) is refused
//!   before any handler (`refused_request_head`, answered by `error::render_errors`).
//! - 400 `invalid_query`: a path or query parameter that does not parse; 404 where the path
//!   names a resource (an id, a slug, a handle) that does not exist.
//! - 400 `invalid_json`, 413 `payload_too_large`, 415 `unsupported_media_type`: a JSON body
//!   that is not a JSON object of the right shape, too large, or not JSON.
//! - 429 `rate_limited` with `Retry-After`: writes are limited per account and per address.
//!
//! An operation's own refusals (a sold-out wave, a weak password) are listed per operation in
//! `codes.rs`. Every status's description ends with the codes it carries; one an operation
//! documents already keeps its own words before them.

use canyu_core::ErrorCode;
use std::collections::BTreeMap;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, schema::Type,
};

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
        )
        .build()
}

/// Every 429 says when to come back: the refusal carries the bucket's real wait.
fn retry_after_on_429(operation: &mut Operation) {
    if let Some(RefOr::T(response)) = operation.responses.responses.get_mut("429") {
        response.headers.entry("Retry-After".to_string()).or_insert_with(|| {
            HeaderBuilder::new()
                .schema(Some(
                    utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)),
                ))
                .description(Some("Seconds until a retry can succeed"))
                .build()
                .into()
        });
    }
}

fn has_parameter_in(operation: &Operation, place: ParameterIn) -> bool {
    operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
}

/// The refusals every operation of a kind gives, by the layers all such routes pass through.
fn layer_codes(operation: &Operation, write: bool) -> Vec<ErrorCode> {
    let mut codes = vec![
        ErrorCode::Unauthenticated,
        ErrorCode::TokenInvalid,
        ErrorCode::TokenExpired,
        // A channel's token opens its own sales report and nothing else.
        ErrorCode::ChannelTokenScope,
        ErrorCode::ControlCharacter,
    ];
    if has_parameter_in(operation, ParameterIn::Path) {
        codes.extend([ErrorCode::InvalidQuery, ErrorCode::NotFound]);
    }
    if has_parameter_in(operation, ParameterIn::Query) {
        codes.push(ErrorCode::InvalidQuery);
    }
    if operation.request_body.is_some() {
        codes.extend([ErrorCode::InvalidJson, ErrorCode::PayloadTooLarge, ErrorCode::UnsupportedMediaType]);
    }
    if write {
        codes.push(ErrorCode::RateLimited);
    }
    codes
}

/// What a status means, for a response the operation's own annotation does not describe.
fn generic_description(status: u16) -> &'static str {
    match status {
        400 => "The request does not parse: a path or query parameter, or the body",
        401 => "The bearer token is unknown, revoked or expired, or the route needs a signed-in caller",
        403 => "The caller may not do this",
        404 => "Nothing at this address, or a resource the request names does not exist",
        409 => "Conflicts with the current state",
        413 => "The body is larger than 512 KiB",
        415 => "The body is not `application/json`",
        422 => "Invalid input; `code` says which rule",
        429 => "Too many requests; retry after `Retry-After` seconds",
        503 => "Temporarily unavailable; retry later",
        _ => "Refused",
    }
}

/// Adds to every operation the refusals of its layers and of its own rules
/// ([`super::codes::OPERATION_CODES`]), each status's description ending with the list of
/// the codes it carries (`` `code` ``): a client knows every code a route gives, and the
/// conformance run fails on a refusal whose code is not listed (scripts/conformance_hooks.py).
pub(super) fn common_error_responses(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let methods = [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.patch.as_mut()),
            (true, item.delete.as_mut()),
        ];
        for (write, operation) in methods {
            let Some(operation) = operation else { continue };
            let mut codes = layer_codes(operation, write);
            let own = operation.operation_id.as_deref().and_then(|id| {
                super::codes::OPERATION_CODES.iter().find(|(op, _)| *op == id).map(|(_, codes)| *codes)
            });
            codes.extend(own.unwrap_or_default());
            let mut by_status: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
            for code in codes {
                let listed = by_status.entry(code.http_status()).or_default();
                if !listed.contains(&code.as_str()) {
                    listed.push(code.as_str());
                }
            }
            for (status, listed) in by_status {
                let response = operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| RefOr::T(error_response(generic_description(status))));
                if let RefOr::T(response) = response {
                    let names: Vec<String> = listed.iter().map(|c| format!("`{c}`")).collect();
                    response.description = format!(
                        "{}. Codes: {}.",
                        response.description.trim_end_matches('.'),
                        names.join(", ")
                    );
                }
            }
            retry_after_on_429(operation);
        }
    }
}

/// Text in a path: no control character at all (`refused_request_head`, answered by `error::render_errors`).
const NO_CONTROLS: &str = r"^[^\u0000-\u001F\u007F]*$";
/// Text in a query value: line breaks and tabs pass, other control characters do not.
const NO_CONTROLS_BUT_LINE_BREAKS: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$";
/// A one-line text field of a body: no C0 or C1 control character, no DEL
/// (`canyu_core::text::refuse_controls`; names, SKUs and taglines also refuse C1).
const ONE_LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
/// A multi-line text field of a body: line breaks and tabs pass
/// (`canyu_core::text::refuse_controls_multiline`).
const MULTI_LINE: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// The body fields that take several lines: posts, comments, announcements, release notes,
/// beta motivations.
/// Every other text field of a request body is one line. (A bio takes line breaks too, and
/// states its own pattern.)
const MULTI_LINE_FIELDS: [(&str, &str); 5] = [
    ("NewPostRequest", "body"),
    ("NewAnnouncementRequest", "body"),
    ("NewCommentRequest", "body"),
    ("NewReleaseRequest", "notes"),
    ("ApplyRequest", "motivation"),
];

/// Request-body text without a rule of its own (an enum, a pattern, a format) gets the
/// control-character rule the use cases apply (422 `control_character`), so a schema-valid
/// body is never refused for a control character the document did not mention.
pub(super) fn body_control_character_patterns(doc: &mut OpenApi) {
    use utoipa::openapi::schema::Schema;
    let Some(components) = doc.components.as_mut() else { return };
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::Object(object)) = schema else { continue };
        if !name.ends_with("Request")
            && !matches!(name.as_str(), "OrderBody" | "PaymentNotice" | "ProfileUpdate")
        {
            continue;
        }
        for (field, property) in object.properties.iter_mut() {
            let RefOr::T(property) = property else { continue };
            let multi_line = MULTI_LINE_FIELDS.contains(&(name.as_str(), field.as_str()));
            let pattern = if multi_line { MULTI_LINE } else { ONE_LINE };
            match property {
                Schema::Object(text) => add_pattern_to_text(text, pattern),
                Schema::Array(list) => {
                    if let utoipa::openapi::schema::ArrayItems::RefOrSchema(item) = &mut list.items
                        && let RefOr::T(Schema::Object(text)) = item.as_mut()
                    {
                        add_pattern_to_text(text, pattern);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Sets `pattern` on a text schema (`string`, or `string` or `null`) that has no rule of its own.
fn add_pattern_to_text(object: &mut utoipa::openapi::schema::Object, pattern: &str) {
    use utoipa::openapi::schema::SchemaType;
    let is_text = match &object.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(types) => types.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    if is_text && object.pattern.is_none() && object.enum_values.is_none() && object.format.is_none() {
        object.pattern = Some(pattern.to_string());
    }
}

/// Path and query text without a rule of its own (an enum, a pattern, a format) gets the
/// control-character rule every request passes, so a generated client or a fuzzer knows `%00`
/// is refused before it tries.
pub(super) fn control_character_patterns(doc: &mut OpenApi) {
    use utoipa::openapi::schema::Schema;
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                let pattern = match parameter.parameter_in {
                    ParameterIn::Path => NO_CONTROLS,
                    ParameterIn::Query => NO_CONTROLS_BUT_LINE_BREAKS,
                    _ => continue,
                };
                let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() else { continue };
                add_pattern_to_text(object, pattern);
            }
        }
    }
}
