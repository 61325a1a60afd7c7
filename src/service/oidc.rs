//! Single sign-on through an organization's OpenID provider: the admin's settings (the client
//! secret sealed with the KEK like a signing key), and the authorization code flow with PKCE
//! (S256), `state` and `nonce` that ends in a web session exactly as a sign-in link starts one.
//!
//! The flow is this module's own, over the same kind of outbound client the webhooks use
//! ([`super::webhooks::Outbound`]): bounded timeouts, no redirects, the environment's
//! proxy ignored, and unless the operator allows private addresses, only public ones reached (an
//! org admin types the issuer, so it must not become a way into the operator's network). Every
//! answer is read up to [`MAX_ANSWER_BYTES`]. The ID token's checks are `domain::oidc`'s pure
//! functions (signature with `jsonwebtoken`, then `iss`, `aud`/`azp`, `exp`, `iat`, `nonce`).
//!
//! Each instance caches a provider's discovery document and JWKS for [`CACHE_SECS`]; a token
//! signed with a key the cached JWKS lacks fetches the JWKS again, once (the provider rotated).
//! Tokens come only from the provider's token endpoint over the back channel, never from the
//! browser, so nobody else can make the service fetch over and over.

use super::clock::Clock;
use super::sessions::Started;
use crate::domain::oidc::{
    self, ATTEMPT_TTL_SECS, ClientSecret, Expected, Issuer, MatchOn, Provider, ProviderSettings,
    SCOPES, SECRET_PURPOSE, SigninFailure, TokenRejection,
};
use crate::domain::{MemberStatus, OrgId, Principal, TokenHash, TokenSecret};
use crate::seal::{Kek, SealError};
use crate::store::{NewAttempt, SecretReseal, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most of a provider's answer that is read (discovery, JWKS, token response).
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// How long a provider's discovery document and JWKS are reused.
pub const CACHE_SECS: i64 = 3600;

/// What can go wrong in the sign-in flow: a failure the person is shown, or the store.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Nobody was signed in, for this reason.
    #[error("single sign-on failed: {}", .0.code())]
    Failure(SigninFailure),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SigninFailure> for OidcError {
    fn from(f: SigninFailure) -> Self {
        Self::Failure(f)
    }
}

/// A sign-in just started: where to send the browser, and the secret for its attempt cookie.
#[derive(Debug)]
pub struct StartedAttempt {
    pub redirect: String,
    pub browser_secret: TokenSecret,
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207: the issuer that answered, when the provider says.
    pub iss: Option<String>,
}

/// The parts of a discovery document the flow uses.
#[derive(Debug, Clone, serde::Deserialize)]
struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// How the client authenticates at the token endpoint, as the provider advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientAuth {
    Basic,
    Post,
}

#[derive(Debug, Clone)]
struct Cached {
    metadata: Arc<Metadata>,
    keys: Arc<Vec<jsonwebtoken::jwk::Jwk>>,
    fetched_at: i64,
}

