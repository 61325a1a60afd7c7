//! RFC 7644 §3.5.2 PATCH, tolerant of the shapes Microsoft Entra ID and Okta really send.
//!
//! [`apply`] works on a copy and only writes it back when every operation succeeded, so a
//! failing request leaves the resource untouched (RFC 7644 §3.5.2: PATCH is atomic).

use serde_json::{Map, Value};

use super::ScimError;
use super::filter::{self, AttrPath, CompareOp, Filter, get_ci};
use super::schema::{self, Attribute, Kind, Mutability, Schema};

/// URN every PATCH body must list in `schemas`.
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Most operations accepted in one PATCH request.
pub const MAX_OPERATIONS: usize = 1000;

/// The three PATCH operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Replace,
    Remove,
}

impl OpKind {
    fn as_str(self) -> &'static str {
        match self {
            OpKind::Add => "add",
            OpKind::Replace => "replace",
            OpKind::Remove => "remove",
        }
    }
}

/// A parsed PATCH `path`: the attribute (with any sub-attribute, also the one after `]`) and
/// an optional value filter selecting elements of a multi-valued attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
}

/// One entry of `Operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: OpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a PATCH path; malformed text is 400 `invalidPath`.
pub fn parse_path(text: &str) -> Result<PatchPath, ScimError> {
    match filter::parse_patch_path(text) {
        Ok((attr, filter)) => Ok(PatchPath { attr, filter }),
        Err(e) => Err(ScimError::invalid_path(format!(
            "path {text:?}: {}",
            e.detail
        ))),
    }
}

fn at(i: usize, mut e: ScimError) -> ScimError {
    e.detail = format!("Operations[{i}]: {}", e.detail);
    e
}

/// Parses a PatchOp message body (RFC 7644 §3.5.2) into operations.
pub fn parse_patch(body: &Value) -> Result<Vec<Operation>, ScimError> {
    if !body.is_object() {
        return Err(ScimError::invalid_syntax(
            "PATCH body must be a JSON object",
        ));
    }
    let listed = get_ci(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_URN))
            })
        });
    if !listed {
        return Err(ScimError::invalid_syntax(format!(
            "schemas must contain \"{PATCH_OP_URN}\""
        )));
    }
    let ops = match get_ci(body, "Operations").and_then(Value::as_array) {
        Some(ops) if !ops.is_empty() => ops,
        _ => {
            return Err(ScimError::invalid_syntax(
                "Operations must be a non-empty array",
            ));
        }
    };
    if ops.len() > MAX_OPERATIONS {
        return Err(ScimError::too_many(format!(
            "PATCH carries {} operations; at most {MAX_OPERATIONS} are accepted",
            ops.len()
        )));
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| parse_operation(op).map_err(|e| at(i, e)))
        .collect()
}

fn parse_operation(op: &Value) -> Result<Operation, ScimError> {
    if !op.is_object() {
        return Err(ScimError::invalid_syntax("operation must be an object"));
    }
    let kind = match get_ci(op, "op").and_then(Value::as_str) {
        Some(s) if s.eq_ignore_ascii_case("add") => OpKind::Add,
        Some(s) if s.eq_ignore_ascii_case("replace") => OpKind::Replace,
        Some(s) if s.eq_ignore_ascii_case("remove") => OpKind::Remove,
        _ => {
            return Err(ScimError::invalid_syntax(
                "\"op\" must be \"add\", \"replace\" or \"remove\"",
            ));
        }
    };
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(parse_path(s)?),
        Some(_) => return Err(ScimError::invalid_path("\"path\" must be a string")),
    };
    let value = get_ci(op, "value").cloned();
    match kind {
        OpKind::Remove if path.is_none() => {
            Err(ScimError::no_target("\"remove\" needs a \"path\""))
        }
        OpKind::Add | OpKind::Replace if value.is_none() => Err(ScimError::invalid_value(format!(
            "\"{}\" needs a \"value\"",
            kind.as_str()
        ))),
        _ => Ok(Operation {
            op: kind,
            path,
            value,
        }),
    }
}

/// Applies `ops` to `resource` (a SCIM JSON object of `schema`), all or nothing.
pub fn apply(resource: &mut Value, ops: &[Operation], schema: &Schema) -> Result<(), ScimError> {
    let Some(original) = resource.as_object() else {
        return Err(ScimError::invalid_value("resource is not a JSON object"));
    };
    let mut doc = original.clone();
    for (i, op) in ops.iter().enumerate() {
        apply_op(&mut doc, op, schema).map_err(|e| at(i, e))?;
    }
    *resource = Value::Object(doc);
    Ok(())
}

fn apply_op(
    doc: &mut Map<String, Value>,
    op: &Operation,
    schema: &Schema,
) -> Result<(), ScimError> {
    if let Some(path) = &op.path {
        return edit(doc, op.op, path, op.value.as_ref(), schema);
    }
    if op.op == OpKind::Remove {
        return Err(ScimError::no_target("\"remove\" needs a \"path\""));
    }
    let Some(Value::Object(attrs)) = &op.value else {
        return Err(ScimError::invalid_value(
            "without a path, \"value\" must be an object of attributes",
        ));
    };
    for (key, value) in attrs {
        if key.eq_ignore_ascii_case("schemas") {
            // Clients echo the resource's schemas; they are not an attribute.
            continue;
        }
        let is_core = key.eq_ignore_ascii_case(schema.id);
        let is_extension = schema::extension_urns(schema)
            .iter()
            .any(|u| u.eq_ignore_ascii_case(key));
        if is_core || is_extension {
            let Value::Object(inner) = value else {
                return Err(ScimError::invalid_value(format!(
                    "\"{key}\" must be an object of attributes"
                )));
            };
            for (name, v) in inner {
                let path = parse_path(&format!("{key}:{name}"))?;
                edit(doc, op.op, &path, Some(v), schema)?;
            }
            continue;
        }
        let path = parse_path(key)?;
        edit(doc, op.op, &path, Some(value), schema)?;
    }
    Ok(())
}

