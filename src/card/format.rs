//! The card body (versions 1 and 2) and its text form inside the QR code.
//!
//! Version 1 is a member's card; version 2 carries a `kind` byte, and kind 1 is a team card (a
//! contact way answered by some members of an organization), whose name field holds the team's
//! display name. Member cards are always written as version 1, so every v1 verifier reads them;
//! a v1 verifier answers `unsupported_version` for a team card, which it cannot tell from a person.
//!
//! # Why a hand-laid binary layout
//! Every byte of a card costs QR modules, and a card must stay at QR version 10 or lower. A
//! fixed field order with LEB128 integers and length-prefixed UTF-8 needs no field names or
//! type tags: a typical card body is ~100 bytes where CBOR/COSE (as in the EU DCC) spends ~40
//! more on map keys and tags, and JSON/JWT about twice as much after base64. The layout is
//! canonical by construction (minimal varints, no trailing bytes, reserved flag bits zero), so
//! one card has exactly one encoding, and a verifier in any language needs ~60 lines to read it.
//! `docs/card-format.md` is the normative description.
//!
//! # Why base-41 in QR alphanumeric mode
//! The QR text is a URI `<ISSUER>/C/<body>` so a phone camera opens the service's page. The
//! whole URI is written in the 41 characters `0-9 A-Z $ * + - :` that are both QR-alphanumeric
//! (5.5 bits per character) and legal unescaped in a URL path, two bytes to three characters as
//! in Base45 (RFC 9285) but without its space and `%` that camera apps mangle. That spends 8.25
//! bits of QR data per byte against 10.7 for base64url in byte mode; see BENCHMARKS.md for the
//! QR versions each encoding needs.

use super::CardError;
use super::ids::{CardId, KeyId};

/// The body version of a member's card.
pub const VERSION: u8 = 1;
/// The body version with a `kind` byte (team cards).
pub const VERSION_KINDED: u8 = 2;
/// The `kind` byte of a team card in a version 2 body.
pub const KIND_TEAM: u8 = 1;
/// Domain separation: prefixed to every signed card so a card signature can never be taken
/// for a signature over anything else (revocation lists use their own context).
pub const CARD_CONTEXT: &[u8] = b"namecard/card/v1\0";
/// Ed25519 signature length.
pub const SIGNATURE_LEN: usize = 64;
/// Largest body accepted by the parser, far above any valid card; bounds work on hostile input.
pub const MAX_BODY_LEN: usize = 600;
/// Characters of the body's text encoding, in digit order.
pub const ALPHABET: &[u8; 41] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:";
/// Every character a card's QR text may hold: the alphabet, `.` and `/` (the uppercase issuer
/// adds only these). A text with any other byte, white space included, is malformed.
pub const TEXT_CHARACTERS: &[u8; 43] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-:./";

const FLAG_ONE_TIME: u8 = 0b0000_0001;
const HEADER_LEN: usize = 2 + KeyId::LEN + CardId::LEN;

/// Field length limits, in characters.
pub mod limits {
    /// Member display name.
    pub const NAME: usize = 64;
    /// Organization display name.
    pub const ORG_NAME: usize = 64;
    /// Member title.
    pub const TITLE: usize = 64;
    /// Channel tag, like WeCom's `state`.
    pub const CHANNEL: usize = 30;
}

/// Whose card it is: a member's, or a team's (a contact way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardKind {
    /// A member's own card (body version 1).
    Member,
    /// A team's card (body version 2, kind 1): `member_id` and `member_name` hold the team's id
    /// and display name.
    Team,
}

impl CardKind {
    /// The body version this kind is written in.
    pub fn version(self) -> u8 {
        match self {
            Self::Member => VERSION,
            Self::Team => VERSION_KINDED,
        }
    }
}

/// Everything a card states, all of it covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardClaims {
    /// A member's card or a team's.
    pub kind: CardKind,
    /// The key that signed the card.
    pub kid: KeyId,
    /// Random id of this card, used by revocation.
    pub card_id: CardId,
    /// Issuer-assigned organization id.
    pub org_id: u64,
    /// Organization display name.
    pub org_name: String,
    /// Issuer-assigned member id (a team card: the team's id).
    pub member_id: u64,
    /// Member display name (a team card: the team's display name).
    pub member_name: String,
    /// Member title, if any.
    pub title: Option<String>,
    /// Issued at, seconds since the Unix epoch (UTC).
    pub issued_at: i64,
    /// Not valid before, seconds since the Unix epoch; never before `issued_at`.
    pub not_before: i64,
    /// Expires at, seconds since the Unix epoch; after `not_before`.
    pub expires_at: i64,
    /// A one-time card may start one contact request only.
    pub one_time: bool,
    /// Where contacts made with this card came from (a trade fair, a website).
    pub channel: Option<String>,
}

