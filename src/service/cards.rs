//! Cards: issuing a member's primary and extra cards, revoking them, rendering them (PNG, SVG,
//! the printable namecard, a zip of many).

use super::clock::Clock;
use super::keyring::{Keyring, KeyringError};
use crate::card::{self, CardId, CardRequest};
use crate::domain::{MemberId, MemberStatus, OrgId, Principal};
use crate::qr::{self, CardFace, Ecc, Lang, QrMatrix};
use crate::store::{CardQuota, CardRecord, QuotaUsed, Store, StoreError};
use std::sync::Arc;

/// What went wrong issuing or rendering a card.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The store failed or the row is missing.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Keys could not be loaded.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// The card's fields break the format's rules (e.g. a bad channel tag).
    #[error("{0}")]
    InvalidCard(card::CardError),
    /// There is no active signing key (every key was retired).
    #[error("no active signing key; rotate to create one")]
    NoActiveKey,
    /// The member is deactivated and may not hold cards.
    #[error("member is deactivated")]
    MemberInactive,
    /// The member reset their primary card `--card-resets-per-hour` times in the last hour.
    #[error("the card was reset too often; try again in {retry_after_secs} s")]
    ResetsRateLimited {
        /// When the oldest reset of the hour leaves the window.
        retry_after_secs: i64,
    },
    /// The member holds `--max-extra-cards` live extra cards already.
    #[error("at most {max} extra cards may be valid at once; revoke one first")]
    TooManyCards {
        /// The limit.
        max: u32,
    },
    /// The card would outlive the operator's card lifetime (`--card-ttl`).
    #[error(
        "expires_at: at most the service's card lifetime from now (until {})",
        crate::domain::format_time(*latest)
    )]
    ExpiryBeyondLimit {
        /// The latest expiry allowed now, Unix seconds.
        latest: i64,
    },
    /// The card's text cannot be drawn as it is (characters no font has, or too long for the
    /// printable card): refused before signing.
    #[error(transparent)]
    Undrawable(qr::CardTextError),
    /// Rendering failed.
    #[error("rendering failed")]
    Render(#[from] qr::QrError),
    /// Zipping failed.
    #[error("zip failed: {0}")]
    Zip(String),
}

/// Options for a new card.
#[derive(Debug, Clone, Default)]
pub struct CardOptions {
    /// The member's one primary card (a new one revokes the previous) or an extra card.
    pub primary: bool,
    /// A channel tag for an extra card (e.g. `expo-2026`).
    pub channel: Option<String>,
    /// Expiry; default now + the configured card lifetime.
    pub expires_at: Option<i64>,
    /// Valid for one contact request only.
    pub one_time: bool,
}

/// How a card is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFormat {
    /// The QR code as PNG.
    Png,
    /// The QR code as SVG.
    Svg,
    /// A printable namecard image (PNG) with name, title and organization.
    Printable,
}

/// A rendered card: content type and bytes.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// What a member may do with cards: each card's longest life, and how many cards a member may
/// add to the public revocation list (every reset and every revoked extra card is listed until
/// it would have expired).
#[derive(Debug, Clone, Copy)]
pub struct CardLimits {
    /// A card's default and longest lifetime, in seconds.
    pub ttl_secs: i64,
    /// Primary-card issues per member in any hour.
    pub resets_per_hour: u32,
    /// Unrevoked, unexpired extra cards per member.
    pub max_extra_cards: u32,
}

/// Issuing and rendering cards.
#[derive(Debug)]
pub struct Cards {
    store: Arc<dyn Store>,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    limits: CardLimits,
}

