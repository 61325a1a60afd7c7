//! The public JSON: one view per thing the API answers with, built from the domain's entities
//! and the store's records. The API (and `/openapi.json`, and `docs/openapi.json`) changes only
//! when a view here does, never because a column or a field was added underneath.

use crate::card::CardClaims;
use crate::domain::{self, ContactPolicy, ContactSource, MemberStatus, RequestStatus, Role, Via};
use crate::store::{CardRecord, StoredKey};

/// An organization.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Org)]
pub struct OrgView {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub policy: ContactPolicy,
    pub created_at: i64,
    /// How long a contact may refuse the transfer of their relation to a new holder.
    pub transfer_period_secs: i64,
    /// Whether requests made with a departed member's cards go to their successor.
    pub successor_routing: bool,
    /// The language its cards and posters are drawn in (BCP 47, e.g. `zh-Hant-TW`): their
    /// regional glyph forms and the printable card's footer.
    pub lang: String,
}

impl From<domain::Org> for OrgView {
    fn from(o: domain::Org) -> Self {
        Self {
            id: o.id.get(),
            name: o.name,
            domain: o.domain,
            policy: o.policy,
            created_at: o.created_at,
            transfer_period_secs: o.transfer_period.secs(),
            successor_routing: o.successor_routing,
            lang: o.lang.as_str().to_owned(),
        }
    }
}

/// An entry of an organization's partner list: the listed id, since when, and the other
/// organization's name once it lists this organization back (`null` until then, and for an id
/// no organization has: the list does not tell which).
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Partner)]
pub struct PartnerView {
    pub id: i64,
    pub name: Option<String>,
    /// When it was listed, Unix seconds.
    pub since: i64,
}

impl From<domain::Partner> for PartnerView {
    fn from(p: domain::Partner) -> Self {
        Self {
            id: p.id.get(),
            name: p.name,
            since: p.since,
        }
    }
}

/// A member of an organization, as admins and the member see it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Member)]
pub struct MemberView {
    pub id: i64,
    pub org_id: i64,
    pub display_name: String,
    pub employee_id: String,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub phone_discoverable: bool,
    /// Whether my external contacts see my mobile number (my choice, `PATCH /v1/me`).
    pub share_mobile: bool,
    /// Whether I get notices (new contact requests, transfers) by e-mail (my choice, `PATCH /v1/me`).
    pub email_notices: bool,
    pub email: Option<String>,
    pub status: MemberStatus,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
}

impl From<domain::Member> for MemberView {
    fn from(m: domain::Member) -> Self {
        Self {
            id: m.id.get(),
            org_id: m.org_id.get(),
            display_name: m.display_name,
            employee_id: m.employee_id,
            title: m.title,
            mobile: m.mobile,
            phone_discoverable: m.phone_discoverable,
            share_mobile: m.share_mobile,
            email_notices: m.email_notices,
            email: m.email,
            status: m.status,
            created_at: m.created_at,
            deactivated_at: m.deactivated_at,
        }
    }
}

/// An organization as the other side of an external contact sees it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = OrgRef)]
pub struct OrgRefView {
    pub id: i64,
    pub name: String,
}

impl From<domain::OrgRef> for OrgRefView {
    fn from(o: domain::OrgRef) -> Self {
        Self {
            id: o.id.get(),
            name: o.name,
        }
    }
}

/// A person in a contact request or relation, as the other side sees them (current directory
/// values, not what an old card said).
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Party)]
pub struct PartyView {
    pub member_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub organization: OrgRefView,
}

impl From<domain::Party> for PartyView {
    fn from(p: domain::Party) -> Self {
        Self {
            member_id: p.member_id.get(),
            name: p.name,
            title: p.title,
            organization: p.organization.into(),
        }
    }
}

/// An external-contact request.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactRequest)]
pub struct RequestView {
    pub id: i64,
    /// A pending request past `expires_at` reads as `expired`.
    pub status: RequestStatus,
    pub via: Via,
    /// How the request was made: `card`, `team_code`, `link`, `phone` or `transfer`.
    pub source: ContactSource,
    /// The channel tag of the card that was scanned, if it carried one.
    pub card_channel: Option<String>,
    pub requester: PartyView,
    pub owner: PartyView,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
    /// The contact way (team code) it came through.
    pub contact_way_id: Option<i64>,
    /// The way's welcome message to the requester, once accepted (plain text).
    pub welcome: Option<String>,
}

