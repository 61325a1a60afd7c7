//! RFC 7644 §3.4.2.2 filters: parsing and evaluation against a resource's JSON.
//!
//! The parser is hand-written so that hostile text cannot exhaust the stack or memory:
//! input is capped at [`MAX_FILTER_LEN`] bytes, nesting at [`MAX_DEPTH`], and `and`/`or`
//! chains are folded into balanced trees so evaluation depth stays logarithmic.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

use super::ScimError;
use super::schema::{self, Attribute, Kind, Schema};

/// Longest filter text accepted; real IdP filters are well under 200 bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses, `not` and value filters accepted.
pub const MAX_DEPTH: usize = 32;

/// An attribute reference: optional schema URN, attribute name, optional sub-attribute.
///
/// Names are kept as written; comparisons use `eq_ignore_ascii_case` (RFC 7643 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

/// Attribute comparison operators (RFC 7644 table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some element of `attr` satisfies `filter` (paths relative to `attr`).
    ValuePath {
        attr: AttrPath,
        filter: Box<Filter>,
    },
}

/// Parses filter text; errors are 400 `invalidFilter` naming the byte offset.
pub fn parse_filter(text: &str) -> Result<Filter, ScimError> {
    let mut p = Parser::new(text)?;
    let f = p.parse_or(false)?;
    p.skip_ws();
    if !p.at_end() {
        return Err(p.err("'and', 'or' or the end of the filter"));
    }
    Ok(f)
}

