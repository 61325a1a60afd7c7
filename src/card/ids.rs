//! Identifiers carried by a card: the issuer, the key id and the card id.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use rand::RngCore as _;

use super::CardError;
use super::json;

/// The issuing service, named by its base URL `https://host[:port]` (plain `http` is accepted
/// for loopback and development hosts).
///
/// The issuer is bound into every signature and is the prefix of every card's QR text. It has
/// exactly one spelling (`docs/card-format.md` §1.1), which keysets and revocation lists must use
/// as is; the QR text carries it uppercased so that the whole URI fits the QR alphanumeric mode
/// (scheme and host are case-insensitive in URLs).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Issuer {
    url: String,
    /// `card_prefix`, derived once: every verification compares against it.
    prefix: String,
}

impl Issuer {
    /// Longest issuer, so that a card's QR text stays small.
    pub const MAX_LEN: usize = 64;

    /// Parses an operator's base URL (a setting, `keygen --issuer`): lowercases it and drops one
    /// trailing `/`, then requires the canonical form of [`Issuer::parse_canonical`].
    ///
    /// # Errors
    /// [`CardError::InvalidIssuer`] as for [`Issuer::parse_canonical`].
    pub fn parse(url: &str) -> Result<Self, CardError> {
        let lower = url.to_ascii_lowercase();
        let lower = lower.strip_suffix('/').unwrap_or(&lower);
        Self::parse_canonical(lower).map_err(|_| CardError::InvalidIssuer(json::truncate(url)))
    }

    /// Parses an issuer exactly as documents carry it, refusing every other spelling: `https://`
    /// or `http://`, then a host of dot-separated labels of 1 to 63 characters `a-z 0-9 -` (not
    /// starting or ending with `-`; no trailing dot), then optionally `:port` with a port 1-65535
    /// in digits without a leading zero and other than the scheme's default (443, 80); at most 64
    /// characters in all. Verifiers refuse; they never normalise.
    ///
    /// # Errors
    /// [`CardError::InvalidIssuer`] for anything else.
    pub fn parse_canonical(url: &str) -> Result<Self, CardError> {
        let bad = || CardError::InvalidIssuer(json::truncate(url));
        if url.len() > Self::MAX_LEN {
            return Err(bad());
        }
        let (rest, default_port) = if let Some(rest) = url.strip_prefix("https://") {
            (rest, "443")
        } else if let Some(rest) = url.strip_prefix("http://") {
            (rest, "80")
        } else {
            return Err(bad());
        };
        let (host, port) = match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
        let label_ok = |l: &str| {
            (1..=63).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        let host_ok = host.split('.').all(label_ok);
        let port_ok = port.is_none_or(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && !p.starts_with('0')
                && p.parse::<u16>().is_ok()
                && p != default_port
        });
        if !host_ok || !port_ok {
            return Err(bad());
        }
        let prefix = format!("{}/C/", url.to_ascii_uppercase());
        Ok(Self {
            url: url.to_owned(),
            prefix,
        })
    }

    /// The canonical (lowercase) base URL.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The prefix every card's QR text starts with: the uppercased base URL and `/C/`.
    pub fn card_prefix(&self) -> &str {
        &self.prefix
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Issuer({})", self.url)
    }
}

/// Parses an operator's base URL, as [`Issuer::parse`] (so clap and settings accept
/// `https://NC.example.com/`).
impl FromStr for Issuer {
    type Err = CardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Defines a fixed-size binary identifier shown as unpadded base64url.
macro_rules! fixed_id {
    ($(#[$doc:meta])* $name:ident, $len:expr, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// Wraps raw bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&B64URL.encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = CardError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let bad = || CardError::InvalidId { kind: $kind, value: s.chars().take(64).collect() };
                let bytes = B64URL.decode(s).map_err(|_| bad())?;
                let bytes: [u8; $len] = bytes.try_into().map_err(|_| bad())?;
                // Reject non-canonical text (trailing bits set) so one id has one spelling.
                if B64URL.encode(bytes) != s {
                    return Err(bad());
                }
                Ok(Self(bytes))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

fixed_id!(
    /// A key id: the first 8 bytes of the key's RFC 7638 JWK thumbprint (SHA-256).
    ///
    /// Derived from the public key, so it is re-checked whenever a keyset is loaded; 64 bits
    /// name a key among an issuer's handful without making every card longer.
    KeyId,
    8,
    "key id"
);

fixed_id!(
    /// A card id: 96 random bits, enough that ids never collide and cannot be guessed.
    CardId,
    12,
    "card id"
);

impl CardId {
    /// A fresh random card id from the operating system's CSPRNG.
    pub fn random() -> Self {
        let mut bytes = [0u8; Self::LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_is_canonicalised_to_lowercase_without_trailing_slash() {
        let issuer = Issuer::parse("HTTPS://NC.Example.com/").unwrap();
        assert_eq!(issuer.as_str(), "https://nc.example.com");
        assert_eq!(issuer.card_prefix(), "HTTPS://NC.EXAMPLE.COM/C/");
    }

    #[test]
    fn issuer_rejects_paths_queries_user_info_and_other_schemes() {
        for bad in [
            "ftp://x.com",
            "https://x.com/path",
            "https://u@x.com",
            "https://x.com?q",
            "https://",
            "https://x.com:0",
            "https://x.com:99999",
            "https://x..com",
            "https://ex ample.com",
            "https://x.com.",
            "https://x.com:443",
            "http://x.com:80",
            "https://x.com:080",
            "https://-x.com",
            "https://x_y.com",
        ] {
            assert!(Issuer::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(Issuer::parse("http://127.0.0.1:8080").is_ok());
        assert!(
            Issuer::parse("https://x.com:80").is_ok(),
            "not https's default port"
        );
        let long = format!("https://{}.com", "a".repeat(52));
        assert_eq!(long.len(), 64);
        assert!(Issuer::parse(&long).is_ok());
        assert!(Issuer::parse(&format!("https://a{}.com", "a".repeat(52))).is_err());
    }

    #[test]
    fn documents_must_spell_the_issuer_canonically() {
        assert!(Issuer::parse_canonical("https://nc.example.com").is_ok());
        for other in [
            "HTTPS://nc.example.com",
            "https://NC.example.com",
            "https://nc.example.com/",
        ] {
            assert!(Issuer::parse_canonical(other).is_err(), "{other}");
            assert_eq!(
                Issuer::parse(other).unwrap().as_str(),
                "https://nc.example.com"
            );
        }
    }

    #[test]
    fn ids_round_trip_through_their_text_and_reject_other_spellings() {
        let id = CardId::random();
        assert_eq!(id.to_string().parse::<CardId>().unwrap(), id);
        assert_eq!(id.to_string().len(), 16);
        assert!("AAAAAAAAAAB".parse::<KeyId>().is_err(), "trailing bits set");
        assert!("AAAAAAAAAAA=".parse::<KeyId>().is_err(), "padding");
        assert!("AAAA".parse::<KeyId>().is_err(), "too short");
    }
}