impl From<domain::ContactRequest> for RequestView {
    fn from(r: domain::ContactRequest) -> Self {
        Self {
            id: r.id.get(),
            status: r.status,
            via: r.via,
            source: r.source,
            card_channel: r.card_channel,
            requester: r.requester.into(),
            owner: r.owner.into(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            decided_at: r.decided_at,
            contact_way_id: r.way.map(domain::ContactWayId::get),
            welcome: r.welcome,
        }
    }
}

/// An external contact as one of its two members sees it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Contact)]
pub struct ContactView {
    pub id: i64,
    /// When the request was accepted.
    pub since: i64,
    /// The other member.
    pub contact: PartyView,
    /// How the relation was made: `card`, `team_code`, `link`, `phone` or `transfer`.
    pub source: ContactSource,
    /// The channel tag of the card or code it was made with.
    pub channel: Option<String>,
    /// Their mobile number, when they share it with their external contacts.
    pub mobile: Option<String>,
    /// A link to their current card's page.
    pub card_url: Option<String>,
    /// What I keep about the contact (in lists and single reads; absent where not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub book: Option<BookView>,
}

impl From<domain::Contact> for ContactView {
    fn from(c: domain::Contact) -> Self {
        Self {
            id: c.id.get(),
            since: c.since,
            contact: c.contact.into(),
            source: c.source,
            channel: c.channel,
            mobile: c.mobile,
            card_url: c.card_url,
            book: c.book.map(BookView::from),
        }
    }
}

/// What a member keeps about one external contact; the other side never sees it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactBook)]
pub struct BookView {
    /// My own name for the contact.
    pub remark: Option<String>,
    /// My private note.
    pub note: Option<String>,
    /// My tags on the contact, from my organization's library.
    pub tags: Vec<TagView>,
}

impl From<domain::BookEntry> for BookView {
    fn from(b: domain::BookEntry) -> Self {
        Self {
            remark: b.remark,
            note: b.note,
            tags: b.tags.into_iter().map(TagView::from).collect(),
        }
    }
}

/// A tag of an organization's contact tag library.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactTag)]
pub struct TagView {
    pub id: i64,
    /// The group it belongs to, e.g. "Industry".
    pub group: String,
    pub name: String,
    pub created_at: i64,
}

impl From<domain::Tag> for TagView {
    fn from(t: domain::Tag) -> Self {
        Self {
            id: t.id.get(),
            group: t.group,
            name: t.name,
            created_at: t.created_at,
        }
    }
}

/// An external contact one of the organization's members holds, as the organization sees it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = OrgContact)]
pub struct OrgContactView {
    pub id: i64,
    /// When the request was accepted.
    pub since: i64,
    /// The organization's member who holds the relation.
    pub holder: PartyView,
    /// `active`, or `deactivated` for a member who left.
    pub holder_status: MemberStatus,
    /// The other side.
    pub contact: PartyView,
    pub source: ContactSource,
    pub channel: Option<String>,
    /// The holder's tags on it.
    pub tags: Vec<TagView>,
}

impl From<domain::OrgContact> for OrgContactView {
    fn from(c: domain::OrgContact) -> Self {
        Self {
            id: c.id.get(),
            since: c.since,
            holder: c.holder.into(),
            holder_status: c.holder_status,
            contact: c.contact.into(),
            source: c.source,
            channel: c.channel,
            tags: c.tags.into_iter().map(TagView::from).collect(),
        }
    }
}

/// A stored audit log entry.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditView {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub org_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

impl From<domain::AuditEntry> for AuditView {
    fn from(a: domain::AuditEntry) -> Self {
        Self {
            id: a.id.get(),
            at: a.at,
            actor: a.actor,
            org_id: a.org_id.map(domain::OrgId::get),
            action: a.action,
            target: a.target,
            detail: a.detail,
        }
    }
}

/// An issued card.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CardView {
    pub id: String,
    pub kid: String,
    pub primary: bool,
    pub channel: Option<String>,
    pub one_time: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The QR text (the payload).
    pub text: String,
}

impl From<CardRecord> for CardView {
    fn from(c: CardRecord) -> Self {
        Self {
            id: c.id.to_string(),
            kid: c.kid.to_string(),
            primary: c.is_primary,
            channel: c.channel,
            one_time: c.one_time,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
            text: c.text,
        }
    }
}

/// A signing key, public part only.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct KeyView {
    pub kid: String,
    /// `active` or `retired`.
    pub status: String,
    pub valid_from: i64,
    pub retired_at: Option<i64>,
}

