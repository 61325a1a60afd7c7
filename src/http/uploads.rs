//! Admission of photo uploads: HTTP back-pressure in front of the decoder. An upload's body is
//! read only once its member has a place, at most [`UPLOADS_PER_MEMBER`] per member and at most
//! half of the places per organization among a shared number of places, so one member's, or
//! one organization's, many (or deliberately slow) uploads cannot hold every place, and memory
//! stays bounded under a burst of 12 MP photos. A body must then arrive within
//! [`Uploads::body_timeout`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::{MemberId, OrgId};

/// Upload bodies one member may have in flight at once. The member's further uploads wait their
/// turn without taking a shared place.
pub const UPLOADS_PER_MEMBER: usize = 2;

/// Whose lane: a member's, or an organization's (all its members together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LaneKey {
    Member(MemberId),
    Org(OrgId),
}

type Lanes = Arc<Mutex<HashMap<LaneKey, Arc<Semaphore>>>>;

/// The upload places and each uploading member's and organization's lane.
#[derive(Debug)]
pub struct Uploads {
    /// Upload bodies read at once, across members.
    shared: Arc<Semaphore>,
    /// Upload bodies one organization's members may have in flight together.
    org_share: usize,
    /// The lanes in use, dropped when idle.
    lanes: Lanes,
    /// How long an upload may wait for its places before it is answered `busy`.
    pub queue_timeout: Duration,
    /// How long an admitted upload's body may take to arrive before it is answered 408
    /// `body_too_slow` and its places freed.
    pub body_timeout: Duration,
    /// The largest upload accepted, in bytes.
    pub max_bytes: usize,
}

/// Held while an upload's body is read and decoded; see [`Uploads::admit`].
#[derive(Debug)]
pub struct UploadPermit {
    // Field order is drop order: the permits go before the lanes check whether they are idle.
    _member: OwnedSemaphorePermit,
    _org: OwnedSemaphorePermit,
    _shared: OwnedSemaphorePermit,
    _member_lane: Lane,
    _org_lane: Lane,
}

/// A lane while someone uses it; the last user removes it from the map.
#[derive(Debug)]
struct Lane {
    key: LaneKey,
    semaphore: Arc<Semaphore>,
    lanes: Lanes,
}

impl Drop for Lane {
    fn drop(&mut self) {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        // Every clone is made under this lock, so two holders (the map and this lane) mean no
        // one else is waiting or uploading.
        if Arc::strong_count(&self.semaphore) == 2 {
            lanes.remove(&self.key);
        }
    }
}

impl Uploads {
    /// `places` upload bodies at once (four per decoding slot is the service's choice), half of
    /// them (at least [`UPLOADS_PER_MEMBER`]) for one organization; each upload waits at most
    /// `queue_timeout` for its places and then `body_timeout` for its body.
    pub fn new(
        places: usize,
        queue_timeout: Duration,
        body_timeout: Duration,
        max_bytes: usize,
    ) -> Self {
        let places = places.max(1);
        Self {
            shared: Arc::new(Semaphore::new(places)),
            org_share: (places / 2).max(UPLOADS_PER_MEMBER).min(places),
            lanes: Arc::default(),
            queue_timeout,
            body_timeout,
            max_bytes,
        }
    }

    fn lane(&self, key: LaneKey, size: usize) -> Lane {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        let semaphore = lanes
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(size)));
        Lane {
            key,
            semaphore: Arc::clone(semaphore),
            lanes: Arc::clone(&self.lanes),
        }
    }

    /// Admits an upload by `member_id` of `org_id`: a place in the member's own lane, then in
    /// the organization's, then one of the shared places, waiting at most
    /// [`Uploads::queue_timeout`] in all. `None` when no place freed up in time.
    pub async fn admit(&self, org_id: OrgId, member_id: MemberId) -> Option<UploadPermit> {
        let member_lane = self.lane(LaneKey::Member(member_id), UPLOADS_PER_MEMBER);
        let org_lane = self.lane(LaneKey::Org(org_id), self.org_share);
        let admitted = tokio::time::timeout(self.queue_timeout, async {
            let member = Arc::clone(&member_lane.semaphore)
                .acquire_owned()
                .await
                .ok()?;
            let org = Arc::clone(&org_lane.semaphore).acquire_owned().await.ok()?;
            let shared = Arc::clone(&self.shared).acquire_owned().await.ok()?;
            Some((member, org, shared))
        })
        .await;
        match admitted {
            Ok(Some((member, org, shared))) => Some(UploadPermit {
                _member: member,
                _org: org,
                _shared: shared,
                _member_lane: member_lane,
                _org_lane: org_lane,
            }),
            _ => None,
        }
    }

    #[cfg(test)]
    fn lanes(&self) -> usize {
        self.lanes.lock().map_or(0, |l| l.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_members_lane_is_kept_while_in_use_and_removed_after_the_last_upload() {
        let uploads = Uploads::new(4, Duration::from_millis(50), Duration::from_secs(1), 1024);
        let (org, seven) = (OrgId::new(1), MemberId::new(7));
        let first = uploads.admit(org, seven).await.expect("first");
        let second = uploads.admit(org, seven).await.expect("second");
        assert!(uploads.admit(org, seven).await.is_none());
        assert_eq!(uploads.lanes(), 2, "a timed-out wait keeps the busy lanes");
        drop(first);
        assert_eq!(uploads.lanes(), 2, "one upload still runs");
        drop(second);
        assert_eq!(uploads.lanes(), 0);
    }

    #[tokio::test]
    async fn one_organization_holds_at_most_half_of_the_places() {
        let uploads = Uploads::new(4, Duration::from_millis(50), Duration::from_secs(1), 1024);
        let (acme, beta) = (OrgId::new(1), OrgId::new(2));
        let _one = uploads.admit(acme, MemberId::new(1)).await.expect("one");
        let _two = uploads.admit(acme, MemberId::new(2)).await.expect("two");
        assert!(
            uploads.admit(acme, MemberId::new(3)).await.is_none(),
            "acme's share is two of four"
        );
        let _three = uploads
            .admit(beta, MemberId::new(4))
            .await
            .expect("beta's own share");
    }
}