impl CardClaims {
    /// Checks every field against the format's rules, as both the issuer and the parser must.
    ///
    /// # Errors
    /// [`CardError::InvalidField`] naming the first field that breaks a rule.
    pub fn validate(&self) -> Result<(), CardError> {
        check_text("member_name", &self.member_name, limits::NAME, true)?;
        check_text("org_name", &self.org_name, limits::ORG_NAME, true)?;
        if let Some(title) = &self.title {
            check_text("title", title, limits::TITLE, true)?;
        }
        if let Some(channel) = &self.channel {
            check_channel(channel)?;
        }
        if self.issued_at < 0 {
            return Err(CardError::field("issued_at", "before 1970"));
        }
        if self.not_before < self.issued_at {
            return Err(CardError::field("not_before", "earlier than issued_at"));
        }
        if self.expires_at <= self.not_before {
            return Err(CardError::field("expires_at", "not after not_before"));
        }
        Ok(())
    }
}

/// Checks that claims encode to a body of at most [`MAX_BODY_LEN`] bytes, as verifiers require.
///
/// # Errors
/// [`CardError::InvalidField`] for the `body`, saying how long it would be.
pub(crate) fn check_body_len(claims: &CardClaims) -> Result<(), CardError> {
    let len = encode_unsigned(claims).len() + SIGNATURE_LEN;
    if len > MAX_BODY_LEN {
        return Err(CardError::field(
            "body",
            format!(
                "the card would be {len} bytes, over the limit of {MAX_BODY_LEN}: shorten the \
                 names, title or channel"
            ),
        ));
    }
    Ok(())
}

/// Checks a display text: non-empty after trimming, at most `max` characters, and free of
/// control and bidirectional-override characters that could disguise it on screen.
pub(crate) fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), CardError> {
    if required && value.is_empty() {
        return Err(CardError::field(field, "must not be empty"));
    }
    if value.starts_with(is_white_space) || value.ends_with(is_white_space) {
        return Err(CardError::field(
            field,
            "has leading or trailing white space",
        ));
    }
    if value.chars().count() > max {
        return Err(CardError::field(
            field,
            format!("longer than {max} characters"),
        ));
    }
    if let Some(c) = value.chars().find(|c| disguises_text(*c)) {
        return Err(CardError::field(
            field,
            format!("contains the disallowed character U+{:04X}", u32::from(c)),
        ));
    }
    Ok(())
}

/// Unicode's `White_Space` characters, listed so that every implementation agrees (§2.2).
fn is_white_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}'..='\u{000D}'
            | '\u{0020}'
            | '\u{0085}'
            | '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Controls (`Cc`) and the characters that can disguise text on screen (§2.2).
pub(crate) fn disguises_text(c: char) -> bool {
    matches!(
        c,
        '\u{0000}'..='\u{001F}'
            | '\u{007F}'..='\u{009F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A channel tag is 1 to 30 characters of `A-Z a-z 0-9 . _ -`, safe in any log or URL.
///
/// # Errors
/// [`CardError::InvalidField`] for any other tag.
pub fn check_channel(channel: &str) -> Result<(), CardError> {
    let ok = !channel.is_empty()
        && channel.len() <= limits::CHANNEL
        && channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(CardError::field(
            "channel",
            "must be 1 to 30 characters of A-Z a-z 0-9 . _ -",
        ))
    }
}

/// Why bytes are not a well-formed v1 card body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    UnsupportedVersion(u8),
    UnsupportedKind(u8),
    Malformed(String),
}

fn malformed(what: impl Into<String>) -> BodyError {
    BodyError::Malformed(what.into())
}

