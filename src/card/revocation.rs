//! The signed revocation list (format v2, `docs/card-format.md` §5): numbered, with a deadline,
//! and private.
//!
//! - **Fresh**: each list has a `number` that grows with every list an issuer signs and a
//!   `next_update` by which the next one is due. A verifier reports "status as of list N, issued
//!   at T", keeps the largest number it has seen ([`RevocationList::update`]), and past
//!   `next_update` answers `stale` (signature valid, status unknown) instead of `valid`.
//! - **Private**: the list names no member and no card id. Each revoked card is one 32-byte entry:
//!   a revocation id (`rid`), the SHA-256 of the card's body under a context, which only someone
//!   holding the card (or its issuer) can compute, and 16 sealed bytes that say whether its holder
//!   left, when, and who took over, masked with a key that again only the card gives. Issuers pad
//!   the entries with decoys ([`Decoys`]) that look the same, so the list's length says little
//!   about how many cards are revoked, and nothing about whose.
//! - **Successors**: the public `successors` table names the people who took over from someone
//!   (never whom); a departed card's sealed record points into it, so an offline verifier of the
//!   old card says "left Acme on D; contact Y now".
//!
//! The document carries the list's JSON as base64url bytes beside a signature over exactly those
//! bytes, so nobody has to canonicalise JSON to check it (the JWS approach).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::{Hmac, Mac as _};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::CardError;
use super::error::{DocumentCode, DocumentError, DocumentKind};
use super::format::{self, limits};
use super::ids::{Issuer, KeyId};
use super::json::{self, Object, Value};
use super::keys::{Keyset, SigningKey};

/// Domain separation for revocation-list signatures.
pub const LIST_CONTEXT: &[u8] = b"namecard/revocations/v2\0";
/// The `format` member of a signed revocation document.
pub const LIST_FORMAT: &str = "namecard-revocations/v2";
/// Largest document accepted, bounding work on hostile input.
pub const MAX_DOCUMENT_LEN: usize = 16 * 1024 * 1024;
/// Latest time any document may state: 9999-12-31T23:59:59Z.
pub const MAX_TIME: i64 = 253_402_300_799;
/// Largest list number: 2^53 - 1, exact in every JSON implementation.
pub const MAX_NUMBER: u64 = (1 << 53) - 1;
/// Longest a list may stay current: `next_update - issued_at` is at most 31 days.
pub const MAX_LIFETIME: i64 = 31 * 86_400;
/// Most entries in the `successors` table.
pub const MAX_SUCCESSORS: usize = 10_000;
/// Most entries in `compromised_keys`.
pub const MAX_COMPROMISED: usize = 1_000;
/// Bytes of one entry: the revocation id, then the sealed record.
pub const ENTRY_LEN: usize = 32;

const RID_CONTEXT: &[u8] = b"namecard/rid/v1\0";
const SEAL_KEY_CONTEXT: &[u8] = b"namecard/seal-key/v1\0";
const SEAL_CONTEXT: &[u8] = b"namecard/seal/v1\0";
const NO_SUCCESSOR: u32 = u32::MAX;
const STATE_WITHDRAWN: u8 = 1;
const STATE_DEPARTED: u8 = 2;

type HmacSha256 = Hmac<Sha256>;

/// A card's revocation id: the first 16 bytes of `SHA-256("namecard/rid/v1" 0x00 || body)`,
/// `body` being the whole decoded card body, signature included.
pub fn revocation_id(body: &[u8]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(RID_CONTEXT)
        .chain_update(body)
        .finalize();
    first_16(&digest)
}

/// The mask that seals a card's record in list `number`: the first 16 bytes of
/// `HMAC-SHA-256(SHA-256("namecard/seal-key/v1" 0x00 || body), "namecard/seal/v1" 0x00 ||
/// number as 8 bytes big-endian)`. A new list number gives a new mask, so sealed bytes of one
/// list cannot be compared with the next.
fn seal_mask(body: &[u8], number: u64) -> [u8; 16] {
    let key = Sha256::new()
        .chain_update(SEAL_KEY_CONTEXT)
        .chain_update(body)
        .finalize();
    hmac_16(&key, &[SEAL_CONTEXT, &number.to_be_bytes()])
}

fn hmac_16(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC takes keys of any length.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        unreachable!("HMAC accepts every key length")
    };
    for part in parts {
        mac.update(part);
    }
    first_16(&mac.finalize().into_bytes())
}

