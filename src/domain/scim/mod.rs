//! SCIM 2.0 rules (RFC 7643 schema, RFC 7644 filters and PATCH) as pure functions over JSON.
//!
//! Nothing here touches HTTP or SQL: handlers parse requests with these functions, evaluate
//! them against stored resources and turn [`ScimError`] into the RFC 7644 §3.12 error body.

pub mod filter;
pub mod patch;
pub mod schema;

use std::fmt;

pub use filter::{AttrPath, CompareOp, Filter, parse_filter};
pub use patch::{OpKind, Operation, PatchPath, apply, parse_patch, parse_path};
pub use schema::{Attribute, GROUP, Kind, Mutability, Returned, Schema, USER, Uniqueness};

/// URN of the SCIM error message (RFC 7644 §3.12).
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM protocol error: HTTP status, optional RFC 7644 §3.12 `scimType` and a human detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// The filter text is malformed or compares against an unsupported attribute.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad("invalidFilter", detail)
    }

    /// The filter would yield (or the request carries) more than the server processes.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::bad("tooMany", detail)
    }

    /// A value collides with a unique attribute of another resource.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self {
            status: 409,
            scim_type: Some("uniqueness"),
            detail: detail.into(),
        }
    }

    /// The request tried to change a readOnly or an already-set immutable attribute.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad("mutability", detail)
    }

    /// The request body does not follow the SCIM message structure.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad("invalidSyntax", detail)
    }

    /// A PATCH path is malformed or names an attribute the schema does not define.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad("invalidPath", detail)
    }

    /// A PATCH path or filter selected nothing where something was required.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad("noTarget", detail)
    }

    /// A required value is missing or has the wrong type for the schema.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad("invalidValue", detail)
    }

    /// The client asked for a protocol version the server does not speak.
    pub fn invalid_vers(detail: impl Into<String>) -> Self {
        Self::bad("invalidVers", detail)
    }

    /// The request put sensitive data (e.g. a password) where it could be logged, like a URL.
    pub fn sensitive(detail: impl Into<String>) -> Self {
        Self::bad("sensitive", detail)
    }

    /// The resource does not exist; RFC 7644 defines no scimType for this.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self {
            status: 404,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// The `If-Match` version no longer matches the stored resource.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self {
            status: 412,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// The RFC 7644 §3.12 error body; `status` is a string there, not a number.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("schemas".into(), serde_json::json!([ERROR_URN]));
        body.insert("status".into(), self.status.to_string().into());
        if let Some(t) = self.scim_type {
            body.insert("scimType".into(), t.into());
        }
        body.insert("detail".into(), self.detail.clone().into());
        serde_json::Value::Object(body)
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scim_type {
            Some(t) => write!(f, "SCIM {} {}: {}", self.status, t, self.detail),
            None => write!(f, "SCIM {}: {}", self.status, self.detail),
        }
    }
}

impl std::error::Error for ScimError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_body_carries_status_as_a_string() {
        let e = ScimError::invalid_filter("at byte 3: expected an operator");
        assert_eq!(
            e.to_json(),
            json!({
                "schemas": [ERROR_URN],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "at byte 3: expected an operator"
            })
        );
    }

    #[test]
    fn not_found_omits_scim_type() {
        let body = ScimError::not_found("no such user").to_json();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
    }

    #[test]
    fn every_constructor_uses_the_rfc_scim_type_spelling() {
        let cases = [
            (ScimError::invalid_filter(""), Some("invalidFilter"), 400),
            (ScimError::too_many(""), Some("tooMany"), 400),
            (ScimError::uniqueness(""), Some("uniqueness"), 409),
            (ScimError::mutability(""), Some("mutability"), 400),
            (ScimError::invalid_syntax(""), Some("invalidSyntax"), 400),
            (ScimError::invalid_path(""), Some("invalidPath"), 400),
            (ScimError::no_target(""), Some("noTarget"), 400),
            (ScimError::invalid_value(""), Some("invalidValue"), 400),
            (ScimError::invalid_vers(""), Some("invalidVers"), 400),
            (ScimError::sensitive(""), Some("sensitive"), 400),
            (ScimError::not_found(""), None, 404),
            (ScimError::precondition_failed(""), None, 412),
        ];
        for (e, t, s) in cases {
            assert_eq!(e.scim_type, t);
            assert_eq!(e.status, s);
        }
    }

    #[test]
    fn display_names_status_type_and_detail() {
        let e = ScimError::mutability("id is readOnly");
        assert_eq!(e.to_string(), "SCIM 400 mutability: id is readOnly");
        let _: &dyn std::error::Error = &e;
    }
}

/// Hostile input never panics the parsers or the patcher: filters and PATCH bodies made of the
/// grammar's own pieces in random order, and random JSON values in every place.
#[cfg(test)]
mod hostile {
    use super::{GROUP, USER, apply, parse_filter, parse_patch};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    /// Pieces of filter and path text, so random strings reach deep into the grammar.
    fn grammar_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("userName".to_owned()),
            Just("emails".to_owned()),
            Just("members".to_owned()),
            Just("name.givenName".to_owned()),
            Just("urn:ietf:params:scim:schemas:core:2.0:User:".to_owned()),
            Just(" eq ".to_owned()),
            Just(" co ".to_owned()),
            Just(" pr".to_owned()),
            Just(" and ".to_owned()),
            Just(" or ".to_owned()),
            Just("not ".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(".".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("\"a\\u00e9\"".to_owned()),
            Just("true".to_owned()),
            Just("12e400".to_owned()),
            "[\\x00-\\u{10FFFF}]{0,3}",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".{0,8}".prop_map(Value::String),
            prop_oneof![Just("True"), Just("False"), Just("7"), Just("work")]
                .prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("value".to_owned()),
                            Just("type".to_owned()),
                            Just("primary".to_owned()),
                            Just("displayName".to_owned()),
                            Just("name.familyName".to_owned()),
                            ".{0,6}".prop_map(|s: String| s)
                        ],
                        inner
                    ),
                    0..4
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn filters_of_any_text_parse_or_are_refused_and_evaluate_without_panic(
            text in grammar_text(),
            resource in json_value(),
        ) {
            if let Ok(filter) = parse_filter(&text) {
                let _ = filter.matches(&resource, &USER);
                let _ = filter.equality();
            }
        }

        #[test]
        fn patches_of_any_shape_apply_or_are_refused_without_panic(
            ops in prop::collection::vec(
                (prop_oneof![Just("add"), Just("Replace"), Just("remove"), Just("x")],
                 prop::option::of(grammar_text()),
                 prop::option::of(json_value())),
                1..6,
            ),
            resource in json_value(),
        ) {
            let operations: Vec<Value> = ops
                .into_iter()
                .map(|(op, path, value)| {
                    let mut o = json!({"op": op});
                    if let Some(p) = path { o["path"] = json!(p); }
                    if let Some(v) = value { o["value"] = v; }
                    o
                })
                .collect();
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
            if let Ok(parsed) = parse_patch(&body) {
                for schema in [&USER, &GROUP] {
                    let mut doc = resource.clone();
                    let _ = apply(&mut doc, &parsed, schema);
                }
            }
        }
    }
}
