//! External contacts: a scanned card (or a discoverable phone number) becomes a pending request
//! that the owner decides; accepted requests become mutual relations.
//!
//! Every scan is checked twice: offline (signature, key, validity window, the signed revocation
//! list in memory) and online against the database (the card row, the owner's status, one-time
//! use), then against both organizations' current policies. The store makes the writes race-safe;
//! this module decides what to write and what to answer.

use super::keyring::Keyring;
use crate::card::{self, CardClaims, Reason, VerifyOptions};
use crate::domain::{
    Decision, MemberStatus, Mobile, PolicyBlock, PolicySide, RequestStatus, Via, check_policies,
    contact::{Side, side_of},
};
use crate::scan::{ScanError, ScanLimits};
use crate::store::{
    Contact, ContactRequest, NewContactRequest, OrgRef, Party, RequestCreated, Store, StoreError,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Upload bodies one member may have in flight at once. The member's further uploads wait their
/// turn without taking a shared slot, so one member's many (or deliberately slow) uploads cannot
/// hold every upload slot.
pub const UPLOADS_PER_MEMBER: usize = 2;

/// Settings and shared limits of the contacts feature.
#[derive(Debug)]
pub struct Contacts {
    /// How long a request stays pending before it expires, in seconds.
    pub request_ttl_secs: i64,
    /// Phone lookups one member may make per `phone_window_secs`.
    pub phone_lookups_per_window: i64,
    /// The rate limit's window, in seconds.
    pub phone_window_secs: i64,
    /// Limits applied to every uploaded photo.
    pub scan_limits: ScanLimits,
    /// Photos decoded at once; further uploads wait (bounded memory under a burst of 12 MP photos).
    pub scan_concurrency: usize,
    scan_slots: Semaphore,
    /// How long an upload may wait for a decoding slot before it is answered `busy`.
    pub scan_queue_timeout: Duration,
    /// Whether webhooks may point at loopback, private and link-local addresses.
    pub webhook_private_addresses: bool,
    /// Upload bodies read at once, across members (four per decoding slot).
    upload_slots: Arc<Semaphore>,
    /// Each uploading member's own lane of [`UPLOADS_PER_MEMBER`], dropped when idle.
    upload_lanes: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
}

/// Held while an upload's body is read and decoded; see [`Contacts::admit_upload`].
#[derive(Debug)]
pub struct UploadPermit {
    // Field order is drop order: the permits go before the lane checks whether it is idle.
    _member: OwnedSemaphorePermit,
    _shared: OwnedSemaphorePermit,
    _lane: Lane,
}

/// A member's lane while someone uses it; the last user removes it from the map.
#[derive(Debug)]
struct Lane {
    member_id: i64,
    semaphore: Arc<Semaphore>,
    lanes: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
}

impl Drop for Lane {
    fn drop(&mut self) {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        // Every clone is made under this lock, so two holders (the map and this lane) mean no
        // one else is waiting or uploading.
        if Arc::strong_count(&self.semaphore) == 2 {
            lanes.remove(&self.member_id);
        }
    }
}

impl Contacts {
    /// Admits an upload by `member_id`: first a place in the member's own lane, then one of the
    /// shared upload slots, each waiting at most [`Contacts::scan_queue_timeout`].
    ///
    /// # Errors
    /// [`ContactError::Busy`] when no place frees up in time.
    pub async fn admit_upload(&self, member_id: i64) -> Result<UploadPermit, ContactError> {
        let lane = {
            let mut lanes = self
                .upload_lanes
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let semaphore = lanes
                .entry(member_id)
                .or_insert_with(|| Arc::new(Semaphore::new(UPLOADS_PER_MEMBER)));
            Lane {
                member_id,
                semaphore: Arc::clone(semaphore),
                lanes: Arc::clone(&self.upload_lanes),
            }
        };
        let admitted = tokio::time::timeout(self.scan_queue_timeout, async {
            let member = Arc::clone(&lane.semaphore).acquire_owned().await.ok()?;
            let shared = Arc::clone(&self.upload_slots).acquire_owned().await.ok()?;
            Some((member, shared))
        })
        .await;
        match admitted {
            Ok(Some((member, shared))) => Ok(UploadPermit {
                _member: member,
                _shared: shared,
                _lane: lane,
            }),
            _ => Err(ContactError::Busy),
        }
    }

    /// Builds the feature's state; `scan_concurrency` photos are decoded at once.
    pub fn new(
        request_ttl_secs: i64,
        phone_lookups_per_window: i64,
        phone_window_secs: i64,
        scan_concurrency: usize,
    ) -> Self {
        Self {
            request_ttl_secs,
            phone_lookups_per_window,
            phone_window_secs,
            scan_limits: ScanLimits::default(),
            scan_concurrency: scan_concurrency.max(1),
            scan_slots: Semaphore::new(scan_concurrency.max(1)),
            scan_queue_timeout: Duration::from_secs(30),
            webhook_private_addresses: false,
            upload_slots: Arc::new(Semaphore::new(4 * scan_concurrency.max(1))),
            upload_lanes: Arc::default(),
        }
    }
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
    /// An organization's policy refuses the request.
    #[error("{explanation}")]
    PolicyBlocked {
        block: PolicyBlock,
        organization: OrgRef,
        explanation: String,
    },
    /// No discoverable member has this number, or the request does not exist for the caller.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Too many phone lookups.
    #[error("too many phone lookups; try again later")]
    RateLimited { retry_after_secs: i64 },
    /// The caller is a party to the request but this decision belongs to the other party.
    #[error("{0}")]
    NotYourDecision(&'static str),
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
    /// A preview: nothing was written; `would` names the outcome.
    Preview {
        would: &'static str,
    },
}

impl Outcome {
    /// The wire name of the outcome.
    pub fn name(&self) -> &'static str {
        match self {
            Self::RequestCreated(_) => "request_created",
            Self::AlreadyPending(_) => "already_pending",
            Self::AlreadyConnected(_) => "already_connected",
            Self::SameOrganization => "same_organization",
            Self::Preview { .. } => "preview",
        }
    }
}

/// The result of a successful scan: the payload, the verified owner and the outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The card's QR text (send it back to `POST /v1/scans` to act on a preview).
    pub text: String,
    /// The card's owner, as the directory knows them now.
    pub owner: Party,
    pub outcome: Outcome,
}