impl Cards {
    /// Cards within `limits`.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<Keyring>,
        clock: Arc<dyn Clock>,
        limits: CardLimits,
    ) -> Self {
        Self {
            store,
            keys,
            clock,
            limits,
        }
    }

    /// Issues a card for an active member of `org_id`, signs it with the active key and stores it
    /// (a primary card revokes the member's previous primary card in the same transaction).
    ///
    /// # Errors
    /// See [`ServiceError`].
    pub async fn issue(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_id: MemberId,
        options: &CardOptions,
    ) -> Result<CardRecord, ServiceError> {
        let now = self.clock.now();
        // The operator's lifetime bounds every card, not only the default one: a card that
        // outlives it outlives the operator's revocation and rotation plans too.
        let latest = now.saturating_add(self.limits.ttl_secs);
        if options.expires_at.is_some_and(|at| at > latest) {
            return Err(ServiceError::ExpiryBeyondLimit { latest });
        }
        let org = self.store.get_org(org_id).await?;
        let member = self.store.get_member(org_id, member_id).await?;
        if member.status != MemberStatus::Active {
            return Err(ServiceError::MemberInactive);
        }
        // The card must print exactly the name it signs: refuse before signing anything. The
        // face is drawn in the organization's language here and in `render_card` alike, so the
        // check is of the glyphs the print will have.
        let face = CardFace::with_scan_prompt(
            &member.display_name,
            member.title.as_deref(),
            &org.name,
            org.lang,
        );
        qr::check_face(&face).map_err(ServiceError::Undrawable)?;
        let snapshot = self.keys.snapshot();
        let signer = snapshot.signer.as_ref().ok_or(ServiceError::NoActiveKey)?;
        let number =
            |id: i64| u64::try_from(id).map_err(|_| StoreError::Corrupt(format!("id {id}")));
        let request = CardRequest {
            org_id: number(org.id.get())?,
            org_name: org.name,
            member_id: number(member.id.get())?,
            member_name: member.display_name,
            title: member.title,
            not_before: None,
            expires_at: options.expires_at.unwrap_or(latest),
            one_time: options.one_time,
            channel: options.channel.clone(),
        };
        let issued = card::issue_card(self.keys.issuer(), signer, &request, now)
            .map_err(ServiceError::InvalidCard)?;
        let record = CardRecord {
            id: issued.claims.card_id,
            org_id,
            member_id,
            kid: issued.claims.kid,
            is_primary: options.primary,
            channel: issued.claims.channel.clone(),
            one_time: issued.claims.one_time,
            issued_at: issued.claims.issued_at,
            expires_at: issued.claims.expires_at,
            text: issued.text,
            revoked_at: None,
        };
        let action = if options.primary {
            "card.issue"
        } else {
            "card.issue_extra"
        };
        let entry = super::audit(
            now,
            who,
            Some(org_id),
            action,
            format!("member/{member_id}"),
            options.channel.as_deref().unwrap_or(""),
        );
        const HOUR: i64 = 3600;
        let quota = CardQuota {
            primaries_since: now - HOUR,
            primaries: i64::from(self.limits.resets_per_hour),
            extras: i64::from(self.limits.max_extra_cards),
        };
        match self.store.insert_card(&record, &quota, Some(&entry)).await {
            Err(StoreError::CardQuota(QuotaUsed::Primaries { oldest })) => {
                return Err(ServiceError::ResetsRateLimited {
                    retry_after_secs: (oldest + HOUR - now).max(1),
                });
            }
            Err(StoreError::CardQuota(QuotaUsed::Extras)) => {
                return Err(ServiceError::TooManyCards {
                    max: self.limits.max_extra_cards,
                });
            }
            stored => stored?,
        }
        metrics::counter!("cards_issued_total").increment(1);
        if options.primary {
            self.keys.refresh().await?;
        }
        Ok(record)
    }

    /// The member's current primary card.
    ///
    /// # Errors
    /// `NotFound("card")` before the first issue.
    pub async fn primary(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<CardRecord, ServiceError> {
        self.store
            .primary_card(org_id, member_id)
            .await?
            .ok_or(ServiceError::Store(StoreError::NotFound("card")))
    }

    /// The member's current primary card, issued first when there is none.
    ///
    /// # Errors
    /// As [`Cards::issue`].
    pub async fn current_or_new(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<CardRecord, ServiceError> {
        match self.store.primary_card(org_id, member_id).await? {
            Some(card) => Ok(card),
            None => {
                let primary = CardOptions {
                    primary: true,
                    ..Default::default()
                };
                self.issue(who, org_id, member_id, &primary).await
            }
        }
    }

    /// All of a member's cards, newest first.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn list(
        &self,
        org_id: OrgId,
        member_id: MemberId,
    ) -> Result<Vec<CardRecord>, ServiceError> {
        Ok(self.store.list_cards(org_id, member_id).await?)
    }

    /// Revokes one of a member's cards; this instance's revocation list sees it at once.
    ///
    /// # Errors
    /// `NotFound("card")` for a card that is not the member's or already revoked.
    pub async fn revoke(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_id: MemberId,
        card_id: &CardId,
    ) -> Result<(), ServiceError> {
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org_id),
            "card.revoke",
            format!("card/{card_id}"),
            "",
        );
        self.store
            .revoke_card(org_id, member_id, card_id, &entry)
            .await?;
        self.keys.revocations_changed().await;
        Ok(())
    }

    /// Renders a member's card in `format`, with the member's and organization's names as the
    /// directory has them now.
    ///
    /// # Errors
    /// When the member is gone or the QR code cannot be rendered.
    pub async fn render(
        &self,
        card: &CardRecord,
        format: CardFormat,
    ) -> Result<Rendered, ServiceError> {
        let org = self.store.get_org(card.org_id).await?;
        let member = self.store.get_member(card.org_id, card.member_id).await?;
        render_card(
            card,
            format,
            &member.display_name,
            member.title.as_deref(),
            &org.name,
            org.lang,
        )
    }

    /// Printable cards of many members of `org_id` as a zip of PNGs named `<employee_id>.png`
    /// (see [`entry_names`] for the ids that cannot be file names); members without a card get
    /// one. A member named twice is in the archive once.
    ///
    /// # Errors
    /// `NotFound` for an id that is not a member of the organization; rendering failures.
    pub async fn printable_zip(
        &self,
        who: &Principal,
        org_id: OrgId,
        member_ids: &[MemberId],
    ) -> Result<Vec<u8>, ServiceError> {
        let org = self.store.get_org(org_id).await?;
        let mut seen = std::collections::HashSet::new();
        let mut members = Vec::with_capacity(member_ids.len());
        for &id in member_ids.iter().filter(|&&id| seen.insert(id)) {
            members.push(self.store.get_member(org_id, id).await?);
        }
        let names = entry_names(members.iter().map(|m| (m.id, m.employee_id.as_str())));
        let mut files = Vec::with_capacity(members.len());
        for (member, name) in members.iter().zip(names) {
            let card = self.current_or_new(who, org_id, member.id).await?;
            let png = render_card(
                &card,
                CardFormat::Printable,
                &member.display_name,
                member.title.as_deref(),
                &org.name,
                org.lang,
            )?;
            files.push((name, png.bytes));
        }
        zip_files(&files)
    }
}

