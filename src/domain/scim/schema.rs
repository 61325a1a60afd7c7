//! What namecard declares about its resources (RFC 7643 §2, §4, §7, §8.7).
//!
//! The definitions are static data so filters and PATCH can consult them without allocation,
//! and so `/Schemas` is generated from the very rules the server enforces.

use serde_json::{Map, Value, json};

/// SCIM attribute data types (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Boolean,
    Integer,
    Decimal,
    DateTime,
    Reference,
    Complex,
}

/// Whether and when a client may write an attribute (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// When an attribute appears in responses (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Default,
    Never,
    Request,
}

/// Scope in which an attribute's value must be unique (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute definition (RFC 7643 §7 "attributes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: Kind,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub sub_attributes: &'static [Attribute],
    pub reference_types: &'static [&'static str],
    pub canonical_values: &'static [&'static str],
    pub description: &'static str,
}

impl Attribute {
    /// RFC 7643 §2.2 defaults: single-valued, optional, caseExact false, readWrite, default.
    const fn new(name: &'static str, kind: Kind, description: &'static str) -> Self {
        Attribute {
            name,
            kind,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            sub_attributes: &[],
            reference_types: &[],
            canonical_values: &[],
            description,
        }
    }
    const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    const fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    const fn subs(mut self, s: &'static [Attribute]) -> Self {
        self.sub_attributes = s;
        self
    }
    const fn refs(mut self, r: &'static [&'static str]) -> Self {
        self.reference_types = r;
        self
    }
    const fn canonical(mut self, c: &'static [&'static str]) -> Self {
        self.canonical_values = c;
        self
    }

    /// Sub-attribute by name, case-insensitively (RFC 7643 §2.1: names are case-insensitive).
    pub fn sub_attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A resource schema (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

/// URN of the core User schema.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the core Group schema.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the enterprise User extension, which namecard accepts but does not store.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

use Kind as K;
use Mutability as M;

const META_SUBS: &[Attribute] = &[
    Attribute::new("resourceType", K::String, "Name of the resource type.")
        .case_exact()
        .mutability(M::ReadOnly),
    Attribute::new("created", K::DateTime, "When the resource was added.").mutability(M::ReadOnly),
    Attribute::new(
        "lastModified",
        K::DateTime,
        "When the resource last changed.",
    )
    .mutability(M::ReadOnly),
    Attribute::new("location", K::Reference, "URI of the resource.")
        .case_exact()
        .mutability(M::ReadOnly)
        .refs(&["uri"]),
    Attribute::new("version", K::String, "Entity tag of the resource.")
        .case_exact()
        .mutability(M::ReadOnly),
];

/// Attributes every resource carries but no schema lists (RFC 7643 §3.1).
pub static COMMON: &[Attribute] = &[
    Attribute::new("id", K::String, "Server-assigned identifier.")
        .case_exact()
        .mutability(M::ReadOnly)
        .returned(Returned::Always)
        .unique(Uniqueness::Server),
    Attribute::new(
        "externalId",
        K::String,
        "Identifier assigned by the provisioning client.",
    )
    .case_exact(),
    Attribute::new("meta", K::Complex, "Resource metadata.")
        .mutability(M::ReadOnly)
        .subs(META_SUBS),
];

const NAME_SUBS: &[Attribute] = &[
    Attribute::new("formatted", K::String, "Full name for display."),
    Attribute::new("familyName", K::String, "Family (last) name."),
    Attribute::new("givenName", K::String, "Given (first) name."),
    Attribute::new("middleName", K::String, "Middle name(s)."),
];

const EMAIL_SUBS: &[Attribute] = &[
    Attribute::new("value", K::String, "Email address."),
    Attribute::new("type", K::String, "Kind of address.").canonical(&["work", "home", "other"]),
    Attribute::new(
        "primary",
        K::Boolean,
        "Preferred address; at most one is true.",
    ),
    Attribute::new("display", K::String, "Label for display."),
];

const PHONE_SUBS: &[Attribute] = &[
    Attribute::new("value", K::String, "Phone number."),
    Attribute::new("type", K::String, "Kind of number.")
        .canonical(&["work", "home", "mobile", "fax", "pager", "other"]),
    Attribute::new(
        "primary",
        K::Boolean,
        "Preferred number; at most one is true.",
    ),
    Attribute::new("display", K::String, "Label for display."),
];

const USER_GROUP_SUBS: &[Attribute] = &[
    Attribute::new("value", K::String, "Group id.").mutability(M::ReadOnly),
    Attribute::new("$ref", K::Reference, "URI of the group.")
        .mutability(M::ReadOnly)
        .refs(&["Group"]),
    Attribute::new("display", K::String, "Group display name.").mutability(M::ReadOnly),
    Attribute::new("type", K::String, "Direct or indirect membership.")
        .mutability(M::ReadOnly)
        .canonical(&["direct", "indirect"]),
];

const USER_ATTRS: &[Attribute] = &[
    Attribute::new(
        "userName",
        K::String,
        "Unique login name, usually the email address.",
    )
    .required()
    .unique(Uniqueness::Server),
    Attribute::new("name", K::Complex, "Components of the person's name.").subs(NAME_SUBS),
    Attribute::new("displayName", K::String, "Name shown on the card."),
    Attribute::new("title", K::String, "Job title."),
    Attribute::new("emails", K::Complex, "Email addresses.")
        .multi()
        .subs(EMAIL_SUBS),
    Attribute::new("phoneNumbers", K::Complex, "Phone numbers.")
        .multi()
        .subs(PHONE_SUBS),
    Attribute::new(
        "active",
        K::Boolean,
        "Whether the user may appear and sign in.",
    ),
    Attribute::new(
        "groups",
        K::Complex,
        "Groups the user belongs to; managed via Group.",
    )
    .multi()
    .mutability(M::ReadOnly)
    .subs(USER_GROUP_SUBS),
];

const MEMBER_SUBS: &[Attribute] = &[
    Attribute::new("value", K::String, "Member id.")
        .case_exact()
        .mutability(M::Immutable),
    Attribute::new("$ref", K::Reference, "URI of the member.")
        .mutability(M::Immutable)
        .refs(&["User", "Group"]),
    Attribute::new("type", K::String, "Kind of member.").canonical(&["User", "Group"]),
];

const GROUP_ATTRS: &[Attribute] = &[
    Attribute::new("displayName", K::String, "Group name.").required(),
    Attribute::new("members", K::Complex, "Users and groups in the group.")
        .multi()
        .subs(MEMBER_SUBS),
];

/// The User resource schema as namecard keeps it.
pub static USER: Schema = Schema {
    id: USER_URN,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRS,
};

/// The Group resource schema as namecard keeps it.
pub static GROUP: Schema = Schema {
    id: GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRS,
};

/// RFC 7643 User attributes namecard accepts from IdPs but does not store.
const USER_UNKEPT: &[&str] = &[
    "nickName",
    "profileUrl",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "password",
    "addresses",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509Certificates",
];

/// RFC 7643 `name` sub-attributes namecard does not store; IdPs send them inside `name`.
const USER_NAME_UNKEPT: &[&str] = &["honorificPrefix", "honorificSuffix"];

/// Enterprise extension attributes (RFC 7643 §4.3), none of which namecard stores.
const ENTERPRISE_UNKEPT: &[&str] = &[
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

/// Declared or common attribute by name, case-insensitively.
pub fn attribute(schema: &Schema, name: &str) -> Option<&'static Attribute> {
    let attrs: &'static [Attribute] = schema.attributes;
    attrs
        .iter()
        .chain(COMMON.iter())
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Extension schema URNs a resource of `schema` may carry.
pub fn extension_urns(schema: &Schema) -> &'static [&'static str] {
    if schema.id == USER_URN {
        &[ENTERPRISE_USER_URN]
    } else {
        &[]
    }
}

fn contains(list: &[&str], name: &str) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// True for attributes RFC 7643 defines that namecard deliberately drops.
///
/// Accepts a plain name (`nickName`), a dotted name (`addresses.locality`,
/// `name.honorificPrefix`), a core-URN-prefixed name, the enterprise extension URN itself
/// (the key of its object in a resource) or an enterprise-prefixed name
/// (`urn:...:enterprise:2.0:User:department`). Callers accept these without storing them
/// and refuse anything that is neither declared nor listed here.
pub fn is_known_unkept(schema: &Schema, name: &str) -> bool {
    if schema.id == GROUP_URN {
        // RFC 7643 §8.7.1 gives members value, $ref and type; Okta also sends a display.
        let (_, rest) = split_urn(name);
        return rest.eq_ignore_ascii_case("members.display");
    }
    if schema.id != USER_URN {
        return false;
    }
    if name.eq_ignore_ascii_case(ENTERPRISE_USER_URN) {
        return true;
    }
    let (urn, rest) = split_urn(name);
    if let Some(urn) = urn {
        if urn.eq_ignore_ascii_case(ENTERPRISE_USER_URN) {
            let top = rest.split('.').next().unwrap_or(rest);
            return contains(ENTERPRISE_UNKEPT, top);
        }
        if !urn.eq_ignore_ascii_case(USER_URN) {
            return false;
        }
    }
    let mut parts = rest.splitn(2, '.');
    let top = parts.next().unwrap_or(rest);
    match parts.next() {
        Some(sub) if top.eq_ignore_ascii_case("name") => contains(USER_NAME_UNKEPT, sub),
        _ => contains(USER_UNKEPT, top),
    }
}

/// Splits `urn:...:attr.sub` into (`urn:...`, `attr.sub`); names without `urn:` pass through.
pub(crate) fn split_urn(name: &str) -> (Option<&str>, &str) {
    let is_urn = name
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
    match name.rfind(':') {
        Some(i) if is_urn => (name.get(..i), name.get(i + 1..).unwrap_or("")),
        _ => (None, name),
    }
}

fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::String => "string",
        Kind::Boolean => "boolean",
        Kind::Integer => "integer",
        Kind::Decimal => "decimal",
        Kind::DateTime => "dateTime",
        Kind::Reference => "reference",
        Kind::Complex => "complex",
    }
}

