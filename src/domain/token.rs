//! Bearer tokens: 32 random bytes shown once; only their SHA-256 hash is ever stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use super::{MemberId, OrgId, Principal, Role, TokenId, text_type};

text_type!(
    /// A token's label, a note for whoever reads the token list or the audit log: 1 to 100
    /// characters.
    TokenLabel, "label", 100
);

/// A freshly generated bearer token. Its Debug prints nothing, so it never reaches a log.
pub struct TokenSecret(String);

impl TokenSecret {
    /// Generates a token from 32 bytes of the operating system's randomness.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!("nc_{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The token text, to be shown to its holder exactly once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash under which the token is stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(..)")
    }
}

/// The hex SHA-256 of a presented token; what the store looks tokens up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes presented token text. A full-entropy secret needs no salt or slow hash.
    pub fn of(token: &str) -> Self {
        Self(hex::encode(Sha256::digest(token.as_bytes())))
    }

    /// The hex digest.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored, unrevoked token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: TokenId,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub member_id: Option<MemberId>,
    pub label: String,
    pub created_at: i64,
}

impl TokenInfo {
    /// Who acts with this token; `None` for a row that breaks the role rules (an admin token
    /// without an organization, a member token without a member).
    pub fn principal(&self) -> Option<Principal> {
        match (self.role, self.org_id, self.member_id) {
            (Role::Operator, _, _) => Some(Principal::Operator { token_id: self.id }),
            (Role::Admin, Some(org_id), _) => Some(Principal::Admin {
                token_id: self.id,
                org_id,
            }),
            (Role::Member, Some(org_id), Some(member_id)) => Some(Principal::Member {
                token_id: self.id,
                org_id,
                member_id,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_stably_and_never_debug_print() {
        let (a, b) = (TokenSecret::generate(), TokenSecret::generate());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.hash(), TokenHash::of(a.expose()));
        assert_eq!(format!("{a:?}"), "TokenSecret(..)");
    }
}
