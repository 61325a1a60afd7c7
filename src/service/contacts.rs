//! External contacts: a scanned card (or a discoverable phone number) becomes a pending request
//! that the owner decides; accepted requests become mutual relations.
//!
//! Every scan is checked twice: offline (signature, key, validity window, the signed revocation
//! list in memory, through [`Keyring::check`]) and online against the database (the card row,
//! the owner's status, one-time use), then against both organizations' current policies. The
//! store makes the writes race-safe; this module decides what to write and what to answer, and
//! builds the events (audit entries and webhook payloads) the store writes with each change.

use super::clock::Clock;
use super::event_body;
use super::keyring::Keyring;
use crate::card::{CardClaims, CardKind, Reason};
use crate::domain::contact::{Side, side_of};
use crate::domain::transfer::follow_successors;
use crate::domain::{
    BlockReason, BlockedBy, Contact, ContactId, ContactPolicy, ContactRequest, ContactSource,
    ContactWay, ContactWayId, Decision, MemberId, MemberStatus, Mobile, OrgId, OrgRef, Party,
    PolicyBlock, PolicySide, RequestId, RequestStatus, ScanOutcome, Sharing, Via, WayState,
    check_policies,
};
use crate::scan::{FoundCode, ScanError, ScanLimits};
use crate::store::contacts::RemovedContact;
use crate::store::{
    Direction, Event, NewContactRequest, RequestCreated, Store, StoreError, WayScan,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The feature's settings.
#[derive(Debug, Clone)]
pub struct ContactSettings {
    /// How long a request stays pending before it expires, in seconds.
    pub request_ttl_secs: i64,
    /// Phone lookups one member may make per `phone_window_secs`.
    pub phone_lookups_per_window: i64,
    /// Phone lookups the members of one organization may make together per `phone_window_secs`.
    pub org_phone_lookups_per_window: i64,
    /// The rate limit's window, in seconds.
    pub phone_window_secs: i64,
}

/// Decodes uploaded photos on the blocking pool, a bounded number at once, so a burst of
/// 12 MP photos cannot exhaust memory or starve the other requests of CPU.
#[derive(Debug)]
pub struct Decoder {
    /// Limits applied to every photo.
    pub limits: ScanLimits,
    /// Photos decoded at once.
    pub concurrency: usize,
    slots: Semaphore,
    /// How long a photo may wait for a decoding slot before it is answered `busy`.
    pub queue_timeout: Duration,
}

impl Decoder {
    /// `concurrency` photos decoded at once, each under `limits`.
    pub fn new(limits: ScanLimits, concurrency: usize, queue_timeout: Duration) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            limits,
            concurrency,
            slots: Semaphore::new(concurrency),
            queue_timeout,
        }
    }

    /// Every QR code in the photo, the issuer's cards first (so the first code of a photo with a
    /// card among other codes is the card), each in the order the decoder found them.
    async fn decode(
        &self,
        bytes: bytes::Bytes,
        prefix: &str,
    ) -> Result<Vec<FoundCode>, ContactError> {
        let _slot = tokio::time::timeout(self.queue_timeout, self.slots.acquire())
            .await
            .map_err(|_| ContactError::Busy)?
            .map_err(|_| ContactError::Busy)?;
        let limits = self.limits.clone();
        let report =
            tokio::task::spawn_blocking(move || crate::scan::decode_photo(&bytes, &limits))
                .await
                .map_err(|_| ContactError::Scan(ScanError::CorruptImage))??;
        let mut codes = report.codes;
        codes.sort_by_key(|c| !c.text.starts_with(prefix));
        Ok(codes)
    }
}

/// The most codes of one photo that are scanned (each may make a request); the others are
/// answered `TooManyCodes`, so one upload cannot make an unbounded number of requests.
pub const MAX_CODES_PER_SCAN: usize = 20;

/// How often a team-code scan is routed again when concurrent scans keep claiming the
/// round-robin turn it was routed by before it answers `Busy` (each retry means another scan
/// got through, so this bounds the wait behind a burst of scans, not a livelock).
const TURN_ATTEMPTS: usize = 256;

/// Who may take a decision on a request: the owner accepts or rejects, the requester cancels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decider {
    Owner,
    Requester,
}

