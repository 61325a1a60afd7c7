//! Contact ways (WeCom's 联系我 codes): a team code an organization puts on a booth, a website or
//! a sales team's page, answered by one or several of its members. Each scan is routed to one
//! answering member by the way's sharing rule; the way decides whether the request waits for
//! that member (approval, the default) or connects both sides at once (auto-accept).
//!
//! A way is answered either by a list of members or by a department: then its answerers are,
//! at each scan, the active members of the department and of everything under it, in member-id
//! order, so people who join or leave the department answer or stop answering without anyone
//! editing the way.

use super::{ContactWayId, DepartmentId, DomainError, MemberId, OrgId, RequestStatus, text_type};

text_type!(
    /// A way's display name, which its team card shows instead of a member's name: 1 to 64
    /// characters (the card format's limit for a name).
    WayName, "name", 64, shown_on_cards
);

/// A channel tag, like WeCom's `state`: 1 to 30 characters of `A-Z a-z 0-9 . _ -`, carried by
/// the way's card and kept on every request and contact it makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel(String);

impl Channel {
    /// Parses a channel tag.
    ///
    /// # Errors
    /// When it breaks the card format's rule for channel tags.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        crate::card::format::check_channel(raw)
            .map(|()| Self(raw.to_owned()))
            .map_err(|e| {
                DomainError::new("channel", "invalid_field", e.to_string()).because("channel", &[])
            })
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The message a requester is sent when their request through a way is accepted: up to 500
/// characters, line breaks kept, shown as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeMessage(String);

impl WelcomeMessage {
    /// The longest message, in characters.
    pub const MAX_CHARS: usize = 500;

    /// Parses a message.
    ///
    /// # Errors
    /// When it is empty, too long or holds control characters other than line breaks.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        super::multiline_text(raw, "welcome", Self::MAX_CHARS).map(Self)
    }

    /// The message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How the scans of a way answered by several members are shared among them. Deactivated
/// members are skipped by both rules.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// Each scan goes to the next member in the way's order.
    RoundRobin,
    /// Each scan goes to the member with the fewest pending requests (ties: the way's order).
    FewestPending,
}

impl Sharing {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoundRobin => "round_robin",
            Self::FewestPending => "fewest_pending",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "round_robin" => Some(Self::RoundRobin),
            "fewest_pending" => Some(Self::FewestPending),
            _ => None,
        }
    }
}

/// The members who answer a way: 1 to 100 distinct members, in the round robin's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answerers(Vec<MemberId>);

impl Answerers {
    /// The most members one way may have.
    pub const MAX: usize = 100;

    /// Checks the list.
    ///
    /// # Errors
    /// When it is empty, too long or names a member twice.
    pub fn parse(members: Vec<MemberId>) -> Result<Self, DomainError> {
        let invalid = |m: &str, why: &'static str| {
            Err(DomainError::new("members", "invalid_field", m)
                .because(why, &[("max", &Self::MAX)]))
        };
        if members.is_empty() {
            return invalid(
                "a way needs at least one answering member",
                "way-needs-member",
            );
        }
        if members.len() > Self::MAX {
            return invalid("at most 100 answering members", "way-too-many-members");
        }
        let mut sorted = members.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != members.len() {
            return invalid("a member is named twice", "member-twice");
        }
        Ok(Self(members))
    }

    /// The members, in order.
    pub fn as_slice(&self) -> &[MemberId] {
        &self.0
    }
}

/// What answers a way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnsweredBy {
    /// These members, in this order.
    Members(Answerers),
    /// The active members of this department and of all its sub-departments at the time of
    /// each scan, in member-id order.
    Department(DepartmentId),
}

