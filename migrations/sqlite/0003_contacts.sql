-- External contacts: requests between members of different organizations, the mutual relations
-- accepted requests create, phone lookups (for the per-member rate limit) and webhooks.

-- One-time cards are consumed by the first scan that creates a request.
ALTER TABLE cards ADD COLUMN used_at BIGINT;

CREATE INDEX members_by_mobile ON members (mobile);

CREATE TABLE contact_requests (
    id                INTEGER PRIMARY KEY,
    requester_org_id  BIGINT NOT NULL REFERENCES organizations (id),
    requester_id      BIGINT NOT NULL REFERENCES members (id),
    owner_org_id      BIGINT NOT NULL REFERENCES organizations (id),
    owner_id          BIGINT NOT NULL REFERENCES members (id),
    via               TEXT NOT NULL CHECK (via IN ('qr_scan', 'phone')),
    card_id           TEXT,
    card_channel      TEXT,
    status            TEXT NOT NULL
                      CHECK (status IN ('pending', 'accepted', 'rejected', 'cancelled', 'expired')),
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    decided_at        BIGINT,
    CHECK (requester_id <> owner_id)
);
-- At most one pending request per (requester, owner): the database, not the code, makes
-- concurrent scans of the same card collapse into one request.
CREATE UNIQUE INDEX contact_requests_one_pending ON contact_requests (requester_id, owner_id)
    WHERE status = 'pending';
CREATE INDEX contact_requests_by_owner ON contact_requests (owner_id, status, id);
CREATE INDEX contact_requests_by_requester ON contact_requests (requester_id, status, id);

-- A mutual relation, stored once with member_a < member_b.
CREATE TABLE external_contacts (
    id          INTEGER PRIMARY KEY,
    member_a    BIGINT NOT NULL REFERENCES members (id),
    member_b    BIGINT NOT NULL REFERENCES members (id),
    request_id  BIGINT NOT NULL REFERENCES contact_requests (id),
    created_at  BIGINT NOT NULL,
    CHECK (member_a < member_b),
    UNIQUE (member_a, member_b)
);
CREATE INDEX external_contacts_by_b ON external_contacts (member_b);

CREATE TABLE phone_lookups (
    member_id  BIGINT NOT NULL REFERENCES members (id),
    at         BIGINT NOT NULL
);
CREATE INDEX phone_lookups_by_member ON phone_lookups (member_id, at);

CREATE TABLE webhooks (
    org_id      BIGINT PRIMARY KEY REFERENCES organizations (id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- The outbox: an event is queued in the transaction that makes the change, and delivered later
-- (with retries) by a background worker, so a failing webhook never blocks a request.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL REFERENCES organizations (id),
    event            TEXT NOT NULL,
    body             TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    delivered_at     BIGINT,
    failed_at        BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, failed_at, next_attempt_at);
