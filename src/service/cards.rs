//! Issuing, rendering and verifying cards.

use super::keyring::{Keyring, KeyringError};
use crate::card::{self, CardClaims, CardRequest, VerifyOptions};
use crate::domain::MemberStatus;
use crate::qr::{self, CardFace, Ecc, Lang, QrMatrix};
use crate::store::{Audit, CardRow, Store, StoreError};

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

/// Issues a card for an active member of `org_id`, signs it with the active key and stores it
/// (a primary card revokes the member's previous primary card in the same transaction).
///
/// # Errors
/// See [`ServiceError`].
#[allow(clippy::too_many_arguments)]
pub async fn issue_member_card(
    keys: &Keyring,
    store: &dyn Store,
    org_id: i64,
    member_id: i64,
    options: &CardOptions,
    ttl_secs: i64,
    now: i64,
    audit: Option<&Audit>,
) -> Result<CardRow, ServiceError> {
    let org = store.get_org(org_id).await?;
    let member = store.get_member(org_id, member_id).await?;
    if member.status != MemberStatus::Active {
        return Err(ServiceError::MemberInactive);
    }
    // The organization's language is phase 2 of issue 18; until then every card is drawn in
    // the default language.
    let face = CardFace::with_scan_prompt(
        &member.display_name,
        member.title.as_deref(),
        &org.name,
        Lang::default(),
    );
    qr::check_face(&face).map_err(ServiceError::Undrawable)?;
    let snapshot = keys.snapshot();
    let signer = snapshot.signer.as_ref().ok_or(ServiceError::NoActiveKey)?;
    let request = CardRequest {
        org_id: org.id as u64,
        org_name: org.name,
        member_id: member.id as u64,
        member_name: member.display_name,
        title: member.title,
        not_before: None,
        expires_at: options.expires_at.unwrap_or(now + ttl_secs),
        one_time: options.one_time,
        channel: options.channel.clone(),
    };
    let issued = card::issue_card(keys.issuer(), signer, &request, now)
        .map_err(ServiceError::InvalidCard)?;
    let row = CardRow {
        id: issued.claims.card_id.to_string(),
        org_id,
        member_id,
        kid: issued.claims.kid.to_string(),
        is_primary: options.primary,
        channel: issued.claims.channel.clone(),
        one_time: issued.claims.one_time,
        issued_at: issued.claims.issued_at,
        expires_at: issued.claims.expires_at,
        text: issued.text,
        revoked_at: None,
    };
    store.insert_card(&row, audit).await?;
    metrics::counter!("cards_issued_total").increment(1);
    if options.primary {
        keys.refresh(now).await?;
    }
    Ok(row)
}

/// How a card is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
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

/// Renders a stored card in `format`.
///
/// # Errors
/// When the QR code cannot be encoded or rendered.
pub fn render_card(
    card: &CardRow,
    format: CardFormat,
    member_name: &str,
    title: Option<&str>,
    org_name: &str,
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
            let face = CardFace::with_scan_prompt(member_name, title, org_name, Lang::default());
            Rendered {
                content_type: "image/png",
                bytes: qr::printable_png(&face, &matrix)?,
            }
        }
    })
}

/// The outcome of an online verification: the signature check plus the server-side facts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Whether the card is valid right now.
    pub valid: bool,
    /// Why not: `malformed`, `wrong_issuer`, `unknown_key`, `key_compromised`, `bad_signature`,
    /// `expired`, `revoked`, ...
    #[schema(value_type = Option<String>)]
    pub reason: Option<&'static str>,
    /// A human-readable explanation of `reason`.
    pub detail: Option<String>,
    /// What the card says, when its signature checked out.
    #[schema(value_type = Option<Object>)]
    pub card: Option<CardClaims>,
    /// Server-side: the card has been revoked (individually or with its member).
    pub revoked: bool,
    /// Server-side: the member has been deactivated.
    pub member_deactivated: bool,
}

/// Verifies card text against the in-memory keyset and revocations: no database round trip.
///
/// A card signed by a removed (compromised) key is refused as `key_compromised`, as an offline
/// verifier holding the published revocation list would; card and member revocations are checked
/// after the signature, so the report says both what the card claims and that it is revoked.
pub fn verify_text(keys: &Keyring, text: &str, now: i64) -> VerifyReport {
    let snapshot = keys.snapshot();
    let signed = card::verify_card(
        text,
        &snapshot.keyset,
        Some(&snapshot.key_revocations),
        &VerifyOptions::at(now),
    );
    let report = match signed {
        Err(rejection) => VerifyReport {
            valid: false,
            reason: Some(rejection.reason.as_str()),
            detail: Some(rejection.detail),
            card: None,
            revoked: false,
            member_deactivated: false,
        },
        Ok(verified) => {
            let c = &verified.claims;
            // Hash lookups, not the list's linear scan: this runs on every verification.
            let deactivated = snapshot
                .deactivated
                .contains_key(&(c.org_id as i64, c.member_id as i64));
            let revoked = deactivated || snapshot.revoked_cards.contains(&c.card_id);
            VerifyReport {
                valid: !revoked,
                reason: revoked.then_some(card::Reason::Revoked.as_str()),
                detail: revoked.then(|| "the card or its member has been revoked".to_owned()),
                card: Some(verified.claims),
                revoked,
                member_deactivated: deactivated,
            }
        }
    };
    metrics::counter!("verifications_total", "result" => report.reason.unwrap_or("valid"))
        .increment(1);
    report
}

/// Bundles files into a zip archive (deflated).
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
