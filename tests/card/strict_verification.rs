//! The keyset's precomputed-table verifier (`StrictKey`) against `ed25519_dalek`'s
//! `verify_strict`, the reference: the same answer on every case, valid or not, including the
//! small-order and mixed-order edge cases where verifiers are known to disagree.

use curve25519_dalek::constants::{ED25519_BASEPOINT_TABLE, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use namecard::card::keys::StrictKey;
use proptest::prelude::*;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use sha2::{Digest as _, Sha512};

/// What the reference says, and that both ways of [`StrictKey`] say the same; returns it.
fn agree(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(public) = VerifyingKey::from_bytes(key) else {
        return false;
    };
    let reference = public
        .verify_strict(message, &Signature::from_bytes(signature))
        .is_ok();
    match StrictKey::new(&public) {
        None => assert!(!reference, "a weak key verified a signature"),
        Some(strict) => {
            assert_eq!(
                strict.verify(message, signature),
                reference,
                "table verifier disagrees: key {key:02x?} sig {signature:02x?}"
            );
            assert_eq!(
                strict.verify_once(message, signature),
                reference,
                "one-off verifier disagrees: key {key:02x?} sig {signature:02x?}"
            );
        }
    }
    reference
}

fn rng() -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(0x6e61_6d65_6361_7264)
}

fn random_scalar(rng: &mut rand::rngs::StdRng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

fn challenge(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
    Scalar::from_hash(
        Sha512::new()
            .chain_update(r)
            .chain_update(a)
            .chain_update(message),
    )
}

/// A signature made by hand: secret scalar `a`, nonce point `R`, so keys and `R` values may carry
/// a small-order component.
fn sign_raw(a: &Scalar, key: &[u8; 32], r: &Scalar, big_r: &EdwardsPoint, m: &[u8]) -> [u8; 64] {
    let r_bytes = big_r.compress().to_bytes();
    let s = r + challenge(&r_bytes, key, m) * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r_bytes);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

/// `a + b` for 256-bit little-endian numbers, and whether it carried out of the top byte.
fn add_le(a: &[u8; 32], b: &[u8; 32]) -> ([u8; 32], bool) {
    let (mut sum, mut carry) = ([0u8; 32], 0u16);
    for i in 0..32 {
        let v = u16::from(a[i]) + u16::from(b[i]) + carry;
        sum[i] = v as u8;
        carry = v >> 8;
    }
    (sum, carry != 0)
}

/// Every encoding that decodes to a small-order point: the canonical eight, their sign-bit
/// twins, and the non-canonical `y + p` forms that still fit in 255 bits.
fn small_order_encodings() -> Vec<[u8; 32]> {
    let p: [u8; 32] = {
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        p
    };
    let mut out = Vec::new();
    for t in EIGHT_TORSION {
        let canonical = t.compress().to_bytes();
        out.push(canonical);
        let mut twin = canonical;
        twin[31] ^= 0x80;
        out.push(twin);
        // y + p, when it does not carry into bit 255.
        let mut y = canonical;
        y[31] &= 0x7f;
        let (sum, carry) = add_le(&y, &p);
        if !carry && sum[31] & 0x80 == 0 {
            out.push(sum);
            let mut signed = sum;
            signed[31] |= 0x80;
            out.push(signed);
        }
    }
    out
}

#[test]
fn valid_signatures_verify_and_every_flipped_bit_fails_in_both_verifiers() {
    let mut rng = rng();
    for round in 0..4 {
        let key = SigningKey::generate(&mut rng);
        let public = key.verifying_key().to_bytes();
        let message = format!("card {round}").into_bytes();
        let signature = key.sign(&message).to_bytes();
        assert!(agree(&public, &message, &signature));
        for bit in 0..512 {
            let mut flipped = signature;
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!agree(&public, &message, &flipped), "bit {bit} flipped");
        }
        for bit in 0..256 {
            let mut key_flipped = public;
            key_flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(!agree(&key_flipped, &message, &signature), "key bit {bit}");
        }
        assert!(!agree(&public, b"another message", &signature));
    }
}

