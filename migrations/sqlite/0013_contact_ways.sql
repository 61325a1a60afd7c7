-- Contact ways (WeCom's 联系我 codes): a team code an organization prints or shows, answered by
-- one or several of its members, each scan routed to one of them. Kept after deletion
-- (deleted_at), so a way's id is never given to another way and its printed code says "deleted"
-- rather than reaching whatever way took the number.
CREATE TABLE contact_ways (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    name          TEXT NOT NULL,
    channel       TEXT,
    sharing       TEXT NOT NULL CHECK (sharing IN ('round_robin', 'fewest_pending')),
    auto_accept   BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at    BIGINT,
    one_time      BOOLEAN NOT NULL DEFAULT FALSE,
    -- When a one-time way started its one request (the first scan claims it).
    used_at       BIGINT,
    welcome       TEXT,
    paused        BOOLEAN NOT NULL DEFAULT FALSE,
    -- A member's own way (/v1/me/contact-ways), which they alone answer; NULL: the admin's.
    owner_member  BIGINT REFERENCES members (id),
    -- The round robin's cursor: each routed scan takes the next turn in one update.
    turns         BIGINT NOT NULL DEFAULT 0,
    -- The way's team card, issued when its QR is first asked for; cleared when what the card
    -- states (name, channel, one-time flag) changes, so the next QR is a new card.
    card_id       TEXT,
    card_text     TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX contact_ways_by_org ON contact_ways (org_id, id);
CREATE INDEX contact_ways_by_owner ON contact_ways (owner_member, id);

-- The members who answer a way, in the order the round robin takes them.
CREATE TABLE contact_way_members (
    way_id     BIGINT NOT NULL REFERENCES contact_ways (id),
    member_id  BIGINT NOT NULL REFERENCES members (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (way_id, member_id)
);

-- The way a request came through (source = 'team_code'), for routing by fewest pending and
-- for the way's history.
ALTER TABLE contact_requests ADD COLUMN way_id BIGINT REFERENCES contact_ways (id);
CREATE INDEX contact_requests_by_way ON contact_requests (way_id, status);
