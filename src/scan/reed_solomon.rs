//! Reed-Solomon error correction for QR code blocks: GF(256) over x^8 + x^4 + x^3 + x^2 + 1
//! (0x11D), the generator's roots alpha^0 .. alpha^(ec-1), codewords highest degree first.
//!
//! Profiled on the corpus photos, rxing 0.9.3's decoder took a third of a small photo's decode
//! where a block held errors: its polynomial arithmetic compares the two operands' fields by
//! value (two 4096-entry tables, a `memcmp` per addition) and multiplies through bounds-checked
//! lookups. This one takes syndromes from log/antilog tables, finds the error locator with
//! Berlekamp-Massey, the positions by Chien search and the magnitudes by Forney's formula, and
//! accepts a correction only when the corrected block's syndromes all vanish: it corrects up
//! to ec/2 errors and, like any bounded-distance decoder, says so when a block is beyond that
//! rather than returning a different codeword it cannot tell apart.

/// The field's antilogarithms twice over (so a sum of two logarithms needs no reduction), and
/// its logarithms (`LOG[0]` unused).
struct Field {
    exp: [u8; 512],
    log: [u8; 256],
}

const FIELD: Field = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        exp[i + 255] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    Field { exp, log }
};

fn mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        FIELD.exp[usize::from(FIELD.log[usize::from(a)]) + usize::from(FIELD.log[usize::from(b)])]
    }
}

fn div(a: u8, b: u8) -> u8 {
    debug_assert!(b != 0);
    if a == 0 {
        0
    } else {
        FIELD.exp
            [usize::from(FIELD.log[usize::from(a)]) + 255 - usize::from(FIELD.log[usize::from(b)])]
    }
}

/// alpha^e for any e >= 0.
fn alpha_pow(e: usize) -> u8 {
    FIELD.exp[e % 255]
}

/// The polynomial (coefficients lowest degree first) at `x`.
fn eval(poly: &[u8], x: u8) -> u8 {
    poly.iter().rev().fold(0, |acc, &c| mul(acc, x) ^ c)
}

/// A block the decoder cannot correct: more errors than its error-correction codewords mend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uncorrectable;

/// The syndromes S_j = r(alpha^j), j < `ec`, of `block`, into `syndromes`; whether all are 0.
fn syndromes(block: &[u8], syndromes: &mut [u8]) -> bool {
    syndromes.fill(0);
    for &c in block {
        // Horner's rule for every syndrome at once (independent chains).
        for (j, s) in syndromes.iter_mut().enumerate() {
            *s = if *s == 0 {
                c
            } else {
                FIELD.exp[usize::from(FIELD.log[usize::from(*s)]) + j] ^ c
            };
        }
    }
    syndromes.iter().all(|&s| s == 0)
}

