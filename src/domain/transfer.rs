//! Relationships the organization owns (WeCom's 在职继承 and 离职继承): an admin hands a member's
//! external contacts to a colleague, each contact is told and may refuse within the
//! organization's period, after which the transfer takes effect; and a departed member's
//! successor receives the requests made with the departed member's old cards.

use super::{ContactId, DomainError, MemberId, OrgId, Party, TransferId};

/// Whether the member handing over is still active (handover) or has left (departure).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// 在职继承: the holder is still a member and moves on to other work.
    Handover,
    /// 离职继承: the holder was deactivated.
    Departure,
}

impl TransferKind {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Handover => "handover",
            Self::Departure => "departure",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "handover" => Some(Self::Handover),
            "departure" => Some(Self::Departure),
            _ => None,
        }
    }
}

/// Where the transfer of one relation stands. Only `waiting` ever changes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// The contact has been told and may still refuse.
    Waiting,
    /// The new holder has the relation.
    Done,
    /// The contact refused: the relation ended.
    Refused,
    /// It could not be made; `reason` says why. The relation stays as it was.
    NotPossible,
}

impl TransferStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Done => "done",
            Self::Refused => "refused",
            Self::NotPossible => "not_possible",
        }
    }

    /// Parses the stored or query form.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "waiting" => Self::Waiting,
            "done" => Self::Done,
            "refused" => Self::Refused,
            "not_possible" => Self::NotPossible,
            _ => return None,
        })
    }
}

/// Why the transfer of one relation could not be made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NotPossible {
    /// The new holder already has this contact.
    AlreadyConnected,
    /// Another transfer of this relation is waiting.
    AlreadyTransferring,
    /// The new holder was deactivated before the transfer took effect.
    SuccessorInactive,
    /// The relation ended (removed by either side) before the transfer took effect.
    RelationGone,
}

impl NotPossible {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlreadyConnected => "already_connected",
            Self::AlreadyTransferring => "already_transferring",
            Self::SuccessorInactive => "successor_inactive",
            Self::RelationGone => "relation_gone",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "already_connected" => Self::AlreadyConnected,
            "already_transferring" => Self::AlreadyTransferring,
            "successor_inactive" => Self::SuccessorInactive,
            "relation_gone" => Self::RelationGone,
            _ => return None,
        })
    }
}

/// The message each contact is sent with a transfer: up to 500 characters, line breaks kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferMessage(String);

impl TransferMessage {
    /// The longest message, in characters.
    pub const MAX_CHARS: usize = 500;

    /// Parses a message.
    ///
    /// # Errors
    /// When it is empty, too long or holds control characters other than line breaks.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        super::multiline_text(raw, "message", Self::MAX_CHARS).map(Self)
    }

    /// The message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long a contact may refuse a transfer: 0 (it takes effect at once) to 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferPeriod(i64);

impl TransferPeriod {
    /// WeCom's period: a day.
    pub const DEFAULT: Self = Self(86_400);
    /// The longest period, 30 days.
    pub const MAX_SECS: i64 = 30 * 86_400;

    /// A period of `secs` seconds.
    ///
    /// # Errors
    /// Outside 0..=30 days.
    pub fn from_secs(secs: i64) -> Result<Self, DomainError> {
        if (0..=Self::MAX_SECS).contains(&secs) {
            Ok(Self(secs))
        } else {
            Err(DomainError::new(
                "transfer_period_secs",
                "invalid_field",
                format!("must be 0 to {} seconds (30 days)", Self::MAX_SECS),
            )
            .because("transfer-period", &[("max", &Self::MAX_SECS)]))
        }
    }

    /// The period in seconds.
    pub fn secs(self) -> i64 {
        self.0
    }
}

/// A transfer to start: some or all of `from`'s relations go to `to`.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub org_id: OrgId,
    pub from: MemberId,
    pub to: MemberId,
    /// The relations to hand over; `None`: every relation `from` holds.
    pub contacts: Option<Vec<ContactId>>,
    pub message: Option<TransferMessage>,
}