/// A way to create.
#[derive(Debug, Clone)]
pub struct NewContactWay {
    pub org_id: OrgId,
    pub name: WayName,
    pub channel: Option<Channel>,
    pub answered_by: AnsweredBy,
    pub sharing: Sharing,
    pub auto_accept: bool,
    pub expires_at: Option<i64>,
    pub one_time: bool,
    pub welcome: Option<WelcomeMessage>,
    pub paused: bool,
    /// A member's own way, which they alone answer.
    pub owner: Option<MemberId>,
}

/// Changes to a way; absent fields stay, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct WayPatch {
    pub name: Option<WayName>,
    pub channel: Option<Option<Channel>>,
    /// Replaces what answers the way (a member list or a department, either for the other).
    pub answered_by: Option<AnsweredBy>,
    pub sharing: Option<Sharing>,
    pub auto_accept: Option<bool>,
    pub expires_at: Option<Option<i64>>,
    pub one_time: Option<bool>,
    pub welcome: Option<Option<WelcomeMessage>>,
    pub paused: Option<bool>,
}

impl WayPatch {
    /// Whether the patch changes what the way's team card states (name, channel, one-time
    /// flag), so the card is issued anew.
    pub fn changes_card(&self) -> bool {
        self.name.is_some() || self.channel.is_some() || self.one_time.is_some()
    }
}

/// A member who answers a way, as the directory has them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answerer {
    pub member_id: MemberId,
    pub name: String,
    /// Deactivated members stay on a way's own list but are skipped (a department's way lists
    /// only its active members).
    pub active: bool,
}

/// A contact way as its organization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactWay {
    pub id: ContactWayId,
    pub org_id: OrgId,
    pub name: String,
    pub channel: Option<String>,
    /// The department that answers the way, when a department does.
    pub department: Option<DepartmentId>,
    /// Who answers: the way's own list, or (for a department's way) the department's active
    /// members as of this read, in member-id order.
    pub members: Vec<Answerer>,
    pub sharing: Sharing,
    pub auto_accept: bool,
    pub expires_at: Option<i64>,
    pub one_time: bool,
    /// When a one-time way's one request was made.
    pub used_at: Option<i64>,
    pub welcome: Option<String>,
    pub paused: bool,
    /// A member's own way.
    pub owner: Option<MemberId>,
    /// The way's current team card (QR text), once issued.
    pub card_text: Option<String>,
    /// Who made it, as the audit log names them.
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    /// Round-robin turns taken so far (0, 1, 2, ... across all instances): the turn the next
    /// scan takes, claimed in its request's transaction unless a concurrent scan took it.
    pub turns: u64,
}

/// Whether a way takes a scan at `now`, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WayState {
    Live,
    Paused,
    Expired,
    UsedUp,
    Deleted,
}

impl ContactWay {
    /// Whether the way takes a scan at `now`: deleted first, then expiry, use and pause.
    pub fn state(&self, now: i64) -> WayState {
        if self.deleted_at.is_some() {
            WayState::Deleted
        } else if self.expires_at.is_some_and(|at| at <= now) {
            WayState::Expired
        } else if self.one_time && self.used_at.is_some() {
            WayState::UsedUp
        } else if self.paused {
            WayState::Paused
        } else {
            WayState::Live
        }
    }
}

/// Picks who answers the next scan: among the active members (in the way's order), the
/// `turn`-th for round robin, or the one with the fewest pending requests (`pending[i]` for
/// member `i`; ties go to the earlier one). `None` when no member is active.
///
/// The round robin is the way's turn counter modulo the members active now. While that list
/// stays the same, any run of as many scans as it has members visits each exactly once; when
/// someone joins or leaves (a department's way, or a member deactivated), the counter carries
/// on over the new list, so a change costs any member at most one turn and starves no one.
pub fn route(
    sharing: Sharing,
    members: &[Answerer],
    pending: &[i64],
    turn: u64,
) -> Option<MemberId> {
    let active: Vec<(usize, &Answerer)> = members
        .iter()
        .enumerate()
        .filter(|(_, a)| a.active)
        .collect();
    if active.is_empty() {
        return None;
    }
    match sharing {
        Sharing::RoundRobin => {
            let i = usize::try_from(turn % active.len() as u64).unwrap_or(0);
            Some(active[i].1.member_id)
        }
        Sharing::FewestPending => active
            .iter()
            .min_by_key(|(i, _)| (pending.get(*i).copied().unwrap_or(0), *i))
            .map(|(_, a)| a.member_id),
    }
}

