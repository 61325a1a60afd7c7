//! Strict JSON for the keyset and the revocation list: one reading of a document, whoever parses it.
//!
//! `serde_json` with derived types silently takes the last of two members with the same name, so
//! `{"kid": "A", "kid": "B"}` means "B" here and possibly "A" in another verifier: a parser
//! differential an attacker can use. These documents are read into a [`Value`] tree first, by a
//! visitor that refuses duplicate member names; then each field is taken out by name, refusing
//! unknown and missing members. The rules (`docs/card-format.md` §4.1) are:
//!
//! - the document is UTF-8 with no byte order mark, one JSON value (RFC 8259) and nothing after it
//!   but white space;
//! - no object has two members with the same name (compared after unescaping);
//! - every number is a non-negative integer in plain digits (no sign, fraction or exponent);
//! - strings hold Unicode scalar values only (a lone surrogate escape is refused, as serde_json
//!   does).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parsed JSON value whose objects keep their members in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(u64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    /// A short name of the value's type, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Parses a whole document under the rules above; the error says what is wrong and where.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, String> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err("the document starts with a byte order mark".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let value = (&mut de)
        .deserialize_any(ValueVisitor)
        .map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    // serde_json reports `-1` as i64 and `-0`, `1.0`, `1e3` and integers over u64 as f64.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Err(E::custom(format!(
            "the number {v} is negative; every number must be a non-negative integer"
        )))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom(
            "a number with a sign, fraction or exponent, or over 2^64; every number must be a \
             non-negative integer in plain digits",
        ))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.iter().any(|(n, _)| *n == name) {
                return Err(de::Error::custom(format!(
                    "the member name {:?} appears twice in one object",
                    truncate(&name)
                )));
            }
            let value = map.next_value_seed(Seed)?;
            members.push((name, value));
        }
        Ok(Value::Object(members))
    }
}

struct Seed;

impl<'de> de::DeserializeSeed<'de> for Seed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// At most 40 characters of hostile text, for an error message.
pub(crate) fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An object's members, taken out one by one by name; [`Object::finish`] refuses the rest.
pub(crate) struct Object<'a> {
    what: &'a str,
    members: Vec<(String, Value)>,
}

impl<'a> Object<'a> {
    /// `value` as an object, or an error naming `what` it should have been.
    pub(crate) fn new(what: &'a str, value: Value) -> Result<Self, String> {
        match value {
            Value::Object(members) => Ok(Self { what, members }),
            other => Err(format!("{what} must be an object, not {}", other.kind())),
        }
    }

    /// Removes and returns the member `name`, if present.
    pub(crate) fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.members.iter().position(|(n, _)| n == name)?;
        Some(self.members.remove(i).1)
    }

    fn required(&mut self, name: &str) -> Result<Value, String> {
        self.take(name)
            .ok_or_else(|| format!("{} has no member {name:?}", self.what))
    }

    /// The required string member `name`.
    pub(crate) fn string(&mut self, name: &str) -> Result<String, String> {
        match self.required(name)? {
            Value::String(s) => Ok(s),
            other => Err(format!(
                "{}.{name} must be a string, not {}",
                self.what,
                other.kind()
            )),
        }
    }

    /// The required integer member `name`, within `range`.
    pub(crate) fn int(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, String> {
        match self.required(name)? {
            Value::Int(n) if range.contains(&n) => Ok(n),
            Value::Int(n) => Err(format!(
                "{}.{name} is {n}, outside {}..={}",
                self.what,
                range.start(),
                range.end()
            )),
            other => Err(format!(
                "{}.{name} must be an integer, not {}",
                self.what,
                other.kind()
            )),
        }
    }

    /// The required array member `name`, with at most `max` items.
    pub(crate) fn array(&mut self, name: &str, max: usize) -> Result<Vec<Value>, String> {
        match self.required(name)? {
            Value::Array(items) if items.len() <= max => Ok(items),
            Value::Array(items) => Err(format!(
                "{}.{name} has {} items, more than {max}",
                self.what,
                items.len()
            )),
            other => Err(format!(
                "{}.{name} must be an array, not {}",
                self.what,
                other.kind()
            )),
        }
    }

    /// Refuses any member not taken out.
    pub(crate) fn finish(self) -> Result<(), String> {
        match self.members.first() {
            None => Ok(()),
            Some((name, _)) => Err(format!(
                "{} has the unknown member {:?}",
                self.what,
                truncate(name)
            )),
        }
    }
}

/// A string value, or an error naming `what` it should have been.
pub(crate) fn string(what: &str, value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(format!("{what} must be a string, not {}", other.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_member_names_are_refused_even_when_escaped_differently() {
        assert!(parse(br#"{"a": 1, "b": 2}"#).is_ok());
        let err = parse(br#"{"kid": "A", "kid": "B"}"#).unwrap_err();
        assert!(err.contains("twice"), "{err}");
        assert!(parse(br#"{"a": 1, "\u0061": 2}"#).is_err());
        assert!(
            parse(br#"[{"x": {"y": 1, "y": 1}}]"#).is_err(),
            "nested objects too"
        );
    }

    #[test]
    fn only_plain_non_negative_integers_are_numbers() {
        assert_eq!(parse(b"17").unwrap(), Value::Int(17));
        for bad in ["-1", "-0", "1.0", "1e3", "18446744073709551616", "01"] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bom_trailing_data_bad_utf8_and_lone_surrogates_are_refused() {
        assert!(parse(b"\xEF\xBB\xBF{}").is_err());
        assert!(parse(b"{} {}").is_err());
        assert!(parse(b"{\"a\": \"\xff\"}").is_err());
        assert!(parse(br#""\ud800""#).is_err());
        assert!(parse(br#""\udc00""#).is_err());
        assert!(
            parse(b" {} \n").is_ok(),
            "white space around the value is JSON"
        );
    }

    #[test]
    fn objects_refuse_unknown_and_missing_members() {
        let mut o = Object::new("doc", parse(br#"{"a": "x", "b": 2}"#).unwrap()).unwrap();
        assert_eq!(o.string("a").unwrap(), "x");
        assert!(o.string("missing").is_err());
        assert!(o.finish().unwrap_err().contains("\"b\""));
    }
}
