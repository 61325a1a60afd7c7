-- The service's schema on SQLite. Times are Unix seconds; ids are 64-bit integers because
-- organization and member ids go into the card as compact unsigned integers.
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    domain      TEXT UNIQUE,
    policy      TEXT NOT NULL CHECK (policy IN ('disabled', 'partners_only', 'open')),
    created_at  BIGINT NOT NULL
);

CREATE TABLE partners (
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    partner_id  BIGINT NOT NULL REFERENCES organizations (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, partner_id)
);

CREATE TABLE members (
    id                  INTEGER PRIMARY KEY,
    org_id              BIGINT NOT NULL REFERENCES organizations (id),
    display_name        TEXT NOT NULL,
    name_folded         TEXT NOT NULL,
    employee_id         TEXT NOT NULL,
    title               TEXT,
    mobile              TEXT,
    phone_discoverable  BOOLEAN NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('active', 'deactivated')),
    created_at          BIGINT NOT NULL,
    deactivated_at      BIGINT,
    UNIQUE (org_id, employee_id)
);
CREATE INDEX members_by_org_name ON members (org_id, status, name_folded);

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('operator', 'admin', 'member')),
    org_id      BIGINT REFERENCES organizations (id),
    member_id   BIGINT REFERENCES members (id),
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,
    private_pem  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    valid_from   BIGINT NOT NULL,
    retired_at   BIGINT
);

CREATE TABLE cards (
    id          TEXT PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    member_id   BIGINT NOT NULL REFERENCES members (id),
    kid         TEXT NOT NULL,
    is_primary  BOOLEAN NOT NULL,
    channel     TEXT,
    one_time    BOOLEAN NOT NULL,
    issued_at   BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    text        TEXT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX cards_by_member ON cards (member_id, revoked_at);
CREATE INDEX cards_revoked ON cards (revoked_at, expires_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    org_id      BIGINT,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_by_org ON audit_log (org_id, id);

-- The audit log is append-only: the database itself refuses to rewrite history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