/// Why a scan, a phone request or a decision did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    /// The photo could not be read.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// Every decoding slot stayed busy for the queue timeout.
    #[error("the service is busy decoding other photos; try again shortly")]
    Busy,
    /// The card failed verification for `reason`.
    #[error("the card is not valid: {detail}")]
    InvalidCard { reason: Reason, detail: String },
    /// The card has expired.
    #[error("the card has expired; ask its owner for a current one")]
    CardExpired,
    /// The card was revoked (reset or withdrawn by its owner or an admin).
    #[error("the card has been revoked; ask its owner for a current one")]
    CardRevoked,
    /// A code of a photo past the first [`MAX_CODES_PER_SCAN`]: not scanned.
    #[error("only the first {max} codes of a photo are scanned; send this one in another photo")]
    TooManyCodes { max: usize },
    /// The card's owner is no longer an active member.
    #[error("the card's owner is no longer an active member of their organization")]
    OwnerInactive,
    /// The requester of a request being accepted is no longer an active member.
    #[error("the requester is no longer an active member of their organization")]
    RequesterInactive,
    /// The requester scanned their own card.
    #[error("this is your own card")]
    SelfScan,
    /// A one-time card was already used for a request.
    #[error("this one-time card has already been used")]
    CardAlreadyUsed,
    /// The team code's way is paused by its organization.
    #[error("this code is paused; its organization may turn it on again")]
    WayPaused,
    /// The team code's way has expired.
    #[error("this code has expired")]
    WayExpired,
    /// The team code's one-time way was already used for a request.
    #[error("this one-time code has already been used")]
    WayUsedUp,
    /// The team code's way was deleted.
    #[error("this code was withdrawn by its organization")]
    WayDeleted,
    /// Every member who answers the team code is deactivated.
    #[error("no one is available to answer this code")]
    NoOneAvailable,
    /// An organization's policy refuses the request.
    #[error("{explanation}")]
    PolicyBlocked {
        block: PolicyBlock,
        organization: OrgRef,
        explanation: String,
        /// The explanation as a catalogue message.
        why: crate::domain::Why,
    },
    /// No discoverable member has this number, or the request does not exist for the caller.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Too many phone lookups.
    #[error("too many phone lookups; try again later")]
    RateLimited { retry_after_secs: i64 },
    /// The caller is a party to the request but this decision belongs to the other party.
    #[error("{}", match .0 {
        Decider::Owner => "only the card owner can accept or reject a request",
        Decider::Requester => "only the requester can cancel a request",
    })]
    NotYourDecision(Decider),
    /// The request was already decided (or expired).
    #[error("the request is already {}", .0.status.as_str())]
    AlreadyDecided(Box<ContactRequest>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was scanned: a photo's bytes or a payload string.
#[derive(Debug, Clone)]
pub enum ScanInput<'a> {
    /// Shared, not copied: the decoder on the blocking pool holds the upload itself.
    Photo(bytes::Bytes),
    Text(&'a str),
}

/// What a scan or phone request did (or, for a preview, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    RequestCreated(ContactRequest),
    AlreadyPending(ContactRequest),
    AlreadyConnected(Contact),
    /// The owner is a colleague, found in the directory: no external request.
    SameOrganization,
    /// A preview: nothing was written; `would` says what sending the card would do.
    Preview {
        would: Would,
    },
}

/// What a scan would do, for a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Would {
    RequestCreated,
    AlreadyPending,
    AlreadyConnected,
}

/// The result of a successful scan: the payload, the verified owner and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The card's QR text (send it back to `POST /v1/scans` to act on a preview).
    pub text: String,
    /// Who answers the card, as the directory knows them now: its owner, or the successor of
    /// an owner who left.
    pub owner: Party,
    /// The card's owner, when they left and `owner` is their successor.
    pub routed_from: Option<Party>,
    /// The contact way of a team code, whose routing chose `owner`: its id and name.
    pub way: Option<(ContactWayId, String)>,
    pub outcome: Outcome,
}

/// One code of a scanned photo (or the one text sent) and what scanning it did.
#[derive(Debug)]
pub struct CardScan {
    /// The code's text.
    pub text: String,
    /// Where the code lies in the upright photo, clockwise from the corner nearest its
    /// top-left (see [`FoundCode::corners`]); `None` for a text.
    pub corners: Option<[(f32, f32); 4]>,
    pub result: Result<Scanned, ContactError>,
}

/// The card a request is made with: its claims, whether it is a one-time card already used,
/// and a team code's way.
#[derive(Debug, Clone, Copy)]
struct Presented<'a> {
    claims: &'a CardClaims,
    used: bool,
    way: Option<&'a ContactWay>,
    /// The way's round-robin turn the owner was chosen by, claimed with the request.
    turn: Option<u64>,
}

/// What the online check found: a member's card and its use, or a team code's live way.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verified {
    Card(CardUse),
    Way(Box<ContactWay>),
}

