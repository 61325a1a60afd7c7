-- Departments: a tree per organization (WeCom's 部门), each member in any number of them. The
-- directory is browsed and searched within a department and its sub-departments; contact ways
-- can be answered by a department.

-- Bumped by every change to an organization's tree, in the changing transaction: the first write
-- of each such transaction, so concurrent moves of one organization's departments run one after
-- the other and a move can check for a cycle against a tree nobody else is changing.
ALTER TABLE organizations ADD COLUMN department_rev BIGINT NOT NULL DEFAULT 0;

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    -- NULL: a top-level department. Always of the same organization (the store checks).
    parent_id   BIGINT REFERENCES departments (id),
    -- Siblings are shown by this order, then by id.
    sort_order  BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- Sibling names are unique, as in WeCom: "Sales" under "China" and "Sales" under "Japan", but
-- not two "Sales" side by side.
CREATE UNIQUE INDEX departments_sibling_names ON departments (org_id, COALESCE(parent_id, 0), name);
CREATE INDEX departments_by_parent ON departments (parent_id);

CREATE TABLE department_members (
    department_id  BIGINT NOT NULL REFERENCES departments (id) ON DELETE CASCADE,
    member_id      BIGINT NOT NULL REFERENCES members (id),
    added_at       BIGINT NOT NULL,
    PRIMARY KEY (department_id, member_id)
);
CREATE INDEX department_members_by_member ON department_members (member_id);

-- A contact way answered by a department: its members (and those of its sub-departments) at
-- the time of each scan, instead of a list of members.
ALTER TABLE contact_ways ADD COLUMN department_id BIGINT REFERENCES departments (id) ON DELETE SET NULL;