/// Parses a PATCH path (`attr`, `attr.sub`, `urn:…:attr`, `attr[filter]`, `attr[filter].sub`).
///
/// A sub-attribute after `]` is folded into the returned [`AttrPath::sub`]. Errors come back
/// as `invalidFilter`; the PATCH layer re-labels them `invalidPath`.
pub(crate) fn parse_patch_path(text: &str) -> Result<(AttrPath, Option<Filter>), ScimError> {
    let mut p = Parser::new(text.trim())?;
    let mut attr = p.parse_attr_path()?;
    let mut filter = None;
    if p.peek() == Some(b'[') {
        if attr.sub.is_some() {
            return Err(
                p.err("end of path (a value filter goes on the attribute, not a sub-attribute)")
            );
        }
        p.pos += 1;
        p.depth += 1;
        filter = Some(p.parse_or(true)?);
        p.skip_ws();
        p.expect(b']')?;
        if p.peek() == Some(b'.') {
            p.pos += 1;
            attr.sub = Some(p.read_name()?.to_string());
        }
    }
    if !p.at_end() {
        return Err(p.err("the end of the path"));
    }
    Ok((attr, filter))
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'$'
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Checks RFC 7644 ATTRNAME (`ALPHA *(nameChar)`), also allowing the leading `$` of `$ref`.
fn valid_name(n: &str) -> bool {
    let mut bytes = n.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'$' => bytes.all(is_name_char),
        _ => false,
    }
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Result<Self, ScimError> {
        if s.len() > MAX_FILTER_LEN {
            return Err(ScimError::invalid_filter(format!(
                "filter is {} bytes; at most {MAX_FILTER_LEN} are accepted",
                s.len()
            )));
        }
        Ok(Parser {
            s,
            b: s.as_bytes(),
            pos: 0,
            depth: 0,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn err(&self, expected: &str) -> ScimError {
        let found = match self.s.get(self.pos..).and_then(|r| r.chars().next()) {
            None => "the end of the text".to_string(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("'{c}'"),
        };
        ScimError::invalid_filter(format!(
            "at byte {}: expected {expected}, found {found}",
            self.pos
        ))
    }

    fn expect(&mut self, b: u8) -> Result<(), ScimError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("'{}'", b as char)))
        }
    }

    fn enter(&mut self) -> Result<(), ScimError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ScimError::invalid_filter(format!(
                "at byte {}: filter nests deeper than {MAX_DEPTH} levels",
                self.pos
            )));
        }
        Ok(())
    }

    /// Consumes `kw` (case-insensitively) if it stands at `pos` as a whole word.
    fn keyword(&mut self, kw: &str) -> bool {
        let end = self.pos + kw.len();
        let word = self.s.get(self.pos..end);
        if word.is_some_and(|w| w.eq_ignore_ascii_case(kw))
            && !self.b.get(end).copied().is_some_and(is_name_char)
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn parse_or(&mut self, in_value_path: bool) -> Result<Filter, ScimError> {
        let mut terms = vec![self.parse_and(in_value_path)?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.keyword("or") {
                terms.push(self.parse_and(in_value_path)?);
            } else {
                self.pos = save;
                break;
            }
        }
        balance(terms, Filter::Or).ok_or_else(|| self.err("a filter"))
    }

    fn parse_and(&mut self, in_value_path: bool) -> Result<Filter, ScimError> {
        let mut terms = vec![self.parse_term(in_value_path)?];
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.keyword("and") {
                terms.push(self.parse_term(in_value_path)?);
            } else {
                self.pos = save;
                break;
            }
        }
        balance(terms, Filter::And).ok_or_else(|| self.err("a filter"))
    }

    fn parse_paren(&mut self, in_value_path: bool) -> Result<Filter, ScimError> {
        self.expect(b'(')?;
        self.enter()?;
        let f = self.parse_or(in_value_path)?;
        self.skip_ws();
        self.expect(b')')?;
        self.depth -= 1;
        Ok(f)
    }

    fn parse_term(&mut self, in_value_path: bool) -> Result<Filter, ScimError> {
        self.skip_ws();
        if self.peek() == Some(b'(') {
            return self.parse_paren(in_value_path);
        }
        let save = self.pos;
        if self.keyword("not") {
            self.skip_ws();
            if self.peek() == Some(b'(') {
                let inner = self.parse_paren(in_value_path)?;
                return Ok(Filter::Not(Box::new(inner)));
            }
            // An attribute that happens to be called "not".
            self.pos = save;
        }
        let path = self.parse_attr_path()?;
        if self.peek() == Some(b'[') {
            if in_value_path {
                return Err(self.err("an operator (value filters cannot nest)"));
            }
            if path.sub.is_some() {
                return Err(self.err(
                    "an operator (a value filter goes on the attribute, not a sub-attribute)",
                ));
            }
            self.pos += 1;
            self.enter()?;
            let inner = self.parse_or(true)?;
            self.skip_ws();
            self.expect(b']')?;
            self.depth -= 1;
            if self.peek() == Some(b'.') {
                return Err(self.err(
                    "'and', 'or' or the end (\"attr[filter].sub\" is only valid in PATCH paths)",
                ));
            }
            return Ok(Filter::ValuePath {
                attr: path,
                filter: Box::new(inner),
            });
        }
        if !self.skip_ws() {
            return Err(self.err("a space and then an operator"));
        }
        if self.keyword("pr") {
            return Ok(Filter::Present(path));
        }
        let op = self.parse_op()?;
        if !self.skip_ws() {
            return Err(self.err("a space and then a value"));
        }
        let value = self.parse_value()?;
        Ok(Filter::Compare { path, op, value })
    }

    fn parse_op(&mut self) -> Result<CompareOp, ScimError> {
        const OPS: [(&str, CompareOp); 9] = [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("ge", CompareOp::Ge),
            ("lt", CompareOp::Lt),
            ("le", CompareOp::Le),
        ];
        for (kw, op) in OPS {
            if self.keyword(kw) {
                return Ok(op);
            }
        }
        Err(self.err("an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)"))
    }

    fn read_name(&mut self) -> Result<&'a str, ScimError> {
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        match self.s.get(start..self.pos) {
            Some(n) if valid_name(n) => Ok(n),
            _ => {
                self.pos = start;
                Err(self.err("an attribute name"))
            }
        }
    }

    fn parse_attr_path(&mut self) -> Result<AttrPath, ScimError> {
        let start = self.pos;
        let is_urn = self
            .s
            .get(start..start + 4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        if !is_urn {
            let name = self.read_name()?.to_string();
            let mut sub = None;
            if self.peek() == Some(b'.') {
                self.pos += 1;
                sub = Some(self.read_name()?.to_string());
            }
            return Ok(AttrPath {
                urn: None,
                name,
                sub,
            });
        }
        while self
            .peek()
            .is_some_and(|b| !is_ws(b) && !matches!(b, b'[' | b']' | b'(' | b')' | b'"'))
        {
            self.pos += 1;
        }
        let token = self.s.get(start..self.pos).unwrap_or("");
        let (urn, rest) = schema::split_urn(token);
        let mut parts = rest.splitn(2, '.');
        let name = parts.next().unwrap_or("");
        let sub = parts.next();
        let ok = urn.is_some_and(|u| u.len() > 4) && valid_name(name) && sub.is_none_or(valid_name);
        if !ok {
            self.pos = start;
            return Err(self.err("a schema URN followed by ':' and an attribute name"));
        }
        Ok(AttrPath {
            urn: urn.map(str::to_string),
            name: name.to_string(),
            sub: sub.map(str::to_string),
        })
    }

    fn parse_value(&mut self) -> Result<Value, ScimError> {
        let start = self.pos;
        match self.peek() {
            Some(b'"') => {
                let mut i = start + 1;
                loop {
                    match self.b.get(i) {
                        None => {
                            return Err(ScimError::invalid_filter(format!(
                                "at byte {start}: string is never closed"
                            )));
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                let raw = self.s.get(start..=i).unwrap_or("");
                let v = serde_json::from_str::<Value>(raw).map_err(|e| {
                    ScimError::invalid_filter(format!("at byte {start}: invalid string: {e}"))
                })?;
                self.pos = i + 1;
                Ok(v)
            }
            Some(b) if b == b'-' || b.is_ascii_digit() => {
                while self.peek().is_some_and(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                }) {
                    self.pos += 1;
                }
                let raw = self.s.get(start..self.pos).unwrap_or("");
                match serde_json::from_str::<Value>(raw) {
                    Ok(v @ Value::Number(_)) => Ok(v),
                    _ => {
                        self.pos = start;
                        Err(self.err("a number"))
                    }
                }
            }
            _ => {
                for (kw, v) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.keyword(kw) {
                        return Ok(v);
                    }
                }
                Err(self.err("a value (a \"string\", a number, true, false or null)"))
            }
        }
    }
}

/// Folds `a op b op c …` into a balanced tree; `and`/`or` are associative so meaning is kept.
fn balance(mut terms: Vec<Filter>, join: fn(Box<Filter>, Box<Filter>) -> Filter) -> Option<Filter> {
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        let mut it = terms.into_iter();
        while let Some(a) = it.next() {
            match it.next() {
                Some(b) => next.push(join(Box::new(a), Box::new(b))),
                None => next.push(a),
            }
        }
        terms = next;
    }
    terms.pop()
}

