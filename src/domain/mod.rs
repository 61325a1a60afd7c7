//! Organizations, members and the people acting on them: the service's rules as pure functions.
//!
//! Raw input becomes one of these types through one `parse` at the edge (HTTP body, CSV row,
//! config file); after that the type is the proof that the value is valid. Nothing here knows
//! about HTTP or SQL. The entities (`Org`, `Member`, `ContactRequest`, ...) carry typed ids
//! ([`ids`]); the store reads and writes them, and `http` turns them into its own views, so the
//! public JSON changes only when a view does.

pub mod access;
pub mod audit;
pub mod book;
pub mod contact;
pub mod department;
mod hanzi;
pub mod ids;
pub mod import;
pub mod mail;
pub mod member;
pub mod oidc;
pub mod org;
pub mod scim;
pub mod session;
pub mod token;
pub mod transfer;
pub mod way;

pub use access::{Principal, Role};
pub use audit::{Audit, AuditEntry};
pub use book::{
    BookChange, BookEntry, BookPatch, NewTag, Note, OrgContact, OrgContactQuery, Remark, Tag,
    TagName,
};
pub use contact::{
    BlockReason, BlockedBy, Contact, ContactQuery, ContactRequest, ContactSource, Decision, OrgRef,
    Party, PolicyBlock, PolicySide, RequestStatus, Via, check_policies,
};
pub use department::{
    Department, DepartmentName, DepartmentPatch, Memberships, NewDepartment, Tree, TreeError,
};
pub use ids::{
    AuditId, ContactId, ContactWayId, DeliveryId, DepartmentId, MailId, MemberId, OrgId, RequestId,
    ScimTokenId, SigninLinkId, TagId, TokenId, TransferId,
};
pub use mail::{Letter, MailKind, MailStatus, OutboxMail};
pub use member::{
    DisplayName, Email, EmployeeId, FOLD_VERSION, Member, MemberFields, MemberPatch, MemberQuery,
    MemberStatus, Mobile, NewMember, Title, fold_for_search,
};
pub use org::{
    ContactPolicy, Domain, NewOrg, Org, OrgName, OrgPatch, Partner, WebhookUrl, default_org_lang,
    parse_org_lang,
};
pub use session::{PendingSigninLink, SessionInfo};
pub use token::{TokenHash, TokenInfo, TokenLabel, TokenSecret};
pub use transfer::{
    NewTransfer, NotPossible, Transfer, TransferKind, TransferMessage, TransferPeriod,
    TransferQuery, TransferStatus,
};
pub use way::{
    AnsweredBy, Answerer, Answerers, Channel, ChannelStats, ContactWay, DayCounts, NewContactWay,
    ScanOutcome, Sharing, WayCounts, WayName, WayPatch, WayScans, WayState, WayStats,
    WelcomeMessage,
};

/// A value that failed validation; `field` names the input and `code` is stable for clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    /// The input field that was rejected, e.g. `mobile`.
    pub field: &'static str,
    /// A stable, machine-readable code, e.g. `invalid_phone`.
    pub code: &'static str,
    /// A human-readable explanation, safe to show to the caller.
    pub message: String,
    /// The same explanation as a catalogue message, for answers in the reader's language.
    pub why: Option<Why>,
}

/// An explanation as the string catalogues hold it: message `detail-<id>` of `problems.ftl` and
/// the values it names. The domain says what went wrong; the edge says it in the reader's
/// language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Why {
    pub fn new(id: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> Self {
        Self {
            id,
            args: args.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        }
    }
}

impl DomainError {
    /// The same refusal, named for another input field (one type parsing two fields).
    pub fn on_field(self, field: &'static str) -> Self {
        Self { field, ..self }
    }

    pub(crate) fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
            why: None,
        }
    }

    /// The explanation's catalogue message ([`Why`]).
    pub(crate) fn because(
        self,
        id: &'static str,
        args: &[(&'static str, &dyn std::fmt::Display)],
    ) -> Self {
        Self {
            why: Some(Why::new(id, args)),
            ..self
        }
    }
}

/// Formats Unix seconds as RFC 3339 UTC; a time no calendar holds is written as the number.
pub fn format_time(unix: i64) -> String {
    u64::try_from(unix)
        .ok()
        .and_then(|s| std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(s)))
        .map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_else(|| unix.to_string())
}

/// Trims `raw` and checks it is 1..=`max` characters without control characters.
fn bounded_text(raw: &str, field: &'static str, max: usize) -> Result<String, DomainError> {
    checked_text(raw.trim(), field, max, false)
}

/// Trims `raw` (line ends made `\n`) and checks it is 1..=`max` characters, without control
/// characters other than line breaks: the free text of notes and messages.
pub(crate) fn multiline_text(
    raw: &str,
    field: &'static str,
    max: usize,
) -> Result<String, DomainError> {
    checked_text(raw.replace("\r\n", "\n").trim(), field, max, true)
}

fn checked_text(
    text: &str,
    field: &'static str,
    max: usize,
    line_breaks: bool,
) -> Result<String, DomainError> {
    let invalid = |message: String, why: Why| {
        Err(DomainError {
            why: Some(why),
            ..DomainError::new(field, "invalid_field", message)
        })
    };
    if text.is_empty() {
        return invalid("must not be empty".into(), Why::new("empty", &[]));
    }
    if text.chars().count() > max {
        return invalid(
            format!("must be at most {max} characters"),
            Why::new("too-long", &[("max", &max)]),
        );
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(line_breaks && c == '\n'))
    {
        return invalid(
            if line_breaks {
                "must not contain control characters other than line breaks".into()
            } else {
                "must not contain control characters".into()
            },
            Why::new(
                if line_breaks {
                    "control-multiline"
                } else {
                    "control"
                },
                &[],
            ),
        );
    }
    Ok(text.to_owned())
}

/// [`bounded_text`] for a text a card shows (a member's name and title, an organization's name):
/// also free of the characters the card format refuses because they disguise text on screen
/// (zero-width characters, bidirectional embeddings, overrides, isolates and marks:
/// "Ada\u{202E}nimda" shows as "Adaadmin"). A member with such a name could never get a card;
/// the name is refused where it is written instead.
fn card_text(raw: &str, field: &'static str, max: usize) -> Result<String, DomainError> {
    let text = bounded_text(raw, field, max)?;
    match text
        .chars()
        .find(|&c| crate::card::format::disguises_text(c))
    {
        None => Ok(text),
        Some(c) => {
            let point = format!("U+{:04X}", u32::from(c));
            Err(DomainError::new(
                field,
                "invalid_field",
                format!(
                    "must not contain {point}: invisible and text-reordering characters cannot be on a card"
                ),
            )
            .because("disguising", &[("char", &point)]))
        }
    }
}

/// Declares a validated string newtype with `parse`, `as_str` and `Display`; `shown_on_cards`
/// adds the card format's character rules ([`card_text`]).
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal, shown_on_cards) => {
        $crate::domain::text_type!(@type $(#[$doc])* $name, $field, $max, card_text);
    };
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $crate::domain::text_type!(@type $(#[$doc])* $name, $field, $max, bounded_text);
    };
    (@type $(#[$doc:meta])* $name:ident, $field:literal, $max:literal, $check:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Validates and normalizes the raw input.
            ///
            /// # Errors
            /// When it is empty, too long or contains control characters.
            pub fn parse(raw: &str) -> Result<Self, $crate::domain::DomainError> {
                $crate::domain::$check(raw, $field, $max).map(Self)
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use text_type;
