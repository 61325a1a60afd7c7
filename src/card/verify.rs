//! Offline verification: QR text in, verified claims or one reason out (`docs/card-format.md` §6).

use std::fmt;

use super::format::{self, BodyError, CardClaims};
use super::keys::{KeyRecord, KeyStatus, Keyset};
use super::revocation::{Revocation, RevocationList};

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

/// Which revocation list a result was checked against: "status as of list N, issued at T".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ListInfo {
    /// The list's number.
    pub number: u64,
    /// When it was signed.
    pub issued_at: i64,
    /// When the next one was due.
    pub next_update: i64,
    /// Whether it was past `next_update` (less the skew) at the time of verification.
    pub stale: bool,
}

impl ListInfo {
    fn of(list: &RevocationList, opts: &VerifyOptions) -> Self {
        Self {
            number: list.number(),
            issued_at: list.issued_at(),
            next_update: list.next_update(),
            stale: list.is_stale(opts.now, opts.skew_secs),
        }
    }
}

/// A card whose signature, key and validity window checked out, with what it was checked
/// against. [`verify_card`] returns one for a valid card, and inside a [`Rejection`] for a card
/// that is `revoked` or whose status is `stale`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedCard {
    /// The verified claims.
    pub claims: CardClaims,
    /// The status of the key that signed it in the keyset.
    pub key_status: KeyStatus,
    /// The revocation list its status comes from; `None` when none was given.
    pub list: Option<ListInfo>,
}

/// Why a card was rejected, as a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a card text, or a body that does not parse.
    Malformed,
    /// A card of a format version (or kind) this verifier does not know.
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
    /// Listed in the revocation list.
    Revoked,
    /// Correctly signed and within its dates, but the revocation list is past its
    /// `next_update`: its status is unknown. Not `valid`, and not `invalid` either.
    Stale,
}

impl Reason {
    /// Every reason, in the order the verifier checks them.
    pub const ALL: [Reason; 11] = [
        Reason::Malformed,
        Reason::WrongIssuer,
        Reason::UnsupportedVersion,
        Reason::KeyCompromised,
        Reason::UnknownKey,
        Reason::BadSignature,
        Reason::KeyNotValid,
        Reason::NotYetValid,
        Reason::Expired,
        Reason::Revoked,
        Reason::Stale,
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
            Reason::Stale => "stale",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A card that is not valid: the reason code, a readable explanation, and for `revoked` and
/// `stale` (whose signatures checked out) the card and what the list says about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Rejection {
    /// The stable code.
    pub reason: Reason,
    /// A readable explanation, safe to show (never echoes more than a bounded prefix of input).
    pub detail: String,
    /// For `revoked` and `stale`: the correctly signed card.
    pub card: Option<Box<VerifiedCard>>,
    /// For `revoked`: the list's sealed record of the card, when it unsealed to a well-formed one.
    pub revocation: Option<Revocation>,
}

fn reject(reason: Reason, detail: impl Into<String>) -> Rejection {
    Rejection {
        reason,
        detail: detail.into(),
        card: None,
        revocation: None,
    }
}

/// Verifies a card's QR text against an issuer's keyset and, optionally, its revocation list.
///
/// The checks run in the order of `docs/card-format.md` §6; the first that fails decides. A card
/// in a list that is past its `next_update` is still `revoked`; one that is not in it is `stale`.
///
/// # Errors
/// A [`Rejection`] carrying the first failed check's [`Reason`].
pub fn verify_card(
    text: &str,
    keyset: &Keyset,
    revocations: Option<&RevocationList>,
    opts: &VerifyOptions,
) -> Result<VerifiedCard, Rejection> {
    let (claims, body, key) = signed_card(text, keyset, revocations)?;
    // Exact arithmetic: no time or skew can overflow.
    let skew = i128::from(opts.skew_secs);
    let now = i128::from(opts.now);
    if !key.covers(claims.issued_at, opts.skew_secs) {
        return Err(reject(
            Reason::KeyNotValid,
            format!(
                "card was issued outside the validity window of key {}",
                claims.kid
            ),
        ));
    }
    if now + skew < i128::from(claims.not_before) {
        return Err(reject(
            Reason::NotYetValid,
            format!("card is valid from {}", claims.not_before),
        ));
    }
    if now - skew >= i128::from(claims.expires_at) {
        return Err(reject(
            Reason::Expired,
            format!("card expired at {}", claims.expires_at),
        ));
    }
    let verified = VerifiedCard {
        claims,
        key_status: key.status,
        list: revocations.map(|l| ListInfo::of(l, opts)),
    };
    let Some(list) = revocations else {
        return Ok(verified);
    };
    if let Some(revocation) = list.lookup(&body) {
        return Err(Rejection {
            reason: Reason::Revoked,
            detail: format!("revoked in list {}", list.number()),
            card: Some(Box::new(verified)),
            revocation,
        });
    }
    if list.is_stale(opts.now, opts.skew_secs) {
        return Err(Rejection {
            reason: Reason::Stale,
            detail: format!(
                "signature valid, but revocation list {} was due for replacement at {}: status \
                 unknown",
                list.number(),
                list.next_update()
            ),
            card: Some(Box::new(verified)),
            revocation: None,
        });
    }
    Ok(verified)
}

/// Step 1: the first byte that is not a card text character, as a rejection.
fn foreign_character(text: &str) -> Option<Rejection> {
    text.bytes()
        .find(|&c| !TEXT_CHARACTER[usize::from(c)])
        .map(|c| {
            reject(
                Reason::Malformed,
                format!("the byte 0x{c:02X} is not a card text character (0-9 A-Z $ * + - . / :)"),
            )
        })
}

/// Which bytes may appear in a card text, as a table.
const TEXT_CHARACTER: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < format::TEXT_CHARACTERS.len() {
        table[format::TEXT_CHARACTERS[i] as usize] = true;
        i += 1;
    }
    table
};

