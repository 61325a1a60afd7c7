-- Which token made each sign-in link, and for each web session the token that made its link:
-- revoking a token ends the links it made that nobody has used yet and the sessions its links
-- started (and, in turn, what those sessions made). Links and sessions from before this
-- migration name no token.
ALTER TABLE signin_links ADD COLUMN created_by BIGINT REFERENCES tokens (id);
ALTER TABLE web_sessions ADD COLUMN created_by BIGINT REFERENCES tokens (id);

-- A partner list holds the ids an organization's admins listed, whether or not an organization
-- has that id: adding an unknown id answers as adding a known one does, so the list cannot be
-- used to find out which organizations exist (a listed id only ever opens the listing side's
-- own policy). SQLite drops a foreign key by rebuilding the table.
CREATE TABLE partners_listed (
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    partner_id  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, partner_id)
);
INSERT INTO partners_listed (org_id, partner_id, created_at)
    SELECT org_id, partner_id, created_at FROM partners;
DROP TABLE partners;
ALTER TABLE partners_listed RENAME TO partners;

-- Phone lookups per organization, beside the per-member windows: an admin who creates many
-- members must not multiply the number of lookups the organization can make.
CREATE TABLE org_phone_lookup_windows (
    org_id        BIGINT PRIMARY KEY REFERENCES organizations (id),
    window_start  BIGINT NOT NULL,
    lookups       BIGINT NOT NULL
);
