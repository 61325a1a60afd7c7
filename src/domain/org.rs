//! Organizations: their name, verified domain and external-contact policy.

use std::net::IpAddr;

use super::{DomainError, OrgId, Why, text_type};
use crate::qr::Lang;

text_type!(
    /// An organization's display name, 1 to 100 characters.
    OrgName, "name", 100, shown_on_cards
);

/// A verified DNS domain, stored lowercased (`example.com`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain(String);

impl Domain {
    /// Parses a DNS name: dot-separated labels of letters, digits and hyphens.
    ///
    /// # Errors
    /// When it is not a plausible fully-qualified domain name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if name.len() > 253 || !name.contains('.') || !name.split('.').all(label_ok) {
            return Err(DomainError::new(
                "domain",
                "invalid_domain",
                "must be a domain name like example.com",
            )
            .because("domain", &[]));
        }
        Ok(Self(name))
    }

    /// The lowercased domain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where an organization's webhook events go: an absolute `https://` or `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses a webhook URL.
    ///
    /// # Errors
    /// When it is not an absolute http(s) URL with a host, has credentials, or is over 2000 bytes.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = |english: &str, why: Why| DomainError {
            why: Some(why),
            ..DomainError::new("url", "invalid_url", english.to_owned())
        };
        let raw = raw.trim();
        if raw.len() > 2000 {
            return Err(invalid(
                "must be at most 2000 characters",
                Why::new("too-long", &[("max", &2000)]),
            ));
        }
        let url = url::Url::parse(raw).map_err(|e| {
            invalid(
                &format!("not a URL: {e}"),
                Why::new("not-a-url", &[("error", &e)]),
            )
        })?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid(
                "must be an https:// or http:// URL with a host",
                Why::new("url-scheme", &[]),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "must not carry credentials; the secret signs each delivery",
                Why::new("url-credentials", &[]),
            ));
        }
        Ok(Self(url.to_string()))
    }

    /// The normalized URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Refuses a URL whose host is an IP address that is not public, unless the operator allows
    /// private addresses. Host names are checked when each delivery resolves them.
    ///
    /// # Errors
    /// `webhook_address_not_allowed` for a loopback, private, link-local or reserved address.
    pub fn check_address(&self, allow_private: bool) -> Result<(), DomainError> {
        match refused_ip(&self.0, allow_private) {
            Some(_) => Err(DomainError::new(
                "url",
                "webhook_address_not_allowed",
                "points at a loopback, private, link-local or reserved address; the service \
                 delivers only to public addresses unless its operator sets \
                 webhook_private_addresses",
            )
            .because("private-address", &[])),
            None => Ok(()),
        }
    }
}

/// The host of webhook URL `url` when it is an IP address that may not be reached: not public,
/// and the operator does not `allow_private`. Host names are `None`: they are checked where they
/// are resolved.
pub fn refused_ip(url: &str, allow_private: bool) -> Option<IpAddr> {
    let ip = match url::Url::parse(url).ok()?.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    (!allow_private && !is_public_address(ip)).then_some(ip)
}

/// Whether a webhook may be delivered to `ip`: a globally routable unicast address.
///
/// Not public: "this network", loopback, private (RFC 1918, `fc00::/7`), shared (`100.64/10`),
/// link-local (`169.254/16`, where cloud metadata services answer, and `fe80::/10`), the IETF
/// protocol block, documentation and benchmarking ranges, multicast, broadcast and reserved
/// addresses. IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address inside.
/// (`IpAddr::is_global` would say this, but it is not stable.)
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(a == 0
                || v4.is_loopback()
                || v4.is_private()
                || (a == 100 && (64..128).contains(&b))
                || v4.is_link_local()
                || (a == 192 && b == 0 && c == 0)
                || v4.is_documentation()
                || (a == 198 && (b == 18 || b == 19))
                || v4.is_multicast()
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0; 4] {
                // NAT64: reaches the IPv4 address in its last 32 bits.
                let v4 = std::net::Ipv4Addr::from((u32::from(seg[6]) << 16) | u32::from(seg[7]));
                return is_public_address(IpAddr::V4(v4));
            }
            // Global unicast is 2000::/3, less documentation (2001:db8::/32), the IETF protocol
            // block (2001::/23) and 6to4 (2002::/16, which tunnels to any IPv4 address).
            (seg[0] & 0xe000) == 0x2000
                && !(seg[0] == 0x2001 && (seg[1] == 0x0db8 || seg[1] < 0x0200))
                && seg[0] != 0x2002
        }
    }
}