/// The member making a request.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    pub org_id: i64,
    pub member_id: i64,
    /// How the audit log names them.
    pub actor: &'a str,
}

/// Decodes `input`, verifies the card offline and online, checks both policies and, unless
/// `preview`, creates the request.
///
/// # Errors
/// A [`ContactError`] for every refusal; see its variants.
pub async fn scan(
    contacts: &Contacts,
    keys: &Keyring,
    store: &dyn Store,
    who: Requester<'_>,
    input: ScanInput<'_>,
    preview: bool,
    now: i64,
) -> Result<Scanned, ContactError> {
    let text = match input {
        ScanInput::Text(t) => t.trim().to_owned(),
        ScanInput::Photo(bytes) => decode_photo(contacts, keys, bytes).await?,
    };
    let (claims, used) = verify_online(keys, store, &text, now).await?;
    let (owner_org, owner_id) = card_ids(&claims)?;
    if owner_id == who.member_id {
        return Err(ContactError::SelfScan);
    }
    let owner = party(store, owner_org, owner_id).await?;
    let outcome = request(
        contacts,
        store,
        who,
        &owner,
        Via::QrScan,
        Some((&claims, used)),
        preview,
        now,
    )
    .await?;
    Ok(Scanned {
        text,
        owner,
        outcome,
    })
}

/// Decodes a photo on the blocking pool, at most `scan_slots` at once, and picks the code that
/// is one of our cards (or, when none is, the first code, so verification says why it is not).
async fn decode_photo(
    contacts: &Contacts,
    keys: &Keyring,
    bytes: bytes::Bytes,
) -> Result<String, ContactError> {
    let _slot = tokio::time::timeout(contacts.scan_queue_timeout, contacts.scan_slots.acquire())
        .await
        .map_err(|_| ContactError::Busy)?
        .map_err(|_| ContactError::Busy)?;
    let limits = contacts.scan_limits.clone();
    let report = tokio::task::spawn_blocking(move || crate::scan::decode_photo(&bytes, &limits))
        .await
        .map_err(|_| ContactError::Scan(ScanError::CorruptImage))??;
    let prefix = keys.issuer().card_prefix();
    let mut codes = report.codes.into_iter();
    let first = codes.next().map(|c| c.text).unwrap_or_default();
    if first.starts_with(prefix) {
        return Ok(first);
    }
    Ok(codes
        .map(|c| c.text)
        .find(|t| t.starts_with(prefix))
        .unwrap_or(first))
}

