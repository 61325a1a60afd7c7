//! What a member keeps about their external contacts, WeCom's 备注 and 标签: a remark (their own
//! name for the contact), a private note, and tags from their organization's library. Each side
//! of a relation keeps its own; the other side never sees them.

use super::{ContactId, DomainError, MemberId, OrgId, TagId, text_type};

text_type!(
    /// A member's own name for a contact, 1 to 64 characters.
    Remark, "remark", 64
);
text_type!(
    /// The name of a tag or of a tag group, 1 to 32 characters.
    TagName, "name", 32
);

/// A private note about a contact: up to 2,000 characters, line breaks kept (as `\n`), no other
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    /// The longest note, in characters.
    pub const MAX_CHARS: usize = 2000;

    /// Parses a note; an empty one (after trimming) is refused: clear the note instead.
    ///
    /// # Errors
    /// When it is empty, too long or holds control characters other than line breaks.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        super::multiline_text(raw, "note", Self::MAX_CHARS).map(Self)
    }

    /// The note.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tag of an organization's library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: TagId,
    pub org_id: OrgId,
    /// The group it belongs to, e.g. "Industry".
    pub group: String,
    pub name: String,
    pub created_at: i64,
}

/// A tag to add to a library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTag {
    pub group: TagName,
    pub name: TagName,
}

/// A change to what a member keeps about one contact; `None` leaves a field as it is,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookPatch {
    pub remark: Option<Option<Remark>>,
    pub note: Option<Option<Note>>,
    /// The contact's tags, replacing the previous ones.
    pub tags: Option<Vec<TagId>>,
}

impl BookPatch {
    /// The most tags one member may put on one contact.
    pub const MAX_TAGS: usize = 20;

    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.remark.is_none() && self.note.is_none() && self.tags.is_none()
    }
}

/// What a member keeps about one contact, as that member sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookEntry {
    pub remark: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<Tag>,
}

/// A change to a member's entry about a contact, for the audit log and webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookChange {
    pub contact_id: ContactId,
    pub member_id: MemberId,
    pub org_id: OrgId,
    pub entry: BookEntry,
}

/// Which relations of an organization's members to list; every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgContactQuery {
    /// Held by this member of the organization.
    pub holder: Option<MemberId>,
    pub source: Option<super::ContactSource>,
    /// The channel tag, exactly.
    pub channel: Option<String>,
    /// Tagged with this tag by its holder.
    pub tag: Option<TagId>,
    /// Only relations of members who left that no transfer is waiting for: the ones an admin
    /// still has to give to someone.
    pub unassigned: bool,
}

/// A relation one of the organization's members holds, as the organization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgContact {
    pub id: ContactId,
    pub since: i64,
    /// The organization's member, and whether they are still active.
    pub holder: super::Party,
    pub holder_status: super::MemberStatus,
    /// The other side.
    pub contact: super::Party,
    pub source: super::ContactSource,
    pub channel: Option<String>,
    /// The holder's tags on it.
    pub tags: Vec<Tag>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_keeps_its_line_breaks_and_refuses_other_control_characters() {
        let note = Note::parse("met at the fair\r\nlikes tea\n").unwrap();
        assert_eq!(note.as_str(), "met at the fair\nlikes tea");
        assert_eq!(Note::parse("a\u{0}b").unwrap_err().field, "note");
        assert_eq!(Note::parse("a\u{1b}[31m").unwrap_err().field, "note");
        assert!(Note::parse(" \n ").is_err());
        assert!(Note::parse(&"字".repeat(Note::MAX_CHARS)).is_ok());
        assert!(Note::parse(&"字".repeat(Note::MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn remarks_and_tag_names_are_bounded_single_lines() {
        assert_eq!(Remark::parse(" 王总 ").unwrap().as_str(), "王总");
        assert!(Remark::parse("a\nb").is_err());
        assert!(Remark::parse(&"x".repeat(65)).is_err());
        assert!(TagName::parse(&"标".repeat(32)).is_ok());
        assert!(TagName::parse(&"标".repeat(33)).is_err());
        assert!(TagName::parse("").is_err());
    }
}