/// What the database says about a verified card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CardUse {
    /// Current, and its owner active.
    Fresh,
    /// A one-time card already used for a request.
    Used,
    /// Its owner was deactivated (so the card was revoked with them).
    OwnerLeft,
}

/// The member making a request.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    pub org_id: OrgId,
    pub member_id: MemberId,
    /// How the audit log names them.
    pub actor: &'a str,
}

/// Scans, requests, decisions and relations.
#[derive(Debug)]
pub struct Contacts {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    settings: ContactSettings,
    decoder: Decoder,
    /// Tells owners of new requests by e-mail, when set.
    mail: Option<Arc<super::Mail>>,
}

impl Contacts {
    /// The feature with its settings and photo decoder.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keyring>,
        clock: Arc<dyn Clock>,
        settings: ContactSettings,
        decoder: Decoder,
    ) -> Self {
        Self {
            store,
            keys,
            clock,
            settings,
            decoder,
            mail: None,
        }
    }

    /// Tells the owners of new requests by e-mail through `mail`.
    #[must_use]
    pub fn with_mail(self, mail: Arc<super::Mail>) -> Self {
        Self {
            mail: Some(mail),
            ..self
        }
    }

    /// The photo decoder's settings (uploads are sized after them).
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// Decodes `input` and scans every code in it, one after the other: each card is verified
    /// offline and online, both policies are checked and, unless `preview`, its request is
    /// created. A card that fails does not stop the others (a table of cards at a fair): each
    /// has its own result.
    ///
    /// # Errors
    /// Only for the photo as a whole ([`ContactError::Scan`], [`ContactError::Busy`]); every
    /// card's refusal is in its [`CardScan::result`].
    pub async fn scan(
        &self,
        who: Requester<'_>,
        input: ScanInput<'_>,
        preview: bool,
    ) -> Result<Vec<CardScan>, ContactError> {
        let codes = match input {
            ScanInput::Text(t) => vec![(t.trim().to_owned(), None)],
            ScanInput::Photo(bytes) => self
                .decoder
                .decode(bytes, self.keys.issuer().card_prefix())
                .await?
                .into_iter()
                .map(|code| (code.text, Some(code.corners)))
                .collect(),
        };
        let mut scans = Vec::with_capacity(codes.len());
        for (i, (text, corners)) in codes.into_iter().enumerate() {
            let result = if i < MAX_CODES_PER_SCAN {
                self.scan_card(who, text.clone(), preview).await
            } else {
                Err(ContactError::TooManyCodes {
                    max: MAX_CODES_PER_SCAN,
                })
            };
            scans.push(CardScan {
                text,
                corners,
                result,
            });
        }
        Ok(scans)
    }

    /// One card's scan: verified offline and online, both policies, the request unless
    /// `preview`.
    async fn scan_card(
        &self,
        who: Requester<'_>,
        text: String,
        preview: bool,
    ) -> Result<Scanned, ContactError> {
        let now = self.clock.now();
        let (claims, card_use) = match self.verify_online(&text).await? {
            (claims, Verified::Card(card_use)) => (claims, card_use),
            (claims, Verified::Way(way)) => {
                return self.scan_way(who, text, &claims, *way, preview, now).await;
            }
        };
        let (owner_org, owner_id) = card_ids(&claims)?;
        if owner_id == who.member_id {
            return Err(ContactError::SelfScan);
        }
        let card_owner = self.party(owner_org, owner_id).await?;
        let (owner, routed_from) = if card_use == CardUse::OwnerLeft {
            let successor = self
                .successor(owner_org, owner_id)
                .await?
                .ok_or(ContactError::OwnerInactive)?;
            (self.party(owner_org, successor).await?, Some(card_owner))
        } else {
            (card_owner, None)
        };
        let card = Presented {
            claims: &claims,
            used: card_use == CardUse::Used,
            way: None,
            turn: None,
        };
        let how = (Via::QrScan, ContactSource::Card);
        let outcome = self
            .request(who, &owner, how, Some(card), preview, now)
            .await?;
        Ok(Scanned {
            text,
            owner,
            routed_from,
            way: None,
            outcome,
        })
    }

    /// The part of a scan after a team code's way was found on record: unless it is a preview,
    /// the scan is recorded on the way with what came of it (a refusal too, not a failure of
    /// the service's own), the top of the way's funnel. A scan that reached the store's request
    /// creation (a request, one pending, a contact) was recorded in its transaction.
    async fn scan_way(
        &self,
        who: Requester<'_>,
        text: String,
        claims: &CardClaims,
        way: ContactWay,
        preview: bool,
        now: i64,
    ) -> Result<Scanned, ContactError> {
        let (id, org_id, channel) = (way.id, way.org_id, way.channel.clone());
        let scanned = self.answer_way(who, text, claims, way, preview, now).await;
        if preview {
            return scanned;
        }
        let outcome = match &scanned {
            Ok(s) => match s.outcome {
                Outcome::SameOrganization => ScanOutcome::Colleague,
                Outcome::RequestCreated(_)
                | Outcome::AlreadyPending(_)
                | Outcome::AlreadyConnected(_)
                | Outcome::Preview { .. } => return scanned,
            },
            Err(ContactError::Store(_) | ContactError::Busy) => return scanned,
            Err(_) => ScanOutcome::Refused,
        };
        // The scan's own answer stands: a failure to count it is the operators' to see, not a
        // failure the scanner would retry.
        let scan = WayScan {
            way: id,
            org_id,
            channel: channel.as_deref(),
            at: now,
            outcome,
        };
        if let Err(e) = self.store.record_scan(&scan).await {
            tracing::error!(way = id.get(), error = %e, "a team-code scan was not recorded in the way's statistics");
        }
        scanned
    }

    /// A scan of a team code whose way is on record: a way that is not live refuses with its
    /// own error; the routing picks who answers (a requester already connected with, or
    /// waiting for, one of its members stays with them), both policies are checked as for a
    /// personal card, and an auto-accept way accepts the new request at once. A round-robin
    /// turn that a concurrent scan claimed first sends the scan round again on the way as it
    /// is now (each retry means another scan got through).
    async fn answer_way(
        &self,
        who: Requester<'_>,
        text: String,
        claims: &CardClaims,
        mut way: ContactWay,
        preview: bool,
        now: i64,
    ) -> Result<Scanned, ContactError> {
        for _ in 0..TURN_ATTEMPTS {
            if let Some(scanned) = self
                .answer_way_once(who, &text, claims, &way, preview, now)
                .await?
            {
                return Ok(scanned);
            }
            way = self.store.get_way(way.id).await?;
        }
        Err(ContactError::Busy)
    }

    /// One round of [`Self::answer_way`]; `None` when the turn it was routed by was taken.
    async fn answer_way_once(
        &self,
        who: Requester<'_>,
        text: &str,
        claims: &CardClaims,
        way: &ContactWay,
        preview: bool,
        now: i64,
    ) -> Result<Option<Scanned>, ContactError> {
        match way.state(now) {
            WayState::Live => {}
            WayState::Paused => return Err(ContactError::WayPaused),
            WayState::Expired => return Err(ContactError::WayExpired),
            WayState::UsedUp => return Err(ContactError::WayUsedUp),
            WayState::Deleted => return Err(ContactError::WayDeleted),
        }
        let mut answerer = None;
        if way.org_id != who.org_id {
            let active: Vec<MemberId> = way
                .members
                .iter()
                .filter(|a| a.active)
                .map(|a| a.member_id)
                .collect();
            answerer = self
                .store
                .first_connected(who.member_id, &active, now)
                .await?;
        }
        let (member, turn) = match answerer {
            Some(m) => (m, None),
            None => self
                .route(way, preview || way.org_id == who.org_id, now)
                .await?
                .ok_or(ContactError::NoOneAvailable)?,
        };
        let owner = self.party(way.org_id, member).await?;
        let how = (Via::QrScan, ContactSource::TeamCode);
        let card = Presented {
            claims,
            used: false,
            way: Some(way),
            turn,
        };
        let Some(mut outcome) = self
            .request_once(who, &owner, how, Some(card), preview, now)
            .await?
        else {
            return Ok(None);
        };
        if let (Outcome::RequestCreated(r), true) = (&outcome, way.auto_accept) {
            let actor = format!("contact_way/{}", way.id);
            let event =
                |r: &ContactRequest| request_event(Decision::Accept.event(), r, now, &actor);
            // Another writer cannot have decided a request made a moment ago, but if the
            // member did, their decision stands.
            if let Some(accepted) = self
                .store
                .decide_contact_request(r.id, r.owner.member_id, Decision::Accept, now, &event)
                .await?
            {
                outcome = Outcome::RequestCreated(accepted);
            }
        }
        Ok(Some(Scanned {
            text: text.to_owned(),
            owner,
            routed_from: None,
            way: Some((way.id, way.name.clone())),
            outcome,
        }))
    }

    /// Who the way's sharing rule picks among its active members, with the round-robin turn
    /// that picked them (to claim with the request); `peek` (a preview, or a colleague's scan)
    /// claims no turn.
    async fn route(
        &self,
        way: &ContactWay,
        peek: bool,
        now: i64,
    ) -> Result<Option<(MemberId, Option<u64>)>, ContactError> {
        let active: Vec<MemberId> = way
            .members
            .iter()
            .filter(|a| a.active)
            .map(|a| a.member_id)
            .collect();
        if active.is_empty() {
            return Ok(None);
        }
        let (turn, pending) = match way.sharing {
            Sharing::RoundRobin => (way.turns, Vec::new()),
            Sharing::FewestPending => {
                let counts = self.store.pending_counts(&active, now).await?;
                let pending = way
                    .members
                    .iter()
                    .map(|a| counts.get(&a.member_id).copied().unwrap_or(0))
                    .collect();
                (0, pending)
            }
        };
        let claim = (way.sharing == Sharing::RoundRobin && !peek).then_some(turn);
        Ok(
            crate::domain::way::route(way.sharing, &way.members, &pending, turn)
                .map(|member| (member, claim)),
        )
    }

    /// A team code's way, checked against the database: on record in the card's organization
    /// (whether it is live is the scan's to check: a scan of a paused code still counts).
    async fn verify_way(&self, claims: &CardClaims) -> Result<ContactWay, ContactError> {
        let (org, team) = card_ids(claims)?;
        let not_on_record = || ContactError::InvalidCard {
            reason: Reason::Revoked,
            detail: "this team code is not on record at its issuer".into(),
        };
        let way = match self.store.get_way(ContactWayId::new(team.get())).await {
            Ok(w) if w.org_id == org => w,
            Ok(_) | Err(StoreError::NotFound(_)) => return Err(not_on_record()),
            Err(e) => return Err(e.into()),
        };
        Ok(way)
    }

    /// The active member who answers for `member_id`, who left ([`follow_successors`]). `None`
    /// when the organization turned successor routing off or nobody was named.
    async fn successor(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Option<MemberId>, ContactError> {
        if !self.store.get_org(org_id).await?.successor_routing {
            return Ok(None);
        }
        let links = self.store.successor_links(org_id).await?;
        Ok(follow_successors(member_id, |at| {
            links
                .iter()
                .find(|(m, _, _)| *m == at)
                .map(|&(_, s, active)| (s, active))
        }))
    }

    /// Verifies a card against the in-memory keys and revocation list, then against the
    /// database: the card must be one this service issued, unrevoked, and its owner still
    /// active. Also says whether it is a one-time card that was already used, and whether its
    /// owner left (a correctly signed card of a departed member, for successor routing).
    async fn verify_online(&self, text: &str) -> Result<(CardClaims, Verified), ContactError> {
        let checked = self.keys.check(text).map_err(|r| match r.reason {
            Reason::Expired => ContactError::CardExpired,
            reason => ContactError::InvalidCard {
                reason,
                detail: r.detail,
            },
        })?;
        let claims = checked.claims;
        if claims.kind == CardKind::Team {
            // A team card names a contact way, not a member: its id is never looked up as one
            // (nor checked against the deactivated members the snapshot lists by id).
            let way = self.verify_way(&claims).await?;
            return Ok((claims, Verified::Way(Box::new(way))));
        }
        // The snapshot can be a refresh interval behind other instances: the database decides
        // whether the owner left, and says so rather than only "revoked".
        let (org, member) = card_ids(&claims)?;
        match self.store.get_member(org, member).await {
            Ok(m) if m.status == MemberStatus::Active && !checked.member_deactivated => {}
            Ok(m) if m.status == MemberStatus::Deactivated => {
                return Ok((claims, Verified::Card(CardUse::OwnerLeft)));
            }
            Ok(_) | Err(StoreError::NotFound(_)) => return Err(ContactError::OwnerInactive),
            Err(e) => return Err(e.into()),
        }
        if checked.revoked {
            return Err(ContactError::CardRevoked);
        }
        let state = self
            .store
            .card_state(&claims.card_id)
            .await?
            .ok_or_else(|| ContactError::InvalidCard {
                reason: Reason::Revoked,
                detail: "this card is not on record at its issuer".into(),
            })?;
        if state.revoked_at.is_some() {
            return Err(ContactError::CardRevoked);
        }
        // A used one-time card still answers its own requester's `already_pending`; the store
        // decides.
        let used = if state.one_time && state.used_at.is_some() {
            CardUse::Used
        } else {
            CardUse::Fresh
        };
        Ok((claims, Verified::Card(used)))
    }

    /// A member as the other side sees them.
    async fn party(&self, org_id: OrgId, member_id: MemberId) -> Result<Party, ContactError> {
        let member = self.store.get_member(org_id, member_id).await?;
        let org = self.store.get_org(org_id).await?;
        Ok(Party {
            member_id,
            name: member.display_name,
            title: member.title,
            organization: OrgRef {
                id: org.id,
                name: org.name,
            },
        })
    }

    /// Checks both organizations' current policies for a request between their members.
    async fn check_both(
        &self,
        requester_org: OrgId,
        owner_org: OrgId,
        to_requester: bool,
    ) -> Result<(), ContactError> {
        let (a, b) = (
            self.store.get_org(requester_org).await?,
            self.store.get_org(owner_org).await?,
        );
        let partner_ids =
            |listed: Vec<crate::domain::Partner>| listed.iter().map(|p| p.id).collect();
        let a_partners: Vec<OrgId> = partner_ids(self.store.list_partners(a.id).await?);
        let b_partners: Vec<OrgId> = partner_ids(self.store.list_partners(b.id).await?);
        let requester = PolicySide {
            org_id: a.id,
            policy: a.policy,
            partners: &a_partners,
        };
        let owner = PolicySide {
            org_id: b.id,
            policy: b.policy,
            partners: &b_partners,
        };
        check_policies(&requester, &owner).map_err(|block| {
            let org = if block.org_id == a.id { a } else { b };
            blocked(block, org.id, org.name, to_requester)
        })
    }

    /// The part of a scan and a phone request after the owner is known, for a card that was
    /// not routed by a turn.
    async fn request(
        &self,
        who: Requester<'_>,
        owner: &Party,
        how: (Via, ContactSource),
        card: Option<Presented<'_>>,
        preview: bool,
        now: i64,
    ) -> Result<Outcome, ContactError> {
        // Without a turn to claim, the store has no turn to find taken.
        self.request_once(who, owner, how, card, preview, now)
            .await?
            .ok_or(ContactError::Busy)
    }

    /// [`Self::request`]; `None` when the round-robin turn the owner was chosen by was claimed
    /// by a concurrent scan first (nothing was written).
    async fn request_once(
        &self,
        who: Requester<'_>,
        owner: &Party,
        (via, source): (Via, ContactSource),
        card: Option<Presented<'_>>,
        preview: bool,
        now: i64,
    ) -> Result<Option<Outcome>, ContactError> {
        if owner.organization.id == who.org_id {
            return Ok(Some(Outcome::SameOrganization));
        }
        self.check_both(who.org_id, owner.organization.id, true)
            .await?;
        if preview {
            let would = if self
                .store
                .find_contact(who.member_id, owner.member_id)
                .await?
                .is_some()
            {
                Would::AlreadyConnected
            } else if self
                .store
                .pending_request(who.member_id, owner.member_id, now)
                .await?
                .is_some()
            {
                Would::AlreadyPending
            } else if card.as_ref().is_some_and(|c| c.used) {
                return Err(ContactError::CardAlreadyUsed);
            } else {
                Would::RequestCreated
            };
            return Ok(Some(Outcome::Preview { would }));
        }
        let way = card.as_ref().and_then(|c| c.way);
        let turn = card.as_ref().and_then(|c| c.turn);
        let card = card.map(|c| c.claims);
        let new = NewContactRequest {
            requester_org_id: who.org_id,
            requester_id: who.member_id,
            owner_org_id: owner.organization.id,
            owner_id: owner.member_id,
            via,
            source,
            card_id: card.map(|c| c.card_id),
            // A team code's channel is its way's, as the way has it now.
            card_channel: match way {
                Some(w) => w.channel.clone(),
                None => card.and_then(|c| c.channel.clone()),
            },
            // A team code is used up on its way, not on its card.
            one_time_card: way.is_none() && card.is_some_and(|c| c.one_time),
            way: way.map(|w| w.id),
            one_time_way: way.is_some_and(|w| w.one_time),
            turn,
            created_at: now,
            expires_at: now.saturating_add(self.settings.request_ttl_secs),
        };
        let event =
            |r: &ContactRequest| request_event("contact_request.created", r, now, who.actor);
        // The owner's notice by e-mail is queued in the request's transaction. A way that
        // accepts at once makes a contact, not a request to answer: no notice then.
        let mail = self
            .mail
            .as_ref()
            .filter(|_| !way.is_some_and(|w| w.auto_accept));
        // Written in the owner's organization's language.
        let owner_lang = match mail {
            Some(_) => Some(self.store.get_org(owner.organization.id).await?.lang),
            None => None,
        };
        let build = |r: &ContactRequest| {
            mail.zip(owner_lang.as_ref())
                .and_then(|(m, lang)| m.contact_request_notice(r, lang))
        };
        let notice: crate::store::contacts::NoticeFor<'_> = mail.map(|_| &build as _);
        Ok(Some(
            match self
                .store
                .create_contact_request(&new, &event, notice)
                .await?
            {
                RequestCreated::Created(r, noticed) => {
                    metrics::counter!("contact_requests_total", "via" => via.as_str()).increment(1);
                    if let (Some(m), true) = (mail, noticed) {
                        m.queued_with_change(crate::domain::MailKind::ContactRequest);
                    }
                    Outcome::RequestCreated(r)
                }
                RequestCreated::AlreadyPending(r) => Outcome::AlreadyPending(r),
                RequestCreated::AlreadyConnected(c) => Outcome::AlreadyConnected(c),
                RequestCreated::CardAlreadyUsed => return Err(ContactError::CardAlreadyUsed),
                RequestCreated::WayAlreadyUsed => return Err(ContactError::WayUsedUp),
                RequestCreated::TurnTaken => return Ok(None),
            },
        ))
    }

    /// Requests a contact by mobile number. An unknown number, a number whose owner keeps it
    /// undiscoverable, and an owner the requester may not ask (either organization's policy) all
    /// answer the same `NotFound` after the same single lookup; every lookup counts towards the
    /// caller's rate limit and then its organization's (so creating members does not multiply
    /// the lookups an organization may make). Only a requester's own organization with external contacts disabled is
    /// told so, whatever the number.
    ///
    /// # Errors
    /// `RateLimited`, `PolicyBlocked` (the requester's organization is `disabled`), `NotFound`,
    /// `SelfScan`.
    pub async fn request_by_phone(
        &self,
        who: Requester<'_>,
        mobile: &Mobile,
    ) -> Result<(Party, Outcome), ContactError> {
        let now = self.clock.now();
        let window = self.settings.phone_window_secs;
        let limited = || ContactError::RateLimited {
            retry_after_secs: window,
        };
        let count = self
            .store
            .record_phone_lookup(who.member_id, now, window)
            .await?;
        if count > self.settings.phone_lookups_per_window {
            return Err(limited());
        }
        // Counted only for lookups the member's own limit let through, so one member who keeps
        // asking cannot use up the organization's share.
        let org_count = self
            .store
            .record_org_phone_lookup(who.org_id, now, window)
            .await?;
        if org_count > self.settings.org_phone_lookups_per_window {
            return Err(limited());
        }
        let own = self.store.get_org(who.org_id).await?;
        if own.policy == ContactPolicy::Disabled {
            let block = PolicyBlock {
                blocked_by: BlockedBy::RequesterOrganization,
                reason: BlockReason::ExternalContactsDisabled,
                org_id: own.id,
            };
            return Err(blocked(block, own.id, own.name, true));
        }
        let Some(member) = self
            .store
            .find_discoverable_member(mobile, who.org_id)
            .await?
        else {
            return Err(ContactError::NotFound("member"));
        };
        if member.id == who.member_id {
            return Err(ContactError::SelfScan);
        }
        let owner = self.party(member.org_id, member.id).await?;
        let how = (Via::Phone, ContactSource::Phone);
        match self.request(who, &owner, how, None, false, now).await {
            // A policy changed between the lookup and the check: still no hint that the number
            // exists.
            Err(ContactError::PolicyBlocked { .. }) => Err(ContactError::NotFound("member")),
            other => other.map(|o| (owner, o)),
        }
    }

    /// Accepts, rejects or cancels a request on behalf of `member_id`. An accept re-checks both
    /// policies as they are now.
    ///
    /// # Errors
    /// `NotFound` for a request the member is not a party to, `NotYourDecision`, `PolicyBlocked`,
    /// `AlreadyDecided`.
    pub async fn decide(
        &self,
        member_id: MemberId,
        request_id: RequestId,
        decision: Decision,
        actor: &str,
    ) -> Result<ContactRequest, ContactError> {
        let now = self.clock.now();
        let request = match self.store.get_contact_request(request_id, now).await {
            Err(StoreError::NotFound(_)) => return Err(ContactError::NotFound("contact request")),
            other => other?,
        };
        let side = side_of(
            member_id,
            request.requester.member_id,
            request.owner.member_id,
        );
        match (side, decision.by_owner()) {
            (Side::Stranger, _) => return Err(ContactError::NotFound("contact request")),
            (Side::Requester, true) => {
                return Err(ContactError::NotYourDecision(Decider::Owner));
            }
            (Side::Owner, false) => {
                return Err(ContactError::NotYourDecision(Decider::Requester));
            }
            _ => {}
        }
        if request.status != RequestStatus::Pending {
            return Err(ContactError::AlreadyDecided(Box::new(request)));
        }
        if decision == Decision::Accept {
            let requester = self
                .store
                .get_member(
                    request.requester.organization.id,
                    request.requester.member_id,
                )
                .await?;
            if requester.status != MemberStatus::Active {
                return Err(ContactError::RequesterInactive);
            }
            self.check_both(
                request.requester.organization.id,
                request.owner.organization.id,
                false,
            )
            .await?;
        }
        let event = |r: &ContactRequest| request_event(decision.event(), r, now, actor);
        match self
            .store
            .decide_contact_request(request_id, member_id, decision, now, &event)
            .await?
        {
            Some(decided) => Ok(decided),
            None => Err(ContactError::AlreadyDecided(Box::new(
                self.store.get_contact_request(request_id, now).await?,
            ))),
        }
    }

    /// A member's requests, newest first, ids below `before`.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn requests(
        &self,
        member_id: MemberId,
        direction: Direction,
        status: Option<RequestStatus>,
        before: Option<RequestId>,
        limit: i64,
    ) -> Result<Vec<ContactRequest>, ContactError> {
        let now = self.clock.now();
        Ok(self
            .store
            .list_contact_requests(member_id, direction, status, now, before, limit)
            .await?)
    }

    /// Removes a relation for both sides.
    ///
    /// # Errors
    /// `NotFound` for a relation the member is not part of.
    pub async fn remove(
        &self,
        member_id: MemberId,
        contact_id: ContactId,
        actor: &str,
    ) -> Result<(), ContactError> {
        let at = self.clock.now();
        let event = |removed: &RemovedContact| Event {
            at,
            actor: actor.to_owned(),
            orgs: vec![removed.by_org, removed.other.organization.id],
            name: "contact.removed",
            target: format!("contact/{}", removed.id),
            detail: format!(
                "member/{} removed member/{}",
                removed.by, removed.other.member_id
            ),
            payload: event_body(
                "contact.removed",
                at,
                serde_json::json!({
                    "contact_id": removed.id,
                    "removed_by": removed.by,
                    "other": payload::party(&removed.other),
                }),
            ),
        };
        Ok(self
            .store
            .remove_contact(member_id, contact_id, &event)
            .await?)
    }

    /// Marks pending requests past their expiry as expired (a chore); returns how many.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn expire_requests(&self) -> Result<u64, StoreError> {
        self.store.expire_contact_requests(self.clock.now()).await
    }
}

