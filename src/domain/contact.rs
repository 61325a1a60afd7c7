//! External contacts: who may ask whom, who may decide a request, and how a request's state reads.
//!
//! Policy is evaluated when a request is made (and again when it is accepted), never baked into a
//! card: an admin who changes the organization's policy changes what the next scan does.

use super::{ContactId, ContactPolicy, MemberId, OrgId, RequestId};

/// Where a request stands. Decisions are final: only `pending` ever changes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the card owner.
    Pending,
    /// The owner accepted: the two are external contacts.
    Accepted,
    /// The owner declined.
    Rejected,
    /// The requester withdrew it.
    Cancelled,
    /// Nobody decided within the request lifetime.
    Expired,
}

impl RequestStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Parses the stored or query form.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => Self::Pending,
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            _ => return None,
        })
    }
}

/// How the requester reached the owner.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Scanned (or pasted) the owner's card.
    QrScan,
    /// Looked up the owner's discoverable mobile number.
    Phone,
}

impl Via {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::QrScan => "qr_scan",
            Self::Phone => "phone",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "qr_scan" => Some(Self::QrScan),
            "phone" => Some(Self::Phone),
            _ => None,
        }
    }
}

/// Where a relation came from: the way its request was made, kept on the request and on the
/// contact (WeCom's 添加方式), with the channel tag of the card or code that was used.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactSource {
    /// A member's own card, scanned or pasted.
    Card,
    /// A team code (a contact way answered by whoever its routing picks).
    TeamCode,
    /// A contact way's link, opened in a browser.
    Link,
    /// A discoverable mobile number.
    Phone,
    /// Handed over from a colleague who moved on or left.
    Transfer,
}

impl ContactSource {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::TeamCode => "team_code",
            Self::Link => "link",
            Self::Phone => "phone",
            Self::Transfer => "transfer",
        }
    }

    /// Parses the stored or query form.
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "card" => Self::Card,
            "team_code" => Self::TeamCode,
            "link" => Self::Link,
            "phone" => Self::Phone,
            "transfer" => Self::Transfer,
            _ => return None,
        })
    }
}

/// Which of a member's external contacts to list; every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    pub source: Option<ContactSource>,
    /// The channel tag, exactly.
    pub channel: Option<String>,
    /// Tagged with this tag by the member.
    pub tag: Option<super::TagId>,
    /// The other side's organization.
    pub org: Option<OrgId>,
    /// Text in the contact's name or in the member's remark for them, matched as the directory
    /// matches names (see [`super::fold_for_search`]).
    pub text: Option<String>,
}

/// Whose policy refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockedBy {
    /// The requester's own organization: the requester should ask their admin.
    RequesterOrganization,
    /// The card owner's organization.
    OwnerOrganization,
}

/// Why a policy refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    /// The organization has external contacts turned off.
    ExternalContactsDisabled,
    /// The organization allows partners only, and the other organization is not one.
    NotAPartner,
}

/// A refusal by one organization's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyBlock {
    /// Which side refused.
    pub blocked_by: BlockedBy,
    /// Why.
    pub reason: BlockReason,
    /// The organization whose policy refused.
    pub org_id: OrgId,
}

impl PolicyBlock {
    /// A sentence for a party to the request (`to_requester`, or else the card owner), saying
    /// whose policy it is, so they know which admin to ask.
    pub fn explain(&self, org_name: &str, to_requester: bool) -> String {
        let why = match self.reason {
            BlockReason::ExternalContactsDisabled => "has external contacts turned off",
            BlockReason::NotAPartner => "allows external contacts with partner organizations only",
        };
        let own = (self.blocked_by == BlockedBy::RequesterOrganization) == to_requester;
        if own {
            format!("your organization {org_name} {why}; ask your admin")
        } else if to_requester {
            format!("the card owner's organization {org_name} {why}")
        } else {
            format!("the requester's organization {org_name} {why}")
        }
    }

