//! Organizations: their name, verified domain and external-contact policy.

use super::{DomainError, text_type};

text_type!(
    /// An organization's display name, 1 to 100 characters.
    OrgName, "name", 100
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
            ));
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
        let invalid = |why: &str| DomainError::new("url", "invalid_url", why.to_owned());
        let raw = raw.trim();
        if raw.len() > 2000 {
            return Err(invalid("must be at most 2000 characters"));
        }
        let url = url::Url::parse(raw).map_err(|e| invalid(&format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("must be an https:// or http:// URL with a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "must not carry credentials; the secret signs each delivery",
            ));
        }
        Ok(Self(url.to_string()))
    }

    /// The normalized URL.
    pub fn as_str(&self) -> &str {
        &self.0
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

    /// Parses the stored form.
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
            )),
        }
    }
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
}