/// The transfer of one relation, as the organization (and the contact) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: TransferId,
    pub org_id: OrgId,
    pub contact_id: ContactId,
    pub kind: TransferKind,
    /// The holder handing it over.
    pub from: Party,
    /// The new holder.
    pub to: Party,
    /// The other side of the relation, who is told and may refuse.
    pub contact: Party,
    /// The language of the contact's organization, which their notices are written in.
    pub contact_lang: crate::qr::Lang,
    pub message: Option<String>,
    pub status: TransferStatus,
    /// Set when `status` is `not_possible`.
    pub reason: Option<NotPossible>,
    /// Who started it, as the audit log names them.
    pub created_by: String,
    pub created_at: i64,
    /// When it takes effect unless refused.
    pub effective_at: i64,
    pub decided_at: Option<i64>,
}

/// Which transfers of an organization to list; every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferQuery {
    pub status: Option<TransferStatus>,
    /// Handed over by this member.
    pub from: Option<MemberId>,
    /// Handed to this member.
    pub to: Option<MemberId>,
}

/// Who answers for `start`, who left: their successor, or the successor's when that one left
/// too, at most eight steps and never round a loop; `None` when the chain ends without an
/// active member. `link` gives a member's named successor and whether that successor is
/// active. The one rule for online routing and the signed list's successor pointers.
pub fn follow_successors(
    start: MemberId,
    mut link: impl FnMut(MemberId) -> Option<(MemberId, bool)>,
) -> Option<MemberId> {
    let mut seen = vec![start];
    let mut current = start;
    while seen.len() <= 8 {
        let (next, active) = link(current)?;
        if seen.contains(&next) {
            return None;
        }
        if active {
            return Some(next);
        }
        seen.push(next);
        current = next;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_forms_round_trip() {
        for s in [
            TransferStatus::Waiting,
            TransferStatus::Done,
            TransferStatus::Refused,
            TransferStatus::NotPossible,
        ] {
            assert_eq!(TransferStatus::parse(s.as_str()), Some(s));
        }
        for r in [
            NotPossible::AlreadyConnected,
            NotPossible::AlreadyTransferring,
            NotPossible::SuccessorInactive,
            NotPossible::RelationGone,
        ] {
            assert_eq!(NotPossible::parse(r.as_str()), Some(r));
        }
        for k in [TransferKind::Handover, TransferKind::Departure] {
            assert_eq!(TransferKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(TransferStatus::parse("Done"), None);
    }

    #[test]
    fn successors_are_followed_to_the_first_active_one_and_never_round_a_loop() {
        let m = MemberId::new;
        let chain = |links: &'static [(i64, i64, bool)]| {
            move |at: MemberId| {
                links
                    .iter()
                    .find(|l| l.0 == at.get())
                    .map(|l| (m(l.1), l.2))
            }
        };
        assert_eq!(follow_successors(m(1), chain(&[(1, 2, true)])), Some(m(2)));
        assert_eq!(
            follow_successors(m(1), chain(&[(1, 2, false), (2, 3, true)])),
            Some(m(3))
        );
        assert_eq!(follow_successors(m(1), chain(&[(1, 2, false)])), None);
        assert_eq!(
            follow_successors(m(1), chain(&[(1, 2, false), (2, 1, false)])),
            None
        );
        assert_eq!(follow_successors(m(1), chain(&[])), None);
        let long: &'static [(i64, i64, bool)] = &[
            (1, 2, false),
            (2, 3, false),
            (3, 4, false),
            (4, 5, false),
            (5, 6, false),
            (6, 7, false),
            (7, 8, false),
            (8, 9, false),
            (9, 10, true),
        ];
        assert_eq!(
            follow_successors(m(1), chain(long)),
            None,
            "at most eight steps"
        );
    }

    #[test]
    fn a_period_is_zero_to_thirty_days() {
        assert!(TransferPeriod::from_secs(0).is_ok());
        assert!(TransferPeriod::from_secs(TransferPeriod::MAX_SECS).is_ok());
        assert!(TransferPeriod::from_secs(-1).is_err());
        assert!(TransferPeriod::from_secs(TransferPeriod::MAX_SECS + 1).is_err());
    }

    #[test]
    fn a_message_keeps_line_breaks_and_refuses_control_characters() {
        assert_eq!(
            TransferMessage::parse(" 您好\r\n以后由李娜为您服务 ")
                .unwrap()
                .as_str(),
            "您好\n以后由李娜为您服务"
        );
        assert!(TransferMessage::parse("a\u{0}").is_err());
        assert!(TransferMessage::parse(&"x".repeat(501)).is_err());
    }
}
