-- Signing keys sealed at rest (src/seal.rs): `private_key` holds the private key sealed with the
-- operator's key-encryption key, `kek_id` names that key. A row without a `kek_id` was written
-- in plaintext (PKCS#8 PEM) by an earlier version: start-up seals it before serving.
ALTER TABLE signing_keys RENAME COLUMN private_pem TO private_key;
ALTER TABLE signing_keys ADD COLUMN kek_id TEXT;