    /// [`Self::explain`] as a catalogue message: `policy-own`, `policy-owner` or
    /// `policy-requester`, with the organization and the reason.
    pub fn why(&self, org_name: &str, to_requester: bool) -> super::Why {
        let own = (self.blocked_by == BlockedBy::RequesterOrganization) == to_requester;
        let id = if own {
            "policy-own"
        } else if to_requester {
            "policy-owner"
        } else {
            "policy-requester"
        };
        let reason = match self.reason {
            BlockReason::ExternalContactsDisabled => "disabled",
            BlockReason::NotAPartner => "partners_only",
        };
        super::Why::new(id, &[("org", &org_name), ("reason", &reason)])
    }
}

/// One organization's side of a policy check.
#[derive(Debug, Clone, Copy)]
pub struct PolicySide<'a> {
    pub org_id: OrgId,
    pub policy: ContactPolicy,
    /// Organizations this one lists as partners.
    pub partners: &'a [OrgId],
}

impl PolicySide<'_> {
    fn allows(&self, other_org: OrgId) -> Result<(), BlockReason> {
        match self.policy {
            ContactPolicy::Open => Ok(()),
            ContactPolicy::Disabled => Err(BlockReason::ExternalContactsDisabled),
            ContactPolicy::PartnersOnly if self.partners.contains(&other_org) => Ok(()),
            ContactPolicy::PartnersOnly => Err(BlockReason::NotAPartner),
        }
    }
}

/// Checks both organizations' policies, the requester's own first (it is the one the requester
/// can do something about).
///
/// # Errors
/// The first side that refuses.
pub fn check_policies(
    requester: &PolicySide<'_>,
    owner: &PolicySide<'_>,
) -> Result<(), PolicyBlock> {
    requester
        .allows(owner.org_id)
        .map_err(|reason| PolicyBlock {
            blocked_by: BlockedBy::RequesterOrganization,
            reason,
            org_id: requester.org_id,
        })?;
    owner
        .allows(requester.org_id)
        .map_err(|reason| PolicyBlock {
            blocked_by: BlockedBy::OwnerOrganization,
            reason,
            org_id: owner.org_id,
        })
}

/// What a party to a request may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The owner says yes.
    Accept,
    /// The owner says no.
    Reject,
    /// The requester withdraws.
    Cancel,
}

impl Decision {
    /// The status a pending request takes.
    pub fn outcome(self) -> RequestStatus {
        match self {
            Self::Accept => RequestStatus::Accepted,
            Self::Reject => RequestStatus::Rejected,
            Self::Cancel => RequestStatus::Cancelled,
        }
    }

    /// Whether the owner (`true`) or the requester (`false`) makes this decision.
    pub fn by_owner(self) -> bool {
        !matches!(self, Self::Cancel)
    }

    /// The audit and webhook event name.
    pub fn event(self) -> &'static str {
        match self {
            Self::Accept => "contact_request.accepted",
            Self::Reject => "contact_request.rejected",
            Self::Cancel => "contact_request.cancelled",
        }
    }
}

/// A member's side in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Requester,
    Owner,
    /// Not a party: the request does not exist for them.
    Stranger,
}

/// Which side `member_id` is on in a request between `requester_id` and `owner_id`.
pub fn side_of(member_id: MemberId, requester_id: MemberId, owner_id: MemberId) -> Side {
    if member_id == owner_id {
        Side::Owner
    } else if member_id == requester_id {
        Side::Requester
    } else {
        Side::Stranger
    }
}

/// The two members of a mutual relation in stored order (smaller id first).
pub fn relation_pair(a: MemberId, b: MemberId) -> (MemberId, MemberId) {
    if a < b { (a, b) } else { (b, a) }
}

/// An organization as the other side of an external contact sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    pub id: OrgId,
    pub name: String,
}

/// A person in a contact request or relation, as the other side sees them (current directory
/// values, not what an old card said).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub member_id: MemberId,
    pub name: String,
    pub title: Option<String>,
    pub organization: OrgRef,
}