impl From<&StoredKey> for KeyView {
    fn from(k: &StoredKey) -> Self {
        Self {
            kid: k.kid.to_string(),
            status: match k.status {
                crate::card::KeyStatus::Active => "active",
                crate::card::KeyStatus::Retired => "retired",
            }
            .to_owned(),
            valid_from: k.valid_from,
            retired_at: k.retired_at,
        }
    }
}

/// The outcome of an online verification: the signature check plus the server-side facts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Whether the card is valid right now.
    pub valid: bool,
    /// Why not: `malformed`, `wrong_issuer`, `unknown_key`, `key_compromised`, `bad_signature`,
    /// `expired`, `revoked`, ...
    #[schema(value_type = Option<String>)]
    pub reason: Option<&'static str>,
    /// A human-readable explanation of `reason`.
    pub detail: Option<String>,
    /// What the card says, when its signature checked out.
    #[schema(value_type = Option<Object>)]
    pub card: Option<CardClaims>,
    /// Server-side: the card has been revoked (individually or with its member).
    pub revoked: bool,
    /// Server-side: the member has been deactivated.
    pub member_deactivated: bool,
}

impl From<Result<crate::service::Checked, crate::card::Rejection>> for VerifyReport {
    fn from(checked: Result<crate::service::Checked, crate::card::Rejection>) -> Self {
        match checked {
            Err(rejection) => Self {
                valid: false,
                reason: Some(rejection.reason.as_str()),
                detail: Some(rejection.detail),
                card: None,
                revoked: false,
                member_deactivated: false,
            },
            Ok(c) => Self {
                valid: !c.revoked,
                reason: c.revoked.then_some(crate::card::Reason::Revoked.as_str()),
                detail: c
                    .revoked
                    .then(|| "the card or its member has been revoked".to_owned()),
                card: Some(c.claims),
                revoked: c.revoked,
                member_deactivated: c.member_deactivated,
            },
        }
    }
}

/// A newly created token: the secret is shown here once and never again.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
    pub role: Role,
    pub org_id: i64,
    pub member_id: Option<i64>,
}

/// The transfer of one external contact to a new holder at the holder's organization.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Transfer)]
pub struct TransferView {
    pub id: i64,
    /// The relation (its id in the organization's external contacts).
    pub contact_id: i64,
    /// `handover` (the holder is still a member) or `departure` (they left).
    pub kind: domain::TransferKind,
    pub status: domain::TransferStatus,
    /// Why it was not possible, for `not_possible`.
    pub reason: Option<domain::NotPossible>,
    /// The holder handing the contact over.
    pub from: PartyView,
    /// The new holder.
    pub to: PartyView,
    /// The other side, who is told and may refuse while `waiting`.
    pub contact: PartyView,
    /// The admin's message to the contact.
    pub message: Option<String>,
    /// What the contact is told, in the reader's language: "Your contact at Acme is now Y."
    pub notice: String,
    pub created_at: i64,
    /// When it takes effect unless refused.
    pub effective_at: i64,
    pub decided_at: Option<i64>,
}

impl From<domain::Transfer> for TransferView {
    fn from(t: domain::Transfer) -> Self {
        Self {
            notice: super::locale::say(
                "notice-transfer",
                &[("org", &t.from.organization.name), ("holder", &t.to.name)],
            ),
            id: t.id.get(),
            contact_id: t.contact_id.get(),
            kind: t.kind,
            status: t.status,
            reason: t.reason,
            from: PartyView::from(t.from),
            to: PartyView::from(t.to),
            contact: PartyView::from(t.contact),
            message: t.message,
            created_at: t.created_at,
            effective_at: t.effective_at,
            decided_at: t.decided_at,
        }
    }
}

/// A token of an organization, as its admins see it: never its secret (only a hash is stored).
/// `label` is `web session` for a session's own token.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = Token)]
pub struct TokenView {
    pub id: i64,
    pub role: Role,
    pub member_id: Option<i64>,
    pub label: String,
    pub created_at: i64,
}

impl From<domain::TokenInfo> for TokenView {
    fn from(t: domain::TokenInfo) -> Self {
        Self {
            id: t.id.get(),
            role: t.role,
            member_id: t.member_id.map(domain::MemberId::get),
            label: t.label,
            created_at: t.created_at,
        }
    }
}

/// Whether a contact way takes scans now.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WayStateView {
    Live,
    Paused,
    Expired,
    /// A one-time way whose one request was made.
    UsedUp,
    Deleted,
}