fn first_16(bytes: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&bytes[..16]);
    out
}

/// Whether a listed card was withdrawn or its holder left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevokedState {
    /// The card was withdrawn (lost, replaced, a reset); its holder may still be there.
    Withdrawn,
    /// The holder left the organization.
    Departed,
}

/// Someone who took over from departed members, as the public `successors` table names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Successor {
    /// Display name, 1-64 characters under the card text rules.
    pub name: String,
    /// Title, 1-64 characters, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Successor {
    /// Checks the name and title against the card text rules (§2.2).
    ///
    /// # Errors
    /// [`CardError::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<(), CardError> {
        format::check_text("successor name", &self.name, limits::NAME, true)?;
        if let Some(title) = &self.title {
            format::check_text("successor title", title, limits::TITLE, true)?;
        }
        Ok(())
    }
}

/// What a list says about one card, unsealed with the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revocation {
    /// Withdrawn, or its holder left.
    pub state: RevokedState,
    /// When it was withdrawn, or when its holder left (Unix seconds).
    pub at: i64,
    /// Whom to contact instead (departed holders only).
    pub successor: Option<Successor>,
}

/// A checked revocation list.
#[derive(Clone, PartialEq, Eq)]
pub struct RevocationList {
    issuer: Issuer,
    number: u64,
    issued_at: i64,
    next_update: i64,
    /// Sorted, distinct by their first 16 bytes (the revocation id).
    entries: Vec<[u8; ENTRY_LEN]>,
    successors: Vec<Successor>,
    compromised_keys: Vec<KeyId>,
    /// SHA-256 of the signed payload: two lists with one number must have the same.
    digest: [u8; 32],
}

impl fmt::Debug for RevocationList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationList")
            .field("issuer", &self.issuer)
            .field("number", &self.number)
            .field("issued_at", &self.issued_at)
            .field("next_update", &self.next_update)
            .field("entries", &self.entries.len())
            .field("successors", &self.successors.len())
            .field("compromised_keys", &self.compromised_keys)
            .finish()
    }
}

/// What [`RevocationList::update`] did with an offered list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// The offered list is newer (a larger number): it replaces the held one.
    Replaced,
    /// The offered list is the held one.
    Same,
}

impl RevocationList {
    /// The issuer whose cards these are.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The list's number: larger is newer.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// When the list was signed.
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// When the next list is due; from then on (less the clock skew) the list is stale.
    pub fn next_update(&self) -> i64 {
        self.next_update
    }

    /// How many entries the list publishes (real ones and decoys alike).
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// The public successors table.
    pub fn successors(&self) -> &[Successor] {
        &self.successors
    }

    /// Keys whose every card is refused.
    pub fn compromised_keys(&self) -> &[KeyId] {
        &self.compromised_keys
    }

    /// Whether `kid` is listed as compromised.
    pub fn is_compromised(&self, kid: &KeyId) -> bool {
        self.compromised_keys.contains(kid)
    }

    /// Whether the list is past its deadline at `now`: `now - skew >= next_update`.
    pub fn is_stale(&self, now: i64, skew: i64) -> bool {
        i128::from(now) - i128::from(skew) >= i128::from(self.next_update)
    }

    /// Looks a card up by its whole body: `None` when it is not listed; `Some(details)` when it
    /// is, with its unsealed record, or `Some(None)` when the record does not unseal to a
    /// well-formed one (the card is revoked all the same).
    pub fn lookup(&self, body: &[u8]) -> Option<Option<Revocation>> {
        let rid = revocation_id(body);
        let i = self
            .entries
            .binary_search_by(|e| e[..16].cmp(&rid[..]))
            .ok()?;
        let mask = seal_mask(body, self.number);
        let mut record = [0u8; 16];
        for (r, (s, m)) in record
            .iter_mut()
            .zip(self.entries[i][16..].iter().zip(mask))
        {
            *r = s ^ m;
        }
        Some(self.unseal(&record))
    }

