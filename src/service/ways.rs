//! Contact ways: an organization's team codes (and a member's own), managed by its admins (or
//! the member), each with a team card for its QR. Every change is an event in the organization's
//! audit log and webhook (`contact_way.created`, `.updated`, `.deleted`): unlike WeCom, changes
//! made through the API are announced too. Scanning a way's code is in [`super::Contacts`].

use super::cards::{CardFormat, Rendered, ServiceError};
use super::clock::Clock;
use super::event_body;
use super::keyring::Keyring;
use crate::card::{self, TeamCardRequest};
use crate::domain::{
    ChannelStats, ContactWay, ContactWayId, DayCounts, MemberId, NewContactWay, OrgId, Principal,
    WayPatch, WayStats, way::MAX_STATS_DAYS,
};
use crate::qr::{self, CardFace, Ecc, QrMatrix};
use crate::store::{Event, Store, StoreError, WayChange};
use std::sync::Arc;

/// Why a change to a way was refused.
#[derive(Debug, thiserror::Error)]
pub enum WayError {
    /// A member's own way is answered by that member alone.
    #[error(
        "members: a member's own contact way is answered by themselves (no members or department_id)"
    )]
    OwnWayMembers,
    /// The store failed, or the way, a member or the department was not found.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Contact ways and their codes.
#[derive(Debug)]
pub struct Ways {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    /// How long a way's team card is valid; a QR asked for after that is a new card.
    card_ttl_secs: i64,
}

/// Whose ways a call may see: the organization's admin sees them all, a member their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaysOf {
    Org,
    Member(MemberId),
}