/// A policy refusal, explained to the reader.
fn blocked(block: PolicyBlock, id: OrgId, name: String, to_requester: bool) -> ContactError {
    ContactError::PolicyBlocked {
        explanation: block.explain(&name, to_requester),
        why: block.why(&name, to_requester),
        block,
        organization: OrgRef { id, name },
    }
}

/// The card's organization and member ids as the database stores them.
fn card_ids(claims: &CardClaims) -> Result<(OrgId, MemberId), ContactError> {
    match (
        i64::try_from(claims.org_id),
        i64::try_from(claims.member_id),
    ) {
        (Ok(org), Ok(member)) => Ok((OrgId::new(org), MemberId::new(member))),
        _ => Err(ContactError::InvalidCard {
            reason: Reason::Malformed,
            detail: "the card's ids are out of range".into(),
        }),
    }
}

/// The event of a request's creation or decision, in both organizations.
fn request_event(name: &'static str, r: &ContactRequest, at: i64, actor: &str) -> Event {
    Event {
        at,
        actor: actor.to_owned(),
        orgs: vec![r.requester.organization.id, r.owner.organization.id],
        name,
        target: format!("contact_request/{}", r.id),
        detail: format!(
            "requester=member/{} owner=member/{}",
            r.requester.member_id, r.owner.member_id
        ),
        payload: event_body(name, at, payload::request(r)),
    }
}

pub(crate) use payload::party as party_payload;

/// The webhook payloads: the contract with receivers, written out here so that a change to an
/// entity does not change it unnoticed.
mod payload {
    use crate::domain::{ContactRequest, Party};
    use serde_json::{Value, json};

    pub(crate) fn party(p: &Party) -> Value {
        json!({
            "member_id": p.member_id,
            "name": p.name,
            "title": p.title,
            "organization": { "id": p.organization.id, "name": p.organization.name },
        })
    }

    pub(super) fn request(r: &ContactRequest) -> Value {
        json!({
            "id": r.id,
            "status": r.status.as_str(),
            "via": r.via.as_str(),
            "source": r.source.as_str(),
            "card_channel": r.card_channel,
            "requester": party(&r.requester),
            "owner": party(&r.owner),
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "decided_at": r.decided_at,
            "contact_way_id": r.way,
            "welcome": r.welcome,
        })
    }
}
