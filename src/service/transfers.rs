//! Transfers: an admin hands some or all of a member's external contacts to a colleague, while
//! the member is active (handover) or after they left (departure). Each contact is told, and
//! may refuse within the organization's period; after it a chore, which every instance runs,
//! makes the transfer take effect. The period is stored with each transfer, so it survives
//! restarts. Also the successor named for a departed member, whom scans of the departed
//! member's old cards reach instead.

use super::{Clock, Keyring, event_body};
use crate::domain::{
    MemberId, MemberStatus, NewTransfer, OrgId, Principal, Transfer, TransferId, TransferQuery,
    TransferStatus,
};
use crate::store::{Event, StartTransfer, Store, StoreError};
use std::sync::Arc;

/// Why a transfer or a successor was refused.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The member would hand their contacts to themselves.
    #[error("a member cannot hand their contacts to themselves")]
    ToSelf,
    /// The new holder is not a member of the organization (404, as for any other id).
    #[error("successor not found")]
    SuccessorNotFound,
    /// The new holder was deactivated.
    #[error("the successor is no longer an active member")]
    SuccessorInactive,
    /// The transfer was already decided.
    #[error("the transfer is already {}", .0.status.as_str())]
    AlreadyDecided(Box<Transfer>),
    /// The period to refuse is over: the transfer takes effect.
    #[error("the period to refuse this transfer is over")]
    PeriodOver(Box<Transfer>),
    /// The store failed, or a member or relation was not found.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Transfers are decided in batches of this many per transaction.
const BATCH: i64 = 500;

/// Transfers and successors.
#[derive(Debug)]
pub struct Transfers {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    /// Tells contacts and new holders by e-mail, when set.
    mail: Option<Arc<super::Mail>>,
}