/// Verifies a card against the in-memory keys and revocation list, then against the database:
/// the card must be one this service issued, unrevoked, and its owner still active. Also says
/// whether it is a one-time card that was already used.
async fn verify_online(
    keys: &Keyring,
    store: &dyn Store,
    text: &str,
    now: i64,
) -> Result<(CardClaims, bool), ContactError> {
    let snapshot = keys.snapshot();
    let opts = VerifyOptions::at(now);
    let claims = match card::verify_card(text, &snapshot.keyset, Some(&snapshot.revocations), &opts)
    {
        Ok(v) => v.claims,
        Err(r) if r.reason == Reason::Expired => return Err(ContactError::CardExpired),
        Err(r) if r.reason == Reason::Revoked => {
            // Say whether the owner left or just this card was withdrawn.
            let claims = card::verify_card(text, &snapshot.keyset, None, &opts)
                .map_err(|_| ContactError::CardRevoked)?
                .claims;
            let (org, member) = card_ids(&claims)?;
            let member = store.get_member(org, member).await;
            return Err(match member {
                Ok(m) if m.status == MemberStatus::Active => ContactError::CardRevoked,
                _ => ContactError::OwnerInactive,
            });
        }
        Err(r) => {
            return Err(ContactError::InvalidCard {
                reason: r.reason,
                detail: r.detail,
            });
        }
    };
    // The snapshot can be a refresh interval behind other instances: the database decides.
    let (org, member) = card_ids(&claims)?;
    let member = store.get_member(org, member).await;
    match member {
        Ok(m) if m.status == MemberStatus::Active => {}
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(ContactError::OwnerInactive),
        Err(e) => return Err(e.into()),
    }
    let state = store
        .card_state(&claims.card_id.to_string())
        .await?
        .ok_or_else(|| ContactError::InvalidCard {
            reason: Reason::Revoked,
            detail: "this card is not on record at its issuer".into(),
        })?;
    if state.revoked_at.is_some() {
        return Err(ContactError::CardRevoked);
    }
    // A used one-time card still answers its own requester's `already_pending`; the store decides.
    let used = state.one_time && state.used_at.is_some();
    Ok((claims, used))
}

/// The card's organization and member ids as the database stores them.
fn card_ids(claims: &CardClaims) -> Result<(i64, i64), ContactError> {
    match (
        i64::try_from(claims.org_id),
        i64::try_from(claims.member_id),
    ) {
        (Ok(org), Ok(member)) => Ok((org, member)),
        _ => Err(ContactError::InvalidCard {
            reason: Reason::Malformed,
            detail: "the card's ids are out of range".into(),
        }),
    }
}

/// A member as the other side sees them.
async fn party(store: &dyn Store, org_id: i64, member_id: i64) -> Result<Party, ContactError> {
    let member = store.get_member(org_id, member_id).await?;
    let org = store.get_org(org_id).await?;
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
    store: &dyn Store,
    requester_org: i64,
    owner_org: i64,
    to_requester: bool,
) -> Result<(), ContactError> {
    let (a, b) = (
        store.get_org(requester_org).await?,
        store.get_org(owner_org).await?,
    );
    let a_partners: Vec<i64> = store
        .list_partners(a.id)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    let b_partners: Vec<i64> = store
        .list_partners(b.id)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
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
        ContactError::PolicyBlocked {
            explanation: block.explain(&org.name, to_requester),
            block,
            organization: OrgRef {
                id: org.id,
                name: org.name,
            },
        }
    })
}

/// The part of a scan and a phone request after the owner is known.
#[allow(clippy::too_many_arguments)]
async fn request(
    contacts: &Contacts,
    store: &dyn Store,
    who: Requester<'_>,
    owner: &Party,
    via: Via,
    card: Option<(&CardClaims, bool)>,
    preview: bool,
    now: i64,
) -> Result<Outcome, ContactError> {
    if owner.organization.id == who.org_id {
        return Ok(Outcome::SameOrganization);
    }
    check_both(store, who.org_id, owner.organization.id, true).await?;
    if preview {
        let would = if store
            .find_contact(who.member_id, owner.member_id)
            .await?
            .is_some()
        {
            "already_connected"
        } else if store
            .pending_request(who.member_id, owner.member_id, now)
            .await?
            .is_some()
        {
            "already_pending"
        } else if card.is_some_and(|(_, used)| used) {
            return Err(ContactError::CardAlreadyUsed);
        } else {
            "request_created"
        };
        return Ok(Outcome::Preview { would });
    }
    let card = card.map(|(claims, _)| claims);
    let new = NewContactRequest {
        requester_org_id: who.org_id,
        requester_id: who.member_id,
        owner_org_id: owner.organization.id,
        owner_id: owner.member_id,
        via,
        card_id: card.map(|c| c.card_id.to_string()),
        card_channel: card.and_then(|c| c.channel.clone()),
        one_time_card: card.is_some_and(|c| c.one_time),
        created_at: now,
        expires_at: now.saturating_add(contacts.request_ttl_secs),
    };
    Ok(match store.create_contact_request(&new, who.actor).await? {
        RequestCreated::Created(r) => {
            metrics::counter!("contact_requests_total", "via" => via.as_str()).increment(1);
            Outcome::RequestCreated(r)
        }
        RequestCreated::AlreadyPending(r) => Outcome::AlreadyPending(r),
        RequestCreated::AlreadyConnected(c) => Outcome::AlreadyConnected(c),
        RequestCreated::CardAlreadyUsed => return Err(ContactError::CardAlreadyUsed),
    })
}