/// What a path names once checked against the schema.
enum Target {
    /// An RFC-defined attribute namecard accepts but does not keep.
    Ignore,
    Attr(&'static Attribute, Option<&'static Attribute>),
}

fn resolve(path: &PatchPath, schema: &Schema) -> Result<Target, ScimError> {
    let a = &path.attr;
    if let Some(urn) = &a.urn
        && !urn.eq_ignore_ascii_case(schema.id)
    {
        let full = format!("{urn}:{}", a.name);
        return if schema::is_known_unkept(schema, &full) {
            Ok(Target::Ignore)
        } else {
            Err(ScimError::invalid_path(format!(
                "attribute \"{full}\" is not supported"
            )))
        };
    }
    let Some(def) = schema::attribute(schema, &a.name) else {
        return if schema::is_known_unkept(schema, &a.name) {
            Ok(Target::Ignore)
        } else {
            Err(ScimError::invalid_path(format!(
                "attribute \"{}\" is not defined for {}",
                a.name, schema.name
            )))
        };
    };
    let sub = match &a.sub {
        None => None,
        Some(s) => match def.sub_attribute(s) {
            Some(sd) => Some(sd),
            None if schema::is_known_unkept(schema, &format!("{}.{s}", def.name)) => {
                return Ok(Target::Ignore);
            }
            None => {
                return Err(ScimError::invalid_path(format!(
                    "\"{}\" has no sub-attribute \"{s}\"",
                    def.name
                )));
            }
        },
    };
    if path.filter.is_some() && !(def.multi_valued && def.kind == Kind::Complex) {
        return Err(ScimError::invalid_path(format!(
            "\"{}\" is not multi-valued, so it cannot take a value filter",
            def.name
        )));
    }
    Ok(Target::Attr(def, sub))
}

/// Removes every case-variant of `name` from `obj`, returning the value (exact key preferred).
fn take_ci(obj: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let exact = obj.remove(name);
    let variants: Vec<String> = obj
        .keys()
        .filter(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    let mut found = exact;
    for k in variants {
        let v = obj.remove(&k);
        if found.is_none() {
            found = v;
        }
    }
    found
}

/// Sets `obj[name] = v` under the canonical spelling, or unassigns it when `v` is null.
fn put(obj: &mut Map<String, Value>, name: &'static str, v: Value) {
    take_ci(obj, name);
    if !v.is_null() {
        obj.insert(name.to_string(), v);
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

fn type_error(def: &Attribute, expected: &str) -> ScimError {
    ScimError::invalid_value(format!("\"{}\" must be {expected}", def.name))
}

/// Checks one (element) value against its definition, normalising Entra's string booleans
/// and attribute-name spelling; null passes through as "unassign".
fn coerce(def: &'static Attribute, v: &Value, schema: &Schema) -> Result<Value, ScimError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match def.kind {
        Kind::String | Kind::DateTime | Kind::Reference => match v {
            Value::String(_) => Ok(v.clone()),
            _ => Err(type_error(def, "a string")),
        },
        Kind::Boolean => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) => string_bool(s)
                .map(Value::Bool)
                .ok_or_else(|| type_error(def, "a boolean (true or false)")),
            _ => Err(type_error(def, "a boolean (true or false)")),
        },
        Kind::Integer => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v.clone()),
            _ => Err(type_error(def, "an integer")),
        },
        Kind::Decimal => match v {
            Value::Number(_) => Ok(v.clone()),
            _ => Err(type_error(def, "a number")),
        },
        Kind::Complex => {
            let Value::Object(obj) = v else {
                return Err(type_error(def, "an object"));
            };
            let mut out = Map::new();
            for (k, sv) in obj {
                match def.sub_attribute(k) {
                    Some(sd) => {
                        let sv = coerce(sd, sv, schema)?;
                        take_ci(&mut out, sd.name);
                        out.insert(sd.name.to_string(), sv);
                    }
                    None if schema::is_known_unkept(schema, &format!("{}.{k}", def.name)) => {}
                    None => {
                        return Err(ScimError::invalid_path(format!(
                            "\"{}\" has no sub-attribute \"{k}\"",
                            def.name
                        )));
                    }
                }
            }
            Ok(Value::Object(out))
        }
    }
}

/// An element stored in a multi-valued attribute: no null sub-attributes.
fn element(def: &'static Attribute, v: &Value, schema: &Schema) -> Result<Value, ScimError> {
    let mut v = coerce(def, v, schema)?;
    if let Value::Object(obj) = &mut v {
        obj.retain(|_, sv| !sv.is_null());
    }
    Ok(v)
}

/// Values for a multi-valued attribute: an array, or one value standing for itself.
fn elements(def: &'static Attribute, v: &Value, schema: &Schema) -> Result<Vec<Value>, ScimError> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        v => vec![v],
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let e = element(def, item, schema)?;
        if !e.is_null() && e != Value::Object(Map::new()) {
            out.push(e);
        }
    }
    Ok(out)
}

