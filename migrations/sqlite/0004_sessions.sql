-- Web sign-in: one-time sign-in links an admin gives a person, and the cookie sessions they turn
-- into. Only SHA-256 hashes of both secrets are stored. A session acts through its own row in
-- `tokens` (label 'web session'), so revoking that token, deactivating the member or signing out
-- ends it, and the audit log names it like any other token.
CREATE TABLE signin_links (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    member_id   BIGINT REFERENCES members (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    CHECK ((role = 'member') = (member_id IS NOT NULL))
);

CREATE TABLE web_sessions (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    token_id    BIGINT NOT NULL REFERENCES tokens (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
