//! Delivering contact events to organizations' webhooks.
//!
//! Events are queued by the store in the same transaction as the change they describe (an
//! outbox), so a request never waits for, or fails because of, a receiver. A background task on
//! every instance claims due deliveries, POSTs them signed, and retries failures with exponential
//! backoff until [`MAX_ATTEMPTS`].
//!
//! Each delivery carries `Namecard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"` with the organization's secret (the scheme Stripe and others use), so a
//! receiver can check origin and freshness; [`verify_signature`] is the reference check.
//!
//! Unless the operator allows private addresses, deliveries reach only public ones
//! ([`is_public_address`]): an IP-literal URL is checked before sending, and host names go
//! through a resolver that drops every non-public address, so the check holds for the address
//! actually connected to (no DNS rebinding between check and connect).

use super::clock::Clock;
use crate::domain::org::{is_public_address, refused_ip};
use crate::domain::{OrgId, Principal, WebhookUrl};
use crate::store::{Delivery, DeliveryResult, Store, StoreError, Webhook};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// Delay before the first retry; it doubles with each attempt, up to [`MAX_BACKOFF_SECS`].
pub const FIRST_BACKOFF_SECS: i64 = 2;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_SECS: i64 = 3600;

/// A new random webhook secret (`whsec_` and 32 random bytes in hex).
pub fn new_secret() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

fn mac(secret: &str, timestamp: i64, body: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac
}

/// The `Namecard-Signature` header value for `body` sent at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}

/// Checks a `Namecard-Signature` header: a `v1` tag that matches (in constant time) and a
/// timestamp within `tolerance_secs` of `now`.
pub fn verify_signature(
    secret: &str,
    header: &str,
    body: &str,
    now: i64,
    tolerance_secs: i64,
) -> bool {
    let mut timestamp = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => tags.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if now.abs_diff(t) > tolerance_secs.unsigned_abs() {
        return false;
    }
    tags.iter()
        .any(|tag| mac(secret, t, body).verify_slice(tag).is_ok())
}

/// How long one delivery may take, connecting included.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The wait before retrying after the `attempt`-th failure (1-based).
pub fn backoff_secs(attempt: i64) -> i64 {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_BACKOFF_SECS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_SECS)
}

/// The client deliveries go through: no redirects (each would be a new, unchecked target), a
/// 10 s timeout, and unless `allow_private`, a resolver that keeps only public addresses.
///
/// The environment's proxy (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) is ignored: through a
/// proxy the target's name is resolved by the proxy, never by the resolver above, so any
/// internal host would be reached. Only an explicit `proxy` (the operator's
/// `--webhook-proxy`) is used, and that proxy must then enforce the address rules itself.
///
/// # Errors
/// When the TLS backend cannot be initialised or `proxy` is not a proxy URL.
pub fn delivery_client(
    allow_private: bool,
    proxy: Option<&str>,
) -> reqwest::Result<reqwest::Client> {
    outbound_client(allow_private, proxy, DELIVERY_TIMEOUT)
}

/// A client for calls an organization's settings aim (webhook deliveries, its OpenID provider):
/// [`delivery_client`]'s rules, with `timeout` for each whole exchange, connecting included.
///
/// # Errors
/// When the TLS backend cannot be initialised or `proxy` is not a proxy URL.
pub fn outbound_client(
    allow_private: bool,
    proxy: Option<&str>,
    timeout: Duration,
) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    let builder = match proxy {
        Some(url) => builder.proxy(reqwest::Proxy::all(url)?),
        None => builder,
    };
    if allow_private {
        builder.build()
    } else {
        builder.dns_resolver(Arc::new(PublicOnly)).build()
    }
}

/// The client for the URLs organizations' settings name (webhook deliveries, OpenID providers),
/// with the address rules applied to every request: a host name through the resolver of
/// [`outbound_client`], an IP-literal host (which no resolver sees) checked as the request is
/// made. Calls go through [`Self::request`], so no caller can skip the literal check.
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    /// [`outbound_client`]'s client with its rules.
    ///
    /// # Errors
    /// As [`outbound_client`].
    pub fn new(
        allow_private: bool,
        proxy: Option<&str>,
        timeout: Duration,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            client: outbound_client(allow_private, proxy, timeout)?,
            allow_private,
        })
    }

    /// Whether non-public addresses may be reached.
    pub fn allow_private(&self) -> bool {
        self.allow_private
    }

    /// A request to `url`.
    ///
    /// # Errors
    /// The address, when `url`'s host is an IP that may not be reached.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, std::net::IpAddr> {
        match refused_ip(url, self.allow_private) {
            Some(ip) => Err(ip),
            None => Ok(self.client.request(method, url)),
        }
    }
}

