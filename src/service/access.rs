//! Who may act: the bootstrap operator token, tokens for admins and members (shown once, stored
//! hashed), and the authentication of a presented token.

use super::clock::Clock;
use crate::domain::{
    MemberId, MemberStatus, OrgId, Principal, Role, TokenHash, TokenId, TokenInfo, TokenLabel,
    TokenSecret,
};
use crate::store::{NewToken, Store, StoreError};
use std::sync::Arc;

/// Why a token could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A member token must name its member.
    #[error("member tokens name a member")]
    MemberIdRequired,
    /// Admin tokens name no member, and operator tokens are not made here.
    #[error("role must be admin (without member_id) or member (with member_id)")]
    InvalidRole,
    /// The store failed, or the organization or member does not exist (or is deactivated).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Tokens and authentication.
#[derive(Debug)]
pub struct Access {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Access {
    /// The access use cases.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Creates the one-time bootstrap operator token, unless an operator token exists.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn bootstrap(&self) -> Result<Option<TokenSecret>, StoreError> {
        let secret = TokenSecret::generate();
        let stored = self
            .store
            .create_bootstrap_token(&secret.hash(), self.clock.now())
            .await?;
        Ok(stored.then_some(secret))
    }

    /// Who acts with the presented token; `None` for an unknown, revoked or malformed token, or
    /// one of a deactivated member.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        Ok(self
            .store
            .find_token(&TokenHash::of(token))
            .await?
            .and_then(|info| info.principal()))
    }

    /// Creates an admin or member token for `org`; the secret is returned once.
    ///
    /// # Errors
    /// `MemberIdRequired`, `InvalidRole`, `NotFound` for an unknown organization or a member
    /// that is not active.
    pub async fn create_token(
        &self,
        who: &Principal,
        org: OrgId,
        role: Role,
        member: Option<MemberId>,
        label: Option<&TokenLabel>,
    ) -> Result<(TokenInfo, TokenSecret), AccessError> {
        self.store.get_org(org).await?;
        let member_id = match (role, member) {
            (Role::Member, Some(id)) => {
                if self.store.get_member(org, id).await?.status != MemberStatus::Active {
                    return Err(StoreError::NotFound("member").into());
                }
                Some(id)
            }
            (Role::Member, None) => return Err(AccessError::MemberIdRequired),
            (Role::Admin, None) => None,
            (Role::Admin, Some(_)) | (Role::Operator, _) => return Err(AccessError::InvalidRole),
        };
        let secret = TokenSecret::generate();
        let token = NewToken {
            hash: secret.hash(),
            role,
            org_id: Some(org),
            member_id,
            label: label.map(|l| l.as_str().to_owned()).unwrap_or_default(),
        };
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org),
            "token.create",
            "token",
            role.as_str(),
        );
        let info = self.store.create_token(&token, &entry).await?;
        Ok((info, secret))
    }

    /// The unrevoked tokens of `org` (never their secrets, which are not stored).
    ///
    /// # Errors
    /// `NotFound` for an unknown organization.
    pub async fn tokens(&self, org: OrgId) -> Result<Vec<TokenInfo>, StoreError> {
        self.store.get_org(org).await?;
        self.store.list_tokens(org).await
    }

    /// Revokes a token of `org`.
    ///
    /// # Errors
    /// `NotFound` for a token of another organization or one already revoked.
    pub async fn revoke_token(
        &self,
        who: &Principal,
        org: OrgId,
        token: TokenId,
    ) -> Result<(), StoreError> {
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org),
            "token.revoke",
            format!("token/{token}"),
            "",
        );
        self.store.revoke_token(Some(org), token, &entry).await
    }
}