/// Writes the unsigned body (everything but the signature).
pub(crate) fn encode_unsigned(claims: &CardClaims) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.push(claims.kind.version());
    out.push(if claims.one_time { FLAG_ONE_TIME } else { 0 });
    if claims.kind == CardKind::Team {
        out.push(KIND_TEAM);
    }
    out.extend_from_slice(claims.kid.as_bytes());
    out.extend_from_slice(claims.card_id.as_bytes());
    // validate() guarantees 0 <= issued_at <= not_before < expires_at.
    put_varint(&mut out, claims.issued_at as u64);
    put_varint(&mut out, (claims.not_before - claims.issued_at) as u64);
    put_varint(&mut out, (claims.expires_at - claims.not_before) as u64);
    put_varint(&mut out, claims.org_id);
    put_varint(&mut out, claims.member_id);
    put_str(&mut out, &claims.org_name);
    put_str(&mut out, &claims.member_name);
    put_str(&mut out, claims.title.as_deref().unwrap_or(""));
    put_str(&mut out, claims.channel.as_deref().unwrap_or(""));
    out
}

/// The exact bytes an issuer signs: context, issuer, unsigned body.
pub(crate) fn signed_message(issuer: &str, unsigned: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(CARD_CONTEXT.len() + 1 + issuer.len() + unsigned.len());
    msg.extend_from_slice(CARD_CONTEXT);
    // Issuer::MAX_LEN keeps this below 256.
    msg.push(issuer.len() as u8);
    msg.extend_from_slice(issuer.as_bytes());
    msg.extend_from_slice(unsigned);
    msg
}

/// A body split into its parsed claims, the unsigned bytes and the signature, not yet verified.
#[derive(Debug)]
pub(crate) struct ParsedBody<'a> {
    pub claims: CardClaims,
    pub unsigned: &'a [u8],
    pub signature: [u8; SIGNATURE_LEN],
}

/// Parses a complete body (unsigned part and signature).
pub(crate) fn parse_body(body: &[u8]) -> Result<ParsedBody<'_>, BodyError> {
    let kind = match body {
        [] => return Err(malformed("empty card")),
        [VERSION, ..] => CardKind::Member,
        [VERSION_KINDED, _, KIND_TEAM, ..] => CardKind::Team,
        [VERSION_KINDED, _, 0, ..] => {
            return Err(malformed("kind 0 (a member) is written as version 1"));
        }
        [VERSION_KINDED, _, kind, ..] => return Err(BodyError::UnsupportedKind(*kind)),
        [VERSION_KINDED, ..] => return Err(malformed("card too short")),
        [version, ..] => return Err(BodyError::UnsupportedVersion(*version)),
    };
    if body.len() > MAX_BODY_LEN {
        return Err(malformed("card too long"));
    }
    let header = HEADER_LEN + usize::from(kind == CardKind::Team);
    if body.len() < header + SIGNATURE_LEN {
        return Err(malformed("card too short"));
    }
    let (unsigned, signature) = body.split_at(body.len() - SIGNATURE_LEN);
    let mut r = Reader {
        buf: unsigned,
        pos: 1,
    };
    let flags = r.byte()?;
    if flags & !FLAG_ONE_TIME != 0 {
        return Err(malformed("reserved flag bits set"));
    }
    if kind == CardKind::Team {
        r.pos += 1;
    }
    let kid = KeyId::from_bytes(r.array()?);
    let card_id = CardId::from_bytes(r.array()?);
    let issued_at = r.varint()?;
    let nbf_delta = r.varint()?;
    let lifetime = r.varint()?;
    let org_id = r.varint()?;
    let member_id = r.varint()?;
    let org_name = r.string()?;
    let member_name = r.string()?;
    let title = r.string()?;
    let channel = r.string()?;
    if r.pos != unsigned.len() {
        return Err(malformed("trailing bytes after the last field"));
    }
    let to_i64 = |v: u64| i64::try_from(v).map_err(|_| malformed("time out of range"));
    let issued_at = to_i64(issued_at)?;
    let not_before = issued_at
        .checked_add(to_i64(nbf_delta)?)
        .ok_or_else(|| malformed("time out of range"))?;
    let expires_at = not_before
        .checked_add(to_i64(lifetime)?)
        .ok_or_else(|| malformed("time out of range"))?;
    let claims = CardClaims {
        kind,
        kid,
        card_id,
        org_id,
        org_name,
        member_id,
        member_name,
        title: Some(title).filter(|t| !t.is_empty()),
        issued_at,
        not_before,
        expires_at,
        one_time: flags & FLAG_ONE_TIME != 0,
        channel: Some(channel).filter(|c| !c.is_empty()),
    };
    claims.validate().map_err(|e| malformed(e.to_string()))?;
    let mut sig = [0u8; SIGNATURE_LEN];
    sig.copy_from_slice(signature);
    Ok(ParsedBody {
        claims,
        unsigned,
        signature: sig,
    })
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], BodyError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| malformed("truncated field"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, BodyError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BodyError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// Unsigned LEB128, minimal form only, at most 64 bits.
    fn varint(&mut self) -> Result<u64, BodyError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if i == 9 && part > 1 {
                return Err(malformed("integer over 64 bits"));
            }
            value |= part << (7 * i);
            if b & 0x80 == 0 {
                if i > 0 && b == 0 {
                    return Err(malformed("integer not in its shortest form"));
                }
                return Ok(value);
            }
        }
        Err(malformed("integer over 64 bits"))
    }

    fn string(&mut self) -> Result<String, BodyError> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| malformed("text too long"))?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| malformed("text is not UTF-8"))
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Encodes bytes in the card alphabet: each pair of bytes `(a, b)` becomes the three base-41
/// digits of `a * 256 + b`, most significant first; a final single byte becomes two digits.
pub fn encode_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |d: u32| out.push(char::from(ALPHABET[d as usize]));
    let mut chunks = bytes.chunks_exact(2);
    for pair in &mut chunks {
        let v = u32::from(pair[0]) << 8 | u32::from(pair[1]);
        push(v / (41 * 41));
        push(v / 41 % 41);
        push(v % 41);
    }
    if let [last] = chunks.remainder() {
        let v = u32::from(*last);
        push(v / 41);
        push(v % 41);
    }
    out
}