/// Organizations' OpenID providers and sign-ins through them.
pub struct Oidc {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    kek: Arc<Kek>,
    client: super::webhooks::Outbound,
    public_url: String,
    cache: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// Seals `secret` as organization `org`'s client secret.
fn seal_secret(kek: &Kek, org: OrgId, secret: &ClientSecret) -> crate::seal::Sealed {
    kek.seal(SECRET_PURPOSE, &org.to_string(), secret.bytes())
}

/// Seals every stored client secret under `next`: those sealed under `current` are opened and
/// sealed again, those under `next` already stay (so an interrupted rotation finishes when run
/// again). Returns how many were sealed anew. `namecard kek rotate` calls it after the keys.
///
/// # Errors
/// A secret that does not open with `current` (sealed under a third KEK, or damaged).
pub async fn reseal_secrets(
    store: &dyn Store,
    current: &Kek,
    next: &Kek,
) -> Result<u64, OidcError> {
    let mut reseal = Vec::new();
    for (org, sealed) in store.oidc_secrets().await? {
        if sealed.kek == *next.id() {
            continue;
        }
        let opened = current
            .open(SECRET_PURPOSE, &org.to_string(), &sealed)
            .map_err(|e| {
                StoreError::Corrupt(format!("oidc client secret of organization {org}: {e}"))
            })?;
        reseal.push(SecretReseal {
            org_id: org,
            was: sealed.kek.clone(),
            sealed: seal_secret(next, org, &ClientSecret::from_opened(opened)),
        });
    }
    Ok(store.reseal_oidc_secrets(&reseal).await?)
}

impl Oidc {
    /// Sign-ins come back to `public_url`; the provider is reached through `client`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        kek: Arc<Kek>,
        client: super::webhooks::Outbound,
        public_url: &str,
    ) -> Self {
        Self {
            store,
            clock,
            kek,
            client,
            public_url: public_url.trim_end_matches('/').to_owned(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The redirect URI to register at the provider.
    pub fn redirect_uri(&self) -> String {
        oidc::redirect_uri(&self.public_url)
    }

    /// The address that starts a sign-in with `org`'s provider.
    pub fn start_url(&self, org: OrgId) -> String {
        oidc::start_url(&self.public_url, org)
    }

    /// Whether cookies must be `Secure`.
    pub fn cookies_secure(&self) -> bool {
        crate::domain::session::cookies_secure(&self.public_url)
    }

    /// The organization's provider.
    ///
    /// # Errors
    /// `NotFound` when it has none (or the organization is unknown).
    pub async fn get(&self, org: OrgId) -> Result<Provider, StoreError> {
        self.store
            .get_oidc_provider(org)
            .await?
            .map(|p| p.provider)
            .ok_or(StoreError::NotFound("oidc provider"))
    }

    /// Sets the organization's provider; without a client secret, the stored one is kept.
    ///
    /// # Errors
    /// `NotFound("organization")`, or `NotFound("client_secret")` for a first setting without one.
    pub async fn set(
        &self,
        who: &Principal,
        org: OrgId,
        settings: ProviderSettings,
    ) -> Result<Provider, StoreError> {
        self.store.get_org(org).await?;
        let now = self.clock.now();
        let provider = Provider {
            org_id: org,
            issuer: settings.issuer,
            client_id: settings.client_id,
            match_on: settings.match_on,
            claim: settings.claim,
            label: settings.label,
            updated_at: now,
        };
        let sealed = settings
            .client_secret
            .as_ref()
            .map(|s| seal_secret(&self.kek, org, s));
        // The secret is never in the audit log: only where sign-ins go and how members match.
        let detail = format!(
            "issuer {} client {} match {} by {}",
            provider.issuer.as_str(),
            provider.client_id.as_str(),
            provider.match_on.as_str(),
            provider.claim.as_str()
        );
        let entry = super::audit(now, who, Some(org), "oidc.set", "oidc", detail);
        self.store
            .put_oidc_provider(&provider, sealed.as_ref(), &entry)
            .await?;
        self.forget(provider.issuer.as_str());
        Ok(provider)
    }

    /// Removes the organization's provider; its members sign in with links again.
    ///
    /// # Errors
    /// `NotFound` when it has none.
    pub async fn delete(&self, who: &Principal, org: OrgId) -> Result<(), StoreError> {
        let entry = super::audit(self.clock.now(), who, Some(org), "oidc.delete", "oidc", "");
        self.store.delete_oidc_provider(org, &entry).await
    }

    /// The organization with this domain, and its provider, when it has one (the sign-in page
    /// asks by a work e-mail's domain).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn find_by_domain(
        &self,
        domain: &crate::domain::Domain,
    ) -> Result<Option<(crate::domain::Org, Provider)>, StoreError> {
        let Some(org) = self.store.oidc_org_by_domain(domain.as_str()).await? else {
            return Ok(None);
        };
        let provider = self.get(org).await?;
        Ok(Some((self.store.get_org(org).await?, provider)))
    }

    /// Starts a sign-in with `org`'s provider: stores the attempt (hashes only) and says where
    /// to send the browser.
    ///
    /// # Errors
    /// `NotConfigured`, a provider that cannot be discovered, or the store.
    pub async fn start(&self, org: OrgId) -> Result<StartedAttempt, OidcError> {
        let provider = self.provider(org).await?;
        let started = self.begin(&provider).await;
        if let Err(OidcError::Failure(failure)) = &started {
            self.record(Some(org), failure).await;
        }
        started
    }

    async fn begin(&self, provider: &Provider) -> Result<StartedAttempt, OidcError> {
        let cached = self.discover(&provider.issuer, false).await?;
        let now = self.clock.now();
        let state = TokenSecret::generate();
        let browser = TokenSecret::generate();
        self.store
            .create_oidc_attempt(
                &NewAttempt {
                    state: state.hash(),
                    browser: browser.hash(),
                    org_id: provider.org_id,
                    expires_at: now + ATTEMPT_TTL_SECS,
                },
                now,
            )
            .await?;
        let verifier = oidc::pkce_verifier(browser.expose());
        let mut url = url::Url::parse(&cached.metadata.authorization_endpoint)
            .map_err(|_| invalid("the discovery document's authorization_endpoint is not a URL"))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", provider.client_id.as_str())
            .append_pair("redirect_uri", &self.redirect_uri())
            .append_pair("scope", SCOPES)
            .append_pair("state", state.expose())
            .append_pair("nonce", &oidc::nonce(browser.expose()))
            .append_pair("code_challenge", &oidc::pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(StartedAttempt {
            redirect: url.into(),
            browser_secret: browser,
        })
    }

    /// Finishes a sign-in: uses up the attempt the callback's `state` names (it must be this
    /// browser's), trades the code for tokens, verifies the ID token and starts a session for
    /// the member its claim names. Every failure is written to the organization's audit log
    /// (`oidc.signin_failed`, when the attempt names one) and to the log.
    ///
    /// # Errors
    /// The [`SigninFailure`], or the store.
    pub async fn finish(
        &self,
        callback: &Callback,
        browser_secret: Option<&str>,
    ) -> Result<Started, OidcError> {
        let mut org = None;
        let finished = self.complete(callback, browser_secret, &mut org).await;
        match &finished {
            Err(OidcError::Failure(failure)) => self.record(org, failure).await,
            Err(OidcError::Store(e)) => {
                tracing::error!(error = %e, "single sign-on: the store failed")
            }
            Ok(_) => {}
        }
        finished
    }

    async fn complete(
        &self,
        callback: &Callback,
        browser_secret: Option<&str>,
        org: &mut Option<OrgId>,
    ) -> Result<Started, OidcError> {
        let state = callback
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or(SigninFailure::UnknownState)?;
        let now = self.clock.now();
        let attempt = self
            .store
            .take_oidc_attempt(&TokenHash::of(state))
            .await?
            .filter(|a| a.expires_at > now)
            .ok_or(SigninFailure::UnknownState)?;
        *org = Some(attempt.org_id);
        let browser = browser_secret
            .filter(|b| {
                subtle::ConstantTimeEq::ct_eq(
                    TokenHash::of(b).as_str().as_bytes(),
                    attempt.browser.as_bytes(),
                )
                .into()
            })
            .ok_or(SigninFailure::OtherBrowser)?;
        if let Some(error) = &callback.error {
            let error: String = error
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(64)
                .collect();
            return Err(SigninFailure::ProviderError { error }.into());
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| invalid("the callback has neither a code nor an error"))?;
        let provider = self.provider(attempt.org_id).await?;
        if callback
            .iss
            .as_deref()
            .is_some_and(|iss| iss != provider.issuer.as_str())
        {
            return Err(invalid("the callback's iss is not the configured issuer").into());
        }
        let cached = self.discover(&provider.issuer, false).await?;
        let id_token = self
            .redeem(&provider, &cached.metadata, code, browser)
            .await?;
        let nonce = oidc::nonce(browser);
        let expected = Expected {
            issuer: provider.issuer.as_str(),
            client_id: provider.client_id.as_str(),
            nonce: &nonce,
            now: self.clock.now(),
        };
        let claims = match oidc::verify_id_token(&id_token, &cached.keys, &expected) {
            Err(TokenRejection::UnknownKey) => {
                let fresh = self.discover(&provider.issuer, true).await?;
                oidc::verify_id_token(&id_token, &fresh.keys, &expected)
            }
            verified => verified,
        }
        .map_err(SigninFailure::TokenRejected)?;
        let value = oidc::claim_value(&claims, &provider.claim, provider.match_on)?;
        let member = self
            .member(attempt.org_id, provider.match_on, &value)
            .await?;
        let subject: String = claims
            .get("sub")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(128)
            .collect();
        let secret = TokenSecret::generate();
        let session = self
            .store
            .start_member_session(
                attempt.org_id,
                member,
                &secret.hash(),
                self.clock.now(),
                &format!("oidc/{subject}"),
            )
            .await?
            .ok_or(SigninFailure::MemberInactive { member })?;
        Ok(Started { secret, session })
    }

    /// The one member the claim's value names; deactivated and ambiguous matches refused.
    async fn member(
        &self,
        org: OrgId,
        match_on: MatchOn,
        value: &str,
    ) -> Result<crate::domain::MemberId, OidcError> {
        let found = self.store.members_matching(org, match_on, value).await?;
        let active: Vec<_> = found
            .iter()
            .filter(|(_, s)| *s == MemberStatus::Active)
            .collect();
        match (active.as_slice(), found.first()) {
            ([(member, _)], _) => Ok(*member),
            ([], Some((member, _))) => {
                Err(SigninFailure::MemberInactive { member: *member }.into())
            }
            ([], None) => Err(SigninFailure::UnknownMember.into()),
            _ => Err(SigninFailure::AmbiguousMember.into()),
        }
    }

    async fn provider(&self, org: OrgId) -> Result<Provider, OidcError> {
        match self.get(org).await {
            Ok(p) => Ok(p),
            Err(StoreError::NotFound(_)) => Err(SigninFailure::NotConfigured.into()),
            Err(e) => Err(e.into()),
        }
    }

    /// Trades the code for the ID token at the token endpoint, authenticating as the provider
    /// advertises (`client_secret_basic`, the default, or `client_secret_post`).
    async fn redeem(
        &self,
        provider: &Provider,
        metadata: &Metadata,
        code: &str,
        browser: &str,
    ) -> Result<String, OidcError> {
        let stored = self
            .store
            .get_oidc_provider(provider.org_id)
            .await?
            .ok_or(SigninFailure::NotConfigured)?;
        let secret = self
            .kek
            .open(SECRET_PURPOSE, &provider.org_id.to_string(), &stored.secret)
            .map_err(|e: SealError| {
                StoreError::Corrupt(format!(
                    "oidc client secret of organization {}: {e}",
                    provider.org_id
                ))
            })?;
        let secret = ClientSecret::from_opened(secret);
        let auth = client_auth(metadata)?;
        let redirect_uri = self.redirect_uri();
        let verifier = oidc::pkce_verifier(browser);
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
        ];
        let exposed = secret.expose();
        let mut request = self.request(reqwest::Method::POST, &metadata.token_endpoint)?;
        match auth {
            ClientAuth::Basic => {
                // RFC 6749 section 2.3.1: both parts form-encoded before base64.
                let encode = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let pair = format!(
                    "{}:{}",
                    encode(provider.client_id.as_str()),
                    encode(&exposed)
                );
                use base64::Engine as _;
                let basic = base64::engine::general_purpose::STANDARD.encode(pair);
                request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {basic}"));
            }
            ClientAuth::Post => {
                form.push(("client_id", provider.client_id.as_str()));
                form.push(("client_secret", &exposed));
            }
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = request
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body);
        let (status, answer) = self.fetch(request, "token endpoint").await?;
        if !status.is_success() {
            let error = answer
                .get("error")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("no error code")
                .chars()
                .filter(char::is_ascii_graphic)
                .take(64)
                .collect::<String>();
            return Err(invalid(format!("the token endpoint answered {status}: {error}")).into());
        }
        answer
            .get("id_token")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| invalid("the token endpoint's answer has no id_token").into())
    }

    /// The provider's discovery document and keys, cached; `refresh` fetches both again.
    async fn discover(&self, issuer: &Issuer, refresh: bool) -> Result<Cached, OidcError> {
        let now = self.clock.now();
        if !refresh && let Some(cached) = self.cached(issuer.as_str(), now) {
            return Ok(cached);
        }
        let (status, document) = self
            .fetch(
                self.request(reqwest::Method::GET, &issuer.discovery_url())?,
                "discovery document",
            )
            .await?;
        if !status.is_success() {
            return Err(invalid(format!("the discovery document answered {status}")).into());
        }
        let metadata: Metadata = serde_json::from_value(document)
            .map_err(|e| invalid(format!("the discovery document is incomplete: {e}")))?;
        if metadata.issuer != issuer.as_str() {
            return Err(invalid(format!(
                "the discovery document names issuer {:?}, not the configured one",
                metadata.issuer.chars().take(200).collect::<String>()
            ))
            .into());
        }
        for (name, url) in [
            ("authorization_endpoint", &metadata.authorization_endpoint),
            ("token_endpoint", &metadata.token_endpoint),
            ("jwks_uri", &metadata.jwks_uri),
        ] {
            if !url::Url::parse(url).is_ok_and(|u| oidc::secure_or_loopback(&u)) {
                return Err(invalid(format!(
                    "the discovery document's {name} is not an https URL"
                ))
                .into());
            }
        }
        let (status, jwks) = self
            .fetch(
                self.request(reqwest::Method::GET, &metadata.jwks_uri)?,
                "JWKS",
            )
            .await?;
        if !status.is_success() {
            return Err(invalid(format!("the JWKS answered {status}")).into());
        }
        let keys = oidc::parse_jwks(&jwks).ok_or_else(|| invalid("the JWKS has no keys array"))?;
        // A set of keys none of which can be read can verify nothing: the provider's fault,
        // not the token's, and said so before anyone is sent to sign in.
        if keys.is_empty() {
            return Err(invalid("the JWKS has no key namecard can read").into());
        }
        let cached = Cached {
            metadata: Arc::new(metadata),
            keys: Arc::new(keys),
            fetched_at: now,
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(issuer.as_str().to_owned(), cached.clone());
        }
        Ok(cached)
    }

    fn cached(&self, issuer: &str, now: i64) -> Option<Cached> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(issuer)
            .filter(|c| now - c.fetched_at < CACHE_SECS)
            .cloned()
    }