    fn unseal(&self, record: &[u8; 16]) -> Option<Revocation> {
        let at = i64::from_be_bytes(record[1..9].try_into().ok()?);
        let successor = u32::from_be_bytes(record[9..13].try_into().ok()?);
        if !(0..=MAX_TIME).contains(&at) || record[13..] != [0, 0, 0] {
            return None;
        }
        let state = match record[0] {
            STATE_WITHDRAWN if successor == NO_SUCCESSOR => RevokedState::Withdrawn,
            STATE_DEPARTED => RevokedState::Departed,
            _ => return None,
        };
        let successor = match successor {
            NO_SUCCESSOR => None,
            i => Some(self.successors.get(usize::try_from(i).ok()?)?.clone()),
        };
        Some(Revocation {
            state,
            at,
            successor,
        })
    }

    /// The replacement rule (§5.5): a verifier holding `held` (if any) and offered `self` keeps
    /// the list with the larger number, and refuses an older list and a different list under
    /// the same number.
    ///
    /// # Errors
    /// [`DocumentCode::OlderList`] or [`DocumentCode::ConflictingList`]; the held list stays.
    pub fn update(held: Option<&Self>, offered: &Self) -> Result<Update, DocumentError> {
        let refuse = |code, detail: String| {
            Err(DocumentError::new(
                DocumentKind::RevocationList,
                code,
                detail,
            ))
        };
        match held {
            None => Ok(Update::Replaced),
            Some(h) if offered.number > h.number => Ok(Update::Replaced),
            Some(h) if offered.number < h.number => refuse(
                DocumentCode::OlderList,
                format!(
                    "list {} is older than the list {} already held",
                    offered.number, h.number
                ),
            ),
            Some(h) if offered.digest == h.digest => Ok(Update::Same),
            Some(h) => refuse(
                DocumentCode::ConflictingList,
                format!(
                    "a different list with the number {} of the list already held",
                    h.number
                ),
            ),
        }
    }

    /// Checks a signed document against the issuer's keyset and returns the list, in the order
    /// of §5.4. `skew` is the verifier's clock allowance for the signing key's window.
    ///
    /// # Errors
    /// A [`DocumentError`] with the first failed step's code.
    pub fn load(document: &[u8], keyset: &Keyset, skew: i64) -> Result<Self, DocumentError> {
        let err =
            |code, detail: String| DocumentError::new(DocumentKind::RevocationList, code, detail);
        let malformed = |detail: String| err(DocumentCode::Malformed, detail);
        if document.len() > MAX_DOCUMENT_LEN {
            return Err(malformed(format!(
                "the document is {} bytes, over the limit of {MAX_DOCUMENT_LEN}",
                document.len()
            )));
        }
        let mut envelope = json::parse(document)
            .and_then(|v| Object::new("the document", v))
            .map_err(malformed)?;
        let format = envelope.string("format").map_err(malformed)?;
        if format != LIST_FORMAT {
            return Err(err(
                DocumentCode::UnsupportedFormat,
                format!(
                    "format {:?} is not {LIST_FORMAT:?}",
                    json::truncate(&format)
                ),
            ));
        }
        let kid = envelope.string("kid").map_err(malformed)?;
        let payload = envelope.string("payload").map_err(malformed)?;
        let signature = envelope.string("signature").map_err(malformed)?;
        envelope.finish().map_err(malformed)?;
        let kid: KeyId = kid
            .parse()
            .map_err(|_| malformed("kid is not the base64url of 8 bytes".into()))?;
        let payload = decode_b64url(&payload)
            .ok_or_else(|| malformed("payload is not canonical base64url".into()))?;
        let signature: [u8; 64] = decode_b64url(&signature)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| malformed("signature is not the base64url of 64 bytes".into()))?;
        let Some((record, key)) = keyset.entry(&kid) else {
            return Err(err(
                DocumentCode::UnknownSigner,
                format!("signed by key {kid}, which is not in the keyset"),
            ));
        };
        // Checked once per document, so without building the key's table.
        if !key.verify_once(&signed_message(&payload), &signature) {
            return Err(err(
                DocumentCode::BadSignature,
                "the signature does not verify".into(),
            ));
        }
        let list = parse_payload(&payload).map_err(|e| malformed(format!("payload: {e}")))?;
        if list.issuer != *keyset.issuer() {
            return Err(err(
                DocumentCode::WrongIssuer,
                format!("the list is for {}, not {}", list.issuer, keyset.issuer()),
            ));
        }
        if list.is_compromised(&kid) {
            return Err(err(
                DocumentCode::SignerCompromised,
                format!("signed by {kid}, which the list itself names compromised"),
            ));
        }
        if !record.covers(list.issued_at, skew) {
            return Err(err(
                DocumentCode::SignerNotValid,
                format!(
                    "issued at {} outside the validity window of key {kid}",
                    list.issued_at
                ),
            ));
        }
        Ok(list)
    }
}

