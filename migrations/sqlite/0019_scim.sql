-- SCIM 2.0 provisioning (RFC 7643 / 7644): an organization's identity provider creates, changes
-- and removes its members and departments through /scim/v2 with an organization-scoped token.

-- SCIM bearer tokens: only the SHA-256 of the token is kept (the token is shown once). Apart
-- from the API's tokens so that a SCIM token reaches /scim/v2 only, and the API never.
CREATE TABLE scim_tokens (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    hash          TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);
CREATE INDEX scim_tokens_by_org ON scim_tokens (org_id);

-- What an identity provider said about a member beyond the member's own columns (name parts,
-- every e-mail address and phone number with its type), as the JSON document it sent, and its
-- externalId. A member an identity provider deleted is deactivated and `deleted_at` set: SCIM
-- no longer sees it (404), the organization's history keeps it.
CREATE TABLE scim_users (
    member_id    BIGINT PRIMARY KEY REFERENCES members (id),
    org_id       BIGINT NOT NULL REFERENCES organizations (id),
    external_id  TEXT,
    attributes   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    deleted_at   BIGINT
);
CREATE INDEX scim_users_by_external_id ON scim_users (org_id, external_id);

-- A department as an identity provider's group: its externalId and when SCIM last changed it.
CREATE TABLE scim_groups (
    department_id  BIGINT PRIMARY KEY REFERENCES departments (id) ON DELETE CASCADE,
    org_id         BIGINT NOT NULL REFERENCES organizations (id),
    external_id    TEXT,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX scim_groups_by_external_id ON scim_groups (org_id, external_id);

-- Identity providers look members up by userName (the employee id), which SCIM compares
-- without regard to case: this index answers `userName eq "..."` without a scan.
CREATE INDEX members_by_employee_id_folded ON members (org_id, lower(employee_id));