/// Who may start an external-contact request with this organization's members.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactPolicy {
    /// No external contacts at all.
    Disabled,
    /// Only members of partner organizations.
    PartnersOnly,
    /// Anyone with a valid card.
    Open,
}

impl ContactPolicy {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "disabled",
            Self::PartnersOnly => "partners_only",
            Self::Open => "open",
        }
    }

    /// Parses the stored or wire form.
    ///
    /// # Errors
    /// On any other string.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "disabled" => Ok(Self::Disabled),
            "partners_only" => Ok(Self::PartnersOnly),
            "open" => Ok(Self::Open),
            _ => Err(DomainError::new(
                "policy",
                "invalid_policy",
                "must be disabled, partners_only or open",
            )
            .because("policy", &[])),
        }
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub domain: Option<String>,
    pub policy: ContactPolicy,
    pub created_at: i64,
    /// How long a contact may refuse a transfer of their relation.
    pub transfer_period: super::TransferPeriod,
    /// Whether requests made with a departed member's cards go to their successor.
    pub successor_routing: bool,
    /// The language its cards and posters are drawn in: their regional glyph forms and footer.
    pub lang: Lang,
}

/// One entry of an organization's partner list, as its admins see it: the id they listed, since
/// when, and the other organization's name only once that organization lists them back (both
/// sides agreed). Listing an id tells nothing about the organization behind it, or whether
/// there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: OrgId,
    pub name: Option<String>,
    pub since: i64,
}

/// A new organization.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub name: OrgName,
    pub domain: Option<Domain>,
    pub policy: ContactPolicy,
    pub lang: Lang,
}

/// Changes to an organization; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrgPatch {
    pub name: Option<OrgName>,
    pub domain: Option<Option<Domain>>,
    pub policy: Option<ContactPolicy>,
    pub transfer_period: Option<super::TransferPeriod>,
    pub successor_routing: Option<bool>,
    pub lang: Option<Lang>,
}

/// An organization's language from its admin's tag (BCP 47).
///
/// # Errors
/// `invalid_lang` when the tag is not well formed.
pub fn parse_org_lang(tag: &str) -> Result<Lang, DomainError> {
    Lang::parse(tag).map_err(|e| {
        DomainError::new("lang", "invalid_lang", e.to_string())
            .because("lang", &[("tag", &format!("{:?}", e.tag()))])
    })
}

/// The language of a new organization when its creator names none: most of the service's users
/// write Simplified Chinese.
pub fn default_org_lang() -> Lang {
    Lang::parse("zh-Hans").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_lowercased_and_checked() {
        assert_eq!(
            Domain::parse("Example.COM.").unwrap().as_str(),
            "example.com"
        );
        assert!(Domain::parse("localhost").is_err());
        assert!(Domain::parse("-bad.example").is_err());
        assert!(Domain::parse("a b.example").is_err());
    }

    #[test]
    fn policies_round_trip_through_their_stored_form() {
        for p in [
            ContactPolicy::Disabled,
            ContactPolicy::PartnersOnly,
            ContactPolicy::Open,
        ] {
            assert_eq!(ContactPolicy::parse(p.as_str()).unwrap(), p);
        }
    }

    #[test]
    fn only_globally_routable_addresses_count_as_public() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "203.0.114.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public_address(public.parse().unwrap()), "{public}");
        }
        for private in [
            "0.0.0.0",
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2002:7f00:1::",
        ] {
            assert!(!is_public_address(private.parse().unwrap()), "{private}");
        }
    }

    #[test]
    fn a_webhook_at_a_private_ip_literal_is_refused_unless_the_operator_allows_it() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "https://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/x",
            "http://2130706433/x",
        ] {
            let parsed = WebhookUrl::parse(url).unwrap();
            let refused = parsed.check_address(false).unwrap_err();
            assert_eq!(refused.code, "webhook_address_not_allowed", "{url}");
            assert!(parsed.check_address(true).is_ok());
        }
        for url in ["https://hooks.example.com/x", "https://8.8.8.8/x"] {
            assert!(WebhookUrl::parse(url).unwrap().check_address(false).is_ok());
        }
    }
}
