-- What a member keeps about their external contacts: a remark (their own name for the contact),
-- a private note, and tags from their organization's library. A relation is stored once for
-- both sides, so each side's entries are keyed by (relation, member); removing the relation
-- removes them with it.
CREATE TABLE contact_notes (
    contact_id  BIGINT NOT NULL REFERENCES external_contacts (id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL REFERENCES members (id),
    remark      TEXT,
    -- The remark as the search folds it (domain::fold_for_search), so contacts are found by it.
    remark_folded TEXT,
    note        TEXT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (contact_id, member_id)
);

-- An organization's tag library: tags in named groups ("Industry": "Retail", "Energy").
CREATE TABLE contact_tags (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    group_name  TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, group_name, name)
);

-- The tags one side of a relation put on it; deleting a tag from the library takes it off.
CREATE TABLE contact_tag_links (
    contact_id  BIGINT NOT NULL REFERENCES external_contacts (id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL REFERENCES members (id),
    tag_id      BIGINT NOT NULL REFERENCES contact_tags (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, member_id, tag_id)
);
CREATE INDEX contact_tag_links_by_tag ON contact_tag_links (tag_id, member_id);