fn into_items(current: Option<Value>) -> Vec<Value> {
    match current {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
    }
}

fn from_items(items: Vec<Value>) -> Option<Value> {
    (!items.is_empty()).then_some(Value::Array(items))
}

fn from_object(obj: Map<String, Value>) -> Option<Value> {
    (!obj.is_empty()).then_some(Value::Object(obj))
}

fn not_null(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// Enforces readOnly/immutable on one sub-attribute being changed from `old` to `new`.
fn check_sub(sd: &Attribute, old: Option<&Value>, new: &Value) -> Result<(), ScimError> {
    let old = not_null(old);
    let new = (!new.is_null()).then_some(new);
    match sd.mutability {
        Mutability::ReadOnly if old != new => Err(ScimError::mutability(format!(
            "\"{}\" is readOnly",
            sd.name
        ))),
        Mutability::Immutable if old.is_some() && old != new => Err(ScimError::mutability(
            format!("\"{}\" is immutable once set", sd.name),
        )),
        _ => Ok(()),
    }
}

/// Replacing a whole element must not alter its immutable or readOnly sub-attributes.
fn check_element(def: &Attribute, old: &Value, new: &Value) -> Result<(), ScimError> {
    for sd in def.sub_attributes {
        if sd.mutability == Mutability::ReadOnly || sd.mutability == Mutability::Immutable {
            let new_v = get_ci(new, sd.name).unwrap_or(&Value::Null);
            check_sub(sd, get_ci(old, sd.name), new_v)?;
        }
    }
    Ok(())
}

/// Sets `sub` inside an element (or single complex value), honouring its mutability.
fn set_sub(
    obj: &mut Map<String, Value>,
    sd: &'static Attribute,
    v: &Value,
) -> Result<(), ScimError> {
    let old = take_ci(obj, sd.name);
    check_sub(sd, old.as_ref(), v)?;
    if !v.is_null() {
        obj.insert(sd.name.to_string(), v.clone());
    }
    Ok(())
}

/// Two elements denote the same value: equal, or same `value` without conflicting `type`.
fn same_element(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let (Some(va), Some(vb)) = (not_null(get_ci(a, "value")), not_null(get_ci(b, "value"))) else {
        return false;
    };
    let type_conflict = match (get_ci(a, "type"), get_ci(b, "type")) {
        (Some(Value::String(ta)), Some(Value::String(tb))) => !ta.eq_ignore_ascii_case(tb),
        _ => false,
    };
    va == vb && !type_conflict
}

/// RFC 7643 §2.4: at most one `primary: true`; the last element this operation wrote wins.
fn enforce_primary(def: &Attribute, items: &mut [Value], touched: &[usize]) {
    if def.sub_attribute("primary").is_none() {
        return;
    }
    let is_primary = |v: &Value| get_ci(v, "primary") == Some(&Value::Bool(true));
    let Some(&winner) = touched
        .iter()
        .rev()
        .find(|&&i| items.get(i).is_some_and(is_primary))
    else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if i != winner
            && is_primary(item)
            && let Value::Object(obj) = item
        {
            put(obj, "primary", Value::Bool(false));
        }
    }
}

/// A new element built from a filter's `eq` clauses, e.g. `type eq "work"` → `{"type":"work"}`.
fn element_from_filter(
    f: &Filter,
    def: &'static Attribute,
    schema: &Schema,
    out: &mut Map<String, Value>,
) -> Result<(), ScimError> {
    match f {
        Filter::And(a, b) => {
            element_from_filter(a, def, schema, out)?;
            element_from_filter(b, def, schema, out)
        }
        Filter::Compare {
            path:
                AttrPath {
                    urn: None,
                    name,
                    sub: None,
                },
            op: CompareOp::Eq,
            value,
        } => {
            let sd = def.sub_attribute(name).ok_or_else(|| {
                ScimError::invalid_path(format!("\"{}\" has no sub-attribute \"{name}\"", def.name))
            })?;
            let v = coerce(sd, value, schema)?;
            put(out, sd.name, v);
            Ok(())
        }
        _ => Err(ScimError::no_target(format!(
            "no element of \"{}\" matches, and a new one can only be built from 'eq' clauses joined by 'and'",
            def.name
        ))),
    }
}

fn matching(items: &[Value], f: &Filter, def: &'static Attribute) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_object() && f.matches_element(e, def))
        .map(|(i, _)| i)
        .collect()
}

fn edit(
    doc: &mut Map<String, Value>,
    kind: OpKind,
    path: &PatchPath,
    value: Option<&Value>,
    schema: &Schema,
) -> Result<(), ScimError> {
    let (def, sub) = match resolve(path, schema)? {
        Target::Ignore => return Ok(()),
        Target::Attr(def, sub) => (def, sub),
    };
    let current = take_ci(doc, def.name);
    let filter = path.filter.as_ref();
    let new = match kind {
        OpKind::Remove => remove(def, sub, filter, current.clone(), value),
        OpKind::Add | OpKind::Replace => {
            let value = value.ok_or_else(|| {
                ScimError::invalid_value(format!("\"{}\" needs a \"value\"", kind.as_str()))
            })?;
            set(kind, def, sub, filter, current.clone(), value, schema)
        }
    }?;
    let old = not_null(current.as_ref());
    let changed = old != new.as_ref();
    match def.mutability {
        // Clients echo readOnly attributes (Okta sends `id`); only a change is refused.
        Mutability::ReadOnly if changed => {
            return Err(ScimError::mutability(format!(
                "\"{}\" is readOnly",
                def.name
            )));
        }
        Mutability::Immutable if changed && old.is_some() => {
            return Err(ScimError::mutability(format!(
                "\"{}\" is immutable once set",
                def.name
            )));
        }
        _ => {}
    }
    if def.required && new.is_none() && old.is_some() {
        return Err(ScimError::invalid_value(format!(
            "\"{}\" is required and cannot be removed",
            def.name
        )));
    }
    if let Some(v) = new {
        doc.insert(def.name.to_string(), v);
    }
    Ok(())
}

