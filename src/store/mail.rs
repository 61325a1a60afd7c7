//! The mail outbox: mails queued by requests, claimed and finished by the mail worker with the
//! webhook deliveries' claim and finish SQL (the same columns), listed for admins.

use super::webhooks::DeliveryResult;
use super::{StoreError, corrupt, for_both_databases};
use crate::domain::{Audit, MailId, MailKind, MailStatus, MemberId, OrgId, OutboxMail};
use crate::seal::{KekId, Sealed};

/// A mail to queue. The recipient's address is read from their member row in the same
/// statement: nothing is queued for a member without one, a deactivated member, or (unless
/// `ignore_opt_out`) a member who turned e-mail notices off.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub kind: MailKind,
    pub subject: String,
    /// `<...@...>`, also what the letter is sealed for.
    pub message_id: String,
    /// The letter (text, HTML, the recipient's name), sealed with the key-encryption key.
    pub letter: Sealed,
    /// A mail the member's choice does not stop (a sign-in link an admin asked to mail).
    pub ignore_opt_out: bool,
    pub now: i64,
}

/// A queued mail, claimed for one attempt.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    pub id: MailId,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// `None` once cleared (never for a mail still to send, unless the row was changed).
    pub letter: Option<Sealed>,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A queued mail's letter sealed anew (by `namecard kek rotate`).
#[derive(Debug, Clone)]
pub struct LetterReseal {
    pub id: MailId,
    /// The key-encryption key it was sealed under when read.
    pub was: KekId,
    pub sealed: Sealed,
}

/// The outbox.
#[async_trait::async_trait]
pub trait MailStore: Send + Sync {
    /// Queues a mail for its member (see [`NewMail`]); `None` when nothing was queued because
    /// the member has no address, left, or opted out.
    async fn queue_mail(&self, mail: &NewMail) -> Result<Option<MailId>, StoreError>;
    /// Claims up to `limit` due mails for `lease_secs` (other instances skip them meanwhile).
    async fn claim_mails(
        &self,
        now: i64,
        lease_secs: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedMail>, StoreError>;
    /// The letters still kept (of mails not sent yet), with the Message-ID each is sealed for.
    async fn kept_letters(&self) -> Result<Vec<(MailId, String, Sealed)>, StoreError>;
    /// Replaces letters with their new seals, in one transaction; a letter sealed otherwise or
    /// cleared since it was read is left alone. Returns how many were replaced.
    async fn reseal_letters(&self, letters: &[LetterReseal]) -> Result<u64, StoreError>;
    /// Records how an attempt ended; a sent mail's letter is cleared.
    async fn finish_mail(
        &self,
        id: MailId,
        result: &DeliveryResult,
        now: i64,
    ) -> Result<(), StoreError>;
    /// `org_id`'s mails, newest first, ids below `before`, of one status or all.
    async fn list_mails(
        &self,
        org_id: OrgId,
        status: Option<MailStatus>,
        before: Option<MailId>,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError>;
    /// Reads one of `org_id`'s mails.
    async fn get_mail(&self, org_id: OrgId, id: MailId) -> Result<OutboxMail, StoreError>;
    /// Queues a failed mail of `org_id` for one more attempt now, with its audit entry; `false`
    /// (nothing written) when it is not failed.
    async fn retry_mail(
        &self,
        org_id: OrgId,
        id: MailId,
        now: i64,
        audit: &Audit,
    ) -> Result<bool, StoreError>;
    /// How many mails are in each status, over every organization (for the metrics).
    async fn count_mails(&self) -> Result<Vec<(MailStatus, i64)>, StoreError>;
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: i64,
    org_id: i64,
    member_id: i64,
    kind: String,
    to_address: String,
    subject: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    next_attempt_at: i64,
    delivered_at: Option<i64>,
    failed_at: Option<i64>,
}

impl TryFrom<MailRow> for OutboxMail {
    type Error = StoreError;
    fn try_from(r: MailRow) -> Result<Self, StoreError> {
        let status = match (r.delivered_at, r.failed_at) {
            (Some(_), _) => MailStatus::Sent,
            (None, Some(_)) => MailStatus::Failed,
            (None, None) => MailStatus::Queued,
        };
        Ok(Self {
            id: MailId::new(r.id),
            org_id: OrgId::new(r.org_id),
            member_id: MemberId::new(r.member_id),
            kind: MailKind::parse(&r.kind).ok_or_else(|| corrupt("mail kind", &r.kind))?,
            to: r.to_address,
            subject: r.subject,
            status,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
            next_attempt_at: r.next_attempt_at,
            sent_at: r.delivered_at,
            failed_at: r.failed_at,
        })
    }
}

/// The columns of [`MailRow`]: never the letter.
const MAIL_COLUMNS: &str = "id, org_id, member_id, kind, to_address, subject, attempts, last_error, \
     created_at, next_attempt_at, delivered_at, failed_at";

/// The `WHERE` condition of a status.
fn status_condition(status: MailStatus) -> &'static str {
    match status {
        MailStatus::Queued => "delivered_at IS NULL AND failed_at IS NULL",
        MailStatus::Sent => "delivered_at IS NOT NULL",
        MailStatus::Failed => "delivered_at IS NULL AND failed_at IS NOT NULL",
    }
}

for_both_databases! {
    impl Sql {
        /// Queues a mail in the caller's transaction (see [`MailStore::queue_mail`]).
        pub(crate) async fn insert_mail(conn: &mut Conn, mail: &NewMail) -> Result<Option<MailId>, StoreError> {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO mail_outbox (org_id, member_id, kind, to_address, subject, message_id, \
                 letter_kek, letter, attempts, next_attempt_at, created_at) \
                 SELECT org_id, id, $3, email, $4, $5, $6, $7, 0, $8, $8 FROM members \
                 WHERE id = $2 AND org_id = $1 AND status = 'active' AND email IS NOT NULL \
                 AND (email_notices OR $9) \
                 RETURNING id",
            )
            .bind(mail.org_id.get())
            .bind(mail.member_id.get())
            .bind(mail.kind.as_str())
            .bind(&mail.subject)
            .bind(&mail.message_id)
            .bind(mail.letter.kek.as_str())
            .bind(&mail.letter.text)
            .bind(mail.now)
            .bind(mail.ignore_opt_out)
            .fetch_optional(conn)
            .await?;
            Ok(id.map(MailId::new))
        }
    }