/// `LIST_CONTEXT || payload`: what the list's key signs.
fn signed_message(payload: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(LIST_CONTEXT.len() + payload.len());
    msg.extend_from_slice(LIST_CONTEXT);
    msg.extend_from_slice(payload);
    msg
}

/// Canonical unpadded base64url: the decoding re-encodes to the same text (no padding, no
/// other alphabet, no set trailing bits).
pub(crate) fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    let bytes = B64URL.decode(text).ok()?;
    (B64URL.encode(&bytes) == text).then_some(bytes)
}

fn parse_time(o: &mut Object<'_>, name: &str) -> Result<i64, String> {
    // MAX_TIME < 2^63, so the cast is exact.
    o.int(name, 0..=MAX_TIME as u64).map(|t| t as i64)
}

/// The payload's JSON (§5.2), every rule but those that need the keyset.
fn parse_payload(payload: &[u8]) -> Result<RevocationList, String> {
    let mut o = Object::new("the payload", json::parse(payload)?)?;
    let issuer = o.string("issuer")?;
    let issuer = Issuer::parse_canonical(&issuer).map_err(|_| {
        format!(
            "issuer {:?} is not a canonical issuer",
            json::truncate(&issuer)
        )
    })?;
    let number = o.int("number", 1..=MAX_NUMBER)?;
    let issued_at = parse_time(&mut o, "issued_at")?;
    let next_update = parse_time(&mut o, "next_update")?;
    if next_update <= issued_at || next_update - issued_at > MAX_LIFETIME {
        return Err(format!(
            "next_update must be after issued_at by 1 s to {MAX_LIFETIME} s (31 days)"
        ));
    }
    let entries = o.string("entries")?;
    let entries = decode_b64url(&entries).ok_or("entries is not canonical base64url")?;
    if entries.len() % ENTRY_LEN != 0 {
        return Err(format!(
            "entries holds {} bytes, not a multiple of {ENTRY_LEN}",
            entries.len()
        ));
    }
    let entries: Vec<[u8; ENTRY_LEN]> = entries
        .chunks_exact(ENTRY_LEN)
        .map(|c| c.try_into().unwrap_or([0; ENTRY_LEN]))
        .collect();
    if entries.windows(2).any(|w| w[0][..16] >= w[1][..16]) {
        return Err("entries are not in strictly increasing order of revocation id".into());
    }
    let successors = o
        .array("successors", MAX_SUCCESSORS)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| parse_successor(i, v))
        .collect::<Result<Vec<_>, _>>()?;
    let mut compromised_keys = Vec::new();
    for (i, v) in o
        .array("compromised_keys", MAX_COMPROMISED)?
        .into_iter()
        .enumerate()
    {
        let text = json::string(&format!("compromised_keys[{i}]"), v)?;
        let kid: KeyId = text
            .parse()
            .map_err(|_| format!("compromised_keys[{i}] is not a key id"))?;
        if compromised_keys.contains(&kid) {
            return Err(format!("compromised_keys names {kid} twice"));
        }
        compromised_keys.push(kid);
    }
    o.finish()?;
    Ok(RevocationList {
        issuer,
        number,
        issued_at,
        next_update,
        entries,
        successors,
        compromised_keys,
        digest: Sha256::digest(payload).into(),
    })
}

fn parse_successor(i: usize, value: Value) -> Result<Successor, String> {
    let what = format!("successors[{i}]");
    let mut o = Object::new(&what, value)?;
    let name = o.string("name")?;
    let title = match o.take("title") {
        None => None,
        Some(v) => Some(json::string(&format!("{what}.title"), v)?),
    };
    o.finish()?;
    let successor = Successor { name, title };
    successor.validate().map_err(|e| format!("{what}: {e}"))?;
    Ok(successor)
}

/// The secret seed of an issuer's decoy entries. Its `Debug` shows nothing.
#[derive(Clone)]
pub struct Decoys {
    seed: [u8; 32],
}

impl fmt::Debug for Decoys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Decoys(secret)")
    }
}