fn set(
    kind: OpKind,
    def: &'static Attribute,
    sub: Option<&'static Attribute>,
    filter: Option<&Filter>,
    current: Option<Value>,
    value: &Value,
    schema: &Schema,
) -> Result<Option<Value>, ScimError> {
    match (filter, sub) {
        (None, None) if def.multi_valued => {
            let new_items = elements(def, value, schema)?;
            let mut items = if kind == OpKind::Replace {
                Vec::new()
            } else {
                into_items(current)
            };
            let mut touched = Vec::with_capacity(new_items.len());
            for item in new_items {
                match items.iter().position(|e| same_element(e, &item)) {
                    Some(i) => {
                        if let (Some(Value::Object(old)), Value::Object(new)) =
                            (items.get_mut(i), item)
                        {
                            for (k, v) in new {
                                take_ci(old, &k);
                                old.insert(k, v);
                            }
                        }
                        touched.push(i);
                    }
                    None => {
                        items.push(item);
                        touched.push(items.len() - 1);
                    }
                }
            }
            enforce_primary(def, &mut items, &touched);
            Ok(from_items(items))
        }
        (None, None) if def.kind == Kind::Complex => {
            // RFC 7644 §3.5.2.1/3: sub-attributes not mentioned are left unchanged.
            let Value::Object(new) = coerce(def, value, schema)? else {
                return Ok(None);
            };
            let mut obj = match current {
                Some(Value::Object(o)) => o,
                _ => Map::new(),
            };
            for (k, v) in new {
                // `coerce` already refused unknown and dropped unkept sub-attributes.
                if let Some(sd) = def.sub_attribute(&k) {
                    set_sub(&mut obj, sd, &v)?;
                }
            }
            Ok(from_object(obj))
        }
        (None, None) => {
            let v = coerce(def, value, schema)?;
            Ok((!v.is_null()).then_some(v))
        }
        (None, Some(sd)) => {
            let v = coerce(sd, value, schema)?;
            if def.multi_valued {
                let mut items = into_items(current);
                if items.is_empty() && !v.is_null() {
                    items.push(Value::Object(Map::new()));
                }
                for item in items.iter_mut() {
                    if let Value::Object(obj) = item {
                        set_sub(obj, sd, &v)?;
                    }
                }
                items.retain(|e| e != &Value::Object(Map::new()));
                let all: Vec<usize> = (0..items.len()).collect();
                enforce_primary(def, &mut items, &all);
                Ok(from_items(items))
            } else {
                let mut obj = match current {
                    Some(Value::Object(o)) => o,
                    _ => Map::new(),
                };
                set_sub(&mut obj, sd, &v)?;
                Ok(from_object(obj))
            }
        }
        (Some(f), sub) => {
            let mut items = into_items(current);
            let hits = matching(&items, f, def);
            let mut touched = hits.clone();
            match sub {
                Some(sd) => {
                    let v = coerce(sd, value, schema)?;
                    if hits.is_empty() {
                        // Entra sends add *and* replace for `emails[type eq "work"].value`
                        // when the user has no work email yet.
                        let mut obj = Map::new();
                        element_from_filter(f, def, schema, &mut obj)?;
                        put(&mut obj, sd.name, v.clone());
                        items.push(Value::Object(obj));
                        touched = vec![items.len() - 1];
                    }
                    for &i in &hits {
                        if let Some(Value::Object(obj)) = items.get_mut(i) {
                            set_sub(obj, sd, &v)?;
                        }
                    }
                }
                None => {
                    let new = element(def, value, schema)?;
                    let Value::Object(new_obj) = new else {
                        return Err(type_error(def, "an object"));
                    };
                    if hits.is_empty() {
                        if kind == OpKind::Replace {
                            return Err(ScimError::no_target(format!(
                                "no element of \"{}\" matches the filter",
                                def.name
                            )));
                        }
                        let mut obj = Map::new();
                        element_from_filter(f, def, schema, &mut obj)?;
                        for (k, v) in &new_obj {
                            take_ci(&mut obj, k);
                            obj.insert(k.clone(), v.clone());
                        }
                        items.push(Value::Object(obj));
                        touched = vec![items.len() - 1];
                    }
                    for &i in &hits {
                        let Some(slot) = items.get_mut(i) else {
                            continue;
                        };
                        if kind == OpKind::Replace {
                            let replacement = Value::Object(new_obj.clone());
                            check_element(def, slot, &replacement)?;
                            *slot = replacement;
                        } else if let Value::Object(obj) = slot {
                            for (k, v) in &new_obj {
                                if let Some(sd) = def.sub_attribute(k) {
                                    set_sub(obj, sd, v)?;
                                }
                            }
                        }
                    }
                }
            }
            items.retain(|e| e != &Value::Object(Map::new()));
            enforce_primary(def, &mut items, &touched);
            Ok(from_items(items))
        }
    }
}