/// What requests came to, over all of a way's members or for one (or over a channel): each
/// request created in the period counts once, by its status as of now (a pending request past
/// its expiry is expired).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WayCounts {
    pub requests: u64,
    pub pending: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub cancelled: u64,
    pub expired: u64,
    /// The median time from request to an accept or a rejection, seconds (the lower middle of an
    /// even count); `None` when none was answered.
    pub median_answer_secs: Option<i64>,
}

impl WayCounts {
    /// Counts `n` more requests whose status (as of now) is `status`.
    pub fn add_status(&mut self, status: RequestStatus, n: u64) {
        self.requests += n;
        *match status {
            RequestStatus::Pending => &mut self.pending,
            RequestStatus::Accepted => &mut self.accepted,
            RequestStatus::Rejected => &mut self.rejected,
            RequestStatus::Cancelled => &mut self.cancelled,
            RequestStatus::Expired => &mut self.expired,
        } += n;
    }

    /// Adds `other`'s counts to these (not its median, which does not add up).
    pub fn add(&mut self, other: &WayCounts) {
        self.requests += other.requests;
        self.pending += other.pending;
        self.accepted += other.accepted;
        self.rejected += other.rejected;
        self.cancelled += other.cancelled;
        self.expired += other.expired;
    }
}

/// What came of one scan of a team code whose way is on record (a preview is not a scan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOutcome {
    /// A new request (accepted at once on an auto-accept way).
    Requested,
    /// The scanner was already waiting for an answer from the way's member.
    AlreadyPending,
    /// The scanner was already a contact of the way's member.
    AlreadyConnected,
    /// A colleague of the way's organization: found in the directory, no request.
    Colleague,
    /// Refused: the way paused, expired, used up or deleted, no one to answer, a policy.
    Refused,
}

impl ScanOutcome {
    pub const ALL: [ScanOutcome; 5] = [
        ScanOutcome::Requested,
        ScanOutcome::AlreadyPending,
        ScanOutcome::AlreadyConnected,
        ScanOutcome::Colleague,
        ScanOutcome::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Requested => "requested",
            ScanOutcome::AlreadyPending => "already_pending",
            ScanOutcome::AlreadyConnected => "already_connected",
            ScanOutcome::Colleague => "colleague",
            ScanOutcome::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A way's scans over a period, by what came of them: the top of its funnel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WayScans {
    pub scans: u64,
    pub requested: u64,
    pub already_pending: u64,
    pub already_connected: u64,
    pub colleague: u64,
    pub refused: u64,
}

impl WayScans {
    /// Counts `n` more scans that came to `outcome`.
    pub fn add(&mut self, outcome: ScanOutcome, n: u64) {
        self.scans += n;
        *match outcome {
            ScanOutcome::Requested => &mut self.requested,
            ScanOutcome::AlreadyPending => &mut self.already_pending,
            ScanOutcome::AlreadyConnected => &mut self.already_connected,
            ScanOutcome::Colleague => &mut self.colleague,
            ScanOutcome::Refused => &mut self.refused,
        } += n;
    }
}

/// The UTC days wholly inside `from..to` (`first..end`, day numbers of `at / 86400`) and the
/// parts of the period before and after them, which are counted from single rows: the way's
/// scans are kept by the day as well as one by one, and a period between local midnights (or
/// any second) starts and ends inside a UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySplit {
    /// The whole period, `from..to`.
    pub period: (i64, i64),
    pub days: (i64, i64),
    pub head: (i64, i64),
    pub tail: (i64, i64),
}

