//! Offline verification: QR text in, verified claims or one reason out.

use std::fmt;

use super::format::{self, BodyError, CardClaims};
use super::keys::{KeyStatus, Keyset};
use super::revocation::RevocationList;

/// Longest QR text looked at; anything longer is malformed before any other work.
pub const MAX_TEXT_LEN: usize = 1200;

/// Default allowance for clock differences between issuer and verifier.
pub const DEFAULT_SKEW_SECS: i64 = 300;

/// The verifier's clock and tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Unix seconds, supplied by the caller (so tests and replays are deterministic).
    pub now: i64,
    /// Allowance on each side of `not_before`, `expires_at` and the key's window.
    pub skew_secs: i64,
}

impl VerifyOptions {
    /// Options at `now` with the default skew.
    pub fn at(now: i64) -> Self {
        Self {
            now,
            skew_secs: DEFAULT_SKEW_SECS,
        }
    }

    /// Options at the system clock's now with the default skew.
    pub fn now() -> Self {
        Self::at(unix_now())
    }
}

/// The system clock as Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A card whose signature, key, validity window and revocation status all checked out.
/// Only [`verify_card`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedCard {
    /// The verified claims.
    pub claims: CardClaims,
}

/// Why a card was rejected, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a card text, or a body that does not parse.
    Malformed,
    /// A card of a format version this verifier does not know.
    UnsupportedVersion,
    /// A card text naming another issuer than the keyset's.
    WrongIssuer,
    /// Signed by a key the keyset does not have.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// Issued outside its key's validity window.
    KeyNotValid,
    /// Its key is listed as compromised in the revocation list.
    KeyCompromised,
    /// Before its `not_before`.
    NotYetValid,
    /// At or after its `expires_at`.
    Expired,
    /// Revoked by card id or by member cut-off.
    Revoked,
}

impl Reason {
    /// Every reason, in the order the verifier checks them.
    pub const ALL: [Reason; 10] = [
        Reason::Malformed,
        Reason::UnsupportedVersion,
        Reason::WrongIssuer,
        Reason::UnknownKey,
        Reason::KeyCompromised,
        Reason::BadSignature,
        Reason::KeyNotValid,
        Reason::NotYetValid,
        Reason::Expired,
        Reason::Revoked,
    ];

    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::UnsupportedVersion => "unsupported_version",
            Reason::WrongIssuer => "wrong_issuer",
            Reason::UnknownKey => "unknown_key",
            Reason::BadSignature => "bad_signature",
            Reason::KeyNotValid => "key_not_valid",
            Reason::KeyCompromised => "key_compromised",
            Reason::NotYetValid => "not_yet_valid",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected card: the reason code and a readable explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Rejection {
    /// The stable code.
    pub reason: Reason,
    /// A readable explanation, safe to show (never echoes more than a bounded prefix of input).
    pub detail: String,
}

fn reject(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection {
        reason,
        detail: detail.into(),
    }
}

/// Verifies a card's QR text against an issuer's keyset and, optionally, its revocation list.
///
/// The checks run in the order of `docs/card-format.md`: shape and issuer, version, body,
/// key (known, not compromised), signature, key window, validity time, revocation. Nothing from
/// the card is returned unless every check passed.
///
/// # Errors
/// A [`Rejection`] carrying the first failed check's [`Reason`].
pub fn verify_card(
    text: &str,
    keyset: &Keyset,
    revocations: Option<&RevocationList>,
    opts: &VerifyOptions,
) -> Result<VerifiedCard, Rejection> {
    if text.len() > MAX_TEXT_LEN {
        return Err(reject(
            Reason::Malformed,
            format!("card text longer than {MAX_TEXT_LEN} bytes"),
        ));
    }
    let Some(split) = find_card_marker(text) else {
        return Err(reject(
            Reason::Malformed,
            "not a namecard: no /C/ in the text",
        ));
    };
    let (prefix, encoded) = (&text[..split], &text[split + 3..]);
    let expected = keyset.issuer().card_prefix();
    if !text.starts_with(expected) || prefix.len() + 3 != expected.len() {
        return Err(reject(
            Reason::WrongIssuer,
            format!(
                "card is not from {} (its text does not start with {expected})",
                keyset.issuer()
            ),
        ));
    }
    let Some(body) = format::decode_text(encoded) else {
        return Err(reject(
            Reason::Malformed,
            "card body is not in the card alphabet",
        ));
    };
    let parsed = format::parse_body(&body).map_err(|e| match e {
        BodyError::UnsupportedVersion(v) => reject(
            Reason::UnsupportedVersion,
            format!(
                "card format version {v} is not supported (this verifier reads version {})",
                format::VERSION
            ),
        ),
        BodyError::Malformed(what) => reject(Reason::Malformed, what),
    })?;
    let kid = parsed.claims.kid;
    if revocations.is_some_and(|r| r.compromised_keys.contains(&kid)) {
        return Err(reject(
            Reason::KeyCompromised,
            format!("key {kid} is listed as compromised"),
        ));
    }
    let Some((key, verifier)) = keyset.entry(&kid) else {
        return Err(reject(
            Reason::UnknownKey,
            format!("key {kid} is not in the keyset of {}", keyset.issuer()),
        ));
    };
    let message = format::signed_message(keyset.issuer().as_str(), parsed.unsigned);
    if !verifier.verify(&message, &parsed.signature) {
        return Err(reject(Reason::BadSignature, "signature does not verify"));
    }
    let claims = parsed.claims;
    let skew = opts.skew_secs;
    let retired_before = match key.status {
        KeyStatus::Active => None,
        KeyStatus::Retired => key.retired_at,
    };
    if claims.issued_at.saturating_add(skew) < key.valid_from
        || retired_before.is_some_and(|r| claims.issued_at > r.saturating_add(skew))
    {
        return Err(reject(
            Reason::KeyNotValid,
            format!("card was issued outside the validity window of key {kid}"),
        ));
    }
    if opts.now.saturating_add(skew) < claims.not_before {
        return Err(reject(
            Reason::NotYetValid,
            format!("card is valid from {}", claims.not_before),
        ));
    }
    if opts.now.saturating_sub(skew) >= claims.expires_at {
        return Err(reject(
            Reason::Expired,
            format!("card expired at {}", claims.expires_at),
        ));
    }
    if let Some(list) = revocations
        && let Some(why) = list.revocation_of(&claims)
    {
        return Err(reject(Reason::Revoked, why));
    }
    Ok(VerifiedCard { claims })
}

/// Position of the `/C/` that separates issuer from body: the first one after the scheme.
fn find_card_marker(text: &str) -> Option<usize> {
    let after_scheme = text.find("://").map_or(0, |i| i + 3);
    text[after_scheme..].find("/C/").map(|i| i + after_scheme)
}
