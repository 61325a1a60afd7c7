//! Admission of photo uploads: HTTP back-pressure in front of the decoder. An upload's body is
//! read only once its member has a place, at most [`UPLOADS_PER_MEMBER`] per member among a
//! shared number of places, so one member's many (or deliberately slow) uploads cannot hold
//! every place and memory stays bounded under a burst of 12 MP photos.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::MemberId;

/// Upload bodies one member may have in flight at once. The member's further uploads wait their
/// turn without taking a shared place.
pub const UPLOADS_PER_MEMBER: usize = 2;

/// The upload places and each uploading member's lane.
#[derive(Debug)]
pub struct Uploads {
    /// Upload bodies read at once, across members.
    shared: Arc<Semaphore>,
    /// Each uploading member's own lane of [`UPLOADS_PER_MEMBER`], dropped when idle.
    lanes: Arc<Mutex<HashMap<MemberId, Arc<Semaphore>>>>,
    /// How long an upload may wait for its places before it is answered `busy`.
    pub queue_timeout: Duration,
    /// The largest upload accepted, in bytes.
    pub max_bytes: usize,
}

/// Held while an upload's body is read and decoded; see [`Uploads::admit`].
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
    member_id: MemberId,
    semaphore: Arc<Semaphore>,
    lanes: Arc<Mutex<HashMap<MemberId, Arc<Semaphore>>>>,
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

impl Uploads {
    /// `places` upload bodies at once (four per decoding slot is the service's choice), each
    /// waiting at most `queue_timeout` for its places.
    pub fn new(places: usize, queue_timeout: Duration, max_bytes: usize) -> Self {
        Self {
            shared: Arc::new(Semaphore::new(places.max(1))),
            lanes: Arc::default(),
            queue_timeout,
            max_bytes,
        }
    }

    /// Admits an upload by `member_id`: first a place in the member's own lane, then one of the
    /// shared places, each waiting at most [`Uploads::queue_timeout`]. `None` when no place
    /// freed up in time.
    pub async fn admit(&self, member_id: MemberId) -> Option<UploadPermit> {
        let lane = {
            let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
            let semaphore = lanes
                .entry(member_id)
                .or_insert_with(|| Arc::new(Semaphore::new(UPLOADS_PER_MEMBER)));
            Lane {
                member_id,
                semaphore: Arc::clone(semaphore),
                lanes: Arc::clone(&self.lanes),
            }
        };
        let admitted = tokio::time::timeout(self.queue_timeout, async {
            let member = Arc::clone(&lane.semaphore).acquire_owned().await.ok()?;
            let shared = Arc::clone(&self.shared).acquire_owned().await.ok()?;
            Some((member, shared))
        })
        .await;
        match admitted {
            Ok(Some((member, shared))) => Some(UploadPermit {
                _member: member,
                _shared: shared,
                _lane: lane,
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
        let uploads = Uploads::new(4, Duration::from_millis(50), 1024);
        let seven = MemberId::new(7);
        let first = uploads.admit(seven).await.expect("first");
        let second = uploads.admit(seven).await.expect("second");
        assert!(uploads.admit(seven).await.is_none());
        assert_eq!(uploads.lanes(), 1, "a timed-out wait keeps the busy lane");
        drop(first);
        assert_eq!(uploads.lanes(), 1, "one upload still runs");
        drop(second);
        assert_eq!(uploads.lanes(), 0);
    }
}