impl Decoys {
    /// Fewest entries a padded list publishes.
    pub const MIN_ENTRIES: usize = 64;
    /// Each decoy is replaced once per period, each at its own secret moment, so that entries
    /// come and go all the time and a real revocation looks like decoy churn.
    pub const PERIOD_SECS: i64 = 7 * 86_400;

    /// Decoys from a secret seed (keep it beside the signing keys).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self { seed }
    }

    /// How many entries a list with `real` revoked cards publishes: the next power of two of at
    /// least twice as many, and at least [`Decoys::MIN_ENTRIES`].
    pub fn padded_len(real: usize) -> usize {
        real.saturating_mul(2)
            .max(Self::MIN_ENTRIES)
            .checked_next_power_of_two()
            .unwrap_or(usize::MAX)
    }

    /// Decoy entry `slot` of list `number` at `now`: a revocation id stable for the slot's
    /// current period and sealed bytes new in every list, like a real entry's.
    fn entry(&self, slot: u64, now: i64, number: u64) -> [u8; ENTRY_LEN] {
        let slot = slot.to_be_bytes();
        let phase = hmac_16(&self.seed, &[b"phase", &slot]);
        let phase = u64::from_be_bytes([
            phase[0], phase[1], phase[2], phase[3], phase[4], phase[5], phase[6], phase[7],
        ]);
        let period = Self::PERIOD_SECS as u64;
        let epoch = (now.max(0) as u64).wrapping_add(phase % period) / period;
        let epoch = epoch.to_be_bytes();
        let mut out = [0u8; ENTRY_LEN];
        out[..16].copy_from_slice(&hmac_16(&self.seed, &[b"rid", &slot, &epoch]));
        out[16..].copy_from_slice(&hmac_16(
            &self.seed,
            &[b"sealed", &slot, &epoch, &number.to_be_bytes()],
        ));
        out
    }
}

/// One revoked card as its issuer lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedCard {
    /// The card's whole decoded body (see [`card_body`]).
    pub body: Vec<u8>,
    /// Withdrawn, or its holder left.
    pub state: RevokedState,
    /// When (Unix seconds).
    pub at: i64,
    /// Index into the draft's `successors` (departed holders only).
    pub successor: Option<u32>,
}

/// The body bytes of a card text of `issuer` (for listing a card the issuer made).
///
/// # Errors
/// [`CardError::InvalidField`] when the text is not a card text of this issuer.
pub fn card_body(issuer: &Issuer, text: &str) -> Result<Vec<u8>, CardError> {
    text.strip_prefix(issuer.card_prefix())
        .and_then(format::decode_text)
        .filter(|body| format::parse_body(body).is_ok())
        .ok_or_else(|| CardError::field("card", format!("not a card text of {issuer}")))
}

/// A list as its issuer composes it, before signing.
#[derive(Debug, Clone)]
pub struct ListDraft {
    /// The issuer.
    pub issuer: Issuer,
    /// Larger than every number this issuer signed before.
    pub number: u64,
    /// Now.
    pub issued_at: i64,
    /// When the next list will be due (at most [`MAX_LIFETIME`] later).
    pub next_update: i64,
    /// The revoked cards.
    pub revoked: Vec<RevokedCard>,
    /// The successors table that `revoked` points into.
    pub successors: Vec<Successor>,
    /// Compromised keys.
    pub compromised_keys: Vec<KeyId>,
    /// Decoy padding; `None` publishes the real entries only (test vectors).
    pub decoys: Option<Decoys>,
}

/// A signed list: the published document and the same list as verifiers read it.
#[derive(Debug, Clone)]
pub struct SignedList {
    /// The JSON document (pretty-printed).
    pub document: String,
    /// The list it carries.
    pub list: RevocationList,
}

#[derive(Serialize)]
struct PayloadOut<'a> {
    issuer: &'a str,
    number: u64,
    issued_at: i64,
    next_update: i64,
    entries: String,
    successors: &'a [Successor],
    compromised_keys: &'a [KeyId],
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'a str,
    kid: KeyId,
    payload: String,
    signature: String,
}

