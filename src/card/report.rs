//! The verification result as JSON (`docs/card-format.md` §8, `docs/verify-output.schema.json`):
//! what `namecard verify --json` prints, what the test vectors expect, and what the browser
//! verifier computes.

use serde::Serialize;

use super::error::DocumentError;
use super::format::{CardClaims, CardKind};
use super::ids::{CardId, KeyId};
use super::keys::KeyStatus;
use super::revocation::{Revocation, RevocationList, Successor};
use super::verify::{ListInfo, Reason, Rejection, VerifiedCard};

/// The specification version these results follow.
pub const SPEC_VERSION: &str = "1.1";

/// The three answers a verifier gives about a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed (its status against a fresh list, or no list given).
    Valid,
    /// Correctly signed and within its dates; the list is past its `next_update`.
    Stale,
    /// Refused, for `reason`.
    Invalid,
}

/// Every field of a card body (§2), the derived times included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardView {
    /// The body version: 1 for a member's card, 2 for a team's.
    pub version: u8,
    /// `member` or `team`.
    pub kind: CardKind,
    /// The `one_time` flag.
    pub one_time: bool,
    /// The signing key.
    pub kid: KeyId,
    /// The card id.
    pub card_id: CardId,
    /// Unix seconds.
    pub issued_at: i64,
    /// `issued_at + nbf_delta`.
    pub not_before: i64,
    /// `not_before + lifetime`.
    pub expires_at: i64,
    /// The organization's id.
    pub org_id: u64,
    /// The organization's name.
    pub org_name: String,
    /// A member's card: the member's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<u64>,
    /// A member's card: the member's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_name: Option<String>,
    /// A team card: the team's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<u64>,
    /// A team card: the team's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_name: Option<String>,
    /// The title, or `null`.
    pub title: Option<String>,
    /// The channel tag, or `null`.
    pub channel: Option<String>,
}

impl From<&CardClaims> for CardView {
    fn from(c: &CardClaims) -> Self {
        let member = c.kind == CardKind::Member;
        Self {
            version: c.kind.version(),
            kind: c.kind,
            one_time: c.one_time,
            kid: c.kid,
            card_id: c.card_id,
            issued_at: c.issued_at,
            not_before: c.not_before,
            expires_at: c.expires_at,
            org_id: c.org_id,
            org_name: c.org_name.clone(),
            member_id: member.then_some(c.member_id),
            member_name: member.then(|| c.member_name.clone()),
            team_id: (!member).then_some(c.member_id),
            team_name: (!member).then(|| c.member_name.clone()),
            title: c.title.clone(),
            channel: c.channel.clone(),
        }
    }
}

/// The signing key as the keyset has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyView {
    /// Its id.
    pub kid: KeyId,
    /// `active` or `retired`.
    pub status: KeyStatus,
}

/// One verification result (§8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyOutput {
    /// Always [`SPEC_VERSION`].
    pub spec: &'static str,
    /// `valid`, `stale` or `invalid`.
    pub result: Verdict,
    /// The reason code of an `invalid` result, else `null`.
    pub reason: Option<Reason>,
    /// A readable explanation (not normative: implementations word it as they like).
    pub detail: String,
    /// The card, for `valid`, `stale` and `revoked` results; else `null`.
    pub card: Option<CardView>,
    /// Its key, whenever `card` is given.
    pub key: Option<KeyView>,
    /// The list its status comes from, whenever `card` is given and a list was used.
    pub list: Option<ListInfo>,
    /// For `revoked`: what the list's sealed record says, if it unsealed to a well-formed one.
    pub revocation: Option<Revocation>,
}

impl VerifyOutput {
    /// The output for `verify_card`'s result.
    pub fn of(result: &Result<VerifiedCard, Rejection>) -> Self {
        let (verdict, reason, detail, card, revocation) = match result {
            Ok(card) => (Verdict::Valid, None, "valid".to_owned(), Some(card), None),
            Err(r) => (
                if r.reason == Reason::Stale {
                    Verdict::Stale
                } else {
                    Verdict::Invalid
                },
                (r.reason != Reason::Stale).then_some(r.reason),
                r.detail.clone(),
                r.card.as_deref(),
                r.revocation.clone(),
            ),
        };
        Self {
            spec: SPEC_VERSION,
            result: verdict,
            reason,
            detail,
            card: card.map(|c| CardView::from(&c.claims)),
            key: card.map(|c| KeyView {
                kid: c.claims.kid,
                status: c.key_status,
            }),
            list: card.and_then(|c| c.list),
            revocation,
        }
    }
}

/// The output when the keyset or the list is refused: no card is looked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentErrorOutput {
    /// Always [`SPEC_VERSION`].
    pub spec: &'static str,
    /// Always `document_error`.
    pub result: &'static str,
    /// `keyset` or `revocation_list`.
    pub document: &'static str,
    /// The stable code (§7).
    pub error: &'static str,
    /// What exactly is wrong.
    pub detail: String,
}

impl From<&DocumentError> for DocumentErrorOutput {
    fn from(e: &DocumentError) -> Self {
        Self {
            spec: SPEC_VERSION,
            result: "document_error",
            document: e.document.as_str(),
            error: e.code.as_str(),
            detail: e.detail.clone(),
        }
    }
}

/// What a loaded list says, as the list vectors (§9) expect it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListSummary {
    /// Always `ok`.
    pub result: &'static str,
    /// The list's number.
    pub number: u64,
    /// When it was signed.
    pub issued_at: i64,
    /// When the next is due.
    pub next_update: i64,
    /// How many entries it publishes (decoys included).
    pub entries: usize,
    /// The successors table.
    pub successors: Vec<Successor>,
    /// The compromised keys.
    pub compromised_keys: Vec<KeyId>,
}

impl From<&RevocationList> for ListSummary {
    fn from(l: &RevocationList) -> Self {
        Self {
            result: "ok",
            number: l.number(),
            issued_at: l.issued_at(),
            next_update: l.next_update(),
            entries: l.entry_count(),
            successors: l.successors().to_vec(),
            compromised_keys: l.compromised_keys().to_vec(),
        }
    }
}