/// Corrects `block` (data then `ec` error-correction codewords) in place and returns how many
/// codewords it changed; or [`Uncorrectable`], leaving `block` as it was.
pub fn correct(block: &mut [u8], ec: usize) -> Result<usize, Uncorrectable> {
    let n = block.len();
    if ec == 0 || ec > n || n > 255 {
        return Err(Uncorrectable);
    }
    let mut s = vec![0u8; ec];
    if syndromes(block, &mut s) {
        return Ok(0);
    }

    // Berlekamp-Massey: the shortest LFSR (error locator, lowest degree first) making s.
    let mut locator = vec![0u8; ec + 1];
    let mut previous = vec![0u8; ec + 1];
    locator[0] = 1;
    previous[0] = 1;
    let (mut length, mut shift, mut last_discrepancy) = (0usize, 1usize, 1u8);
    for k in 0..ec {
        let discrepancy = (1..=length).fold(s[k], |d, i| d ^ mul(locator[i], s[k - i]));
        if discrepancy == 0 {
            shift += 1;
            continue;
        }
        let factor = div(discrepancy, last_discrepancy);
        // The locator grows: the one before this step becomes the next steps' `previous`.
        let grows = 2 * length <= k;
        let before = grows.then(|| locator.clone());
        for i in 0..=ec - shift {
            locator[i + shift] ^= mul(factor, previous[i]);
        }
        if let Some(before) = before {
            length = k + 1 - length;
            previous = before;
            last_discrepancy = discrepancy;
            shift = 1;
        } else {
            shift += 1;
        }
    }
    if length == 0 || 2 * length > ec || locator[length + 1..].iter().any(|&c| c != 0) {
        return Err(Uncorrectable);
    }
    let locator = &locator[..=length];

    // Chien search: codeword i has locator X = alpha^(n-1-i), a root at X^-1.
    let mut positions = Vec::with_capacity(length);
    for i in 0..n {
        let power = n - 1 - i;
        let (x, x_inv) = (alpha_pow(power), alpha_pow(255 - power % 255));
        if eval(locator, x_inv) == 0 {
            positions.push((i, x, x_inv));
        }
    }
    if positions.len() != length {
        return Err(Uncorrectable);
    }

    // Forney (first root alpha^0): e = X * omega(X^-1) / locator'(X^-1), where
    // omega = s(x) * locator(x) mod x^ec.
    let mut omega = vec![0u8; ec];
    for (i, &si) in s.iter().enumerate() {
        for (j, &lj) in locator.iter().enumerate().take(ec - i) {
            omega[i + j] ^= mul(si, lj);
        }
    }
    // The formal derivative in characteristic 2 keeps the odd powers.
    let derivative: Vec<u8> = locator
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, &c)| if k % 2 == 1 { c } else { 0 })
        .collect();
    let mut corrected = block.to_vec();
    for &(i, x, x_inv) in &positions {
        let denominator = eval(&derivative, x_inv);
        if denominator == 0 {
            return Err(Uncorrectable);
        }
        corrected[i] ^= mul(x, div(eval(&omega, x_inv), denominator));
    }
    if !syndromes(&corrected, &mut s) {
        return Err(Uncorrectable);
    }
    block.copy_from_slice(&corrected);
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rxing::common::reedsolomon::{PredefinedGenericGF, ReedSolomonDecoder, ReedSolomonEncoder};

    /// A block of `data` codewords and `ec` error-correction codewords, made by rxing's encoder.
    fn encoded(data: &[u8], ec: usize) -> Vec<u8> {
        let mut block: Vec<i32> = data.iter().map(|&b| i32::from(b)).collect();
        block.resize(data.len() + ec, 0);
        ReedSolomonEncoder::new(PredefinedGenericGF::QrCodeField256.into())
            .expect("an encoder")
            .encode(&mut block, ec)
            .expect("encoded");
        block.into_iter().map(|c| c as u8).collect()
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// `count` distinct positions below `n`, each changed by a nonzero amount.
    fn corrupt(block: &mut [u8], count: usize, rng: &mut Rng) {
        let mut hit = Vec::new();
        while hit.len() < count {
            let i = rng.below(block.len());
            if !hit.contains(&i) {
                hit.push(i);
                block[i] ^= 1 + rng.below(255) as u8;
            }
        }
    }

    #[test]
    fn a_clean_block_is_left_alone() {
        let mut block = encoded(b"https://namecard.example/c/1", 10);
        let before = block.clone();
        assert_eq!(correct(&mut block, 10), Ok(0));
        assert_eq!(block, before);
    }

    #[test]
    fn up_to_half_the_error_correction_codewords_are_mended_anywhere_in_the_block() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for (data, ec) in [
            (19, 7),
            (16, 10),
            (13, 13),
            (9, 17),
            (15, 30),
            (118, 30),
            (225, 30),
        ] {
            for errors in 1..=ec / 2 {
                for _ in 0..20 {
                    let message: Vec<u8> = (0..data).map(|_| rng.next() as u8).collect();
                    let original = encoded(&message, ec);
                    let mut block = original.clone();
                    corrupt(&mut block, errors, &mut rng);
                    assert_eq!(
                        correct(&mut block, ec),
                        Ok(errors),
                        "{data}+{ec}, {errors} errors"
                    );
                    assert_eq!(block, original);
                }
            }
        }
    }

    #[test]
    fn a_block_beyond_repair_is_refused_and_left_as_it_was_or_mended_to_a_codeword_as_rxing_does() {
        let rs = ReedSolomonDecoder::new(PredefinedGenericGF::QrCodeField256.into());
        let mut rng = Rng(0x0123_4567_89AB_CDEF);
        let (mut refused, mut total) = (0, 0);
        for (data, ec) in [(19, 7), (16, 10), (34, 10), (9, 17), (15, 30)] {
            for errors in ec / 2 + 1..=ec {
                for _ in 0..50 {
                    let message: Vec<u8> = (0..data).map(|_| rng.next() as u8).collect();
                    let mut block = encoded(&message, ec);
                    corrupt(&mut block, errors, &mut rng);
                    let received = block.clone();
                    let mut theirs = received.clone();
                    let rxing = rs.decode(&mut theirs, ec as i32);
                    total += 1;
                    match correct(&mut block, ec) {
                        Err(Uncorrectable) => {
                            refused += 1;
                            assert_eq!(block, received, "a refused block is unchanged");
                            assert!(rxing.is_err(), "rxing mended what this refused");
                        }
                        Ok(_) => {
                            // Closer to another codeword than to the sent one: both decoders
                            // find that codeword (within ec/2 of what was received).
                            assert_eq!(rxing.ok().map(|_| theirs), Some(block.clone()));
                            let mut s = vec![0; ec];
                            assert!(syndromes(&block, &mut s));
                        }
                    }
                }
            }
        }
        assert!(refused > total * 9 / 10, "{refused} of {total} refused");
    }

    #[test]
    fn blocks_of_impossible_shapes_are_refused() {
        assert_eq!(correct(&mut [1, 2, 3], 0), Err(Uncorrectable));
        assert_eq!(correct(&mut [1, 2, 3], 4), Err(Uncorrectable));
        assert_eq!(correct(&mut [7u8; 256], 10), Err(Uncorrectable));
    }
}