impl ListDraft {
    /// Checks the draft and computes its entries: sealed records for the revoked cards, then
    /// the decoys, sorted.
    ///
    /// # Errors
    /// [`CardError::InvalidRevocationList`] for a number, time or table out of its range, a
    /// successor index out of the table, a successor on a withdrawn card, or a card twice.
    pub fn entries(&self) -> Result<Vec<[u8; ENTRY_LEN]>, CardError> {
        let bad = |m: String| Err(CardError::InvalidRevocationList(m));
        if !(1..=MAX_NUMBER).contains(&self.number) {
            return bad(format!(
                "number {} is outside 1..={MAX_NUMBER}",
                self.number
            ));
        }
        if !(0..=MAX_TIME).contains(&self.issued_at)
            || self.next_update <= self.issued_at
            || self.next_update - self.issued_at > MAX_LIFETIME
        {
            return bad("issued_at and next_update are out of range".into());
        }
        if self.successors.len() > MAX_SUCCESSORS || self.compromised_keys.len() > MAX_COMPROMISED {
            return bad("too many successors or compromised keys".into());
        }
        for s in &self.successors {
            s.validate()?;
        }
        let mut entries = Vec::with_capacity(Decoys::padded_len(self.revoked.len()));
        for card in &self.revoked {
            let successor = match card.successor {
                None => NO_SUCCESSOR,
                Some(i) if (i as usize) < self.successors.len() => i,
                Some(i) => return bad(format!("successor {i} is not in the table")),
            };
            let state = match card.state {
                RevokedState::Withdrawn if successor != NO_SUCCESSOR => {
                    return bad(
                        "a withdrawn card has no successor; its holder did not leave".into(),
                    );
                }
                RevokedState::Withdrawn => STATE_WITHDRAWN,
                RevokedState::Departed => STATE_DEPARTED,
            };
            if !(0..=MAX_TIME).contains(&card.at) {
                return bad(format!("revocation time {} is out of range", card.at));
            }
            let mut record = [0u8; 16];
            record[0] = state;
            record[1..9].copy_from_slice(&card.at.to_be_bytes());
            record[9..13].copy_from_slice(&successor.to_be_bytes());
            let mask = seal_mask(&card.body, self.number);
            let mut entry = [0u8; ENTRY_LEN];
            entry[..16].copy_from_slice(&revocation_id(&card.body));
            for (e, (r, m)) in entry[16..].iter_mut().zip(record.iter().zip(mask)) {
                *e = r ^ m;
            }
            entries.push(entry);
        }
        entries.sort_unstable();
        if entries.windows(2).any(|w| w[0][..16] == w[1][..16]) {
            return bad("a card is listed twice".into());
        }
        if let Some(decoys) = &self.decoys {
            let target = Decoys::padded_len(entries.len());
            let mut slot = 0u64;
            while entries.len() < target {
                let decoy = decoys.entry(slot, self.issued_at, self.number);
                slot += 1;
                // A collision with a real id (2^-128) would only cost one decoy.
                if let Err(i) = entries.binary_search_by(|e| e[..16].cmp(&decoy[..16])) {
                    entries.insert(i, decoy);
                }
            }
        }
        Ok(entries)
    }

    /// The list [`ListDraft::sign`] would publish, unsigned: for an issuer's own checks.
    ///
    /// # Errors
    /// As [`ListDraft::entries`].
    pub fn list(&self) -> Result<RevocationList, CardError> {
        self.payload().map(|(list, _)| list)
    }

    /// Signs the draft with `key` into the published document.
    ///
    /// # Errors
    /// As [`ListDraft::entries`].
    pub fn sign(&self, key: &SigningKey) -> Result<SignedList, CardError> {
        let (list, payload) = self.payload()?;
        let envelope = EnvelopeOut {
            format: LIST_FORMAT,
            kid: key.kid(),
            payload: B64URL.encode(&payload),
            signature: B64URL.encode(key.sign(&signed_message(&payload))),
        };
        let document = serde_json::to_string_pretty(&envelope)
            .map_err(|e| CardError::InvalidRevocationList(e.to_string()))?;
        Ok(SignedList { document, list })
    }