#[test]
fn a_non_canonical_s_is_refused_by_both_even_when_the_equation_holds() {
    let mut rng = rng();
    let key = SigningKey::generate(&mut rng);
    let public = key.verifying_key().to_bytes();
    let signature = key.sign(b"m").to_bytes();
    // s + l is the same scalar mod l, so only the canonical-s rule refuses it.
    let mut l = (-Scalar::ONE).to_bytes(); // l - 1, whose low byte is 0xec
    l[0] += 1;
    let (s_plus_l, carry) = add_le(signature[32..].try_into().unwrap(), &l);
    assert!(!carry, "s + l < 2^256");
    let mut malleated = signature;
    malleated[32..].copy_from_slice(&s_plus_l);
    assert!(agree(&public, b"m", &signature));
    assert!(!agree(&public, b"m", &malleated));
}

#[test]
fn small_order_r_values_and_keys_are_refused_by_both() {
    let mut rng = rng();
    let key = SigningKey::generate(&mut rng);
    let public = key.verifying_key().to_bytes();
    for encoding in small_order_encodings() {
        // R of small order with an s that satisfies the cofactorless equation is still refused:
        // take R = T and s = k·a, so [s]B - [k]A = O; only for T = O would the equation hold.
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&encoding);
        let a = key.to_scalar();
        let s = challenge(&encoding, &public, b"m") * a;
        sig[32..].copy_from_slice(s.as_bytes());
        assert!(!agree(&public, b"m", &sig), "R = {encoding:02x?}");
        // A small-order key with an all-identity signature, which the equation alone accepts.
        let mut identity_sig = [0u8; 64];
        identity_sig[..32].copy_from_slice(&EIGHT_TORSION[0].compress().to_bytes());
        assert!(
            !agree(&encoding, b"m", &identity_sig),
            "key {encoding:02x?}"
        );
    }
}

#[test]
fn mixed_order_keys_and_r_values_get_the_reference_answer_accepted_or_not() {
    let mut rng = rng();
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..400 {
        let a = random_scalar(&mut rng);
        let key_torsion = EIGHT_TORSION[rng.gen_range(0..8)];
        let big_a = ED25519_BASEPOINT_TABLE * &a + key_torsion;
        let key = big_a.compress().to_bytes();
        let r = random_scalar(&mut rng);
        let big_r = ED25519_BASEPOINT_TABLE * &r + EIGHT_TORSION[rng.gen_range(0..8)];
        let message = format!("mixed {i}").into_bytes();
        let sig = sign_raw(&a, &key, &r, &big_r, &message);
        // [s]B - [k]A = rB - [k]T_A, so this verifies exactly when R's torsion is -[k]T_A.
        if agree(&key, &message, &sig) {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    // Both outcomes occur, so the comparison above exercised each.
    assert!(
        accepted > 10 && refused > 10,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn r_encodings_that_are_not_points_or_not_canonical_are_refused_by_both() {
    let mut rng = rng();
    let key = SigningKey::generate(&mut rng);
    let public = key.verifying_key().to_bytes();
    let signature = key.sign(b"m").to_bytes();
    let mut checked_not_points = 0;
    for _ in 0..200 {
        let mut sig = signature;
        rng.fill_bytes(&mut sig[..32]);
        if CompressedEdwardsY(sig[..32].try_into().unwrap())
            .decompress()
            .is_none()
        {
            checked_not_points += 1;
        }
        assert!(!agree(&public, b"m", &sig));
    }
    assert!(checked_not_points > 50);
}

proptest! {
    #[test]
    fn random_keys_messages_and_signatures_get_the_reference_answer(
        key in any::<[u8; 32]>(),
        message in proptest::collection::vec(any::<u8>(), 0..64),
        r in any::<[u8; 32]>(),
        s in any::<[u8; 32]>(),
    ) {
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r);
        sig[32..].copy_from_slice(&s);
        agree(&key, &message, &sig);
        // And with s reduced, so the scalar check does not end every case early.
        sig[32..].copy_from_slice(Scalar::from_bytes_mod_order(s).as_bytes());
        agree(&key, &message, &sig);
    }
}