    fn forget(&self, issuer: &str) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(issuer);
        }
    }

    /// A request to the provider at `url`; an IP-literal host that may not be reached is
    /// `ProviderUnreachable`, as a host name resolving to no public address is.
    fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, SigninFailure> {
        self.client.request(method, url).map_err(|ip| {
            tracing::warn!(%ip, "single sign-on: the provider's address is not public");
            SigninFailure::ProviderUnreachable
        })
    }

    /// Sends `request` and reads a JSON answer of at most [`MAX_ANSWER_BYTES`]. Any transport
    /// failure (refused, timed out, a non-public address refused) is `ProviderUnreachable`; an
    /// answer that is not JSON is `ProviderInvalid`.
    async fn fetch(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<(reqwest::StatusCode, serde_json::Value), SigninFailure> {
        let unreachable = |e: &reqwest::Error| {
            tracing::warn!(error = %error_chain(e), "single sign-on: the provider's {what} could not be fetched");
            SigninFailure::ProviderUnreachable
        };
        let mut response = request.send().await.map_err(|e| unreachable(&e))?;
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(&e))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(invalid(format!(
                    "the {what} is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let json = serde_json::from_slice(&body)
            .map_err(|_| invalid(format!("the {what} ({status}) is not JSON")))?;
        Ok((status, json))
    }

    /// Writes a failed sign-in to the organization's audit log (when one is known) and the log.
    async fn record(&self, org: Option<OrgId>, failure: &SigninFailure) {
        tracing::warn!(
            code = failure.code(),
            detail = %failure.detail(),
            org = org.map(OrgId::get),
            "single sign-on failed"
        );
        let Some(org) = org else { return };
        let entry = crate::domain::Audit {
            at: self.clock.now(),
            actor: "oidc".to_owned(),
            org_id: Some(org),
            action: "oidc.signin_failed",
            target: failure.code().to_owned(),
            detail: failure.detail(),
        };
        if let Err(e) = self.store.record_audit(&entry).await {
            tracing::warn!(error = %e, "single sign-on: the failure could not be audited");
        }
    }

    /// Deletes expired attempts (a chore).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        self.store.purge_oidc_attempts(self.clock.now()).await
    }
}

fn invalid(what: impl Into<String>) -> SigninFailure {
    SigninFailure::ProviderInvalid { what: what.into() }
}

/// `client_secret_basic` unless the provider advertises only `client_secret_post` (the
/// discovery default is `client_secret_basic`, OpenID Connect Discovery 1.0 section 3).
fn client_auth(metadata: &Metadata) -> Result<ClientAuth, SigninFailure> {
    let Some(methods) = &metadata.token_endpoint_auth_methods_supported else {
        return Ok(ClientAuth::Basic);
    };
    if methods.iter().any(|m| m == "client_secret_basic") {
        Ok(ClientAuth::Basic)
    } else if methods.iter().any(|m| m == "client_secret_post") {
        Ok(ClientAuth::Post)
    } else {
        Err(invalid(
            "the token endpoint takes neither client_secret_basic nor client_secret_post",
        ))
    }
}

/// An error and its sources, for one log line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The client the provider is reached through: `timeout` for each whole exchange (connecting
/// included), the webhooks' rules otherwise.
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub fn provider_client(
    allow_private: bool,
    timeout: Duration,
) -> reqwest::Result<super::webhooks::Outbound> {
    super::webhooks::Outbound::new(allow_private, None, timeout)
}
