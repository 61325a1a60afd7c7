//! Strict Ed25519 verification with per-key precomputed tables: `verify_strict`'s answers at
//! about a third of its cost, for keys that verify many cards (the keys of a keyset).
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
//! - `[s]B + [k](-A)` is computed from two tables of multiples, one of `B` (built once per process)
//!   and one of `-A` (built once per key on first use): 32 signed radix-256 digits per scalar, so
//!   at most 64 point additions and no doublings, where the double-base multiplication does ~253
//!   doublings. Group arithmetic gives the same point either way. The lookups are variable-time,
//!   as `verify_strict`'s own multiplication is: everything a verifier handles is public.
//!
//! `tests/card_strict_verification.rs` checks the two agree on Wycheproof's vectors, on every
//! flipped bit of a signature, and on small-order and mixed-order keys, `R` values and scalars.

use std::sync::OnceLock;

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity as _;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest as _, Sha512};

/// A public key ready for strict verification; its table is built on first use and shared by
/// clones (through the keyset's `Arc`).
pub struct StrictKey {
    compressed: [u8; 32],
    minus_a: EdwardsPoint,
    table: OnceLock<Multiples>,
}

impl StrictKey {
    /// Prepares `key`, or `None` for a small-order (weak) key, which `verify_strict` refuses for
    /// every signature.
    pub fn new(key: &VerifyingKey) -> Option<Self> {
        (!key.is_weak()).then(|| Self {
            compressed: key.to_bytes(),
            minus_a: -key.to_edwards(),
            table: OnceLock::new(),
        })
    }

    /// Whether `signature` is a strictly valid signature of `message` under this key, using (and
    /// on first call building, ~2 ms) the key's table.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let table = self.table.get_or_init(|| Multiples::of(&self.minus_a));
        self.check(message, signature, |k, s| {
            let mut sum = EdwardsPoint::identity();
            basepoint_multiples().add_multiple(&mut sum, s);
            table.add_multiple(&mut sum, k);
            sum
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

/// `j · 256^i · P` for every position `i < 32` and digit `1 <= j <= 128`: 4,096 points, 640 KB.
struct Multiples(Vec<EdwardsPoint>);

impl Multiples {
    const DIGITS: usize = 128;

    fn of(point: &EdwardsPoint) -> Self {
        let mut multiples = Vec::with_capacity(32 * Self::DIGITS);
        let mut base = *point;
        for _ in 0..32 {
            let mut multiple = base;
            for _ in 0..Self::DIGITS {
                multiples.push(multiple);
                multiple += base;
            }
            // 256 · base, the next position's unit (128 · base was pushed last).
            let top = multiple - base;
            base = top + top;
        }
        Self(multiples)
    }

    /// Adds `scalar · P` to `sum`. The scalar is written in 32 signed radix-256 digits in
    /// [-128, 127]; a canonical scalar (below 2^253, as every `Scalar` is) has no carry out of
    /// the last one.
    fn add_multiple(&self, sum: &mut EdwardsPoint, scalar: &Scalar) {
        let mut carry = 0i16;
        for (i, &byte) in scalar.as_bytes().iter().enumerate() {
            let value = i16::from(byte) + carry;
            let digit = if value >= 128 { value - 256 } else { value };
            carry = i16::from(value >= 128);
            let row = i * Self::DIGITS;
            match digit.cmp(&0) {
                std::cmp::Ordering::Greater => {
                    *sum += &self.0[row + digit.unsigned_abs() as usize - 1];
                }
                std::cmp::Ordering::Less => {
                    *sum -= &self.0[row + digit.unsigned_abs() as usize - 1];
                }
                std::cmp::Ordering::Equal => {}
            }
        }
        debug_assert_eq!(carry, 0, "scalars are canonical");
    }
}

/// The basepoint's multiples, built on first use.
fn basepoint_multiples() -> &'static Multiples {
    static MULTIPLES: OnceLock<Multiples> = OnceLock::new();
    MULTIPLES.get_or_init(|| Multiples::of(&ED25519_BASEPOINT_POINT))
}

/// The canonical encodings of the eight points of small order.
fn small_order_encodings() -> &'static [[u8; 32]; 8] {
    static ENCODINGS: OnceLock<[[u8; 32]; 8]> = OnceLock::new();
    ENCODINGS.get_or_init(|| EIGHT_TORSION.map(|p| p.compress().to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_multiples_equal_scalar_multiplication_at_every_digit_edge() {
        let point = EdwardsPoint::mul_base(&Scalar::from(7u64));
        let table = Multiples::of(&point);
        let mut edges: Vec<Scalar> = [0u64, 1, 127, 128, 129, 255, 256, 32_767, 32_768, 65_535]
            .into_iter()
            .map(Scalar::from)
            .collect();
        edges.push(-Scalar::ONE); // l - 1: the largest canonical scalar
        edges.push(Scalar::from_bytes_mod_order([0x80; 32])); // a carry out of every byte
        edges.push(Scalar::from_bytes_mod_order([0x7f; 32]));
        for scalar in edges {
            let mut sum = EdwardsPoint::identity();
            table.add_multiple(&mut sum, &scalar);
            assert_eq!(sum, point * scalar, "{scalar:?}");
        }
    }
}
