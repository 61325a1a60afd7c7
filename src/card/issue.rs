//! Issuing: claims in, signed QR text out.

use super::CardError;
use super::format::{self, CardClaims, CardKind};
use super::ids::{CardId, Issuer};
use super::keys::SigningKey;

/// What an issuer asks for; the key id, card id and issue time are filled in by [`issue_card`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRequest {
    /// Issuer-assigned organization id.
    pub org_id: u64,
    /// Organization display name.
    pub org_name: String,
    /// Issuer-assigned member id.
    pub member_id: u64,
    /// Member display name.
    pub member_name: String,
    /// Member title.
    pub title: Option<String>,
    /// Not valid before; defaults to the issue time.
    pub not_before: Option<i64>,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// A one-time card.
    pub one_time: bool,
    /// Channel tag.
    pub channel: Option<String>,
}

/// What an issuer asks for a team card (a contact way answered by members of an organization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamCardRequest {
    /// Issuer-assigned organization id.
    pub org_id: u64,
    /// Organization display name.
    pub org_name: String,
    /// Issuer-assigned team (contact way) id.
    pub team_id: u64,
    /// The team's display name, e.g. "Sales team".
    pub team_name: String,
    /// A subtitle, e.g. "Booth 3A".
    pub title: Option<String>,
    /// Not valid before; defaults to the issue time.
    pub not_before: Option<i64>,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// A one-time card.
    pub one_time: bool,
    /// Channel tag.
    pub channel: Option<String>,
}

/// A freshly signed card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCard {
    /// What the card states.
    pub claims: CardClaims,
    /// The QR text: `<ISSUER>/C/<base-41 body>`, also the URL a phone camera opens.
    pub text: String,
}

/// Signs a new member card with `key` at time `now` (Unix seconds).
///
/// # Errors
/// [`CardError::InvalidField`] when a field breaks the format's rules (empty or over-long
/// names, control characters, a bad channel tag, an expiry not after the start), or the body
/// would be longer than verifiers accept: a card `issue_card` makes is one `verify_card` reads.
pub fn issue_card(
    issuer: &Issuer,
    key: &SigningKey,
    request: &CardRequest,
    now: i64,
) -> Result<IssuedCard, CardError> {
    let claims = CardClaims {
        kind: CardKind::Member,
        kid: key.kid(),
        card_id: CardId::random(),
        org_id: request.org_id,
        org_name: request.org_name.clone(),
        member_id: request.member_id,
        member_name: request.member_name.clone(),
        title: request.title.clone().filter(|t| !t.is_empty()),
        issued_at: now,
        not_before: request.not_before.unwrap_or(now),
        expires_at: request.expires_at,
        one_time: request.one_time,
        channel: request.channel.clone().filter(|c| !c.is_empty()),
    };
    checked(issuer, key, claims)
}

/// Signs a new team card (body version 2, kind team) with `key` at time `now`.
///
/// # Errors
/// As [`issue_card`].
pub fn issue_team_card(
    issuer: &Issuer,
    key: &SigningKey,
    request: &TeamCardRequest,
    now: i64,
) -> Result<IssuedCard, CardError> {
    let claims = CardClaims {
        kind: CardKind::Team,
        kid: key.kid(),
        card_id: CardId::random(),
        org_id: request.org_id,
        org_name: request.org_name.clone(),
        member_id: request.team_id,
        member_name: request.team_name.clone(),
        title: request.title.clone().filter(|t| !t.is_empty()),
        issued_at: now,
        not_before: request.not_before.unwrap_or(now),
        expires_at: request.expires_at,
        one_time: request.one_time,
        channel: request.channel.clone().filter(|c| !c.is_empty()),
    };
    checked(issuer, key, claims).map_err(|e| match e {
        CardError::InvalidField {
            field: "member_name",
            reason,
        } => CardError::InvalidField {
            field: "team_name",
            reason,
        },
        other => other,
    })
}

/// Every rule a verifier applies to a body, checked before signing.
fn checked(issuer: &Issuer, key: &SigningKey, claims: CardClaims) -> Result<IssuedCard, CardError> {
    claims.validate()?;
    format::check_body_len(&claims)?;
    Ok(sign_claims(issuer, key, claims))
}

/// Signs claims exactly as given, unchecked. Used by [`issue_card`] and by test-vector
/// generation, which needs fixed card ids and times (and cards that break the rules).
pub fn sign_claims(issuer: &Issuer, key: &SigningKey, claims: CardClaims) -> IssuedCard {
    let mut body = format::encode_unsigned(&claims);
    let signature = key.sign(&format::signed_message(issuer.as_str(), &body));
    body.extend_from_slice(&signature);
    let text = format!("{}{}", issuer.card_prefix(), format::encode_text(&body));
    IssuedCard { claims, text }
}