impl Transfers {
    pub fn new(store: Arc<dyn Store>, keys: Arc<Keyring>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            keys,
            clock,
            mail: None,
        }
    }

    /// Tells each contact and the new holder of started transfers by e-mail through `mail`.
    #[must_use]
    pub fn with_mail(self, mail: Arc<super::Mail>) -> Self {
        Self {
            mail: Some(mail),
            ..self
        }
    }

    /// Starts handing `new.from`'s relations (all, or those named) to `new.to`: one transfer per
    /// relation, waiting for the organization's period, or not possible with its reason.
    ///
    /// # Errors
    /// `ToSelf`, `SuccessorNotFound`, `SuccessorInactive`; `NotFound` for a member or a named
    /// relation the member does not hold (nothing is written then).
    pub async fn start(
        &self,
        who: &Principal,
        new: &NewTransfer,
    ) -> Result<Vec<Transfer>, TransferError> {
        if new.from == new.to {
            return Err(TransferError::ToSelf);
        }
        self.successor(new.org_id, new.to).await?;
        let org = self.store.get_org(new.org_id).await?;
        let now = self.clock.now();
        let actor = who.actor();
        let start = StartTransfer {
            transfer: new,
            actor: &actor,
            now,
            effective_at: now.saturating_add(org.transfer_period.secs()),
        };
        let event = |t: &Transfer| {
            let name = match t.status {
                TransferStatus::NotPossible => "transfer.not_possible",
                _ => "transfer.started",
            };
            transfer_event(name, t, now, &actor)
        };
        let build = |started: &[Transfer]| {
            self.mail
                .as_ref()
                .map(|m| m.transfer_notices(started, &org.lang))
                .unwrap_or_default()
        };
        let notices: crate::store::transfers::NoticesFor<'_> =
            self.mail.as_ref().map(|_| &build as _);
        let (started, queued) = self.store.start_transfers(&start, &event, notices).await?;
        if let Some(mail) = &self.mail {
            for kind in queued {
                mail.queued_with_change(kind);
            }
        }
        Ok(started)
    }

    /// An active member of `org_id` to hand contacts to.
    async fn successor(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<crate::domain::Member, TransferError> {
        match self.store.get_member(org_id, member_id).await {
            Ok(m) if m.status == MemberStatus::Active => Ok(m),
            Ok(_) => Err(TransferError::SuccessorInactive),
            Err(StoreError::NotFound(_)) => Err(TransferError::SuccessorNotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes every transfer whose period ended take effect (a chore, on every instance: the
    /// store's conditional updates keep two instances from deciding one transfer twice); how
    /// many were decided.
    ///
    /// # Errors
    /// When the store fails (the next round tries again).
    pub async fn complete_due(&self) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let now = self.clock.now();
            let event = |t: &Transfer| {
                let name = match t.status {
                    TransferStatus::Done => "transfer.done",
                    _ => "transfer.not_possible",
                };
                transfer_event(name, t, now, "system")
            };
            let decided = self
                .store
                .complete_due_transfers(now, BATCH, &event)
                .await?;
            total += decided;
            if decided < BATCH.unsigned_abs() {
                return Ok(total);
            }
        }
    }

    /// The contact refuses the transfer of their relation: the relationship ends.
    ///
    /// # Errors
    /// `NotFound` for a transfer that is not theirs, `AlreadyDecided`, `PeriodOver`.
    pub async fn refuse(
        &self,
        member_id: MemberId,
        id: TransferId,
        actor: &str,
    ) -> Result<Transfer, TransferError> {
        let now = self.clock.now();
        let event = |t: &Transfer| {
            let mut e = transfer_event("transfer.refused", t, now, actor);
            e.orgs.push(t.contact.organization.id);
            e
        };
        if let Some(t) = self
            .store
            .refuse_transfer(id, member_id, now, &event)
            .await?
        {
            return Ok(t);
        }
        let t = self.notice(member_id, id).await?;
        Err(if t.status == TransferStatus::Waiting {
            TransferError::PeriodOver(Box::new(t))
        } else {
            TransferError::AlreadyDecided(Box::new(t))
        })
    }

    /// A transfer of a relation `member_id` is the other side of.
    async fn notice(&self, member_id: MemberId, id: TransferId) -> Result<Transfer, TransferError> {
        match self.store.get_transfer(id).await {
            Ok(t)
                if t.contact.member_id == member_id && t.status != TransferStatus::NotPossible =>
            {
                Ok(t)
            }
            Ok(_) | Err(StoreError::NotFound(_)) => Err(StoreError::NotFound("transfer").into()),
            Err(e) => Err(e.into()),
        }
    }

    /// One of `org_id`'s transfers.
    ///
    /// # Errors
    /// `NotFound` for a transfer of another organization.
    pub async fn get(&self, org_id: OrgId, id: TransferId) -> Result<Transfer, StoreError> {
        match self.store.get_transfer(id).await? {
            t if t.org_id == org_id => Ok(t),
            _ => Err(StoreError::NotFound("transfer")),
        }
    }

    /// `org_id`'s transfers, newest first, ids below `before`.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(
        &self,
        org_id: OrgId,
        query: &TransferQuery,
        before: Option<TransferId>,
        limit: i64,
    ) -> Result<Vec<Transfer>, StoreError> {
        self.store
            .list_transfers(org_id, query, before, limit)
            .await
    }

    /// What `member_id` was told about transfers of their relations, newest first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn notices(
        &self,
        member_id: MemberId,
        before: Option<TransferId>,
        limit: i64,
    ) -> Result<Vec<Transfer>, StoreError> {
        self.store.transfer_notices(member_id, before, limit).await
    }

    /// Names (or clears) who answers for a member who left: scans of their old cards reach the
    /// successor, unless the organization turned successor routing off.
    ///
    /// # Errors
    /// `ToSelf`, `SuccessorNotFound`, `SuccessorInactive`, `NotFound` for the member.
    pub async fn set_successor(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_id: MemberId,
        successor: Option<MemberId>,
    ) -> Result<(), TransferError> {
        if successor == Some(member_id) {
            return Err(TransferError::ToSelf);
        }
        self.store.get_member(org_id, member_id).await?;
        if let Some(s) = successor {
            self.successor(org_id, s).await?;
        }
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org_id),
            "member.successor",
            format!("member/{member_id}"),
            successor.map_or_else(|| "cleared".to_owned(), |s| format!("successor=member/{s}")),
        );
        self.store
            .set_successor(org_id, member_id, successor, &entry)
            .await?;
        // The signed list points a departed member's cards to their successor.
        self.keys.revocations_changed().await;
        Ok(())
    }

    /// The successor of a member of `org_id` (active or departed), if named.
    ///
    /// # Errors
    /// `NotFound` for a member of another organization.
    pub async fn successor_of(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Option<MemberId>, StoreError> {
        self.store.get_member(org_id, member_id).await?;
        self.store.successor_of(member_id).await
    }
}

/// The event of a transfer's start or end, in the holder's organization.
fn transfer_event(name: &'static str, t: &Transfer, at: i64, actor: &str) -> Event {
    Event {
        at,
        actor: actor.to_owned(),
        orgs: vec![t.org_id],
        name,
        target: format!("transfer/{}", t.id),
        detail: format!(
            "contact/{} from=member/{} to=member/{} status={}",
            t.contact_id,
            t.from.member_id,
            t.to.member_id,
            t.status.as_str()
        ),
        payload: event_body(name, at, payload(t)),
    }
}

/// The webhook payload of a transfer: the contract with receivers, written out here.
fn payload(t: &Transfer) -> serde_json::Value {
    let party = super::contacts::party_payload;
    serde_json::json!({
        "id": t.id,
        "contact_id": t.contact_id,
        "kind": t.kind.as_str(),
        "status": t.status.as_str(),
        "reason": t.reason.map(|r| r.as_str()),
        "from": party(&t.from),
        "to": party(&t.to),
        "contact": party(&t.contact),
        "message": t.message,
        "created_at": t.created_at,
        "effective_at": t.effective_at,
        "decided_at": t.decided_at,
    })
}
