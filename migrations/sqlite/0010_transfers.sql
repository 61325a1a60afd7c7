-- Relationships the organization owns: an admin hands a member's external contacts to a
-- colleague (handover while the member is active, departure after), each contact told and able
-- to refuse within the organization's period; and a successor who receives the requests made
-- with a departed member's old cards.

-- How long a contact may refuse a transfer before it takes effect, and whether scans of a
-- departed member's cards go to their successor.
ALTER TABLE organizations ADD COLUMN transfer_period_secs BIGINT NOT NULL DEFAULT 86400;
ALTER TABLE organizations ADD COLUMN successor_routing BOOLEAN NOT NULL DEFAULT TRUE;

-- One row per contact per transfer, kept after it ends (the relation may be gone by then, so
-- contact_id refers to nothing). The other side and both holders are copied in, so the row
-- reads the same after the relation changes.
CREATE TABLE contact_transfers (
    id            INTEGER PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    contact_id    BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('handover', 'departure')),
    from_member   BIGINT NOT NULL REFERENCES members (id),
    to_member     BIGINT NOT NULL REFERENCES members (id),
    other_member  BIGINT NOT NULL REFERENCES members (id),
    message       TEXT,
    status        TEXT NOT NULL CHECK (status IN ('waiting', 'done', 'refused', 'not_possible')),
    reason        TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    effective_at  BIGINT NOT NULL,
    decided_at    BIGINT,
    CHECK (from_member <> to_member)
);
-- At most one waiting transfer per relation: of two concurrent transfers of the same contact
-- the database lets one wait, the other is not possible.
CREATE UNIQUE INDEX contact_transfers_one_waiting ON contact_transfers (contact_id)
    WHERE status = 'waiting';
CREATE INDEX contact_transfers_due ON contact_transfers (status, effective_at);
CREATE INDEX contact_transfers_by_org ON contact_transfers (org_id, id);
CREATE INDEX contact_transfers_by_other ON contact_transfers (other_member, id);

-- The colleague who answers for a member who left.
CREATE TABLE member_successors (
    member_id     BIGINT PRIMARY KEY REFERENCES members (id),
    successor_id  BIGINT NOT NULL REFERENCES members (id),
    set_at        BIGINT NOT NULL,
    CHECK (member_id <> successor_id)
);