/// Resolves with the system resolver and drops non-public addresses.
struct PublicOnly;

/// A host name that resolved to no public address.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to no public address (loopback, private and link-local ones are refused)")]
struct NotPublic(String);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public_address(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(Box::new(NotPublic(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The [`NotPublic`] refusal behind a failed send, if that is why it failed.
fn refusal(error: &reqwest::Error) -> Option<&NotPublic> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(refused) = e.downcast_ref::<NotPublic>() {
            return Some(refused);
        }
        source = e.source();
    }
    None
}

/// Sends one claimed delivery at `now` and says how it ended.
async fn attempt(outbound: &Outbound, d: &Delivery, now: i64) -> DeliveryResult {
    let Some(hook) = &d.webhook else {
        return DeliveryResult::GiveUp {
            error: "the webhook was removed".into(),
        };
    };
    // An IP-literal URL refused now: set before the operator changed the setting, or stored by
    // an older version.
    let request = match outbound.request(reqwest::Method::POST, &hook.url) {
        Ok(request) => request,
        Err(ip) => {
            return DeliveryResult::GiveUp {
                error: format!("{ip} is not a public address"),
            };
        }
    };
    let sent = request
        .header("content-type", "application/json")
        .header("namecard-event", &d.event)
        .header("namecard-delivery", d.id.to_string())
        .header("namecard-signature", sign(&hook.secret, now, &d.body))
        .body(d.body.clone())
        .send()
        .await;
    let error = match sent {
        Ok(r) if r.status().is_success() => return DeliveryResult::Delivered,
        Ok(r) => format!("receiver answered {}", r.status()),
        Err(e) => match refusal(&e) {
            // A refused address is the webhook's fault; retrying cannot help.
            Some(refused) => {
                return DeliveryResult::GiveUp {
                    error: refused.to_string(),
                };
            }
            // Without the URL: receivers often carry a token in it.
            None => format!("delivery failed: {}", e.without_url()),
        },
    };
    next_attempt(d.attempts, now, error)
}

/// What follows a failed attempt of an outbox entry (a webhook delivery, a mail) that had
/// `attempts` before it: another after the backoff, or, after [`MAX_ATTEMPTS`], none.
pub fn next_attempt(attempts: i64, now: i64, error: String) -> DeliveryResult {
    let attempt = attempts + 1;
    if attempt >= MAX_ATTEMPTS {
        DeliveryResult::GiveUp { error }
    } else {
        DeliveryResult::Retry {
            at: now + backoff_secs(attempt),
            error,
        }
    }
}

/// Why a webhook could not be set.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The URL's address is not public and the operator does not allow private ones.
    #[error(transparent)]
    Address(#[from] crate::domain::DomainError),
    /// The store failed, or the organization does not exist.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Organizations' webhooks and the delivery of their events.
pub struct Webhooks {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    outbound: Outbound,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("allow_private", &self.outbound.allow_private)
            .finish_non_exhaustive()
    }
}

impl Webhooks {
    /// The webhooks use cases; `allow_private` lets webhooks reach non-public addresses, and
    /// deliveries go through `proxy` when one is given ([`delivery_client`]).
    ///
    /// # Errors
    /// When the delivery client's TLS backend cannot be initialised or `proxy` is not a proxy URL.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        allow_private: bool,
        proxy: Option<&str>,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            outbound: Outbound::new(allow_private, proxy, DELIVERY_TIMEOUT)?,
            store,
            clock,
        })
    }

    /// Sets the organization's webhook with a new secret, returned here once.
    ///
    /// # Errors
    /// `Address` for a URL whose host is a non-public IP (unless allowed); `NotFound`.
    pub async fn set(
        &self,
        who: &Principal,
        org: OrgId,
        url: &WebhookUrl,
    ) -> Result<Webhook, WebhookError> {
        url.check_address(self.outbound.allow_private)?;
        let now = self.clock.now();
        let hook = Webhook {
            org_id: org,
            url: url.as_str().to_owned(),
            secret: new_secret(),
            created_at: now,
        };
        let target = format!("org/{org}/webhook");
        let entry = super::audit(now, who, Some(org), "webhook.set", target, hook.url.clone());
        self.store.set_webhook(&hook, &entry).await?;
        Ok(hook)
    }

    /// The organization's webhook.
    ///
    /// # Errors
    /// `NotFound` when it has none.
    pub async fn get(&self, org: OrgId) -> Result<Webhook, StoreError> {
        self.store
            .get_webhook(org)
            .await?
            .ok_or(StoreError::NotFound("webhook"))
    }

    /// Removes the organization's webhook; undelivered events are given up.
    ///
    /// # Errors
    /// `NotFound` when it has none.
    pub async fn delete(&self, who: &Principal, org: OrgId) -> Result<(), StoreError> {
        let target = format!("org/{org}/webhook");
        let entry = super::audit(
            self.clock.now(),
            who,
            Some(org),
            "webhook.delete",
            target,
            "",
        );
        self.store.delete_webhook(org, &entry).await
    }

    /// Delivers every due event once; returns how many were attempted.
    ///
    /// # Errors
    /// When the store fails (the next round retries).
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        // The lease (120 s) outlasts a whole batch of attempts (8 x the 10 s timeout), so no other
        // instance claims a delivery while this one is still sending it.
        let due = self
            .store
            .claim_deliveries(self.clock.now(), 120, 8)
            .await?;
        for d in &due {
            // Signed when sent, not when claimed, so the timestamp is fresh for the receiver.
            let result = attempt(&self.outbound, d, self.clock.now()).await;
            if let DeliveryResult::Retry { error, .. } | DeliveryResult::GiveUp { error } = &result
            {
                tracing::warn!(delivery = d.id.get(), org = d.org_id.get(), event = %d.event, %error, "webhook delivery failed");
            }
            metrics::counter!("webhook_deliveries_total", "result" => match result {
                DeliveryResult::Delivered => "delivered",
                DeliveryResult::Retry { .. } => "retry",
                DeliveryResult::GiveUp { .. } => "given_up",
            })
            .increment(1);
            self.store
                .finish_delivery(d.id, &result, self.clock.now())
                .await?;
        }
        Ok(due.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outbound_request_to_a_private_ip_literal_is_refused_unless_allowed() {
        let public_only = Outbound::new(false, None, DELIVERY_TIMEOUT).unwrap();
        for url in [
            "https://169.254.169.254/latest/meta-data",
            "http://127.0.0.1:8080/hook",
            "https://[::1]/.well-known/openid-configuration",
            "https://10.0.0.7/token",
        ] {
            assert!(
                public_only.request(reqwest::Method::GET, url).is_err(),
                "{url}"
            );
        }
        // Host names are left to the resolver, which drops non-public addresses.
        assert!(
            public_only
                .request(reqwest::Method::GET, "https://idp.example.com/")
                .is_ok()
        );
        assert!(
            public_only
                .request(reqwest::Method::POST, "https://93.184.216.34/")
                .is_ok()
        );
        let private_ok = Outbound::new(true, None, DELIVERY_TIMEOUT).unwrap();
        assert!(
            private_ok
                .request(reqwest::Method::GET, "http://127.0.0.1:8080/hook")
                .is_ok()
        );
    }

    #[test]
    fn a_signature_verifies_only_with_its_secret_body_and_time() {
        let header = sign("whsec_a", 1_000, "{\"x\":1}");
        assert!(verify_signature(
            "whsec_a",
            &header,
            "{\"x\":1}",
            1_010,
            300
        ));
        assert!(!verify_signature(
            "whsec_b",
            &header,
            "{\"x\":1}",
            1_010,
            300
        ));
        assert!(!verify_signature(
            "whsec_a",
            &header,
            "{\"x\":2}",
            1_010,
            300
        ));
        assert!(!verify_signature(
            "whsec_a",
            &header,
            "{\"x\":1}",
            2_000,
            300
        ));
        assert!(!verify_signature(
            "whsec_a",
            "t=1000",
            "{\"x\":1}",
            1_000,
            300
        ));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(backoff_secs(1), 2);
        assert_eq!(backoff_secs(2), 4);
        assert_eq!(backoff_secs(5), 32);
        assert_eq!(backoff_secs(30), 3600);
    }
}