fn mutability_str(m: Mutability) -> &'static str {
    match m {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn returned_str(r: Returned) -> &'static str {
    match r {
        Returned::Always => "always",
        Returned::Default => "default",
        Returned::Never => "never",
        Returned::Request => "request",
    }
}

fn uniqueness_str(u: Uniqueness) -> &'static str {
    match u {
        Uniqueness::None => "none",
        Uniqueness::Server => "server",
        Uniqueness::Global => "global",
    }
}

fn attribute_json(a: &Attribute) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), a.name.into());
    m.insert("type".into(), kind_str(a.kind).into());
    m.insert("multiValued".into(), a.multi_valued.into());
    m.insert("description".into(), a.description.into());
    m.insert("required".into(), a.required.into());
    m.insert("caseExact".into(), a.case_exact.into());
    m.insert("mutability".into(), mutability_str(a.mutability).into());
    m.insert("returned".into(), returned_str(a.returned).into());
    m.insert("uniqueness".into(), uniqueness_str(a.uniqueness).into());
    if a.kind == Kind::Complex {
        let subs: Vec<Value> = a.sub_attributes.iter().map(attribute_json).collect();
        m.insert("subAttributes".into(), subs.into());
    }
    if a.kind == Kind::Reference {
        m.insert("referenceTypes".into(), json!(a.reference_types));
    }
    if !a.canonical_values.is_empty() {
        m.insert("canonicalValues".into(), json!(a.canonical_values));
    }
    Value::Object(m)
}