/// The zip entry names of members' printable cards: `<employee_id>.png` when the employee id is
/// a plain file name (ASCII letters, digits, `-`, `_` and `.`, not starting with a dot, at most
/// 64 characters), otherwise `member-<member_id>.png`. An employee id is free text an admin
/// chose, and an archive entry named `../../etc/cron.d/x.png`, `/tmp/x.png` or `..\\win.png`
/// would be written outside the folder by many unzip tools (zip slip). Names are unique in the
/// archive even on a case-insensitive file system: a clash falls back to the member id, and
/// then to `member-<member_id>-<n>.png`.
pub fn entry_names<'a>(members: impl IntoIterator<Item = (MemberId, &'a str)>) -> Vec<String> {
    let plain = |id: &str| {
        !id.is_empty()
            && id.len() <= 64
            && !id.starts_with('.')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    let mut taken = std::collections::HashSet::new();
    members
        .into_iter()
        .map(|(member_id, employee_id)| {
            let preferred = plain(employee_id).then(|| format!("{employee_id}.png"));
            let fallbacks = (0u32..).map(|n| match n {
                0 => format!("member-{member_id}.png"),
                n => format!("member-{member_id}-{n}.png"),
            });
            preferred
                .into_iter()
                .chain(fallbacks)
                .find(|name| taken.insert(name.to_ascii_lowercase()))
                .unwrap_or_default()
        })
        .collect()
}

/// Renders a stored card in `format`; a printable card in its organization's language `lang`.
///
/// # Errors
/// When the QR code cannot be encoded or rendered.
pub fn render_card(
    card: &CardRecord,
    format: CardFormat,
    member_name: &str,
    title: Option<&str>,
    org_name: &str,
    lang: Lang,
) -> Result<Rendered, ServiceError> {
    let matrix = QrMatrix::encode(&card.text, Ecc::M)?;
    Ok(match format {
        CardFormat::Png => Rendered {
            content_type: "image/png",
            bytes: qr::render_png(&matrix, 8)?,
        },
        CardFormat::Svg => Rendered {
            content_type: "image/svg+xml",
            bytes: qr::render_svg(&matrix, 8).into_bytes(),
        },
        CardFormat::Printable => {
            let face = CardFace::with_scan_prompt(member_name, title, org_name, lang);
            Rendered {
                content_type: "image/png",
                bytes: qr::printable_png(&face, &matrix)?,
            }
        }
    })
}

/// Bundles files into a zip archive. The entries are stored, not deflated: they are PNGs,
/// already compressed, and deflating them again costs time for no gain.
///
/// # Errors
/// Only on an internal zip writer failure.
pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ServiceError> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| ServiceError::Zip(e.to_string()))?;
        zip.write_all(bytes)
            .map_err(|e| ServiceError::Zip(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| ServiceError::Zip(e.to_string()))?;
    Ok(cursor.into_inner())
}