fn remove(
    def: &'static Attribute,
    sub: Option<&'static Attribute>,
    filter: Option<&Filter>,
    current: Option<Value>,
    value: Option<&Value>,
) -> Result<Option<Value>, ScimError> {
    match (filter, sub) {
        (None, None) => match value {
            // Entra: remove members with a value lists which members to drop.
            Some(listed) if def.multi_valued && !listed.is_null() => {
                let listed: Vec<&Value> = match listed {
                    Value::Array(a) => a.iter().collect(),
                    v => vec![v],
                };
                let mut items = into_items(current);
                items.retain(|e| {
                    !listed.iter().any(|l| {
                        *l == e
                            || match l {
                                Value::Object(_) => not_null(get_ci(l, "value"))
                                    .is_some_and(|lv| get_ci(e, "value") == Some(lv)),
                                scalar => get_ci(e, "value") == Some(*scalar),
                            }
                    })
                });
                Ok(from_items(items))
            }
            _ => Ok(None),
        },
        (None, Some(sd)) => {
            if def.multi_valued {
                let mut items = into_items(current);
                for item in items.iter_mut() {
                    if let Value::Object(obj) = item {
                        set_sub(obj, sd, &Value::Null)?;
                    }
                }
                items.retain(|e| e != &Value::Object(Map::new()));
                Ok(from_items(items))
            } else {
                let mut obj = match current {
                    Some(Value::Object(o)) => o,
                    _ => return Ok(None),
                };
                set_sub(&mut obj, sd, &Value::Null)?;
                Ok(from_object(obj))
            }
        }
        (Some(f), None) => {
            let items = into_items(current);
            let kept = items
                .into_iter()
                .filter(|e| !(e.is_object() && f.matches_element(e, def)))
                .collect();
            Ok(from_items(kept))
        }
        (Some(f), Some(sd)) => {
            let mut items = into_items(current);
            for i in matching(&items, f, def) {
                if let Some(Value::Object(obj)) = items.get_mut(i) {
                    set_sub(obj, sd, &Value::Null)?;
                }
            }
            items.retain(|e| e != &Value::Object(Map::new()));
            Ok(from_items(items))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{GROUP, USER};
    use super::*;
    use serde_json::json;

    fn body(ops: Value) -> Value {
        json!({"schemas": [PATCH_OP_URN], "Operations": ops})
    }

    fn patch(resource: &Value, ops: Value, schema: &Schema) -> Result<Value, ScimError> {
        let ops = parse_patch(&body(ops))?;
        let mut doc = resource.clone();
        apply(&mut doc, &ops, schema)?;
        Ok(doc)
    }

    fn ok(resource: &Value, ops: Value, schema: &Schema) -> Value {
        match patch(resource, ops, schema) {
            Ok(v) => v,
            Err(e) => panic!("patch should apply: {e}"),
        }
    }

    fn fails(resource: &Value, ops: Value, schema: &Schema) -> ScimError {
        match patch(resource, ops, schema) {
            Ok(v) => panic!("patch should fail, gave {v}"),
            Err(e) => e,
        }
    }

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "123",
            "userName": "ada@example.com",
            "displayName": "Ada",
            "active": true,
            "meta": {"resourceType": "User"}
        })
    }

    fn group() -> Value {
        json!({"id": "g1", "displayName": "Sales", "members": [{"value": "7"}, {"value": "8"}]})
    }

    #[test]
    fn paths_parse_in_every_rfc_form() {
        let p = |s: &str| parse_path(s).map_err(|e| e.detail);
        let x = p("emails[type eq \"work\"].value")
            .map(|p| (p.attr.name, p.attr.sub, p.filter.is_some()));
        assert_eq!(x, Ok(("emails".into(), Some("value".into()), true)));
        let x = p("name.givenName").map(|p| (p.attr.name, p.attr.sub, p.filter.is_none()));
        assert_eq!(x, Ok(("name".into(), Some("givenName".into()), true)));
        let x = p("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
            .map(|p| (p.attr.urn, p.attr.name));
        assert_eq!(
            x,
            Ok((
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into()),
                "manager".into()
            ))
        );
        assert!(p("members[value eq \"2819c223-7f76-453a-919d-413861904646\"]").is_ok());
        assert!(p("phoneNumbers[type eq \"mobile\"].value").is_ok());
        assert!(p("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName").is_ok());
    }

    #[test]
    fn malformed_paths_are_invalid_path() {
        let deep = format!("emails[{}type pr{}]", "(".repeat(100), ")".repeat(100));
        let long = "a".repeat(5000);
        for bad in [
            "emails[type eq \"work\"",
            "emails[type eq \"work\"].",
            "emails[type eq \"work\"]x",
            "emails[type eq \"work\"][value pr]",
            "name.givenName.x",
            "emails.value[type pr]",
            ".x",
            "urn:",
            "a b",
            "\0",
            deep.as_str(),
            long.as_str(),
        ] {
            let e = parse_path(bad).err();
            assert_eq!(e.map(|e| e.scim_type), Some(Some("invalidPath")), "{bad:?}");
        }
    }

    #[test]
    fn patch_bodies_without_the_patchop_schema_are_invalid_syntax() {
        for b in [
            json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": []}),
            json!([]),
            json!(null),
        ] {
            assert_eq!(
                parse_patch(&b).err().and_then(|e| e.scim_type),
                Some("invalidSyntax")
            );
        }
    }

    #[test]
    fn operations_must_be_a_non_empty_array_of_objects() {
        for ops in [
            json!([]),
            json!({}),
            json!("add"),
            json!([1]),
            json!([{"op": "move"}]),
            json!([{"path": "x"}]),
        ] {
            let e = parse_patch(&body(ops.clone())).err();
            assert_eq!(e.and_then(|e| e.scim_type), Some("invalidSyntax"), "{ops}");
        }
    }

    #[test]
    fn operations_key_and_op_names_are_case_insensitive() {
        let b = json!({"SCHEMAS": [PATCH_OP_URN.to_uppercase()], "operations": [
            {"OP": "Add", "Path": "title", "Value": "x"},
            {"op": "REPLACE", "path": "title", "value": "y"},
            {"op": "Remove", "path": "title"}
        ]});
        let ops = parse_patch(&b).map(|o| o.iter().map(|o| o.op).collect::<Vec<_>>());
        assert_eq!(ops, Ok(vec![OpKind::Add, OpKind::Replace, OpKind::Remove]));
    }

    #[test]
    fn remove_without_path_is_no_target_and_add_without_value_is_invalid_value() {
        let e = parse_patch(&body(json!([{"op": "remove"}]))).err();
        assert_eq!(e.and_then(|e| e.scim_type), Some("noTarget"));
        let e = parse_patch(&body(json!([{"op": "add", "path": "title"}]))).err();
        assert_eq!(e.as_ref().and_then(|e| e.scim_type), Some("invalidValue"));
        assert!(e.is_some_and(|e| e.detail.starts_with("Operations[0]")));
    }

    #[test]
    fn more_than_a_thousand_operations_are_too_many() {
        let ops: Vec<Value> = (0..1001)
            .map(|_| json!({"op": "remove", "path": "title"}))
            .collect();
        let e = parse_patch(&body(Value::Array(ops))).err();
        assert_eq!(e.and_then(|e| e.scim_type), Some("tooMany"));
        let ops: Vec<Value> = (0..1000)
            .map(|_| json!({"op": "remove", "path": "title"}))
            .collect();
        assert!(parse_patch(&body(Value::Array(ops))).is_ok());
    }

    #[test]
    fn entra_multi_and_single_valued_update_sequence_applies() {
        let out = ok(
            &user(),
            json!([
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
                {"op": "Replace", "path": "userName", "value": "5b50642d@example.com"},
                {"op": "Replace", "path": "active", "value": false}
            ]),
            &USER,
        );
        assert_eq!(
            out["emails"],
            json!([{"type": "work", "value": "updatedEmail@microsoft.com"}])
        );
        assert_eq!(out["name"], json!({"familyName": "updatedFamilyName"}));
        assert_eq!(out["userName"], "5b50642d@example.com");
        assert_eq!(out["active"], false);
    }

    #[test]
    fn entra_add_work_email_creates_the_element_from_the_filter() {
        let out = ok(
            &user(),
            json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada@example.com"}]),
            &USER,
        );
        assert_eq!(
            out["emails"],
            json!([{"type": "work", "value": "ada@example.com"}])
        );
        let again = ok(
            &out,
            json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada@new.example"}]),
            &USER,
        );
        assert_eq!(
            again["emails"],
            json!([{"type": "work", "value": "ada@new.example"}])
        );
    }

    #[test]
    fn entra_no_path_replace_handles_several_dotted_keys() {
        let out = ok(
            &user(),
            json!([{"op": "Replace", "value": {
                "displayName": "Ada Lovelace",
                "name.givenName": "Ada",
                "name.familyName": "Lovelace",
                "active": "False",
                "emails[type eq \"work\"].value": "ada@work.example"
            }}]),
            &USER,
        );
        assert_eq!(out["displayName"], "Ada Lovelace");
        assert_eq!(
            out["name"],
            json!({"givenName": "Ada", "familyName": "Lovelace"})
        );
        assert_eq!(out["active"], false);
        assert_eq!(out["emails"][0]["value"], "ada@work.example");
    }

    #[test]
    fn entra_string_booleans_become_booleans() {
        let out = ok(
            &user(),
            json!([
                {"op": "Replace", "path": "active", "value": "True"},
                {"op": "Add", "path": "emails", "value": [{"value": "a@x", "primary": "true"}]}
            ]),
            &USER,
        );
        assert_eq!(out["active"], true);
        assert_eq!(out["emails"][0]["primary"], true);
    }

    #[test]
    fn non_boolean_strings_for_boolean_attributes_are_invalid_value() {
        for v in [json!("yes"), json!(1), json!({"a": 1})] {
            let e = fails(
                &user(),
                json!([{"op": "replace", "path": "active", "value": v}]),
                &USER,
            );
            assert_eq!(e.scim_type, Some("invalidValue"));
        }
    }

    #[test]
    fn wrong_json_types_are_invalid_value() {
        for (path, v) in [
            ("displayName", json!({"a": 1})),
            ("userName", json!(42)),
            ("name", json!("Ada")),
            ("name.givenName", json!(["Ada"])),
            ("emails", json!(["a@x"])),
        ] {
            let e = fails(
                &user(),
                json!([{"op": "replace", "path": path, "value": v}]),
                &USER,
            );
            assert_eq!(e.scim_type, Some("invalidValue"), "{path}");
        }
    }

    #[test]
    fn entra_group_member_add_tolerates_null_ref_and_remove_drops_only_listed_members() {
        let added = ok(
            &group(),
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "9"}]}]),
            &GROUP,
        );
        assert_eq!(
            added["members"],
            json!([{"value": "7"}, {"value": "8"}, {"value": "9"}])
        );
        let removed = ok(
            &added,
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "7"}, {"value": "9"}]}]),
            &GROUP,
        );
        assert_eq!(removed["members"], json!([{"value": "8"}]));
    }

    #[test]
    fn entra_group_display_name_replace_with_a_path() {
        let out = ok(
            &group(),
            json!([{"op": "Replace", "path": "displayName", "value": "Marketing"}]),
            &GROUP,
        );
        assert_eq!(out["displayName"], "Marketing");
    }

    #[test]
    fn okta_no_path_replace_deactivates() {
        let out = ok(
            &user(),
            json!([{"op": "replace", "value": {"active": false}}]),
            &USER,
        );
        assert_eq!(out["active"], false);
    }

    #[test]
    fn okta_removes_a_member_by_filter() {
        let g = json!({"id": "g", "displayName": "S", "members": [{"value": "00u1"}, {"value": "00u2"}]});
        let out = ok(
            &g,
            json!([{"op": "remove", "path": "members[value eq \"00u1\"]"}]),
            &GROUP,
        );
        assert_eq!(out["members"], json!([{"value": "00u2"}]));
        let out = ok(
            &out,
            json!([{"op": "remove", "path": "members[value eq \"00u2\"]"}]),
            &GROUP,
        );
        assert!(out.get("members").is_none());
    }

    #[test]
    fn okta_adds_members_with_display_and_skips_duplicates() {
        // `display` is not kept for a group's members (RFC 7643 §8.7.1 has value, $ref, type).
        let g = json!({"id": "g", "displayName": "S", "members": [{"value": "00u1"}]});
        let out = ok(
            &g,
            json!([{"op": "add", "path": "members", "value": [
                {"value": "00u1", "display": "ada@example.com"},
                {"value": "00u2", "display": "bob@example.com"},
                {"value": "00u2", "display": "bob@example.com"}
            ]}]),
            &GROUP,
        );
        assert_eq!(
            out["members"],
            json!([{"value": "00u1"}, {"value": "00u2"}])
        );
    }

    #[test]
    fn okta_replace_echoing_an_unchanged_id_is_tolerated() {
        let out = ok(
            &group(),
            json!([{"op": "replace", "value": {"id": "g1", "displayName": "Sales EU"}}]),
            &GROUP,
        );
        assert_eq!(out["displayName"], "Sales EU");
        assert_eq!(out["id"], "g1");
    }

    #[test]
    fn changing_a_read_only_attribute_is_a_mutability_error() {
        let e = fails(
            &group(),
            json!([{"op": "replace", "value": {"id": "123", "displayName": "Sales"}}]),
            &GROUP,
        );
        assert_eq!(e.scim_type, Some("mutability"));
        for op in [
            json!({"op": "replace", "path": "meta.resourceType", "value": "Group"}),
            json!({"op": "add", "path": "groups", "value": [{"value": "g1"}]}),
            json!({"op": "remove", "path": "id"}),
            json!({"op": "add", "path": "ID", "value": "999"}),
        ] {
            let e = fails(&user(), json!([op.clone()]), &USER);
            assert_eq!(e.scim_type, Some("mutability"), "{op}");
        }
    }

    #[test]
    fn immutable_member_values_cannot_change_once_set() {
        let e = fails(
            &group(),
            json!([{"op": "replace", "path": "members[value eq \"7\"].value", "value": "9"}]),
            &GROUP,
        );
        assert_eq!(e.scim_type, Some("mutability"));
        let e = fails(
            &group(),
            json!([{"op": "replace", "path": "members[value eq \"7\"]", "value": {"value": "9"}}]),
            &GROUP,
        );
        assert_eq!(e.scim_type, Some("mutability"));
        let out = ok(
            &group(),
            json!([{"op": "replace", "path": "members[value eq \"7\"].type", "value": "User"}]),
            &GROUP,
        );
        assert_eq!(out["members"][0]["value"], "7");
        assert_eq!(out["members"][0]["type"], "User");
    }

    #[test]
    fn undeclared_attributes_are_invalid_path_naming_the_attribute() {
        let e = fails(
            &user(),
            json!([{"op": "add", "path": "shoeSize", "value": "42"}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
        assert!(e.detail.contains("shoeSize"), "{}", e.detail);
        let e = fails(
            &user(),
            json!([{"op": "replace", "value": {"favouriteColour": "red"}}]),
            &USER,
        );
        assert!(e.detail.contains("favouriteColour"), "{}", e.detail);
        let e = fails(
            &user(),
            json!([{"op": "add", "path": "name.nickname", "value": "x"}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
        let e = fails(
            &group(),
            json!([{"op": "add", "path": "members[value eq \"7\"].colour", "value": "x"}]),
            &GROUP,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
    }

    #[test]
    fn known_unkept_attributes_are_ignored_silently() {
        let before = user();
        let out = ok(
            &before,
            json!([
                {"op": "add", "path": "nickName", "value": "Countess"},
                {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": "9"}},
                {"op": "replace", "value": {
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
                    "preferredLanguage": "en"
                }},
                {"op": "add", "path": "name", "value": {"givenName": "Ada", "honorificPrefix": "Countess"}},
                {"op": "remove", "path": "addresses[type eq \"work\"]"}
            ]),
            &USER,
        );
        let mut expected = before;
        expected["name"] = json!({"givenName": "Ada"});
        assert_eq!(out, expected);
    }

    #[test]
    fn unknown_extension_attributes_are_refused() {
        let e = fails(
            &user(),
            json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"shoeSize": 9}}}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
        let e = fails(
            &user(),
            json!([{"op": "add", "path": "urn:example:custom:User:x", "value": 1}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
    }

    #[test]
    fn attribute_keys_take_the_canonical_schema_spelling() {
        let doc = json!({"id": "1", "username": "old@example.com", "DisplayName": "Old"});
        let out = ok(
            &doc,
            json!([
                {"op": "replace", "path": "USERNAME", "value": "new@example.com"},
                {"op": "replace", "value": {"displayname": "New", "NAME.GIVENNAME": "Ada"}}
            ]),
            &USER,
        );
        assert_eq!(
            out,
            json!({"id": "1", "userName": "new@example.com", "displayName": "New", "name": {"givenName": "Ada"}})
        );
    }

    #[test]
    fn setting_a_primary_element_clears_the_others() {
        let doc = json!({"userName": "a", "emails": [
            {"value": "a@work", "type": "work", "primary": true},
            {"value": "a@home", "type": "home"}
        ]});
        let out = ok(
            &doc,
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": "True"}]),
            &USER,
        );
        assert_eq!(out["emails"][0]["primary"], false);
        assert_eq!(out["emails"][1]["primary"], true);
        let out = ok(
            &doc,
            json!([{"op": "add", "path": "emails", "value": {"value": "a@new", "primary": true}}]),
            &USER,
        );
        assert_eq!(out["emails"][0]["primary"], false);
        assert_eq!(out["emails"][2]["primary"], true);
    }

    #[test]
    fn replace_without_filter_replaces_the_whole_array() {
        let out = ok(
            &group(),
            json!([{"op": "replace", "path": "members", "value": [{"value": "1"}]}]),
            &GROUP,
        );
        assert_eq!(out["members"], json!([{"value": "1"}]));
    }

    #[test]
    fn replace_of_a_filtered_element_without_sub_attribute_needs_a_match() {
        let e = fails(
            &group(),
            json!([{"op": "replace", "path": "members[value eq \"99\"]", "value": {"value": "99"}}]),
            &GROUP,
        );
        assert_eq!(e.scim_type, Some("noTarget"));
        let e = fails(
            &user(),
            json!([{"op": "add", "path": "emails[type ne \"work\"].value", "value": "x"}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("noTarget"));
    }

    #[test]
    fn remove_handles_every_path_form_and_absent_targets() {
        let doc = json!({"userName": "a", "title": "Dr", "name": {"givenName": "Ada", "familyName": "L"},
            "phoneNumbers": [{"value": "1", "type": "work"}, {"value": "2", "type": "mobile"}]});
        let out = ok(
            &doc,
            json!([
                {"op": "remove", "path": "title"},
                {"op": "remove", "path": "name.givenName"},
                {"op": "remove", "path": "phoneNumbers[type eq \"work\"]"},
                {"op": "remove", "path": "phoneNumbers[type eq \"mobile\"].type"},
                {"op": "remove", "path": "displayName"},
                {"op": "remove", "path": "emails[type eq \"work\"]"},
                {"op": "remove", "path": "meta"}
            ]),
            &USER,
        );
        assert_eq!(
            out,
            json!({"userName": "a", "name": {"familyName": "L"}, "phoneNumbers": [{"value": "2"}]})
        );
    }

    #[test]
    fn removing_a_required_attribute_is_invalid_value() {
        let e = fails(
            &user(),
            json!([{"op": "remove", "path": "userName"}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidValue"));
        let e = fails(
            &group(),
            json!([{"op": "replace", "path": "displayName", "value": null}]),
            &GROUP,
        );
        assert_eq!(e.scim_type, Some("invalidValue"));
    }

    #[test]
    fn a_failing_operation_leaves_the_resource_untouched() {
        let ops = parse_patch(&body(json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "id", "value": "other"}
        ])));
        let Ok(ops) = ops else { panic!("should parse") };
        let mut doc = user();
        let e = apply(&mut doc, &ops, &USER).err();
        assert!(e.is_some_and(|e| e.detail.starts_with("Operations[1]")));
        assert_eq!(doc, user());
    }

    #[test]
    fn hostile_values_and_documents_are_refused_without_panicking() {
        let e = fails(
            &user(),
            json!([{"op": "replace", "value": "not an object"}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidValue"));
        let e = fails(
            &user(),
            json!([{"op": "add", "path": 5, "value": 1}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
        let e = fails(
            &user(),
            json!([{"op": "add", "path": "title[value eq \"x\"]", "value": "x"}]),
            &USER,
        );
        assert_eq!(e.scim_type, Some("invalidPath"));
        let mut not_object = json!([1, 2]);
        let ops = parse_patch(&body(json!([{"op": "add", "path": "title", "value": "x"}])));
        assert!(ops.is_ok_and(|ops| apply(&mut not_object, &ops, &USER).is_err()));
        // Broken stored data: emails is a string, members holds non-objects.
        let broken = json!({"userName": "a", "emails": "oops", "name": 7});
        let out = ok(
            &broken,
            json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "a@x"}, {"op": "add", "path": "name.givenName", "value": "A"}]),
            &USER,
        );
        assert_eq!(
            out["emails"],
            json!(["oops", {"type": "work", "value": "a@x"}])
        );
        assert_eq!(out["name"], json!({"givenName": "A"}));
        let g = json!({"displayName": "S", "members": [1, null, "x", {"value": "7"}]});
        let out = ok(
            &g,
            json!([{"op": "remove", "path": "members[value eq \"7\"]"}]),
            &GROUP,
        );
        assert_eq!(out["members"], json!([1, null, "x"]));
    }
}