impl From<domain::WayState> for WayStateView {
    fn from(s: domain::WayState) -> Self {
        match s {
            domain::WayState::Live => Self::Live,
            domain::WayState::Paused => Self::Paused,
            domain::WayState::Expired => Self::Expired,
            domain::WayState::UsedUp => Self::UsedUp,
            domain::WayState::Deleted => Self::Deleted,
        }
    }
}

/// A sign-in link nobody has used yet (its secret is not stored, so not shown).
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = PendingSigninLink)]
pub struct PendingSigninLinkView {
    pub id: i64,
    pub role: Role,
    pub member_id: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The id of the token it was made with; revoking that token cancels the link.
    pub created_by: Option<i64>,
}

impl From<domain::PendingSigninLink> for PendingSigninLinkView {
    fn from(l: domain::PendingSigninLink) -> Self {
        Self {
            id: l.id.get(),
            role: l.role,
            member_id: l.member_id.map(domain::MemberId::get),
            created_at: l.created_at,
            expires_at: l.expires_at,
            created_by: l.created_by.map(domain::TokenId::get),
        }
    }
}

/// A member who answers a contact way.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayMember)]
pub struct AnswererView {
    pub member_id: i64,
    pub name: String,
    /// Deactivated members stay on a way's own list but are skipped (a department's way lists
    /// only its active members).
    pub active: bool,
}

