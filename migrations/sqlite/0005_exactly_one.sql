-- What must exist exactly once is a unique index, so no race between requests or instances can
-- leave two: a member's active primary card, the active signing key, the bootstrap operator
-- token. Rows that an earlier race left doubled are put right first (the newest stays).

UPDATE cards SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE is_primary AND revoked_at IS NULL AND EXISTS (
    SELECT 1 FROM cards newer
    WHERE newer.member_id = cards.member_id AND newer.is_primary AND newer.revoked_at IS NULL
      AND (newer.issued_at > cards.issued_at
           OR (newer.issued_at = cards.issued_at AND newer.id > cards.id)));
CREATE UNIQUE INDEX cards_one_active_primary ON cards (member_id)
    WHERE is_primary AND revoked_at IS NULL;

UPDATE signing_keys SET status = 'retired', retired_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE status = 'active' AND EXISTS (
    SELECT 1 FROM signing_keys newer
    WHERE newer.status = 'active'
      AND (newer.valid_from > signing_keys.valid_from
           OR (newer.valid_from = signing_keys.valid_from AND newer.kid > signing_keys.kid)));
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';

-- Both doubled bootstrap tokens were printed to an operator and keep working; only the label
-- of the later one changes.
UPDATE tokens SET label = 'bootstrap (concurrent start)'
WHERE role = 'operator' AND label = 'bootstrap'
  AND id > (SELECT MIN(id) FROM tokens WHERE role = 'operator' AND label = 'bootstrap');
CREATE UNIQUE INDEX tokens_one_bootstrap ON tokens (role) WHERE role = 'operator' AND label = 'bootstrap';

-- /healthz commits a write to this row: a full disk fails it where a read would not.
CREATE TABLE health_probe (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at  BIGINT NOT NULL
);
INSERT INTO health_probe (id, checked_at) VALUES (1, 0);
