//! E-mail: sign-in links an admin asks to have mailed, and notices (new contact requests,
//! transfers) to members who have an address and did not turn notices off.
//!
//! Nothing is sent inside a request: a request queues the mail in the outbox (the letter sealed
//! with the key-encryption key, since a sign-in link's secret is in it), and a worker on every
//! instance claims due mails under a lease, sends each through the operator's SMTP server
//! (`lettre`), and retries failures with the webhook deliveries' backoff
//! ([`super::webhooks::next_attempt`]) until they are given up; the last error is kept, and a
//! failed mail may be retried by an admin. Without SMTP settings e-mail is off: nothing is
//! queued, and asking to mail a sign-in link is refused.
//!
//! A notice that cannot be queued (the database failing at that moment) is logged and counted,
//! never an error of the request that caused it: the change it tells of is already made.

use super::clock::Clock;
use super::webhooks::next_attempt;
use crate::config::{SmtpSettings, SmtpTls};
use crate::domain::{
    ContactRequest, Letter, MailId, MailKind, MailStatus, Member, MemberId, OrgId, OutboxMail,
    Principal, Transfer, TransferStatus,
};
use crate::l10n::Locale;
use crate::seal::Kek;
use crate::store::{ClaimedMail, DeliveryResult, LetterReseal, NewMail, Store, StoreError};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the `mail_outbox` gauge goes unrefreshed while this instance sends nothing.
const GAUGE_REFRESH_SECS: i64 = 60;
/// What the letter is sealed as (with the mail's Message-ID as its id).
const SEAL_PURPOSE: &str = "mail-letter";

/// Seals the letters of mails not yet sent under `next` (`namecard kek rotate`): a letter left
/// under the old key could not be opened once the service runs with the new one. Letters
/// already under `next` are skipped, so a rotation run again finishes the work; how many were
/// sealed anew.
///
/// # Errors
/// `Corrupt` for a letter `current` does not open (nothing is changed then); when the store fails.
pub async fn reseal_letters(
    store: &dyn Store,
    current: &Kek,
    next: &Kek,
) -> Result<u64, StoreError> {
    let mut reseal = Vec::new();
    for (id, message_id, sealed) in store.kept_letters().await? {
        if sealed.kek == *next.id() {
            continue;
        }
        let opened = current
            .open(SEAL_PURPOSE, &message_id, &sealed)
            .map_err(|e| StoreError::Corrupt(format!("the letter of mail {id}: {e}")))?;
        reseal.push(LetterReseal {
            id,
            was: sealed.kek.clone(),
            sealed: next.seal(SEAL_PURPOSE, &message_id, opened.expose()),
        });
    }
    store.reseal_letters(&reseal).await
}

/// Why a mail could not be queued or retried.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The operator configured no SMTP server.
    #[error("e-mail is off on this service: the operator has set no SMTP server")]
    Disabled,
    /// The member has no e-mail address on record.
    #[error("the member has no e-mail address on record")]
    NoAddress,
    /// Only failed mails are retried.
    #[error("the mail is {}, not failed", .0.as_str())]
    NotFailed(MailStatus),
    /// The store failed, or the member or mail was not found.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The SMTP connection and the sender, when e-mail is on.
struct Sender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// The letter as sealed: what the outbox row does not show.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedLetter {
    /// The recipient's name, for the `To` header.
    name: String,
    text: String,
    html: String,
}

/// E-mail: queueing, the worker, the outbox for admins.
pub struct Mail {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kek: Arc<Kek>,
    /// The links in mails point here.
    public_url: String,
    /// The public URL's host, the right-hand side of every `Message-ID`.
    message_host: String,
    sender: Option<Sender>,
    /// When the outbox's counts were last read for the `mail_outbox` gauge.
    counted_at: std::sync::atomic::AtomicI64,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("enabled", &self.sender.is_some())
            .finish_non_exhaustive()
    }
}