impl DaySplit {
    pub fn of(from: i64, to: i64) -> Self {
        const DAY: i64 = 86_400;
        let first = from.div_euclid(DAY) + i64::from(from.rem_euclid(DAY) != 0);
        let end = to.div_euclid(DAY);
        if from >= to || first >= end {
            // No whole day: the period is counted row by row (an empty one counts nothing).
            let head = (from, to.max(from));
            return Self {
                period: head,
                days: (0, 0),
                head,
                tail: (0, 0),
            };
        }
        Self {
            period: (from, to),
            days: (first, end),
            head: (from, first * DAY),
            tail: (end * DAY, to),
        }
    }
}

/// Where the answer-time buckets of a way's counts by day end, in seconds: bucket `i` holds the
/// answer times below `ANSWER_BUCKET_ENDS[i]` (and at or above the previous end), the last
/// bucket those from two weeks on. Finer where answers are most (the hours of a working day):
/// a median is found by counting buckets, then reading the answers of the one bucket that
/// holds it, so the finer the buckets, the fewer answers read.
pub const ANSWER_BUCKET_ENDS: [i64; 21] = [
    60, 300, 900, 1800, 3600, 7200, 10_800, 14_400, 21_600, 28_800, 36_000, 43_200, 54_000, 64_800,
    75_600, 86_400, 172_800, 259_200, 432_000, 604_800, 1_209_600,
];

/// The answer times bucket `bucket` holds: `start..end`, open at the ends.
pub fn answer_bucket_range(bucket: usize) -> (i64, i64) {
    let start = bucket
        .checked_sub(1)
        .and_then(|b| ANSWER_BUCKET_ENDS.get(b))
        .copied()
        .unwrap_or(i64::MIN);
    let end = ANSWER_BUCKET_ENDS.get(bucket).copied().unwrap_or(i64::MAX);
    (start, end)
}

/// The SQL expression of the answer-time bucket of `secs` (an SQL expression), as the
/// migration's triggers write it.
pub fn answer_bucket_sql(secs: &str) -> String {
    let mut sql = String::from("CASE");
    for (i, end) in ANSWER_BUCKET_ENDS.iter().enumerate() {
        sql.push_str(&format!(" WHEN {secs} < {end} THEN {i}"));
    }
    sql.push_str(&format!(" ELSE {} END", ANSWER_BUCKET_ENDS.len()));
    sql
}

/// Where the lower middle of `answered` answers falls in a histogram by bucket (`(bucket,
/// count)`, in bucket order): the bucket, and the answer's place among that bucket's in the
/// order of their times. `None` when nothing was answered, or the counts add up to fewer.
pub fn median_place(histogram: &[(usize, u64)]) -> Option<(usize, u64)> {
    let answered: u64 = histogram.iter().map(|(_, n)| n).sum();
    let mut rank = answered.checked_sub(1)? / 2;
    for &(bucket, n) in histogram {
        if rank < n {
            return Some((bucket, rank));
        }
        rank -= n;
    }
    None
}

/// A way's statistics over a period: the totals and each member's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WayStats {
    /// Every scan of the way's code in the period, members or not, refused or not.
    pub scans: WayScans,
    pub total: WayCounts,
    /// By member, in member-id order (those with requests in the period).
    pub members: Vec<(MemberId, WayCounts)>,
}

/// The longest period a way's statistics are counted day by day.
pub const MAX_STATS_DAYS: i64 = 366;

/// One day of a way's requests: those made in the 24 hours from `from`, and how many of them
/// were accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub from: i64,
    pub requests: u64,
    pub accepted: u64,
}

