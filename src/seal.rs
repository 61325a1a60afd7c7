//! Secrets at rest: sealed with the operator's key-encryption key (KEK).
//!
//! A secret the service must keep but never show (the signing keys' private halves now; an IdP's
//! client secret or an SMTP password later) is stored [`Sealed`]: XChaCha20-Poly1305 under the
//! [`Kek`], with a fresh random 24-byte nonce per seal and, as associated data, what the secret is
//! and whose it is (`purpose` and `id`, e.g. `signing-key` and the key id). A sealed value copied
//! onto another row, or another column, does not open. The KEK is named by its [`KekId`], a
//! fingerprint stored beside each sealed value: a wrong KEK is told apart from a damaged value,
//! and a rotation knows which rows it has re-sealed.
//!
//! The KEK is 32 random bytes the operator provides as base64 text, in a file or an environment
//! variable, and keeps apart from the database and its backups: whoever holds both can read every
//! secret. [`Kek::generate_file`] makes one (mode 0600) for a zero-setup start. Nothing here
//! knows SQL, HTTP or settings; `startup` decides where the KEK comes from.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::path::{Path, PathBuf};
use zeroize::{Zeroize as _, Zeroizing};

/// The format tag of a sealed text; a later format gets another.
const FORMAT: &str = "v1.";
const NONCE_LEN: usize = 24;
const KEK_LEN: usize = 32;

/// Why a KEK could not be had or a secret not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The KEK text is not base64 of 32 bytes.
    #[error("a key-encryption key is 32 random bytes in base64 (e.g. `openssl rand -base64 32`)")]
    MalformedKek,
    /// The KEK file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The value was sealed under another KEK.
    #[error(
        "sealed under key-encryption key {sealed_with}, but the key-encryption key given is {given}"
    )]
    WrongKek { sealed_with: KekId, given: KekId },
    /// The KEK is the right one but the value does not open: it was changed, or moved from
    /// another row.
    #[error("a sealed value does not open: it was altered or belongs to another row")]
    Damaged,
}

impl SealError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// The fingerprint of a KEK: the first 9 bytes of a SHA-256 over it, in base64url (12
/// characters). It tells which KEK sealed a value and reveals nothing of the KEK.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KekId(String);

impl KekId {
    /// Parses a stored id (12 base64url characters).
    ///
    /// # Errors
    /// `MalformedKek` for anything else.
    pub fn parse(text: &str) -> Result<Self, SealError> {
        let ok = text.len() == 12
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(SealError::MalformedKek)
        }
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for KekId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for KekId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KekId({})", self.0)
    }
}

/// Secret bytes: wiped when dropped, and `Debug` prints nothing of them.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes, for the one place that uses them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

/// A secret as stored: the sealed text and the id of the KEK that sealed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Which KEK sealed it.
    pub kek: KekId,
    /// `v1.` and base64url of the nonce and the ciphertext with its tag.
    pub text: String,
}

/// The key-encryption key. `Debug` prints nothing of it; it is wiped when dropped.
pub struct Kek {
    key: Zeroizing<[u8; KEK_LEN]>,
    id: KekId,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(..)")
    }
}

impl Kek {
    /// A fresh KEK from the operating system's CSPRNG.
    pub fn generate() -> Self {
        use rand::RngCore as _;
        let mut key = Zeroizing::new([0u8; KEK_LEN]);
        rand::rngs::OsRng.fill_bytes(&mut key[..]);
        Self::from_bytes(key)
    }

    fn from_bytes(key: Zeroizing<[u8; KEK_LEN]>) -> Self {
        use sha2::Digest as _;
        let digest = sha2::Sha256::new()
            .chain_update(b"namecard/kek-id/v1\0")
            .chain_update(&key[..])
            .finalize();
        let id = KekId(URL_SAFE_NO_PAD.encode(&digest[..9]));
        Self { key, id }
    }

    /// Parses a KEK from its base64 text (surrounding whitespace ignored).
    ///
    /// # Errors
    /// `MalformedKek` unless the text is base64 of exactly 32 bytes.
    pub fn parse(text: &str) -> Result<Self, SealError> {
        let mut decoded = STANDARD
            .decode(text.trim())
            .map_err(|_| SealError::MalformedKek)?;
        let key = <[u8; KEK_LEN]>::try_from(decoded.as_slice())
            .map(Zeroizing::new)
            .map_err(|_| SealError::MalformedKek);
        decoded.zeroize();
        key.map(Self::from_bytes)
    }

    /// Reads a KEK file.
    ///
    /// # Errors
    /// `Io` when it cannot be read (`NotFound` when it does not exist), `MalformedKek`.
    pub fn read_file(path: &Path) -> Result<Self, SealError> {
        let text =
            Zeroizing::new(std::fs::read_to_string(path).map_err(|e| SealError::io(path, e))?);
        Self::parse(&text)
    }

