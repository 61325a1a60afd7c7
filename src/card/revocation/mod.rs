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

mod draft;
pub use draft::{Decoys, ListDraft, RevokedCard, SignedList, card_body};

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