/// The days of `from..to` (24 hours each from `from`, the last one cut at `to`), each with its
/// counts from `counted` (day index, requests, accepted) or zero: every day of the period, in
/// order, whether or not anything happened on it.
pub fn every_day(from: i64, to: i64, counted: &[(i64, u64, u64)]) -> Vec<DayCounts> {
    let days = (to.saturating_sub(from).saturating_add(86_399) / 86_400).clamp(0, MAX_STATS_DAYS);
    (0..days)
        .map(|day| {
            let (requests, accepted) = counted
                .iter()
                .find(|(d, _, _)| *d == day)
                .map_or((0, 0), |&(_, r, a)| (r, a));
            DayCounts {
                from: from.saturating_add(day * 86_400),
                requests,
                accepted,
            }
        })
        .collect()
}

/// The requests an organization's members received over a period, by the channel of the card
/// or team code they came through (`None`: one without a channel), personal cards and team codes
/// alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelStats {
    /// The team codes' scans in the period, whatever came of them.
    pub scans: WayScans,
    pub total: WayCounts,
    /// By channel, in the order of their first request in the period.
    pub channels: Vec<(Option<String>, WayCounts)>,
    /// The team codes' scans by channel (the way's at the scan), in channel order.
    pub channel_scans: Vec<(Option<String>, WayScans)>,
}