    /// The list and its payload bytes.
    fn payload(&self) -> Result<(RevocationList, Vec<u8>), CardError> {
        let entries = self.entries()?;
        let flat: Vec<u8> = entries.iter().flatten().copied().collect();
        let payload = serde_json::to_vec(&PayloadOut {
            issuer: self.issuer.as_str(),
            number: self.number,
            issued_at: self.issued_at,
            next_update: self.next_update,
            entries: B64URL.encode(&flat),
            successors: &self.successors,
            compromised_keys: &self.compromised_keys,
        })
        .map_err(|e| CardError::InvalidRevocationList(e.to_string()))?;
        let list = RevocationList {
            issuer: self.issuer.clone(),
            number: self.number,
            issued_at: self.issued_at,
            next_update: self.next_update,
            entries,
            successors: self.successors.clone(),
            compromised_keys: self.compromised_keys.clone(),
            digest: Sha256::digest(&payload).into(),
        };
        Ok((list, payload))
    }
}

impl Serialize for Issuer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Issuer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Issuer::parse_canonical(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::parse("https://nc.example.com").unwrap()
    }

    fn draft(revoked: Vec<RevokedCard>) -> ListDraft {
        ListDraft {
            issuer: issuer(),
            number: 5,
            issued_at: 1_000,
            next_update: 2_000,
            revoked,
            successors: vec![Successor {
                name: "Alice Wang".into(),
                title: None,
            }],
            compromised_keys: vec![],
            decoys: Some(Decoys::from_seed([7; 32])),
        }
    }

    fn departed(body: &[u8]) -> RevokedCard {
        RevokedCard {
            body: body.to_vec(),
            state: RevokedState::Departed,
            at: 900,
            successor: Some(0),
        }
    }

    #[test]
    fn a_listed_card_unseals_its_record_and_others_are_not_found() {
        let key = SigningKey::from_seed(&[1; 32]);
        let signed = draft(vec![departed(b"card one")]).sign(&key).unwrap();
        let found = signed.list.lookup(b"card one").unwrap().unwrap();
        assert_eq!(found.state, RevokedState::Departed);
        assert_eq!(found.at, 900);
        assert_eq!(found.successor.unwrap().name, "Alice Wang");
        assert_eq!(signed.list.lookup(b"card two"), None);
    }

    #[test]
    fn decoys_pad_to_a_power_of_two_and_hide_which_entry_is_real() {
        let key = SigningKey::from_seed(&[1; 32]);
        let one = draft(vec![departed(b"card one")]).sign(&key).unwrap().list;
        assert_eq!(one.entry_count(), 64);
        assert_eq!(Decoys::padded_len(40), 128);
        // The next list seals the real entry anew: its bytes differ in the sealed half.
        let mut next = draft(vec![departed(b"card one")]);
        next.number = 6;
        let two = next.sign(&key).unwrap().list;
        let rid = revocation_id(b"card one");
        let find = |l: &RevocationList| *l.entries.iter().find(|e| e[..16] == rid).unwrap();
        assert_ne!(find(&one)[16..], find(&two)[16..]);
    }

    #[test]
    fn the_replacement_rule_keeps_the_larger_number_and_refuses_conflicts() {
        let key = SigningKey::from_seed(&[1; 32]);
        let five = draft(vec![]).sign(&key).unwrap().list;
        let mut d = draft(vec![departed(b"x")]);
        let five_other = d.sign(&key).unwrap().list;
        d.number = 6;
        let six = d.sign(&key).unwrap().list;
        assert_eq!(RevocationList::update(None, &five), Ok(Update::Replaced));
        assert_eq!(
            RevocationList::update(Some(&five), &six),
            Ok(Update::Replaced)
        );
        assert_eq!(RevocationList::update(Some(&five), &five), Ok(Update::Same));
        let older = RevocationList::update(Some(&six), &five).unwrap_err();
        assert_eq!(older.code, DocumentCode::OlderList);
        let conflict = RevocationList::update(Some(&five), &five_other).unwrap_err();
        assert_eq!(conflict.code, DocumentCode::ConflictingList);
    }

    #[test]
    fn a_draft_refuses_successors_on_withdrawn_cards_and_cards_twice() {
        let key = SigningKey::from_seed(&[1; 32]);
        let mut withdrawn = departed(b"x");
        withdrawn.state = RevokedState::Withdrawn;
        assert!(draft(vec![withdrawn]).sign(&key).is_err());
        assert!(
            draft(vec![departed(b"x"), departed(b"x")])
                .sign(&key)
                .is_err()
        );
        let mut far = draft(vec![]);
        far.next_update = far.issued_at + MAX_LIFETIME + 1;
        assert!(far.sign(&key).is_err());
    }
}
