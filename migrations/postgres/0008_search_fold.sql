-- Which version of the directory's search folding (domain::FOLD_VERSION) members.name_folded was
-- computed with. Start-up recomputes the keys when the folding changed: version 2 folds
-- Traditional Chinese to Simplified, and keys stored before it would quietly miss such names.
CREATE TABLE search_fold (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO search_fold (id, version) VALUES (1, 1);