/// The welcome message with its placeholders filled: `{requester}` and `{member}` (the one who
/// answered). The result is plain text.
pub fn welcome_text(template: &str, requester: &str, member: &str) -> String {
    template
        .replace("{requester}", requester)
        .replace("{member}", member)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answerers(active: &[bool]) -> Vec<Answerer> {
        active
            .iter()
            .enumerate()
            .map(|(i, &active)| Answerer {
                member_id: MemberId::new(i as i64 + 1),
                name: format!("m{i}"),
                active,
            })
            .collect()
    }

    #[test]
    fn a_period_is_split_into_its_whole_utc_days_and_the_parts_around_them() {
        const DAY: i64 = 86_400;
        // From a Beijing midnight (16:00 UTC) to another two days on.
        let from = 10 * DAY - 8 * 3600;
        let split = DaySplit::of(from, from + 2 * DAY);
        assert_eq!(split.days, (10, 11));
        assert_eq!(split.head, (from, 10 * DAY));
        assert_eq!(split.tail, (11 * DAY, from + 2 * DAY));
        // UTC midnights: the whole days, and nothing row by row.
        let split = DaySplit::of(3 * DAY, 5 * DAY);
        assert_eq!(split.days, (3, 5));
        assert_eq!(
            (split.head.1 - split.head.0, split.tail.1 - split.tail.0),
            (0, 0)
        );
        // Inside one day, or across a midnight without a whole day: row by row.
        let within = (DAY + 5, 2 * DAY + 7);
        assert_eq!(
            DaySplit::of(within.0, within.1),
            DaySplit {
                period: within,
                days: (0, 0),
                head: within,
                tail: (0, 0)
            }
        );
        // Before 1970 too, and an empty period counts nothing.
        assert_eq!(DaySplit::of(-2 * DAY - 1, -DAY).days, (-2, -1));
        assert_eq!(DaySplit::of(50, 10).head, (50, 50));
    }

    #[test]
    fn answer_buckets_cover_every_time_once_and_the_median_is_placed_in_its_bucket() {
        let mut last = i64::MIN;
        for b in 0..=ANSWER_BUCKET_ENDS.len() {
            let (start, end) = answer_bucket_range(b);
            assert_eq!(start, last, "bucket {b} starts where the one before ends");
            assert!(end > start);
            last = end;
        }
        assert_eq!(last, i64::MAX);
        assert!(answer_bucket_sql("s").starts_with("CASE WHEN s < 60 THEN 0 WHEN s < 300 THEN 1"));
        assert!(answer_bucket_sql("s").ends_with("WHEN s < 1209600 THEN 20 ELSE 21 END"));
        // Five answers: the third; four: the second (the lower middle).
        assert_eq!(median_place(&[(0, 2), (4, 1), (9, 2)]), Some((4, 0)));
        assert_eq!(median_place(&[(0, 1), (4, 3)]), Some((4, 0)));
        assert_eq!(median_place(&[(3, 4)]), Some((3, 1)));
        assert_eq!(median_place(&[]), None);
        assert_eq!(median_place(&[(2, 0)]), None);
    }

    #[test]
    fn a_scan_outcome_reads_back_as_stored() {
        for o in ScanOutcome::ALL {
            assert_eq!(ScanOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(ScanOutcome::parse("Requested"), None);
    }

    #[test]
    fn every_day_of_a_period_is_listed_with_zeros_where_nothing_happened() {
        let days = every_day(1_000, 1_000 + 3 * 86_400 - 10, &[(2, 5, 3), (0, 1, 0)]);
        assert_eq!(
            days,
            [
                DayCounts {
                    from: 1_000,
                    requests: 1,
                    accepted: 0
                },
                DayCounts {
                    from: 87_400,
                    requests: 0,
                    accepted: 0
                },
                DayCounts {
                    from: 173_800,
                    requests: 5,
                    accepted: 3
                },
            ]
        );
        assert!(every_day(5, 5, &[]).is_empty());
        assert_eq!(every_day(0, i64::MAX, &[]).len(), MAX_STATS_DAYS as usize);
    }

    #[test]
    fn round_robin_takes_turns_and_skips_the_inactive() {
        let m = answerers(&[true, false, true]);
        let picked: Vec<i64> = (0..4)
            .map(|t| route(Sharing::RoundRobin, &m, &[], t).unwrap().get())
            .collect();
        assert_eq!(picked, [1, 3, 1, 3]);
    }

    #[test]
    fn fewest_pending_prefers_the_least_busy_then_the_first() {
        let m = answerers(&[true, true, true]);
        assert_eq!(
            route(Sharing::FewestPending, &m, &[2, 1, 1], 0)
                .unwrap()
                .get(),
            2
        );
        let m = answerers(&[true, false, true]);
        assert_eq!(
            route(Sharing::FewestPending, &m, &[3, 0, 3], 0)
                .unwrap()
                .get(),
            1
        );
    }

    #[test]
    fn no_active_member_routes_nowhere() {
        assert_eq!(
            route(Sharing::RoundRobin, &answerers(&[false]), &[], 0),
            None
        );
    }

    #[test]
    fn round_robin_over_a_changed_list_visits_everyone_in_each_run_of_its_length() {
        // Two members for turns 0..4, then a third joins: turns 4..7 visit all three once.
        let two = answerers(&[true, true]);
        let picked: Vec<i64> = (0..4)
            .map(|t| route(Sharing::RoundRobin, &two, &[], t).unwrap().get())
            .collect();
        assert_eq!(picked, [1, 2, 1, 2]);
        let three = answerers(&[true, true, true]);
        let mut picked: Vec<i64> = (4..7)
            .map(|t| route(Sharing::RoundRobin, &three, &[], t).unwrap().get())
            .collect();
        picked.sort_unstable();
        assert_eq!(picked, [1, 2, 3]);
    }

    #[test]
    fn answerers_refuse_empty_and_repeated_lists() {
        assert!(Answerers::parse(vec![]).is_err());
        assert!(Answerers::parse(vec![MemberId::new(1), MemberId::new(1)]).is_err());
        assert!(Answerers::parse(vec![MemberId::new(2), MemberId::new(1)]).is_ok());
    }

    #[test]
    fn a_channel_follows_the_card_rule() {
        assert!(Channel::parse("fair-2026").is_ok());
        assert!(Channel::parse("has space").is_err());
        assert!(Channel::parse(&"x".repeat(31)).is_err());
    }

    #[test]
    fn the_welcome_fills_both_names() {
        assert_eq!(
            welcome_text("{requester}, {member} here", "李娜", "Ada"),
            "李娜, Ada here"
        );
    }
}