const NOT_A_DIGIT: u8 = u8::MAX;

/// Digit value of every byte, [`NOT_A_DIGIT`] outside the alphabet (a table: decoding sits on
/// the verification hot path).
const DIGITS: [u8; 256] = {
    let mut table = [NOT_A_DIGIT; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes [`encode_text`]'s output; rejects any other character, a length of 1 mod 3, and
/// groups whose value overflows, so each byte string has exactly one text.
pub fn decode_text(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match DIGITS[usize::from(c)] {
        NOT_A_DIGIT => None,
        d => Some(u32::from(d)),
    };
    let t = text.as_bytes();
    if t.len() % 3 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(t.len() / 3 * 2 + 1);
    let mut chunks = t.chunks_exact(3);
    for c in &mut chunks {
        let v = digit(c[0])? * 41 * 41 + digit(c[1])? * 41 + digit(c[2])?;
        let v = u16::try_from(v).ok()?;
        out.extend_from_slice(&v.to_be_bytes());
    }
    if let [a, b] = chunks.remainder() {
        let v = digit(*a)? * 41 + digit(*b)?;
        out.push(u8::try_from(v).ok()?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_varint(bytes: &[u8]) -> Result<u64, BodyError> {
        Reader { buf: bytes, pos: 0 }.varint()
    }

    #[test]
    fn varints_must_be_minimal_and_fit_64_bits() {
        assert_eq!(parse_varint(&[0x00]), Ok(0));
        assert_eq!(parse_varint(&[0x80, 0x01]), Ok(128));
        assert!(parse_varint(&[0x80, 0x00]).is_err(), "overlong zero");
        assert!(parse_varint(&[0xff; 11]).is_err());
        let mut max = Vec::new();
        put_varint(&mut max, u64::MAX);
        assert_eq!(parse_varint(&max), Ok(u64::MAX));
    }

    #[test]
    fn text_encoding_rejects_foreign_characters_bad_lengths_and_overflow() {
        assert_eq!(decode_text(""), Some(vec![]));
        assert_eq!(decode_text("0"), None);
        assert_eq!(decode_text("a00"), None, "lowercase is not in the alphabet");
        assert_eq!(decode_text("::"), None, "40*41+40 > 255");
        assert_eq!(decode_text(":::"), None, "over 65535");
        assert_eq!(decode_text("%00"), None);
    }

    #[test]
    fn disallowed_characters_are_named_in_the_error() {
        let err = check_text("member_name", "Eve\u{202E}gnp", 64, true).unwrap_err();
        assert!(err.to_string().contains("U+202E"), "{err}");
        assert!(check_text("member_name", "张伟", 64, true).is_ok());
        assert!(check_text("member_name", " x", 64, true).is_err());
    }

    proptest! {
        #[test]
        fn text_encoding_round_trips_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let text = encode_text(&bytes);
            prop_assert!(text.bytes().all(|c| ALPHABET.contains(&c)));
            prop_assert_eq!(decode_text(&text), Some(bytes));
        }

        #[test]
        fn varints_round_trip(v in any::<u64>()) {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            prop_assert_eq!(parse_varint(&out), Ok(v));
        }
    }
}