/// Position of the `/C/` that separates issuer from body: the first one after the first `://`.
fn find_card_marker(text: &str) -> Option<usize> {
    let after_scheme = text.find("://")? + 3;
    text[after_scheme..].find("/C/").map(|i| i + after_scheme)
}

/// Reads a card's claims after checking its text, body and signature (§6 steps 1-9), without
/// its dates or status: for an issuer revoking a card it signed.
///
/// # Errors
/// A [`Rejection`] for the first of those checks that fails.
pub fn read_signed_card(text: &str, keyset: &Keyset) -> Result<CardClaims, Rejection> {
    signed_card(text, keyset, None).map(|(claims, _, _)| claims)
}

/// Steps 1-9: the claims, the decoded body and the signing key's record.
fn signed_card<'k>(
    text: &str,
    keyset: &'k Keyset,
    revocations: Option<&RevocationList>,
) -> Result<(CardClaims, Vec<u8>, &'k KeyRecord), Rejection> {
    if text.is_empty() || text.len() > MAX_TEXT_LEN {
        return Err(reject(
            Reason::Malformed,
            format!("a card text is 1 to {MAX_TEXT_LEN} bytes"),
        ));
    }
    // Step 1's character check runs only when the prefix does not match: a matching prefix is all
    // card text characters, and decoding refuses any other character in the body, so the answer
    // is the same and the hot path reads the text once.
    let Some(split) = find_card_marker(text) else {
        return Err(foreign_character(text).unwrap_or_else(|| {
            reject(
                Reason::Malformed,
                "not a namecard: no \"://\" followed by \"/C/\"",
            )
        }));
    };
    let (prefix, encoded) = text.split_at(split + 3);
    let expected = keyset.issuer().card_prefix();
    if prefix != expected {
        if let Some(malformed) = foreign_character(text) {
            return Err(malformed);
        }
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
            format!("card format version {v} is not supported (this verifier reads 1 and 2)"),
        ),
        BodyError::UnsupportedKind(k) => reject(
            Reason::UnsupportedVersion,
            format!("card kind {k} is not supported (this verifier reads team cards, kind 1)"),
        ),
        BodyError::Malformed(what) => reject(Reason::Malformed, what),
    })?;
    let kid = parsed.claims.kid;
    if revocations.is_some_and(|r| r.is_compromised(&kid)) {
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
    Ok((parsed.claims, body, key))
}