impl Mail {
    /// E-mail through `smtp`, or off without it; links point at `public_url`.
    ///
    /// # Errors
    /// When the TLS settings for the SMTP server cannot be built.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        kek: Arc<Kek>,
        public_url: &str,
        smtp: Option<&SmtpSettings>,
    ) -> Result<Self, lettre::transport::smtp::Error> {
        let sender = smtp.map(sender).transpose()?;
        let message_host = url::Url::parse(public_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "namecard.invalid".to_owned());
        Ok(Self {
            store,
            clock,
            kek,
            public_url: public_url.trim_end_matches('/').to_owned(),
            message_host,
            sender,
            counted_at: std::sync::atomic::AtomicI64::new(i64::MIN),
        })
    }

    /// Whether e-mail is on.
    pub fn is_enabled(&self) -> bool {
        self.sender.is_some()
    }

    /// Queues `letter` for `member`; `None` when nothing was queued (e-mail off, no address,
    /// member gone, or opted out unless `ignore_opt_out`).
    async fn queue(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        name: &str,
        kind: MailKind,
        letter: Letter,
        ignore_opt_out: bool,
    ) -> Result<Option<MailId>, StoreError> {
        let Some(mail) = self.prepare(org_id, member_id, name, kind, letter, ignore_opt_out) else {
            return Ok(None);
        };
        let queued = self.store.queue_mail(&mail).await?;
        if queued.is_some() {
            metrics::counter!("mails_queued_total", "kind" => kind.as_str()).increment(1);
        }
        Ok(queued)
    }

    /// The mail to queue, its letter sealed; `None` with e-mail off.
    fn prepare(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        name: &str,
        kind: MailKind,
        letter: Letter,
        ignore_opt_out: bool,
    ) -> Option<NewMail> {
        if !self.is_enabled() {
            return None;
        }
        let message_id = self.message_id();
        let sealed = SealedLetter {
            name: crate::domain::mail::header_text(name),
            text: letter.text,
            html: letter.html,
        };
        let plain = serde_json::to_vec(&sealed).unwrap_or_default();
        Some(NewMail {
            org_id,
            member_id,
            kind,
            subject: letter.subject,
            letter: self.kek.seal(SEAL_PURPOSE, &message_id, &plain),
            message_id,
            ignore_opt_out,
            now: self.clock.now(),
        })
    }

    /// A new `Message-ID`: random, at the public URL's host.
    fn message_id(&self) -> String {
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        format!("<{}@{}>", hex::encode(bytes), self.message_host)
    }

    /// Checks that a sign-in link can be mailed to `member` before it is made.
    ///
    /// # Errors
    /// `Disabled`, `NoAddress`.
    pub fn check_mailable(&self, member: &Member) -> Result<(), MailError> {
        if !self.is_enabled() {
            return Err(MailError::Disabled);
        }
        if member.email.is_none() {
            return Err(MailError::NoAddress);
        }
        Ok(())
    }

    /// Queues a sign-in link an admin asked to have mailed. It goes out even to a member who
    /// turned notices off: the opt-out is about notices, and this is the admin handing over a
    /// link they could equally have passed on by hand, which the member needs to sign in.
    ///
    /// # Errors
    /// `Disabled`, `NoAddress` (also for a member who left meanwhile), `Store`.
    pub async fn signin_link(
        &self,
        member: &Member,
        org: &crate::domain::Org,
        url: &str,
        expires_at: i64,
    ) -> Result<MailId, MailError> {
        self.check_mailable(member)?;
        let letter = Letter::signin_link(
            &org.name,
            &member.display_name,
            (url, expires_at),
            Locale::of_language(&org.lang),
        );
        self.queue(
            member.org_id,
            member.id,
            &member.display_name,
            MailKind::SigninLink,
            letter,
            true,
        )
        .await?
        .ok_or(MailError::NoAddress)
    }

    /// The mail that tells the owner of a new request about it, to be queued with the request
    /// (`None` with e-mail off).
    /// `owner_lang` is the owner's organization's language, which the mail is written in.
    pub fn contact_request_notice(
        &self,
        r: &ContactRequest,
        owner_lang: &crate::qr::Lang,
    ) -> Option<NewMail> {
        let o = &r.owner;
        if !self.is_enabled() {
            return None;
        }
        let locale = Locale::of_language(owner_lang);
        let letter = Letter::contact_request(r, &self.public_url, locale);
        self.prepare(
            o.organization.id,
            o.member_id,
            &o.name,
            MailKind::ContactRequest,
            letter,
            false,
        )
    }

    /// Counts a notice queued with its change (see [`Self::contact_request_notice`]).
    pub fn queued_with_change(&self, kind: MailKind) {
        metrics::counter!("mails_queued_total", "kind" => kind.as_str()).increment(1);
    }

    /// The mails that tell of the transfers just started, to be queued with them: one to each
    /// contact (who may refuse) and one to the new holder for all of them. Transfers that were
    /// not possible are not told. Empty with e-mail off.
    /// `holder_lang` is the new holder's organization's language; each contact's mail is in
    /// their own organization's.
    pub fn transfer_notices(
        &self,
        started: &[Transfer],
        holder_lang: &crate::qr::Lang,
    ) -> Vec<NewMail> {
        if !self.is_enabled() {
            return Vec::new();
        }
        let waiting: Vec<&Transfer> = started
            .iter()
            .filter(|t| t.status == TransferStatus::Waiting)
            .collect();
        let mut mails = Vec::new();
        for t in &waiting {
            let c = &t.contact;
            let letter = Letter::transfer_to_contact(
                t,
                &self.public_url,
                Locale::of_language(&t.contact_lang),
            );
            mails.extend(self.prepare(
                c.organization.id,
                c.member_id,
                &c.name,
                MailKind::TransferToContact,
                letter,
                false,
            ));
        }
        if let Some(letter) = Letter::transfers_to_holder(
            &waiting,
            &self.public_url,
            Locale::of_language(holder_lang),
        ) && let Some(first) = waiting.first()
        {
            let to = &first.to;
            mails.extend(self.prepare(
                to.organization.id,
                to.member_id,
                &to.name,
                MailKind::TransferToHolder,
                letter,
                false,
            ));
        }
        mails
    }

    /// `org_id`'s mails, newest first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(
        &self,
        org_id: OrgId,
        status: Option<MailStatus>,
        before: Option<MailId>,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        self.store.list_mails(org_id, status, before, limit).await
    }

    /// Queues a failed mail of `org_id` for one more attempt now.
    ///
    /// # Errors
    /// `NotFound` for a mail of another organization, `NotFailed`, `Disabled` (no worker would
    /// send it).
    pub async fn retry(
        &self,
        who: &Principal,
        org_id: OrgId,
        id: MailId,
    ) -> Result<OutboxMail, MailError> {
        let mail = self.store.get_mail(org_id, id).await?;
        if mail.status != MailStatus::Failed {
            return Err(MailError::NotFailed(mail.status));
        }
        if !self.is_enabled() {
            return Err(MailError::Disabled);
        }
        let now = self.clock.now();
        let entry = super::audit(
            now,
            who,
            Some(org_id),
            "mail.retry",
            format!("mail/{id}"),
            "",
        );
        if !self.store.retry_mail(org_id, id, now, &entry).await? {
            // Retried by someone else a moment ago.
            let mail = self.store.get_mail(org_id, id).await?;
            return Err(MailError::NotFailed(mail.status));
        }
        Ok(self.store.get_mail(org_id, id).await?)
    }

    /// Sends every due mail once (a chore, on every instance); how many were attempted.
    ///
    /// # Errors
    /// When the store fails (the next round retries).
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let Some(sender) = &self.sender else {
            return Ok(0);
        };
        // The lease (120 s) outlasts a whole batch (8 x the 10 s SMTP timeout), so no other
        // instance claims a mail while this one is still sending it.
        let due = self.store.claim_mails(self.clock.now(), 120, 8).await?;
        for m in &due {
            let result = match self.send(sender, m).await {
                Ok(()) => DeliveryResult::Delivered,
                Err(Failure::Retry(error)) => next_attempt(m.attempts, self.clock.now(), error),
                Err(Failure::GiveUp(error)) => DeliveryResult::GiveUp { error },
            };
            if let DeliveryResult::Retry { error, .. } | DeliveryResult::GiveUp { error } = &result
            {
                tracing::warn!(mail = m.id.get(), %error, "sending a mail failed");
            }
            metrics::counter!("mail_deliveries_total", "result" => match result {
                DeliveryResult::Delivered => "sent",
                DeliveryResult::Retry { .. } => "retry",
                DeliveryResult::GiveUp { .. } => "failed",
            })
            .increment(1);
            self.store
                .finish_mail(m.id, &result, self.clock.now())
                .await?;
        }
        // The counts change when mails are attempted (a queued mail is due at once); otherwise
        // they are read once a minute (other instances' work), not on every idle round.
        let now = self.clock.now();
        let counted_at = self.counted_at.load(std::sync::atomic::Ordering::Relaxed);
        if !due.is_empty() || now.saturating_sub(counted_at) >= GAUGE_REFRESH_SECS {
            for (status, n) in self.store.count_mails().await? {
                #[allow(clippy::cast_precision_loss)]
                metrics::gauge!("mail_outbox", "status" => status.as_str()).set(n as f64);
            }
            self.counted_at
                .store(now, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(due.len())
    }

    /// One attempt at a claimed mail.
    async fn send(&self, sender: &Sender, m: &ClaimedMail) -> Result<(), Failure> {
        let sealed = m
            .letter
            .as_ref()
            .ok_or_else(|| Failure::GiveUp("the letter is gone".into()))?;
        let plain = self
            .kek
            .open(SEAL_PURPOSE, &m.message_id, sealed)
            .map_err(|e| Failure::GiveUp(format!("cannot open the letter: {e}")))?;
        let letter: SealedLetter = serde_json::from_slice(plain.expose())
            .map_err(|e| Failure::GiveUp(format!("cannot read the letter: {e}")))?;
        let address =
            m.to.parse()
                .map_err(|e| Failure::GiveUp(format!("the address {} is refused: {e}", m.to)))?;
        let name = Some(letter.name).filter(|n| !n.is_empty());
        let message = Message::builder()
            .from(sender.from.clone())
            .to(Mailbox::new(name, address))
            .subject(m.subject.as_str())
            .message_id(Some(m.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(letter.text, letter.html))
            .map_err(|e| Failure::GiveUp(format!("cannot write the message: {e}")))?;
        sender
            .transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| Failure::Retry(format!("the mail server: {e}")))
    }
}

/// How an attempt failed: worth trying again (the server down, refusing for now or for good:
/// an operator may fix a refusal) or not (the mail itself cannot be sent).
enum Failure {
    Retry(String),
    GiveUp(String),
}

/// The SMTP transport the settings describe.
fn sender(s: &SmtpSettings) -> Result<Sender, lettre::transport::smtp::Error> {
    let builder = match s.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?,
        SmtpTls::Implicit => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
    };
    let builder = builder.port(s.port).timeout(Some(SMTP_TIMEOUT));
    let builder = match &s.user {
        Some(user) => builder.credentials(Credentials::new(
            user.clone(),
            s.password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default(),
        )),
        None => builder,
    };
    Ok(Sender {
        transport: builder.build(),
        from: s.from.clone(),
    })
}
