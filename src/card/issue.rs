//! Issuing: claims in, signed QR text out.

use super::CardError;
use super::format::{self, CardClaims};
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

/// A freshly signed card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCard {
    /// What the card states.
    pub claims: CardClaims,
    /// The QR text: `<ISSUER>/C/<base-41 body>`, also the URL a phone camera opens.
    pub text: String,
}

/// Signs a new card with `key` at time `now` (Unix seconds).
///
/// # Errors
/// [`CardError::InvalidField`] when a field breaks the format's rules (empty or over-long
/// names, control characters, a bad channel tag, an expiry not after the start).
pub fn issue_card(
    issuer: &Issuer,
    key: &SigningKey,
    request: &CardRequest,
    now: i64,
) -> Result<IssuedCard, CardError> {
    let claims = CardClaims {
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
    claims.validate()?;
    Ok(sign_claims(issuer, key, claims))
}

/// Signs claims exactly as given. Used by [`issue_card`] and by test-vector generation, which
/// needs fixed card ids and times.
pub fn sign_claims(issuer: &Issuer, key: &SigningKey, claims: CardClaims) -> IssuedCard {
    let mut body = format::encode_unsigned(&claims);
    let signature = key.sign(&format::signed_message(issuer.as_str(), &body));
    body.extend_from_slice(&signature);
    let text = format!("{}{}", issuer.card_prefix(), format::encode_text(&body));
    IssuedCard { claims, text }
}