    /// Generates a KEK into `path`, readable by the owner only (0600). When another process
    /// made the file first (instances starting together), its KEK is read instead: the file
    /// appears complete or not at all (written aside, then linked into place).
    ///
    /// # Errors
    /// `Io` when the file cannot be written or read.
    pub fn generate_file(path: &Path) -> Result<Self, SealError> {
        let kek = Self::generate();
        let mut text = Zeroizing::new(STANDARD.encode(&kek.key[..]));
        text.push('\n');
        // A name of this attempt's own: instances starting together in one process too.
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".new-{:016x}", rand::random::<u64>()));
        let aside = PathBuf::from(aside);
        crate::files::write_private(&aside, text.as_bytes())
            .map_err(|e| SealError::io(&aside, e))?;
        let linked = std::fs::hard_link(&aside, path);
        let _ = std::fs::remove_file(&aside);
        match linked {
            Ok(()) => {
                crate::files::sync_parent(path).map_err(|e| SealError::io(path, e))?;
                Ok(kek)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::read_file(path),
            Err(e) => Err(SealError::io(path, e)),
        }
    }

    /// This KEK's id.
    pub fn id(&self) -> &KekId {
        &self.id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(*self.key))
    }

    /// Seals `secret`, which is a `purpose` (e.g. `signing-key`) of `id` (e.g. the key id).
    pub fn seal(&self, purpose: &str, id: &str, secret: &[u8]) -> Sealed {
        use rand::RngCore as _;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = associated_data(purpose, id);
        // Encryption fails only for messages of gigabytes; a secret is a few hundred bytes.
        let sealed = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: secret,
                    aad: &aad,
                },
            )
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Sealed {
            kek: self.id.clone(),
            text: format!("{FORMAT}{}", URL_SAFE_NO_PAD.encode(bytes)),
        }
    }

    /// Opens what [`Kek::seal`] sealed with the same `purpose` and `id`.
    ///
    /// # Errors
    /// `WrongKek` when another KEK sealed it, `Damaged` when it does not open under this one.
    pub fn open(&self, purpose: &str, id: &str, sealed: &Sealed) -> Result<SecretBytes, SealError> {
        if sealed.kek != self.id {
            return Err(SealError::WrongKek {
                sealed_with: sealed.kek.clone(),
                given: self.id.clone(),
            });
        }
        let bytes = sealed
            .text
            .strip_prefix(FORMAT)
            .and_then(|b64| URL_SAFE_NO_PAD.decode(b64).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SealError::Damaged)?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Damaged)?;
        let aad = associated_data(purpose, id);
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map(SecretBytes::new)
            .map_err(|_| SealError::Damaged)
    }
}

/// `namecard/<purpose>\0<id>`: what the secret is and whose, bound to its ciphertext.
fn associated_data(purpose: &str, id: &str) -> Vec<u8> {
    let mut aad = format!("namecard/{purpose}").into_bytes();
    aad.push(0);
    aad.extend_from_slice(id.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_kek_purpose_and_id() {
        let kek = Kek::generate();
        let sealed = kek.seal("signing-key", "kid-1", b"the private key");
        assert!(!sealed.text.contains("private"));
        let opened = kek.open("signing-key", "kid-1", &sealed).unwrap();
        assert_eq!(opened.expose(), b"the private key");
        assert!(matches!(
            kek.open("signing-key", "kid-2", &sealed),
            Err(SealError::Damaged)
        ));
        assert!(matches!(
            kek.open("smtp-password", "kid-1", &sealed),
            Err(SealError::Damaged)
        ));
        assert!(matches!(
            Kek::generate().open("signing-key", "kid-1", &sealed),
            Err(SealError::WrongKek { .. })
        ));
    }

    #[test]
    fn any_flipped_character_of_a_sealed_text_fails_to_open() {
        let kek = Kek::generate();
        let sealed = kek.seal("signing-key", "k", b"secret");
        for i in FORMAT.len()..sealed.text.len() {
            let mut text = sealed.text.clone().into_bytes();
            text[i] = if text[i] == b'A' { b'B' } else { b'A' };
            let tampered = Sealed {
                kek: sealed.kek.clone(),
                text: String::from_utf8(text).unwrap(),
            };
            assert!(kek.open("signing-key", "k", &tampered).is_err(), "at {i}");
        }
    }

    #[test]
    fn two_seals_of_one_secret_differ_and_the_kek_id_is_stable() {
        let kek = Kek::generate();
        assert_ne!(kek.seal("p", "i", b"s").text, kek.seal("p", "i", b"s").text);
        let text = STANDARD.encode([7u8; 32]);
        assert_eq!(
            Kek::parse(&text).unwrap().id(),
            Kek::parse(&format!(" {text}\n")).unwrap().id()
        );
        assert!(KekId::parse(Kek::generate().id().as_str()).is_ok());
    }

    #[test]
    fn a_kek_that_is_not_base64_of_32_bytes_is_refused() {
        for text in [
            "",
            "hunter2",
            &STANDARD.encode([1u8; 31]),
            &STANDARD.encode([1u8; 33]),
        ] {
            assert!(
                matches!(Kek::parse(text), Err(SealError::MalformedKek)),
                "{text}"
            );
        }
    }

    #[test]
    fn debug_prints_nothing_of_a_kek_or_a_secret() {
        assert_eq!(format!("{:?}", Kek::generate()), "Kek(..)");
        assert_eq!(
            format!("{:?}", SecretBytes::new(b"hunter2".to_vec())),
            "SecretBytes(..)"
        );
    }

    #[test]
    fn a_generated_kek_file_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("namecard.kek");
        let kek = Kek::generate_file(&path).unwrap();
        assert_eq!(Kek::read_file(&path).unwrap().id(), kek.id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second generation finds the first one's file and uses it.
        assert_eq!(Kek::generate_file(&path).unwrap().id(), kek.id());
    }
}
