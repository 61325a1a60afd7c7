//! Issued cards: a member's one primary card (a unique index keeps it one) and extra cards, their
//! revocation, one-time use, and what the revocation list is built from.

use super::{Conflict, StoreError, classify, corrupt, for_both_databases};
use crate::card::{CardId, KeyId};
use crate::domain::{Audit, MemberId, OrgId};

/// An issued card as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRecord {
    pub id: CardId,
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub kid: KeyId,
    pub is_primary: bool,
    pub channel: Option<String>,
    pub one_time: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    /// The card's QR text.
    pub text: String,
    pub revoked_at: Option<i64>,
}

/// What the server knows about an issued card beyond its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardState {
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub revoked_at: Option<i64>,
    pub one_time: bool,
    pub used_at: Option<i64>,
}

/// Everything a verifier needs to know beyond signatures: revoked cards and deactivated members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationSnapshot {
    /// Revoked card ids that have not yet expired.
    pub cards: Vec<CardId>,
    /// `(org_id, member_id, deactivated_at)` of every deactivated member.
    pub deactivated: Vec<(OrgId, MemberId, i64)>,
    /// Ids of keys removed after a compromise.
    pub compromised_keys: Vec<KeyId>,
    /// `(member_id, successor_id)` of every successor named, by member.
    pub successors: Vec<(MemberId, MemberId)>,
    /// Organizations that turned successor routing off (their departed cards point to nobody).
    pub routing_off: Vec<OrgId>,
    /// `(card text, deleted_at)` of the team card each deleted contact way last had, so its
    /// code fails offline too.
    pub deleted_way_cards: Vec<(String, i64)>,
}

/// How many cards a member may add, checked as a card is stored, under the member's row lock
/// (so concurrent issues cannot all pass): each card a member resets or revokes stays on the
/// public revocation list until it would have expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardQuota {
    /// Primary cards issued after `since`, the new one included, may number at most this.
    pub primaries_since: i64,
    pub primaries: i64,
    /// Unrevoked, unexpired extra cards, the new one included, may number at most this.
    pub extras: i64,
}

/// Which part of a [`CardQuota`] a card would have broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaUsed {
    /// As many primary cards as allowed since `primaries_since`; the oldest was issued at this.
    Primaries { oldest: i64 },
    /// As many live extra cards as allowed.
    Extras,
}

