-- Revocation lists as published, numbered by one sequence for every instance: a list's number
-- is the previous list's plus one (the primary key refuses a second list with the same number),
-- and each instance serves the highest one. `content_digest` is a SHA-256 over what the list
-- says (its revoked cards, successors, compromised keys and signing key), not its number, time
-- or decoys: an instance whose revocations read the same adopts the stored list instead of
-- signing another.
CREATE TABLE revocation_lists (
    number          BIGINT PRIMARY KEY,
    issued_at       BIGINT NOT NULL,
    next_update     BIGINT NOT NULL,
    content_digest  TEXT NOT NULL,
    document        TEXT NOT NULL
);

-- The secret seed of the lists' decoy entries, sealed with the key-encryption key (purpose
-- `list-secret`, its name as associated data), made once by the first instance that needs it.
CREATE TABLE list_secrets (
    name        TEXT PRIMARY KEY,
    sealed      TEXT NOT NULL,
    kek_id      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
