//! Strict Ed25519 verification with a per-key precomputed table: `verify_strict`'s answers at
//! about half its cost, for keys that verify many cards (the keys of a keyset).
//!
//! `ed25519_dalek::VerifyingKey::verify_strict` accepts a signature `(R, s)` on `M` under `A` iff
//! `s < ℓ`, `R` decodes to a point that is not of small order, `A` is not of small order, and the
//! canonical encoding of `[s]B - [k]A` equals the bytes of `R`, with `k = SHA-512(R ‖ A ‖ M)`.
//! [`StrictKey`] decides exactly the same, with two changes in how, not what:
//!
//! - `R` is not decompressed. The final comparison is against a canonical encoding of a point, so
//!   bytes that are not a point, or not its canonical encoding, fail it anyway; the small-order
//!   test becomes a comparison with the eight canonical encodings of the small-order points
//!   (`EIGHT_TORSION`). A non-canonical encoding of one of them fails the final comparison.
//! - `[s]B + [k](-A)` is computed as two fixed-base multiplications (the basepoint's table and a
//!   table of `-A` built once per key, 30 KB), not one variable-time double-base multiplication:
//!   group arithmetic gives the same point either way, with about 250 fewer point doublings.
//!
//! `tests/card_strict_verification.rs` checks the two agree on Wycheproof's vectors, on every
//! flipped bit of a signature, and on small-order and mixed-order keys, `R` values and scalars.

use std::sync::OnceLock;

use curve25519_dalek::constants::{ED25519_BASEPOINT_TABLE, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsBasepointTable, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::BasepointTable as _;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest as _, Sha512};

/// A public key ready for strict verification; its table is built on first use and shared by
/// clones (through the keyset's `Arc`).
pub struct StrictKey {
    compressed: [u8; 32],
    minus_a: EdwardsPoint,
    table: OnceLock<Box<EdwardsBasepointTable>>,
}

impl StrictKey {
    /// Prepares `key`, or `None` for a small-order (weak) key, which `verify_strict` refuses for
    /// every signature.
    pub fn new(key: &VerifyingKey) -> Option<Self> {
        if key.is_weak() {
            return None;
        }
        let point = CompressedEdwardsY(key.to_bytes()).decompress()?;
        Some(Self {
            compressed: key.to_bytes(),
            minus_a: -point,
            table: OnceLock::new(),
        })
    }

    /// Whether `signature` is a strictly valid signature of `message` under this key, using (and
    /// on first call building, ~1 ms) the key's table.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let table = self
            .table
            .get_or_init(|| Box::new(EdwardsBasepointTable::create(&self.minus_a)));
        self.check(message, signature, |k, s| {
            ED25519_BASEPOINT_TABLE * s + &**table * k
        })
    }

    /// [`StrictKey::verify`] for a key used once: the same decision without building the table,
    /// by one double-base multiplication.
    pub fn verify_once(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.check(message, signature, |k, s| {
            EdwardsPoint::vartime_double_scalar_mul_basepoint(k, &self.minus_a, s)
        })
    }

    /// The checks both ways share; `recompute` returns `[s]B + [k](-A)`.
    fn check(
        &self,
        message: &[u8],
        signature: &[u8; 64],
        recompute: impl FnOnce(&Scalar, &Scalar) -> EdwardsPoint,
    ) -> bool {
        let (r, s) = signature.split_at(32);
        let Ok(s) = <[u8; 32]>::try_from(s) else {
            return false;
        };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            return false;
        };
        if small_order_encodings().iter().any(|e| e == r) {
            return false;
        }
        let k = Scalar::from_hash(
            Sha512::new()
                .chain_update(r)
                .chain_update(self.compressed)
                .chain_update(message),
        );
        recompute(&k, &s).compress().as_bytes() == r
    }
}

impl std::fmt::Debug for StrictKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StrictKey({:02x?})", &self.compressed[..4])
    }
}

/// The canonical encodings of the eight points of small order.
fn small_order_encodings() -> &'static [[u8; 32]; 8] {
    static ENCODINGS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    ENCODINGS.get_or_init(|| EIGHT_TORSION.map(|p| p.compress().to_bytes()))
}