/// Cards and revocations.
#[async_trait::async_trait]
pub trait CardStore: Send + Sync {
    /// Stores a card of an active member within `quota`; a new primary card revokes the
    /// member's previous primary card in the same transaction. Concurrent inserts for one member
    /// run one after the other, and a member deactivated meanwhile is `NotFound`; a card beyond
    /// the quota is `CardQuota`.
    async fn insert_card(
        &self,
        card: &CardRecord,
        quota: &CardQuota,
        audit: Option<&Audit>,
    ) -> Result<(), StoreError>;
    /// Lists a member's cards, newest first.
    async fn list_cards(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Vec<CardRecord>, StoreError>;
    /// The member's current (unrevoked) primary card, if any.
    async fn primary_card(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Option<CardRecord>, StoreError>;
    /// Revokes one card of a member.
    async fn revoke_card(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        card_id: &CardId,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    /// Revoked-and-unexpired cards, deactivated members and compromised keys, as of `now`.
    async fn revocations(&self, now: i64) -> Result<RevocationSnapshot, StoreError>;
    /// The server-side state of an issued card, `None` for an id this service never issued.
    async fn card_state(&self, card_id: &CardId) -> Result<Option<CardState>, StoreError>;
}

/// The columns of [`CardRow`], for `SELECT` and `INSERT`.
const COLUMNS: &str = "id, org_id, member_id, kid, is_primary, channel, one_time, issued_at, expires_at, text, revoked_at";

#[derive(sqlx::FromRow)]
struct CardRow {
    id: String,
    org_id: i64,
    member_id: i64,
    kid: String,
    is_primary: bool,
    channel: Option<String>,
    one_time: bool,
    issued_at: i64,
    expires_at: i64,
    text: String,
    revoked_at: Option<i64>,
}

fn card_id(stored: &str) -> Result<CardId, StoreError> {
    stored.parse().map_err(|_| corrupt("card id", stored))
}

fn key_id(stored: &str) -> Result<KeyId, StoreError> {
    stored.parse().map_err(|_| corrupt("key id", stored))
}

impl TryFrom<CardRow> for CardRecord {
    type Error = StoreError;
    fn try_from(r: CardRow) -> Result<Self, StoreError> {
        Ok(CardRecord {
            id: card_id(&r.id)?,
            kid: key_id(&r.kid)?,
            org_id: OrgId::new(r.org_id),
            member_id: MemberId::new(r.member_id),
            is_primary: r.is_primary,
            channel: r.channel,
            one_time: r.one_time,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            text: r.text,
            revoked_at: r.revoked_at,
        })
    }
}

fn records(rows: Vec<CardRow>) -> Result<Vec<CardRecord>, StoreError> {
    rows.into_iter().map(CardRecord::try_from).collect()
}

for_both_databases! {
    #[async_trait::async_trait]
    impl CardStore for Sql {
        async fn insert_card(&self, card: &CardRecord, quota: &CardQuota, audit: Option<&Audit>) -> Result<(), StoreError> {
            let mut tx = self.begin_write().await?;
            // A write to the member's row first: it takes the row's lock on PostgreSQL (the
            // write lock on SQLite), so two resets of one member run one after the other and
            // the second revokes the first's card; and it refuses a member deactivated
            // meanwhile, whose cards the deactivation has just revoked.
            let member = sqlx::query(
                "UPDATE members SET status = status WHERE id = $1 AND org_id = $2 AND status = 'active'",
            )
            .bind(card.member_id.get())
            .bind(card.org_id.get())
            .execute(&mut *tx)
            .await?;
            if member.rows_affected() == 0 {
                return Err(StoreError::NotFound("member"));
            }
            let (count, oldest): (i64, Option<i64>) = if card.is_primary {
                sqlx::query_as(
                    "SELECT COUNT(*), MIN(issued_at) FROM cards \
                     WHERE member_id = $1 AND is_primary AND issued_at > $2",
                )
                .bind(card.member_id.get())
                .bind(quota.primaries_since)
            } else {
                sqlx::query_as(
                    "SELECT COUNT(*), MIN(issued_at) FROM cards WHERE member_id = $1 \
                     AND NOT is_primary AND revoked_at IS NULL AND expires_at > $2",
                )
                .bind(card.member_id.get())
                .bind(card.issued_at)
            }
            .fetch_one(&mut *tx)
            .await?;
            match (card.is_primary, oldest) {
                (true, Some(oldest)) if count >= quota.primaries => {
                    return Err(StoreError::CardQuota(QuotaUsed::Primaries { oldest }));
                }
                (false, _) if count >= quota.extras => {
                    return Err(StoreError::CardQuota(QuotaUsed::Extras));
                }
                _ => {}
            }
            if card.is_primary {
                sqlx::query(
                    "UPDATE cards SET revoked_at = $2 WHERE member_id = $1 AND is_primary AND revoked_at IS NULL",
                )
                .bind(card.member_id.get())
                .bind(card.issued_at)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(&format!(
                "INSERT INTO cards ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)"
            ))
            .bind(card.id.to_string())
            .bind(card.org_id.get())
            .bind(card.member_id.get())
            .bind(card.kid.to_string())
            .bind(card.is_primary)
            .bind(&card.channel)
            .bind(card.one_time)
            .bind(card.issued_at)
            .bind(card.expires_at)
            .bind(&card.text)
            .execute(&mut *tx)
            .await
            .map_err(classify(Conflict::Card, "member"))?;
            if let Some(audit) = audit {
                Self::write_audit(&mut tx, audit).await?;
            }
            tx.commit().await?;
            Ok(())
        }

        async fn list_cards(&self, org_id: OrgId, member_id: MemberId) -> Result<Vec<CardRecord>, StoreError> {
            records(
                sqlx::query_as::<_, CardRow>(&format!(
                    "SELECT {COLUMNS} FROM cards WHERE org_id = $1 AND member_id = $2 \
                     ORDER BY issued_at DESC, id"
                ))
                .bind(org_id.get())
                .bind(member_id.get())
                .fetch_all(&self.pool)
                .await?,
            )
        }

        async fn primary_card(&self, org_id: OrgId, member_id: MemberId) -> Result<Option<CardRecord>, StoreError> {
            sqlx::query_as::<_, CardRow>(&format!(
                "SELECT {COLUMNS} FROM cards WHERE org_id = $1 AND member_id = $2 \
                 AND is_primary AND revoked_at IS NULL ORDER BY issued_at DESC LIMIT 1"
            ))
            .bind(org_id.get())
            .bind(member_id.get())
            .fetch_optional(&self.pool)
            .await?
            .map(CardRecord::try_from)
            .transpose()
        }

        async fn revoke_card(
            &self,
            org_id: OrgId,
            member_id: MemberId,
            card_id: &CardId,
            audit: &Audit,
        ) -> Result<(), StoreError> {
            let revoke = sqlx::query(
                "UPDATE cards SET revoked_at = $4 WHERE org_id = $1 AND member_id = $2 AND id = $3 \
                 AND revoked_at IS NULL",
            )
            .bind(org_id.get())
            .bind(member_id.get())
            .bind(card_id.to_string())
            .bind(audit.at);
            self.change_one(revoke, audit, "card").await
        }

        async fn revocations(&self, now: i64) -> Result<RevocationSnapshot, StoreError> {
            let cards: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM cards WHERE revoked_at IS NOT NULL AND expires_at > $1 ORDER BY id",
            )
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
            let deactivated: Vec<(i64, i64, i64)> = sqlx::query_as(
                "SELECT org_id, id, COALESCE(deactivated_at, 0) FROM members \
                 WHERE status = 'deactivated' ORDER BY id",
            )
            .fetch_all(&self.pool)
            .await?;
            let compromised: Vec<(String,)> =
                sqlx::query_as("SELECT kid FROM compromised_keys ORDER BY kid")
                    .fetch_all(&self.pool)
                    .await?;
            let successors: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT member_id, successor_id FROM member_successors ORDER BY member_id",
            )
            .fetch_all(&self.pool)
            .await?;
            let routing_off: Vec<(i64,)> =
                sqlx::query_as("SELECT id FROM organizations WHERE NOT successor_routing ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
            let deleted_way_cards: Vec<(String, i64)> = sqlx::query_as(
                "SELECT card_text, deleted_at FROM contact_ways \
                 WHERE deleted_at IS NOT NULL AND card_text IS NOT NULL ORDER BY id",
            )
            .fetch_all(&self.pool)
            .await?;
            Ok(RevocationSnapshot {
                successors: successors
                    .into_iter()
                    .map(|(m, s)| (MemberId::new(m), MemberId::new(s)))
                    .collect(),
                routing_off: routing_off.into_iter().map(|(o,)| OrgId::new(o)).collect(),
                deleted_way_cards,
                cards: cards.iter().map(|(c,)| card_id(c)).collect::<Result<_, _>>()?,
                deactivated: deactivated
                    .into_iter()
                    .map(|(o, m, at)| (OrgId::new(o), MemberId::new(m), at))
                    .collect(),
                compromised_keys: compromised.iter().map(|(k,)| key_id(k)).collect::<Result<_, _>>()?,
            })
        }

        async fn card_state(&self, card_id: &CardId) -> Result<Option<CardState>, StoreError> {
            let row: Option<(i64, i64, Option<i64>, bool, Option<i64>)> = sqlx::query_as(
                "SELECT org_id, member_id, revoked_at, one_time, used_at FROM cards WHERE id = $1",
            )
            .bind(card_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(|(org_id, member_id, revoked_at, one_time, used_at)| CardState {
                org_id: OrgId::new(org_id),
                member_id: MemberId::new(member_id),
                revoked_at,
                one_time,
                used_at,
            }))
        }
    }
}