/// Where attribute names are looked up: a resource schema, or a complex attribute's subs.
#[derive(Clone, Copy)]
enum Scope<'s> {
    Resource(&'s Schema),
    Complex(&'static [Attribute]),
}

impl Scope<'_> {
    fn attr(&self, name: &str) -> Option<&'static Attribute> {
        match self {
            Scope::Resource(s) => schema::attribute(s, name),
            Scope::Complex(subs) => subs.iter().find(|a| a.name.eq_ignore_ascii_case(name)),
        }
    }
}

/// Object member by case-insensitive key (RFC 7643 §2.1).
pub(crate) fn get_ci<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn flatten(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
    }
}

/// Values `path` selects in `doc` plus the definition of the selected attribute, if known.
fn select<'v>(
    doc: &'v Value,
    path: &AttrPath,
    scope: Scope<'_>,
) -> (Vec<&'v Value>, Option<&'static Attribute>) {
    let (base, def) = match (&path.urn, scope) {
        (None, _) => (Some(doc), scope.attr(&path.name)),
        (Some(u), Scope::Resource(s)) if u.eq_ignore_ascii_case(s.id) => {
            (Some(doc), scope.attr(&path.name))
        }
        // Extension attributes live in an object keyed by the extension URN.
        (Some(u), Scope::Resource(_)) => (get_ci(doc, u), None),
        (Some(_), Scope::Complex(_)) => (None, None),
    };
    let top = flatten(base.and_then(|b| get_ci(b, &path.name)));
    match &path.sub {
        None => (top, def),
        Some(sub) => {
            let sub_def = def.and_then(|d| d.sub_attribute(sub));
            let values = top
                .into_iter()
                .flat_map(|item| flatten(get_ci(item, sub)))
                .collect();
            (values, sub_def)
        }
    }
}

