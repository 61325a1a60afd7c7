//! Members of an organization: names, employee ids, phone numbers and the directory's search key.

use super::{DomainError, MemberId, OrgId, text_type};
use unicode_normalization::UnicodeNormalization;

text_type!(
    /// A member's display name as shown on their card, 1 to 100 characters.
    DisplayName, "display_name", 100, shown_on_cards
);
text_type!(
    /// A member's job title, 1 to 100 characters.
    Title, "title", 100, shown_on_cards
);

/// An employee id, unique within one organization: 1 to 64 visible characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeId(String);

impl EmployeeId {
    /// Parses an employee id.
    ///
    /// # Errors
    /// When it is empty, longer than 64 characters or contains whitespace or control characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let id = raw.trim();
        if id.is_empty()
            || id.chars().count() > 64
            || id.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(DomainError::new(
                "employee_id",
                "invalid_employee_id",
                "must be 1 to 64 characters without spaces",
            )
            .because("no-spaces", &[("max", &64)]));
        }
        Ok(Self(id.to_owned()))
    }

    /// The employee id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mobile number in E.164 form (`+` and 8 to 15 digits, no leading zero).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mobile(String);

impl Mobile {
    /// Parses a number such as `+86 138-0013-8000`; spaces, dashes, dots and brackets are dropped.
    ///
    /// # Errors
    /// When it lacks the leading `+` and country code or has the wrong number of digits.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let invalid = || {
            DomainError::new(
                "mobile",
                "invalid_phone",
                "must be an E.164 number like +8613800138000",
            )
            .because("phone", &[])
        };
        let digits = compact.strip_prefix('+').ok_or_else(invalid)?;
        if !(8..=15).contains(&digits.len())
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(invalid());
        }
        Ok(Self(compact))
    }

    /// The E.164 number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, as an identity provider or an admin gives it: one `@` between a local part
/// and a domain, no spaces or control characters, at most 254 characters (RFC 5321's limit). The
/// domain is lowercased; the local part is kept as written (it may be case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address such as `Ada.Lovelace@Example.COM` (stored `Ada.Lovelace@example.com`).
    ///
    /// # Errors
    /// When it is not of the form `local@domain.tld` or breaks the limits above.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = || {
            DomainError::new(
                "email",
                "invalid_email",
                "must be an e-mail address like ada@example.com",
            )
            .because("email", &[])
        };
        let text = raw.trim();
        let (local, domain) = text.rsplit_once('@').ok_or_else(invalid)?;
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || c == '@';
        if text.len() > 254
            || local.is_empty()
            || local.len() > 64
            || local.chars().any(bad_char)
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || domain
                .chars()
                .any(|c| bad_char(c) || matches!(c, '[' | ']' | '/' | '\\'))
        {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a member is active or has been deactivated (cards revoked, hidden from the directory).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// Listed in the directory; may hold cards.
    Active,
    /// Hidden and unable to hold valid cards.
    Deactivated,
}

impl MemberStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Deactivated => "deactivated",
        }
    }

    /// Parses the stored form; `None` for anything else (the store calls that corrupt).
    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "deactivated" => Some(Self::Deactivated),
            _ => None,
        }
    }
}

/// A validated member ready to be provisioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMember {
    /// Name on the card.
    pub display_name: DisplayName,
    /// Unique within the organization.
    pub employee_id: EmployeeId,
    /// Optional job title.
    pub title: Option<Title>,
    /// Optional mobile number.
    pub mobile: Option<Mobile>,
    /// Whether others in the organization may find this member by phone number.
    pub phone_discoverable: bool,
    /// Optional e-mail address (for sign-in and notices).
    pub email: Option<Email>,
}

/// A member of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub org_id: OrgId,
    pub display_name: String,
    pub employee_id: String,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub phone_discoverable: bool,
    /// Whether the member shows their mobile number to their external contacts.
    pub share_mobile: bool,
    /// Whether the member gets notices (new contact requests, transfers) by e-mail.
    pub email_notices: bool,
    pub email: Option<String>,
    pub status: MemberStatus,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
}

/// Changes to a member; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct MemberPatch {
    pub display_name: Option<DisplayName>,
    /// Only an identity provider renames a member's employee id (SCIM's `userName`).
    pub employee_id: Option<EmployeeId>,
    pub title: Option<Option<Title>>,
    pub mobile: Option<Option<Mobile>>,
    pub phone_discoverable: Option<bool>,
    pub email: Option<Option<Email>>,
    /// The member's own choice; admins do not make it for them.
    pub share_mobile: Option<bool>,
    /// The member's own choice too: notices by e-mail.
    pub email_notices: Option<bool>,
}

/// How the directory is searched. Only active members are ever returned.
#[derive(Debug, Clone)]
pub enum MemberQuery {
    /// Every active member.
    All,
    /// Display name contains this text, compared after [`fold_for_search`].
    NameContains(String),
    /// Exactly this employee id.
    EmployeeId(String),
}

