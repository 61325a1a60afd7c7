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
            ))
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

/// The text a contact is shown: "Your contact at Acme is now Y".
pub fn notice(t: &Transfer) -> String {
    format!(
        "Your contact at {} is now {}.",
        t.from.organization.name, t.to.name
    )
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