/// The RFC 7643 §7 representation served at `/Schemas/{id}`; `location` is its URL.
pub fn schema_json(schema: &Schema, location: &str) -> Value {
    let attrs: Vec<Value> = schema.attributes.iter().map(attribute_json).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": attrs,
        "meta": { "resourceType": "Schema", "location": location },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_lookup_ignores_case_and_knows_common_attributes() {
        assert_eq!(
            attribute(&USER, "USERNAME").map(|a| a.name),
            Some("userName")
        );
        assert_eq!(
            attribute(&USER, "externalid").map(|a| a.name),
            Some("externalId")
        );
        assert_eq!(
            attribute(&GROUP, "Id").map(|a| a.mutability),
            Some(M::ReadOnly)
        );
        assert!(attribute(&GROUP, "userName").is_none());
    }

    #[test]
    fn common_attributes_are_not_listed_in_the_schema_representation() {
        let j = schema_json(&USER, "https://x/scim/v2/Schemas/u");
        let names: Vec<&str> = j["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["name"].as_str())
            .collect();
        assert!(names.contains(&"userName"));
        assert!(!names.contains(&"id"));
        assert!(!names.contains(&"externalId"));
        assert!(!names.contains(&"meta"));
    }

    #[test]
    fn schema_representation_follows_rfc_7643_section_7() {
        let j = schema_json(&GROUP, "https://x/Schemas/g");
        assert_eq!(
            j["schemas"][0],
            "urn:ietf:params:scim:schemas:core:2.0:Schema"
        );
        assert_eq!(j["id"], GROUP_URN);
        assert_eq!(j["meta"]["resourceType"], "Schema");
        assert_eq!(j["meta"]["location"], "https://x/Schemas/g");
        let members = &j["attributes"][1];
        assert_eq!(members["name"], "members");
        assert_eq!(members["type"], "complex");
        assert_eq!(members["multiValued"], true);
        let reference = &members["subAttributes"][1];
        assert_eq!(reference["name"], "$ref");
        assert_eq!(reference["mutability"], "immutable");
        assert_eq!(reference["referenceTypes"], json!(["User", "Group"]));
        assert_eq!(
            members["subAttributes"][2]["canonicalValues"],
            json!(["User", "Group"])
        );
    }

    #[test]
    fn user_name_is_required_server_unique_and_case_insensitive() {
        let a = attribute(&USER, "userName");
        assert_eq!(
            a.map(|a| (a.required, a.uniqueness, a.case_exact)),
            Some((true, Uniqueness::Server, false))
        );
    }

    #[test]
    fn unkept_user_attributes_are_recognised_in_every_spelling() {
        assert!(is_known_unkept(&USER, "nickName"));
        assert!(is_known_unkept(&USER, "PREFERREDLANGUAGE"));
        assert!(is_known_unkept(&USER, "addresses.locality"));
        assert!(is_known_unkept(&USER, "name.honorificPrefix"));
        assert!(is_known_unkept(&USER, ENTERPRISE_USER_URN));
        assert!(is_known_unkept(
            &USER,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
        ));
        assert!(is_known_unkept(
            &USER,
            "urn:ietf:params:scim:schemas:core:2.0:User:timezone"
        ));
    }

    #[test]
    fn undeclared_and_unlisted_attributes_are_not_unkept() {
        assert!(!is_known_unkept(&USER, "favouriteColour"));
        assert!(!is_known_unkept(&USER, "userName"));
        assert!(!is_known_unkept(
            &USER,
            "urn:example:custom:2.0:User:nickName"
        ));
        assert!(!is_known_unkept(
            &USER,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:shoeSize"
        ));
        assert!(!is_known_unkept(&GROUP, "nickName"));
        assert!(!is_known_unkept(&USER, ""));
    }
}