    #[async_trait::async_trait]
    impl MailStore for Sql {
        async fn queue_mail(&self, mail: &NewMail) -> Result<Option<MailId>, StoreError> {
            let mut conn = self.pool.acquire().await?;
            Self::insert_mail(&mut conn, mail).await
        }

        async fn claim_mails(&self, now: i64, lease_secs: i64, limit: i64) -> Result<Vec<ClaimedMail>, StoreError> {
            type Row = (i64, String, String, String, Option<String>, Option<String>, i64);
            let claimed: Vec<Row> = self
                .claim_due(
                    "mail_outbox",
                    "id, to_address, subject, message_id, letter_kek, letter, attempts",
                    now,
                    lease_secs,
                    limit,
                )
                .await?;
            let mut out = Vec::with_capacity(claimed.len());
            for (id, to, subject, message_id, kek, letter, attempts) in claimed {
                let letter = match (kek, letter) {
                    (Some(kek), Some(text)) => Some(Sealed {
                        kek: KekId::parse(&kek).map_err(|_| corrupt("mail letter_kek", &kek))?,
                        text,
                    }),
                    _ => None,
                };
                out.push(ClaimedMail { id: MailId::new(id), to, subject, message_id, letter, attempts });
            }
            out.sort_by_key(|m| m.id);
            Ok(out)
        }

        async fn kept_letters(&self) -> Result<Vec<(MailId, String, Sealed)>, StoreError> {
            let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT id, message_id, letter_kek, letter FROM mail_outbox \
                 WHERE letter IS NOT NULL ORDER BY id",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter()
                .map(|(id, message_id, kek, text)| {
                    let kek = KekId::parse(&kek).map_err(|_| corrupt("mail letter_kek", &kek))?;
                    Ok((MailId::new(id), message_id, Sealed { kek, text }))
                })
                .collect()
        }

        async fn reseal_letters(&self, letters: &[LetterReseal]) -> Result<u64, StoreError> {
            let mut tx = self.begin_write().await?;
            let mut resealed = 0;
            for l in letters {
                resealed += sqlx::query(
                    "UPDATE mail_outbox SET letter = $2, letter_kek = $3 \
                     WHERE id = $1 AND letter_kek = $4 AND letter IS NOT NULL",
                )
                .bind(l.id.get())
                .bind(&l.sealed.text)
                .bind(l.sealed.kek.as_str())
                .bind(l.was.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
            tx.commit().await?;
            Ok(resealed)
        }

        async fn finish_mail(&self, id: MailId, result: &DeliveryResult, now: i64) -> Result<(), StoreError> {
            // What was sent (a sign-in link among it) is not kept.
            self.finish_attempt("mail_outbox", id.get(), result, now, ", letter = NULL, letter_kek = NULL")
                .await
        }

        async fn list_mails(
            &self,
            org_id: OrgId,
            status: Option<MailStatus>,
            before: Option<MailId>,
            limit: i64,
        ) -> Result<Vec<OutboxMail>, StoreError> {
            let condition = status.map_or("TRUE", status_condition);
            let rows: Vec<MailRow> = sqlx::query_as(&format!(
                "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE org_id = $1 AND id < $2 AND {condition} \
                 ORDER BY id DESC LIMIT $3"
            ))
            .bind(org_id.get())
            .bind(before.map_or(i64::MAX, MailId::get))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.into_iter().map(OutboxMail::try_from).collect()
        }

        async fn get_mail(&self, org_id: OrgId, id: MailId) -> Result<OutboxMail, StoreError> {
            sqlx::query_as::<_, MailRow>(&format!(
                "SELECT {MAIL_COLUMNS} FROM mail_outbox WHERE org_id = $1 AND id = $2"
            ))
            .bind(org_id.get())
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound("mail"))?
            .try_into()
        }

        async fn retry_mail(&self, org_id: OrgId, id: MailId, now: i64, audit: &Audit) -> Result<bool, StoreError> {
            let mut tx = self.begin_write().await?;
            let retried = sqlx::query(&format!(
                "UPDATE mail_outbox SET failed_at = NULL, next_attempt_at = $3 \
                 WHERE org_id = $1 AND id = $2 AND {}",
                status_condition(MailStatus::Failed)
            ))
            .bind(org_id.get())
            .bind(id.get())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if retried.rows_affected() == 0 {
                return Ok(false);
            }
            Self::write_audit(&mut tx, audit).await?;
            tx.commit().await?;
            Ok(true)
        }

        async fn count_mails(&self) -> Result<Vec<(MailStatus, i64)>, StoreError> {
            // One pass over the table for the three counts.
            let count = |status| format!("COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)", status_condition(status));
            let statuses = [MailStatus::Queued, MailStatus::Sent, MailStatus::Failed];
            let (queued, sent, failed): (i64, i64, i64) = sqlx::query_as(&format!(
                "SELECT {}, {}, {} FROM mail_outbox",
                count(statuses[0]),
                count(statuses[1]),
                count(statuses[2])
            ))
            .fetch_one(&self.pool)
            .await?;
            Ok(statuses.into_iter().zip([queued, sent, failed]).collect())
        }
    }
}
