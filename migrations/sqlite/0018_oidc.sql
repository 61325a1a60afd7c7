-- Single sign-on: an organization's OpenID provider, and the sign-ins started with it.
--
-- The client secret is sealed with the key-encryption key exactly like a signing key's private
-- half (XChaCha20-Poly1305, purpose `oidc-client-secret` and the organization id as associated
-- data), the KEK's id beside it, so `namecard kek rotate` re-seals it too.
CREATE TABLE oidc_providers (
    org_id         BIGINT PRIMARY KEY REFERENCES organizations (id),
    issuer         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL,
    kek_id         TEXT NOT NULL,
    match_on       TEXT NOT NULL CHECK (match_on IN ('email', 'employee_id')),
    claim          TEXT NOT NULL,
    label          TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- A sign-in on its way through the provider: only SHA-256 hashes of its `state` (sent through
-- the provider) and of the secret in the browser's cookie (from which the PKCE verifier and the
-- nonce are derived) are kept; the row is deleted when the callback uses it, so it works once.
CREATE TABLE oidc_attempts (
    state_hash    TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL,
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX oidc_attempts_by_expiry ON oidc_attempts (expires_at);

-- Members are found by e-mail address without regard to case.
CREATE INDEX members_by_email ON members (org_id, lower(email));
