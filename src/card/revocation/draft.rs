//! Writing revocation lists: the issuer's decoy seed, the revoked cards it knows, and a draft
//! signed into the published document (the reading side is the parent module).

use super::*;

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

    /// A SHA-256 over what the list says, signed by `signer`: its issuer, revoked cards (in any
    /// order), successors and compromised keys, but not its number, times or decoys, which
    /// change with every list. Two drafts with one digest publish the same facts, so an issuer
    /// that already published them need not sign another list.
    pub fn content_digest(&self, signer: Option<&KeyId>) -> [u8; 32] {
        fn field(h: &mut Sha256, bytes: &[u8]) {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        }
        let mut h = Sha256::new();
        field(&mut h, b"namecard/list-content/v1");
        field(&mut h, self.issuer.as_str().as_bytes());
        field(
            &mut h,
            signer.map(KeyId::to_string).unwrap_or_default().as_bytes(),
        );
        let mut cards: Vec<&RevokedCard> = self.revoked.iter().collect();
        cards.sort_unstable_by(|a, b| a.body.cmp(&b.body));
        h.update((cards.len() as u64).to_be_bytes());
        for card in cards {
            field(&mut h, &card.body);
            h.update([u8::from(card.state == RevokedState::Departed)]);
            h.update(card.at.to_be_bytes());
            h.update(card.successor.map_or(u64::MAX, u64::from).to_be_bytes());
        }
        h.update((self.successors.len() as u64).to_be_bytes());
        for s in &self.successors {
            field(&mut h, s.name.as_bytes());
            field(&mut h, s.title.as_deref().unwrap_or("\0").as_bytes());
        }
        h.update((self.compromised_keys.len() as u64).to_be_bytes());
        for kid in &self.compromised_keys {
            field(&mut h, kid.to_string().as_bytes());
        }
        h.finalize().into()
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