/// An external-contact request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    pub id: RequestId,
    /// A pending request past `expires_at` reads as `expired`.
    pub status: RequestStatus,
    pub via: Via,
    /// How the request was made.
    pub source: ContactSource,
    /// The channel tag of the card that was scanned, if it carried one.
    pub card_channel: Option<String>,
    pub requester: Party,
    pub owner: Party,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    /// The contact way (team code) the request came through.
    pub way: Option<super::ContactWayId>,
    /// The way's welcome message with both names filled in, once the request is accepted.
    pub welcome: Option<String>,
}

/// An external contact as one of its two members sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    /// When the request was accepted.
    pub since: i64,
    /// The other member.
    pub contact: Party,
    /// How the relation was made, and the channel tag of the card or code used.
    pub source: ContactSource,
    pub channel: Option<String>,
    /// The other member's mobile number, when they chose to share it with their contacts.
    pub mobile: Option<String>,
    /// The other member's current card (its QR text, a link that opens the card page).
    pub card_url: Option<String>,
    /// What the member keeps about the contact, where it was read (lists and exports read it).
    pub book: Option<super::BookEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(org_id: i64, policy: ContactPolicy, partners: &[OrgId]) -> PolicySide<'_> {
        PolicySide {
            org_id: OrgId::new(org_id),
            policy,
            partners,
        }
    }

    fn m(id: i64) -> MemberId {
        MemberId::new(id)
    }

    #[test]
    fn open_organizations_let_anyone_ask() {
        let a = side(1, ContactPolicy::Open, &[]);
        let b = side(2, ContactPolicy::Open, &[]);
        assert_eq!(check_policies(&a, &b), Ok(()));
    }

    #[test]
    fn the_requesters_own_policy_is_named_first() {
        let a = side(1, ContactPolicy::Disabled, &[]);
        let b = side(2, ContactPolicy::Disabled, &[]);
        let block = check_policies(&a, &b).unwrap_err();
        assert_eq!(block.blocked_by, BlockedBy::RequesterOrganization);
        assert_eq!(block.reason, BlockReason::ExternalContactsDisabled);
        assert_eq!(block.org_id, OrgId::new(1));
    }

    #[test]
    fn partners_only_needs_the_other_side_on_the_list() {
        let (one, two) = ([OrgId::new(1)], [OrgId::new(2)]);
        let a = side(1, ContactPolicy::PartnersOnly, &two);
        let b = side(2, ContactPolicy::PartnersOnly, &[]);
        let block = check_policies(&a, &b).unwrap_err();
        assert_eq!(block.blocked_by, BlockedBy::OwnerOrganization);
        assert_eq!(block.reason, BlockReason::NotAPartner);
        assert_eq!(block.org_id, OrgId::new(2));
        let b = side(2, ContactPolicy::PartnersOnly, &one);
        assert_eq!(check_policies(&a, &b), Ok(()));
    }

    #[test]
    fn a_block_is_explained_from_the_readers_side() {
        let block = PolicyBlock {
            blocked_by: BlockedBy::RequesterOrganization,
            reason: BlockReason::NotAPartner,
            org_id: OrgId::new(1),
        };
        assert!(
            block
                .explain("Acme", true)
                .starts_with("your organization Acme")
        );
        assert!(
            block
                .explain("Acme", false)
                .starts_with("the requester's organization Acme")
        );
    }

    #[test]
    fn only_the_owner_accepts_and_only_the_requester_cancels() {
        assert!(Decision::Accept.by_owner());
        assert!(Decision::Reject.by_owner());
        assert!(!Decision::Cancel.by_owner());
        assert_eq!(side_of(m(5), m(4), m(5)), Side::Owner);
        assert_eq!(side_of(m(4), m(4), m(5)), Side::Requester);
        assert_eq!(side_of(m(6), m(4), m(5)), Side::Stranger);
    }

    #[test]
    fn statuses_round_trip_through_their_stored_form() {
        for s in [
            RequestStatus::Pending,
            RequestStatus::Accepted,
            RequestStatus::Rejected,
            RequestStatus::Cancelled,
            RequestStatus::Expired,
        ] {
            assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestStatus::parse("PENDING"), None);
        assert_eq!(relation_pair(m(9), m(3)), (m(3), m(9)));
    }
}
