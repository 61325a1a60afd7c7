-- Keys removed after a compromise. Their rows leave signing_keys (the private key is gone), but
-- their ids stay here so the signed revocation list keeps naming them: an offline verifier
-- holding an older JWKS must still refuse what they signed.
CREATE TABLE compromised_keys (
    kid         TEXT PRIMARY KEY,
    removed_at  BIGINT NOT NULL
);
