//! QR payload bytes -> text, for decoders that hand back raw bytes (rqrr).
//!
//! QR byte mode has no reliable charset marker (ECI is rare in practice), so we follow the same
//! order as ZXing's guess: valid UTF-8 first (by far the most common today, and a random
//! non-UTF-8 byte string is very unlikely to be valid UTF-8), then Shift_JIS when the bytes are
//! well-formed Shift_JIS with at least one double-byte character, then ISO-8859-1, which the QR
//! standard names as the default and which maps every byte.

use encoding_rs::SHIFT_JIS;

/// Converts QR payload bytes to text. Never fails: ISO-8859-1 accepts every byte.
#[must_use]
pub fn bytes_to_text(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    if looks_like_shift_jis(bytes) {
        let (text, had_errors) = SHIFT_JIS.decode_without_bom_handling(bytes);
        if !had_errors {
            return text.into_owned();
        }
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// True when every byte >= 0x80 is a valid Shift_JIS lead/trail pair or half-width katakana,
/// and at least one double-byte character is present.
fn looks_like_shift_jis(bytes: &[u8]) -> bool {
    let mut i = 0;
    let mut double_byte = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x00..=0x7F | 0xA1..=0xDF => i += 1,
            0x81..=0x9F | 0xE0..=0xEF => {
                let Some(&trail) = bytes.get(i + 1) else {
                    return false;
                };
                if !matches!(trail, 0x40..=0x7E | 0x80..=0xFC) {
                    return false;
                }
                double_byte += 1;
                i += 2;
            }
            _ => return false,
        }
    }
    double_byte > 0
}

#[cfg(test)]
mod tests {
    use super::bytes_to_text;

    #[test]
    fn utf8_bytes_stay_as_they_are() {
        assert_eq!(bytes_to_text("Grüße 日本".as_bytes()), "Grüße 日本");
    }

    #[test]
    fn shift_jis_bytes_become_japanese_text() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("日本語のテキスト");
        assert_eq!(bytes_to_text(&bytes), "日本語のテキスト");
    }

    #[test]
    fn latin1_bytes_become_their_characters() {
        assert_eq!(bytes_to_text(b"caf\xe9 \xfc"), "café ü");
    }
}
