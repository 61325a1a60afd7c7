//! Typed ids. The database numbers every row with a 64-bit integer; wrapping each kind in its own
//! type means an organization's id cannot be passed where a member's is expected, and the store's
//! signatures say what they take. Ids arriving from clients (paths, bodies) are just numbers: an
//! id that names nothing is a 404 at lookup, so any `i64` is a valid id.

/// Declares an `i64` id newtype, serialized as the bare number.
macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id with this number.
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The number, as the database stores it.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type! {
    /// An organization.
    OrgId;
    /// A member of an organization.
    MemberId;
    /// An external-contact request.
    RequestId;
    /// A mutual external-contact relation.
    ContactId;
    /// A bearer token (also the token a web session acts through).
    TokenId;
    /// An entry of the audit log.
    AuditId;
    /// A one-time sign-in link.
    SigninLinkId;
    /// A queued webhook delivery.
    DeliveryId;
    /// A tag of an organization's contact tag library.
    TagId;
    /// The transfer of one relation to a new holder.
    TransferId;
    /// A contact way (a team code).
    ContactWayId;
    /// A department of an organization's tree.
    DepartmentId;
    /// A mail in the outbox.
    MailId;
    /// An organization's SCIM bearer token.
    ScimTokenId;
}