/// A contact way (a team code) and who answers it.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWay)]
pub struct ContactWayView {
    pub id: i64,
    /// The team's display name, which its code shows.
    pub name: String,
    /// The channel tag kept on every request and contact the way makes.
    pub channel: Option<String>,
    /// The department that answers it (and everything under it), when a department does.
    pub department_id: Option<i64>,
    /// Who answers, in the round robin's order: the way's list, or the department's active
    /// members now, in member-id order.
    pub members: Vec<AnswererView>,
    pub sharing: domain::Sharing,
    /// Requests are accepted at once (otherwise the routed member decides).
    pub auto_accept: bool,
    pub expires_at: Option<i64>,
    /// The way makes one request only.
    pub one_time: bool,
    /// When a one-time way made its request.
    pub used_at: Option<i64>,
    /// Sent to the requester when their request is accepted.
    pub welcome: Option<String>,
    pub paused: bool,
    /// Whether it takes scans now.
    pub state: WayStateView,
    /// The member whose own way it is (absent: the organization's).
    pub owner_member_id: Option<i64>,
    /// Who made it, as the audit log names them.
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ContactWayView {
    /// The view of `w` as of `now`.
    pub fn at(w: domain::ContactWay, now: i64) -> Self {
        Self {
            state: w.state(now).into(),
            id: w.id.get(),
            name: w.name,
            channel: w.channel,
            department_id: w.department.map(domain::DepartmentId::get),
            members: w
                .members
                .into_iter()
                .map(|m| AnswererView {
                    member_id: m.member_id.get(),
                    name: m.name,
                    active: m.active,
                })
                .collect(),
            sharing: w.sharing,
            auto_accept: w.auto_accept,
            expires_at: w.expires_at,
            one_time: w.one_time,
            used_at: w.used_at,
            welcome: w.welcome,
            paused: w.paused,
            owner_member_id: w.owner.map(domain::MemberId::get),
            created_by: w.created_by,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

/// One day of a way's requests.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayDay)]
pub struct WayDayView {
    /// The day's start, Unix seconds (it lasts 24 hours, the last day of a period up to `to`).
    pub from: i64,
    /// Requests made through the way that day.
    pub requests: u64,
    /// How many of them are accepted.
    pub accepted: u64,
}

impl From<domain::DayCounts> for WayDayView {
    fn from(d: domain::DayCounts) -> Self {
        Self {
            from: d.from,
            requests: d.requests,
            accepted: d.accepted,
        }
    }
}

/// A way's requests day by day over `from..to`, every day listed.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayDays)]
pub struct WayDaysView {
    pub from: i64,
    pub to: i64,
    pub days: Vec<WayDayView>,
}

/// A contact way's code as text.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayLink)]
pub struct WayLinkView {
    /// What the way's QR code holds: its signed team card.
    pub text: String,
    /// The same text when it is a web address (the issuer's card prefix is an `https://` or
    /// `http://` URL): opened in a browser, it shows the card's page without a camera. `null`
    /// when the prefix is not a web address.
    pub url: Option<String>,
}

impl WayLinkView {
    /// The view of a way's card text.
    pub fn of(text: String) -> Self {
        let opens = ["https://", "http://"].iter().any(|scheme| {
            text.get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        });
        Self {
            url: opens.then(|| text.clone()),
            text,
        }
    }
}

/// What a way's requests came to, over all its members or for one.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayCounts)]
pub struct WayCountsView {
    pub requests: u64,
    /// Still waiting for the routed member.
    pub pending: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub cancelled: u64,
    pub expired: u64,
    /// The median time from request to an accept or a rejection, seconds.
    pub median_answer_secs: Option<i64>,
}

impl From<domain::WayCounts> for WayCountsView {
    fn from(c: domain::WayCounts) -> Self {
        Self {
            requests: c.requests,
            pending: c.pending,
            accepted: c.accepted,
            rejected: c.rejected,
            cancelled: c.cancelled,
            expired: c.expired,
            median_answer_secs: c.median_answer_secs,
        }
    }
}

/// One member's part of a way's statistics.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayMemberCounts)]
pub struct WayMemberCountsView {
    pub member_id: i64,
    #[serde(flatten)]
    pub counts: WayCountsView,
}

/// A way's scans over a period, by what came of them: the top of its funnel. Only scans of a
/// code on record count (not previews, nor texts that fail verification).
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayScans)]
pub struct WayScansView {
    /// Every scan, whatever came of it.
    pub scans: u64,
    /// Scans that made a request (accepted at once on an auto-accept way).
    pub requested: u64,
    /// By someone already waiting for an answer from the way's member.
    pub already_pending: u64,
    /// By someone already a contact of the way's member.
    pub already_connected: u64,
    /// By a colleague in the way's own organization (no request).
    pub colleague: u64,
    /// Refused: the way paused, expired, used up or deleted, no one to answer, or a policy.
    pub refused: u64,
}

impl From<domain::WayScans> for WayScansView {
    fn from(s: domain::WayScans) -> Self {
        Self {
            scans: s.scans,
            requested: s.requested,
            already_pending: s.already_pending,
            already_connected: s.already_connected,
            colleague: s.colleague,
            refused: s.refused,
        }
    }
}

/// A contact way's statistics over a period: its scans in `from..to`, and the requests created
/// in `from..to` as they stand now.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ContactWayStats)]
pub struct WayStatsView {
    pub from: i64,
    pub to: i64,
    pub scans: WayScansView,
    pub total: WayCountsView,
    /// Each member who was routed a request in the period.
    pub members: Vec<WayMemberCountsView>,
}

impl WayStatsView {
    /// The view of `s` over `from..to`.
    pub fn over(s: domain::WayStats, from: i64, to: i64) -> Self {
        Self {
            from,
            to,
            scans: s.scans.into(),
            total: s.total.into(),
            members: s
                .members
                .into_iter()
                .map(|(m, c)| WayMemberCountsView {
                    member_id: m.get(),
                    counts: c.into(),
                })
                .collect(),
        }
    }
}

/// One channel's part of an organization's statistics.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ChannelCounts)]
pub struct ChannelCountsView {
    /// The channel of the card or team code; `null` for requests made without one.
    pub channel: Option<String>,
    /// The scans of the channel's team codes.
    pub scans: WayScansView,
    #[serde(flatten)]
    pub counts: WayCountsView,
}

/// The requests an organization's members received over a period (created in `from..to`), by
/// channel.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = ChannelStats)]
pub struct ChannelStatsView {
    pub from: i64,
    pub to: i64,
    /// The team codes' scans in the period (personal cards' scans are not recorded).
    pub scans: WayScansView,
    pub total: WayCountsView,
    /// Each channel a request came through in the period, in the order of its first; then
    /// each channel whose team codes were scanned without a request.
    pub channels: Vec<ChannelCountsView>,
}

impl ChannelStatsView {
    /// The view of `s` over `from..to`.
    pub fn over(s: domain::ChannelStats, from: i64, to: i64) -> Self {
        let mut scans = s.channel_scans;
        let mut channels: Vec<ChannelCountsView> = s
            .channels
            .into_iter()
            .map(|(channel, c)| {
                let at = scans.iter().position(|(k, _)| *k == channel);
                ChannelCountsView {
                    scans: at.map(|i| scans.remove(i).1).unwrap_or_default().into(),
                    channel,
                    counts: c.into(),
                }
            })
            .collect();
        channels.extend(scans.into_iter().map(|(channel, s)| ChannelCountsView {
            channel,
            scans: s.into(),
            counts: domain::WayCounts::default().into(),
        }));
        Self {
            from,
            to,
            scans: s.scans.into(),
            total: s.total.into(),
            channels,
        }
    }
}