/// RFC 7644 `pr`: present and not null, an empty string, an empty array or an empty object.
fn is_present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => a.iter().any(is_present),
        Value::Object(o) => o.values().any(is_present),
        _ => true,
    }
}

fn ordered(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn string_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// One comparison; any type mismatch is simply false.
fn compare(actual: &Value, op: CompareOp, expected: &Value, def: Option<&Attribute>) -> bool {
    let case_exact = def.is_some_and(|d| d.case_exact);
    match (actual, expected) {
        (Value::String(a), Value::String(b)) => {
            if def.is_some_and(|d| d.kind == Kind::Boolean) {
                return match (string_bool(a), string_bool(b)) {
                    (Some(a), Some(b)) => compare(&Value::Bool(a), op, &Value::Bool(b), def),
                    _ => false,
                };
            }
            let (a, b): (Cow<str>, Cow<str>) = if case_exact {
                (a.into(), b.into())
            } else {
                (a.to_lowercase().into(), b.to_lowercase().into())
            };
            match op {
                CompareOp::Co => a.contains(b.as_ref()),
                CompareOp::Sw => a.starts_with(b.as_ref()),
                CompareOp::Ew => a.ends_with(b.as_ref()),
                _ => ordered(op, a.cmp(&b)),
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let ord = match (a.as_i64(), b.as_i64()) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                _ => a
                    .as_f64()
                    .zip(b.as_f64())
                    .and_then(|(a, b)| a.partial_cmp(&b)),
            };
            ord.is_some_and(|o| ordered(op, o))
        }
        (Value::Bool(a), Value::Bool(b)) => match op {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            _ => false,
        },
        // Entra and others sometimes quote booleans.
        (Value::Bool(_), Value::String(b)) => {
            string_bool(b).is_some_and(|b| compare(actual, op, &Value::Bool(b), def))
        }
        _ => false,
    }
}

fn eval(f: &Filter, doc: &Value, scope: Scope<'_>) -> bool {
    match f {
        Filter::And(a, b) => eval(a, doc, scope) && eval(b, doc, scope),
        Filter::Or(a, b) => eval(a, doc, scope) || eval(b, doc, scope),
        Filter::Not(a) => !eval(a, doc, scope),
        Filter::Present(path) => select(doc, path, scope).0.into_iter().any(is_present),
        Filter::ValuePath { attr, filter } => {
            let (items, def) = select(doc, attr, scope);
            let subs = def.map_or(&[][..], |d| d.sub_attributes);
            items
                .into_iter()
                .any(|item| eval(filter, item, Scope::Complex(subs)))
        }
        Filter::Compare { path, op, value } => {
            let (items, def) = select(doc, path, scope);
            // `emails eq "x"` on a complex multi-valued attribute compares each `value`.
            let leaves: Vec<(&Value, Option<&Attribute>)> = items
                .into_iter()
                .filter_map(|item| {
                    if item.is_object() {
                        get_ci(item, "value")
                            .map(|v| (v, def.and_then(|d| d.sub_attribute("value"))))
                    } else {
                        Some((item, def))
                    }
                })
                .collect();
            let present = leaves.iter().any(|(v, _)| is_present(v));
            match (op, value) {
                (CompareOp::Eq, Value::Null) => !present,
                (CompareOp::Ne, Value::Null) => present,
                // Nothing to compare against counts as "not equal".
                (CompareOp::Ne, _) if !present => true,
                _ => leaves.into_iter().any(|(v, d)| compare(v, *op, value, d)),
            }
        }
    }
}

impl Filter {
    /// Whether `resource` (a SCIM JSON document of `schema`) satisfies the filter.
    ///
    /// Multi-valued attributes match when any element does; `ne` on an absent attribute is
    /// true and `eq null` means "absent"; mismatched types are simply false.
    pub fn matches(&self, resource: &Value, schema: &Schema) -> bool {
        eval(self, resource, Scope::Resource(schema))
    }

    /// Whether one element of the complex attribute `attr` satisfies this value filter.
    pub(crate) fn matches_element(&self, element: &Value, attr: &'static Attribute) -> bool {
        eval(self, element, Scope::Complex(attr.sub_attributes))
    }

    /// `(name, value)` when the whole filter is `attr eq value` on a plain top-level attribute.
    ///
    /// `name` is as the client wrote it, so compare it with `eq_ignore_ascii_case`.
    /// Lets the caller push common IdP lookups (`userName eq`, `externalId eq`, `id eq`,
    /// `displayName eq`) into SQL; the caller decides which names it can index.
    pub fn equality(&self) -> Option<(&str, &Value)> {
        match self {
            Filter::Compare {
                path:
                    AttrPath {
                        urn: None,
                        name,
                        sub: None,
                    },
                op: CompareOp::Eq,
                value,
            } => Some((name, value)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{GROUP, USER};
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Filter {
        match parse_filter(s) {
            Ok(f) => f,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn rejects(s: &str) -> ScimError {
        match parse_filter(s) {
            Ok(f) => panic!("{s:?} should be refused, got {f:?}"),
            Err(e) => {
                assert_eq!(
                    (e.status, e.scim_type),
                    (400, Some("invalidFilter")),
                    "{s:?}"
                );
                e
            }
        }
    }

    fn path(name: &str) -> AttrPath {
        AttrPath {
            urn: None,
            name: name.into(),
            sub: None,
        }
    }

    fn ada() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "42",
            "externalId": "0c6e9f1a-Abc",
            "userName": "Ada@Example.com",
            "displayName": "Ada Lovelace",
            "title": "",
            "active": true,
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [
                {"value": "ada@example.com", "type": "work", "primary": true},
                {"value": "ada@home.example", "type": "home"}
            ],
            "meta": {"resourceType": "User", "lastModified": "2024-01-02T03:04:05Z"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
        })
    }

    fn sales() -> Value {
        json!({
            "id": "7g", "displayName": "Sales",
            "members": [{"value": "7", "display": "Ada"}, {"value": "8"}]
        })
    }

    #[test]
    fn simple_equality_parses_with_attribute_spelling_kept() {
        assert_eq!(
            parse("userName eq \"ada@example.com\""),
            Filter::Compare {
                path: path("userName"),
                op: CompareOp::Eq,
                value: json!("ada@example.com")
            }
        );
        assert!(
            matches!(parse("USERNAME EQ \"x\""), Filter::Compare { path, .. } if path.name == "USERNAME")
        );
    }

    #[test]
    fn equality_is_offered_for_sql_pushdown_only_on_plain_top_level_eq() {
        for (text, name) in [
            ("userName eq \"ada@example.com\"", "userName"),
            ("externalId eq \"0c6e9f1a\"", "externalId"),
            ("id eq \"42\"", "id"),
            ("displayName eq \"Sales\"", "displayName"),
        ] {
            let f = parse(text);
            assert_eq!(f.equality().map(|(n, _)| n), Some(name));
        }
        assert!(parse("name.givenName eq \"Ada\"").equality().is_none());
        assert!(parse("userName ne \"x\"").equality().is_none());
        assert!(
            parse("id eq \"42\" and members eq \"7\"")
                .equality()
                .is_none()
        );
        assert!(
            parse("urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"x\"")
                .equality()
                .is_none()
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = parse("userName sw \"a\" or title pr and active eq true");
        assert!(matches!(f, Filter::Or(_, ref r) if matches!(**r, Filter::And(_, _))));
        let g = parse("userName sw \"a\" or (title pr and active eq true)");
        assert_eq!(f, g);
    }

    #[test]
    fn idp_filters_match_the_resources_they_target() {
        let user = ada();
        for text in [
            "userName eq \"ada@example.com\"",
            "externalId eq \"0c6e9f1a-Abc\"",
            "userName sw \"a\" or (title pr and active eq true)",
            "meta.lastModified gt \"2011-05-13T04:42:34Z\"",
            "emails[type eq \"work\" and value co \"@example.com\"]",
            "emails.value eq \"ada@home.example\"",
            "emails eq \"ADA@example.com\"",
            "name.givenName eq \"ada\"",
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"ada@example.com\"",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"701984\"",
            "not (active eq false)",
            "id eq \"42\"",
        ] {
            assert!(parse(text).matches(&user, &USER), "{text} should match");
        }
        let group = sales();
        for text in [
            "displayName eq \"Sales\"",
            "id eq \"7g\" and members eq \"7\"",
            "members[value eq \"7\"]",
        ] {
            assert!(parse(text).matches(&group, &GROUP), "{text} should match");
        }
        assert!(!parse("members[value eq \"9\"]").matches(&group, &GROUP));
    }

    #[test]
    fn case_exact_attributes_compare_exactly_and_others_do_not() {
        let user = ada();
        assert!(!parse("externalId eq \"0C6E9F1A-ABC\"").matches(&user, &USER));
        assert!(!parse("id eq \"42 \"").matches(&user, &USER));
        assert!(parse("userName eq \"ADA@EXAMPLE.COM\"").matches(&user, &USER));
        assert!(parse("displayName co \"LOVE\"").matches(&user, &USER));
        assert!(parse("displayName ew \"lace\"").matches(&user, &USER));
    }

    #[test]
    fn type_mismatches_are_false_not_errors() {
        let user = ada();
        for text in [
            "active eq \"yes\"",
            "active gt true",
            "userName gt 5",
            "userName eq true",
            "name eq \"Ada\"",
            "active co \"t\"",
            "emails.primary sw \"t\"",
        ] {
            assert!(
                !parse(text).matches(&user, &USER),
                "{text} should not match"
            );
        }
        assert!(parse("active eq \"True\"").matches(&user, &USER));
    }

    #[test]
    fn numbers_compare_numerically() {
        let doc = json!({"n": 10, "f": 2.5});
        assert!(parse("n gt 9").matches(&doc, &USER));
        assert!(parse("n le 10").matches(&doc, &USER));
        assert!(!parse("n lt 1e1").matches(&doc, &USER));
        assert!(parse("f ge -2.5e0").matches(&doc, &USER));
    }

    #[test]
    fn present_ignores_null_empty_strings_arrays_and_objects() {
        let doc =
            json!({"title": "", "nickName": null, "emails": [], "name": {}, "displayName": "x"});
        for a in ["title", "nickName", "emails", "name", "absent"] {
            assert!(!parse(&format!("{a} pr")).matches(&doc, &USER), "{a}");
        }
        assert!(parse("displayName pr").matches(&doc, &USER));
        assert!(parse("not (title pr)").matches(&doc, &USER));
    }

    #[test]
    fn null_comparison_means_absent() {
        let user = ada();
        assert!(parse("nickName eq null").matches(&user, &USER));
        assert!(parse("userName ne null").matches(&user, &USER));
        assert!(parse("nickName ne \"x\"").matches(&user, &USER));
    }

    #[test]
    fn json_string_escapes_are_decoded() {
        let f = parse(r#"displayName eq "a\"b \u00e9\\""#);
        assert!(matches!(f, Filter::Compare { value, .. } if value == json!("a\"b é\\")));
        let doc = json!({"displayName": "A\"B É\\"});
        assert!(parse(r#"displayName eq "a\"b \u00e9\\""#).matches(&doc, &USER));
    }

    #[test]
    fn sub_attribute_after_a_value_filter_is_refused_in_filters() {
        let e = rejects("emails[type eq \"work\"].value eq \"x\"");
        assert!(e.detail.contains("PATCH"), "{}", e.detail);
    }

    #[test]
    fn nested_value_filters_are_refused() {
        rejects("emails[type[value eq \"x\"]]");
        rejects("emails.value[type eq \"work\"]");
    }

    #[test]
    fn errors_name_the_position_and_what_was_expected() {
        let e = rejects("userName eq");
        assert!(e.detail.contains("at byte 11"), "{}", e.detail);
        assert!(e.detail.contains("expected"), "{}", e.detail);
        let e = rejects("userName xx \"a\"");
        assert!(e.detail.contains("operator"), "{}", e.detail);
    }

    #[test]
    fn hostile_filters_are_refused_without_panicking() {
        let deep = "(".repeat(10_000);
        let deep_ok_length = format!("{}userName pr{}", "(".repeat(40), ")".repeat(40));
        let nots = "not (".repeat(40) + "a pr" + &")".repeat(40);
        let long = format!("userName eq \"{}\"", "a".repeat(5000));
        for text in [
            "",
            "   ",
            "userName eq \"unterminated",
            "userName eq \"bad escape \\q\"",
            "userName eq \"\0\"",
            "\0",
            "userName\0eq \"a\"",
            "eq",
            "and",
            "or or",
            "not",
            "not (",
            "()",
            "userName",
            "userName pr garbage",
            "userName pr and",
            "userName eq \"a\" )",
            "userName eq truex",
            "userName eq 1.2.3",
            "userName eq -",
            "emails[type eq \"work\"",
            "emails]",
            "urn:",
            "urn:ietf:params:scim:schemas:core:2.0:User: eq \"x\"",
            "1abc eq \"x\"",
            "name. eq \"x\"",
            "a.b.c eq \"x\"",
            "ä eq \"x\"",
            "userName eq \"a\" \u{1F600}",
            deep.as_str(),
            deep_ok_length.as_str(),
            nots.as_str(),
            long.as_str(),
        ] {
            rejects(text);
        }
    }

    #[test]
    fn long_and_chains_stay_shallow() {
        let text = vec!["a pr"; 400].join(" and ");
        assert!(text.len() < MAX_FILTER_LEN);
        fn depth(f: &Filter) -> usize {
            match f {
                Filter::And(a, b) | Filter::Or(a, b) => 1 + depth(a).max(depth(b)),
                Filter::Not(a) => 1 + depth(a),
                Filter::ValuePath { filter, .. } => 1 + depth(filter),
                _ => 1,
            }
        }
        let f = parse(&text);
        assert!(depth(&f) <= 11, "depth {}", depth(&f));
        assert!(f.matches(&json!({"a": "x"}), &USER));
    }

    #[test]
    fn nesting_up_to_the_cap_is_accepted() {
        let text = format!(
            "{}userName pr{}",
            "(".repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        );
        assert!(parse(&text).matches(&ada(), &USER));
    }

    #[test]
    fn keywords_are_case_insensitive_and_whitespace_is_lenient() {
        let f = parse("  userName  SW \"a\"  OR  NOT(title Pr)AND active Eq TRUE ");
        assert!(f.matches(&ada(), &USER));
    }

    #[test]
    fn multi_valued_attributes_match_when_any_element_matches() {
        let user = ada();
        assert!(parse("emails.type eq \"home\"").matches(&user, &USER));
        assert!(parse("emails.primary eq true").matches(&user, &USER));
        assert!(!parse("emails[type eq \"home\" and primary eq true]").matches(&user, &USER));
    }

    #[test]
    fn hostile_resources_do_not_break_evaluation() {
        let f = parse("emails[type eq \"work\"] or emails.value eq \"x\" or name.givenName pr");
        for doc in [
            json!(null),
            json!([1, 2]),
            json!("str"),
            json!({"emails": "notalist", "name": 5}),
            json!({"emails": [null, 1, [2], {"type": {"deep": true}}]}),
        ] {
            assert!(!f.matches(&doc, &USER));
        }
    }
}
