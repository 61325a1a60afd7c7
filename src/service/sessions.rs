//! Web sign-in: one-time sign-in links an admin creates for a person, the sessions they turn
//! into, and their expiry. The rules (lifetimes, cookies, CSRF) are `domain::session`.

use super::clock::Clock;
use crate::card::Issuer;
use crate::domain::session::{SIGNIN_LINK_TTL_SECS, signin_url};
use crate::domain::{
    MemberId, MemberStatus, OrgId, PendingSigninLink, Principal, Role, SessionInfo, SigninLinkId,
    TokenHash, TokenSecret,
};
use crate::store::{NewSigninLink, Store, StoreError};
use std::sync::Arc;

/// A one-time sign-in link: its URL (the secret is in the fragment) and when it stops working.
#[derive(Debug)]
pub struct SigninLink {
    pub url: String,
    pub expires_at: i64,
}

/// A session just started: its secret (for the cookie, shown once) and what it is.
#[derive(Debug)]
pub struct Started {
    pub secret: TokenSecret,
    pub session: SessionInfo,
}

/// Sign-in links and sessions.
#[derive(Debug)]
pub struct Sessions {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    issuer: Issuer,
    /// Mails sign-in links on an admin's request, when set.
    mail: Option<Arc<super::Mail>>,
}

impl Sessions {
    /// Links point at `issuer`, the service's public URL.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, issuer: Issuer) -> Self {
        Self {
            store,
            clock,
            issuer,
            mail: None,
        }
    }

    /// Mails sign-in links through `mail` when an admin asks.
    #[must_use]
    pub fn with_mail(self, mail: Arc<super::Mail>) -> Self {
        Self {
            mail: Some(mail),
            ..self
        }
    }

    /// Creates a one-time sign-in link for an active member of `org`, as [`Self::create_link`],
    /// and queues it by e-mail to the member's address; the link and the queued mail's id.
    /// Nothing is made when it cannot be mailed.
    ///
    /// # Errors
    /// `Disabled` (e-mail is off), `NoAddress`, `Store` (`NotFound` for an unknown or inactive
    /// member).
    pub async fn create_link_by_mail(
        &self,
        who: &Principal,
        org: OrgId,
        member: MemberId,
    ) -> Result<(SigninLink, crate::domain::MailId), super::MailError> {
        let mail = self.mail.as_ref().ok_or(super::MailError::Disabled)?;
        let m = self.store.get_member(org, member).await?;
        if m.status != MemberStatus::Active {
            return Err(StoreError::NotFound("member").into());
        }
        mail.check_mailable(&m)?;
        let organization = self.store.get_org(org).await?;
        let link = self.create_link(who, org, Some(member)).await?;
        let id = mail
            .signin_link(&m, &organization, &link.url, link.expires_at)
            .await?;
        Ok((link, id))
    }

    /// The current time, as the sessions' lifetimes are counted.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Creates a one-time sign-in link for an active member of `org`, or (without `member`) for
    /// an administrator of it. Each call makes a new link; earlier unused ones keep working
    /// until they expire.
    ///
    /// # Errors
    /// `NotFound` for an unknown organization or a member who is not active.
    pub async fn create_link(
        &self,
        who: &Principal,
        org: OrgId,
        member: Option<MemberId>,
    ) -> Result<SigninLink, StoreError> {
        match member {
            Some(m) if self.store.get_member(org, m).await?.status != MemberStatus::Active => {
                return Err(StoreError::NotFound("member"));
            }
            Some(_) => {}
            None => {
                self.store.get_org(org).await?;
            }
        }
        let now = self.clock.now();
        let secret = TokenSecret::generate();
        let link = NewSigninLink {
            hash: secret.hash(),
            role: if member.is_some() {
                Role::Member
            } else {
                Role::Admin
            },
            org_id: org,
            member_id: member,
            expires_at: now + SIGNIN_LINK_TTL_SECS,
            created_by: who.token_id(),
        };
        let target = member.map_or_else(|| "admin".to_owned(), |m| format!("member/{m}"));
        let entry = super::audit(now, who, Some(org), "signin_link.create", target, "");
        self.store.create_signin_link(&link, &entry).await?;
        Ok(SigninLink {
            url: signin_url(self.issuer.as_str(), &secret),
            expires_at: link.expires_at,
        })
    }

    /// The sign-in links of `org` nobody has used yet.
    ///
    /// # Errors
    /// `NotFound` for an unknown organization.
    pub async fn pending_links(&self, org: OrgId) -> Result<Vec<PendingSigninLink>, StoreError> {
        self.store.get_org(org).await?;
        self.store.list_signin_links(org, self.clock.now()).await
    }

    /// Cancels a sign-in link of `org` that nobody has used yet.
    ///
    /// # Errors
    /// `NotFound` for a link that is not the organization's or was used already.
    pub async fn cancel_link(
        &self,
        who: &Principal,
        org: OrgId,
        link: SigninLinkId,
    ) -> Result<(), StoreError> {
        let target = format!("signin_link/{link}");
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org),
            "signin_link.cancel",
            target,
            "",
        );
        self.store.cancel_signin_link(org, link, &entry).await
    }

    /// Trades a sign-in link's secret for a new session; `None` when the link is unknown, used,
    /// expired or its member deactivated.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn start(&self, link_secret: &str) -> Result<Option<Started>, StoreError> {
        let secret = TokenSecret::generate();
        let started = self
            .store
            .redeem_signin_link(
                &TokenHash::of(link_secret),
                &secret.hash(),
                self.clock.now(),
            )
            .await?;
        Ok(started.map(|session| Started { secret, session }))
    }

    /// The live session with this secret, if any.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn find(&self, secret: &str) -> Result<Option<SessionInfo>, StoreError> {
        self.store
            .find_session(&TokenHash::of(secret), self.clock.now())
            .await
    }

    /// Ends the session with this secret (unknown or ended sessions are left alone).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn end(&self, secret: &str) -> Result<(), StoreError> {
        self.store
            .end_session(&TokenHash::of(secret), self.clock.now())
            .await
    }

    /// Deletes expired links and sessions (a chore); returns how many rows went.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.store.purge_expired_signins(self.clock.now()).await
    }
}