/// Requests a contact by mobile number. An unknown number, a number whose owner keeps it
/// undiscoverable, and an owner the requester may not ask (either organization's policy) all
/// answer the same `NotFound` after the same single lookup; every lookup counts towards the
/// caller's rate limit. Only a requester's own organization with external contacts disabled is
/// told so, whatever the number.
///
/// # Errors
/// `RateLimited`, `PolicyBlocked` (the requester's organization is `disabled`), `NotFound`,
/// `SelfScan`.
pub async fn request_by_phone(
    contacts: &Contacts,
    store: &dyn Store,
    who: Requester<'_>,
    mobile: &Mobile,
    now: i64,
) -> Result<(Party, Outcome), ContactError> {
    let count = store
        .record_phone_lookup(who.member_id, now, contacts.phone_window_secs)
        .await?;
    if count > contacts.phone_lookups_per_window {
        return Err(ContactError::RateLimited {
            retry_after_secs: contacts.phone_window_secs,
        });
    }
    let own = store.get_org(who.org_id).await?;
    if own.policy == crate::domain::ContactPolicy::Disabled {
        let block = PolicyBlock {
            blocked_by: crate::domain::BlockedBy::RequesterOrganization,
            reason: crate::domain::BlockReason::ExternalContactsDisabled,
            org_id: own.id,
        };
        return Err(ContactError::PolicyBlocked {
            explanation: block.explain(&own.name, true),
            block,
            organization: OrgRef {
                id: own.id,
                name: own.name,
            },
        });
    }
    let Some(member) = store.find_discoverable_member(mobile, who.org_id).await? else {
        return Err(ContactError::NotFound("member"));
    };
    if member.id == who.member_id {
        return Err(ContactError::SelfScan);
    }
    let owner = party(store, member.org_id, member.id).await?;
    match request(contacts, store, who, &owner, Via::Phone, None, false, now).await {
        // A policy changed between the lookup and the check: still no hint that the number exists.
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
    store: &dyn Store,
    member_id: i64,
    request_id: i64,
    decision: Decision,
    now: i64,
    actor: &str,
) -> Result<ContactRequest, ContactError> {
    let request = match store.get_contact_request(request_id, now).await {
        Err(StoreError::NotFound(_)) => return Err(ContactError::NotFound("contact request")),
        other => other?,
    };
    match (
        side_of(
            member_id,
            request.requester.member_id,
            request.owner.member_id,
        ),
        decision.by_owner(),
    ) {
        (Side::Stranger, _) => return Err(ContactError::NotFound("contact request")),
        (Side::Requester, true) => {
            return Err(ContactError::NotYourDecision(
                "only the card owner can accept or reject a request",
            ));
        }
        (Side::Owner, false) => {
            return Err(ContactError::NotYourDecision(
                "only the requester can cancel a request",
            ));
        }
        _ => {}
    }
    if request.status != RequestStatus::Pending {
        return Err(ContactError::AlreadyDecided(Box::new(request)));
    }
    if decision == Decision::Accept {
        let requester = store
            .get_member(
                request.requester.organization.id,
                request.requester.member_id,
            )
            .await?;
        if requester.status != MemberStatus::Active {
            return Err(ContactError::RequesterInactive);
        }
        check_both(
            store,
            request.requester.organization.id,
            request.owner.organization.id,
            false,
        )
        .await?;
    }
    match store
        .decide_contact_request(request_id, member_id, decision, now, actor)
        .await?
    {
        Some(decided) => Ok(decided),
        None => Err(ContactError::AlreadyDecided(Box::new(
            store.get_contact_request(request_id, now).await?,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(contacts: &Contacts) -> usize {
        contacts.upload_lanes.lock().map_or(0, |l| l.len())
    }

    #[tokio::test]
    async fn a_members_lane_is_kept_while_in_use_and_removed_after_the_last_upload() {
        let mut contacts = Contacts::new(60, 20, 3600, 1);
        contacts.scan_queue_timeout = Duration::from_millis(50);
        let first = contacts.admit_upload(7).await.expect("first");
        let second = contacts.admit_upload(7).await.expect("second");
        assert!(matches!(
            contacts.admit_upload(7).await,
            Err(ContactError::Busy)
        ));
        assert_eq!(lanes(&contacts), 1, "a timed-out wait keeps the busy lane");
        drop(first);
        assert_eq!(lanes(&contacts), 1, "one upload still runs");
        drop(second);
        assert_eq!(lanes(&contacts), 0);
    }
}