impl Ways {
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keyring>,
        clock: Arc<dyn Clock>,
        card_ttl_secs: i64,
    ) -> Self {
        Self {
            store,
            keys,
            clock,
            card_ttl_secs,
        }
    }

    /// Creates a way.
    ///
    /// # Errors
    /// `NotFound("member")` or `NotFound("department")` for an answering member or department
    /// outside the organization.
    pub async fn create(
        &self,
        who: &Principal,
        way: &NewContactWay,
    ) -> Result<ContactWay, StoreError> {
        let now = self.clock.now();
        let actor = who.actor();
        let event = |w: &ContactWay| way_event("contact_way.created", w, now, &actor);
        let change = WayChange { actor: &actor, now };
        self.store.create_way(way, change, &event).await
    }

    /// One of `org_id`'s ways (`of` a member: one of theirs), not deleted.
    ///
    /// # Errors
    /// `NotFound("contact way")` for any other.
    pub async fn get(
        &self,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
    ) -> Result<ContactWay, StoreError> {
        let way = self.store.get_way(id).await?;
        let visible = way.org_id == org_id
            && way.deleted_at.is_none()
            && match of {
                WaysOf::Org => true,
                WaysOf::Member(m) => way.owner == Some(m),
            };
        if visible {
            Ok(way)
        } else {
            Err(StoreError::NotFound("contact way"))
        }
    }

    /// `org_id`'s ways (`of` a member: theirs), newest first, ids below `before`.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(
        &self,
        org_id: OrgId,
        of: WaysOf,
        before: Option<ContactWayId>,
        limit: i64,
    ) -> Result<Vec<ContactWay>, StoreError> {
        let owner = match of {
            WaysOf::Org => None,
            WaysOf::Member(m) => Some(m),
        };
        self.store.list_ways(org_id, owner, before, limit).await
    }

    /// Changes a way.
    ///
    /// # Errors
    /// `NotFound` for a way the caller may not see, or an answering member or department
    /// outside the organization; `OwnWayMembers` for new members (or a department) of a
    /// member's own way.
    pub async fn update(
        &self,
        who: &Principal,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
        patch: &WayPatch,
    ) -> Result<ContactWay, WayError> {
        let way = self.get(org_id, of, id).await?;
        if way.owner.is_some() && patch.answered_by.is_some() {
            return Err(WayError::OwnWayMembers);
        }
        let now = self.clock.now();
        let actor = who.actor();
        let event = |w: &ContactWay| way_event("contact_way.updated", w, now, &actor);
        let change = WayChange { actor: &actor, now };
        Ok(self
            .store
            .update_way(org_id, id, patch, change, &event)
            .await?)
    }

    /// Deletes a way: its code answers `contact_way_deleted` from now on.
    ///
    /// # Errors
    /// `NotFound` for a way the caller may not see.
    pub async fn delete(
        &self,
        who: &Principal,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
    ) -> Result<(), StoreError> {
        self.get(org_id, of, id).await?;
        let now = self.clock.now();
        let actor = who.actor();
        let event = |w: &ContactWay| way_event("contact_way.deleted", w, now, &actor);
        let change = WayChange { actor: &actor, now };
        self.store.delete_way(org_id, id, change, &event).await?;
        // Its card goes on the signed revocation list, so the code fails offline too.
        self.keys.revocations_changed().await;
        Ok(())
    }

    /// What the requests made through a way in `from..to` came to, in total and per member.
    ///
    /// # Errors
    /// `NotFound` for a way the caller may not see.
    pub async fn stats(
        &self,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
        (from, to): (i64, i64),
    ) -> Result<WayStats, StoreError> {
        self.get(org_id, of, id).await?;
        let now = self.clock.now();
        self.store.way_stats(id, from, to, now).await
    }

    /// Each day of `from..to` (24 hours from `from`, at most [`MAX_STATS_DAYS`]) with the
    /// requests made through the way on it and how many of those were accepted; days without
    /// any are there with zeros.
    ///
    /// # Errors
    /// `NotFound` for a way the caller may not see.
    pub async fn days(
        &self,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
        (from, to): (i64, i64),
    ) -> Result<Vec<DayCounts>, StoreError> {
        self.get(org_id, of, id).await?;
        let to = to.min(from.saturating_add(MAX_STATS_DAYS * 86_400));
        let counted = self.store.way_days(id, from, to).await?;
        Ok(crate::domain::way::every_day(from, to, &counted))
    }

    /// What the requests `org_id`'s members received in `from..to` came to, by the channel of
    /// the personal card or team code they came through (only `channel`'s when given).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn channel_stats(
        &self,
        org_id: OrgId,
        channel: Option<&str>,
        (from, to): (i64, i64),
    ) -> Result<ChannelStats, StoreError> {
        let now = self.clock.now();
        self.store
            .channel_stats(org_id, channel, from, to, now)
            .await
    }

    /// The way's team card text: the one it has, or a new one when it has none or the one it
    /// has no longer verifies (expired, or its key retired).
    ///
    /// # Errors
    /// `NotFound`, `NoActiveKey`, `InvalidCard` (the organization's and way's names together
    /// too long for a card).
    pub async fn card_text(
        &self,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
    ) -> Result<String, ServiceError> {
        let way = self.get(org_id, of, id).await?;
        if let Some(text) = &way.card_text
            && self.keys.check(text).is_ok()
        {
            return Ok(text.clone());
        }
        let org = self.store.get_org(org_id).await?;
        let now = self.clock.now();
        let snapshot = self.keys.snapshot();
        let signer = snapshot.signer.as_ref().ok_or(ServiceError::NoActiveKey)?;
        let number =
            |id: i64| u64::try_from(id).map_err(|_| StoreError::Corrupt(format!("id {id}")));
        let request = TeamCardRequest {
            org_id: number(org.id.get())?,
            org_name: org.name,
            team_id: number(way.id.get())?,
            team_name: way.name.clone(),
            title: None,
            not_before: None,
            expires_at: now.saturating_add(self.card_ttl_secs),
            one_time: way.one_time,
            channel: way.channel.clone(),
        };
        let issued = card::issue_team_card(self.keys.issuer(), signer, &request, now)
            .map_err(ServiceError::InvalidCard)?;
        let kept = self
            .store
            .set_way_card(
                id,
                &issued.claims.card_id.to_string(),
                &issued.text,
                way.card_text.as_deref(),
            )
            .await?;
        metrics::counter!("team_cards_issued_total").increment(1);
        Ok(kept.card_text.unwrap_or(issued.text))
    }

    /// The way's QR code as PNG or SVG, or `Printable`: a poster (PNG) with the way's and the
    /// organization's names, as the directory has them now.
    ///
    /// # Errors
    /// As [`Ways::card_text`]; `Undrawable` when the names cannot be drawn, `Render` when the
    /// code cannot.
    pub async fn qr(
        &self,
        org_id: OrgId,
        of: WaysOf,
        id: ContactWayId,
        format: CardFormat,
    ) -> Result<Rendered, ServiceError> {
        let text = self.card_text(org_id, of, id).await?;
        let matrix = QrMatrix::encode(&text, Ecc::M)?;
        Ok(match format {
            CardFormat::Svg => Rendered {
                content_type: "image/svg+xml",
                bytes: qr::render_svg(&matrix, 8).into_bytes(),
            },
            CardFormat::Png => Rendered {
                content_type: "image/png",
                bytes: qr::render_png(&matrix, 8)?,
            },
            CardFormat::Printable => {
                let way = self.get(org_id, of, id).await?;
                let org = self.store.get_org(org_id).await?;
                let face = CardFace::with_scan_prompt(&way.name, None, &org.name, org.lang);
                qr::check_face(&face).map_err(ServiceError::Undrawable)?;
                Rendered {
                    content_type: "image/png",
                    bytes: qr::printable_png(&face, &matrix)?,
                }
            }
        })
    }
}

/// A change to a way, in its organization's audit log and webhook.
fn way_event(name: &'static str, w: &ContactWay, at: i64, actor: &str) -> Event {
    Event {
        at,
        actor: actor.to_owned(),
        orgs: vec![w.org_id],
        name,
        target: format!("contact_way/{}", w.id),
        detail: w.name.clone(),
        payload: event_body(name, at, payload(w)),
    }
}

/// The webhook's view of a way: the contract with receivers, written out here.
fn payload(w: &ContactWay) -> serde_json::Value {
    serde_json::json!({
        "id": w.id,
        "name": w.name,
        "channel": w.channel,
        "department_id": w.department,
        "members": w.members.iter().map(|m| m.member_id).collect::<Vec<_>>(),
        "sharing": w.sharing.as_str(),
        "auto_accept": w.auto_accept,
        "expires_at": w.expires_at,
        "one_time": w.one_time,
        "welcome": w.welcome,
        "paused": w.paused,
        "owner": w.owner,
        "created_by": w.created_by,
        "created_at": w.created_at,
        "deleted_at": w.deleted_at,
    })
}