/// The version of [`fold_for_search`]: raise it whenever the folding changes, and start-up
/// recomputes the stored keys (1: NFKC and lowercase; 2: Traditional Chinese folded to Simplified).
pub const FOLD_VERSION: i64 = 2;

/// The directory's search key: NFKC-normalized, lowercased and with Traditional Chinese folded
/// to Simplified character by character, so `ＡＬＩＣＥ`, `Alice` and `alice` match alike, and
/// so do 張偉 and 张伟 (see `assets/hanzi/README.md`). A substring of a name folds to a
/// substring of the folded name, so the search can match folded keys by substring.
pub fn fold_for_search(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(super::hanzi::simplified)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_normalized_to_e164() {
        assert_eq!(
            Mobile::parse("+86 138-0013-8000").unwrap().as_str(),
            "+8613800138000"
        );
        assert_eq!(
            Mobile::parse("13800138000").unwrap_err().code,
            "invalid_phone"
        );
        assert!(Mobile::parse("+0123456789").is_err());
        assert!(Mobile::parse("+12ab4567890").is_err());
        assert!(Mobile::parse("+1234").is_err());
    }

    #[test]
    fn search_folding_ignores_case_and_width_and_keeps_cjk() {
        assert_eq!(fold_for_search("ＡＬＩＣＥ Wang"), "alice wang");
        assert_eq!(fold_for_search("王小明"), "王小明");
    }

    #[test]
    fn email_addresses_keep_their_local_part_and_lowercase_their_domain() {
        assert_eq!(
            Email::parse(" Ada.Lovelace@Example.COM ").unwrap().as_str(),
            "Ada.Lovelace@example.com"
        );
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@exa mple.com",
            "ada@example..com",
            "ada@.example.com",
            "ada\u{0}@example.com",
        ] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                "invalid_email",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn search_folding_finds_traditional_names_by_their_simplified_spelling_and_back() {
        assert_eq!(fold_for_search("張偉"), fold_for_search("张伟"));
        assert_eq!(fold_for_search("臺灣積體電路"), "台湾积体电路");
        assert!(fold_for_search("周傑倫").contains(&fold_for_search("杰伦")));
    }

    /// The 100 most common surnames of mainland China and of Taiwan, common given-name
    /// characters and well-known names, each in both scripts (`fixtures/names`).
    #[test]
    fn every_common_chinese_name_folds_the_same_in_traditional_and_simplified() {
        let pairs: Vec<(&str, &str)> = include_str!("../../fixtures/names/chinese_name_pairs.tsv")
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut columns = line.split('\t');
                Some((columns.next()?, columns.next()?))
            })
            .collect();

        let differing: Vec<&(&str, &str)> = pairs
            .iter()
            .filter(|(traditional, simplified)| {
                fold_for_search(traditional) != fold_for_search(simplified)
            })
            .collect();

        assert!(pairs.len() > 300, "{}", pairs.len());
        assert_eq!(differing, Vec::<&(&str, &str)>::new());
        // Different characters stay different, even where people use both for one surname:
        // 肖 is a surname of its own in Taiwan, and OpenCC's Simplified form of 蕭 is 萧.
        assert_ne!(fold_for_search("蕭"), fold_for_search("肖"));
        assert_ne!(fold_for_search("王"), fold_for_search("汪"));
    }

    #[test]
    fn employee_ids_reject_spaces() {
        assert!(EmployeeId::parse("E 1").is_err());
        assert_eq!(EmployeeId::parse(" E-001 ").unwrap().as_str(), "E-001");
    }
}

/// A member as submitted (JSON body, JSON array element or CSV row), before validation.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberFields {
    /// Name on the card.
    pub display_name: String,
    /// Unique within the organization.
    pub employee_id: String,
    /// Optional job title.
    #[serde(default)]
    pub title: Option<String>,
    /// Optional E.164 mobile number.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Whether colleagues may find this member by phone number (default false).
    #[serde(default)]
    pub phone_discoverable: Option<bool>,
    /// Optional e-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

/// Treats a blank optional field (an empty CSV cell) as absent.
fn present(field: &Option<String>) -> Option<&str> {
    field.as_deref().filter(|s| !s.trim().is_empty())
}

impl NewMember {
    /// Validates submitted fields.
    ///
    /// # Errors
    /// The first invalid field.
    pub fn parse(fields: &MemberFields) -> Result<Self, DomainError> {
        Ok(Self {
            display_name: DisplayName::parse(&fields.display_name)?,
            employee_id: EmployeeId::parse(&fields.employee_id)?,
            title: present(&fields.title).map(Title::parse).transpose()?,
            mobile: present(&fields.mobile).map(Mobile::parse).transpose()?,
            phone_discoverable: fields.phone_discoverable.unwrap_or(false),
            email: present(&fields.email).map(Email::parse).transpose()?,
        })
    }
}
