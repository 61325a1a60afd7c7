-- Every scan of a team code whose way is on record, with what came of it, so that a way's
-- funnel starts at its scans (a refused scan, or one by someone already waiting, makes no
-- request). Scans are only ever added, so the counts by UTC day beside them stay exact: a
-- period's statistics add its whole days from way_scan_days and read way_scans only for the
-- part days at its two ends (a busy way records a million scans a year).
CREATE TABLE way_scans (
    way_id   BIGINT NOT NULL REFERENCES contact_ways (id),
    at       BIGINT NOT NULL,
    outcome  TEXT NOT NULL,
    -- The way's organization and its channel at the scan (as a request keeps its channel), for
    -- the organization's statistics per channel.
    org_id   BIGINT NOT NULL REFERENCES organizations (id),
    channel  TEXT
);
CREATE INDEX way_scans_by_way ON way_scans (way_id, at, outcome);
CREATE INDEX way_scans_by_org ON way_scans (org_id, at, channel, outcome);

CREATE TABLE way_scan_days (
    way_id   BIGINT NOT NULL REFERENCES contact_ways (id),
    day      BIGINT NOT NULL,
    outcome  TEXT NOT NULL,
    scans    BIGINT NOT NULL,
    PRIMARY KEY (way_id, day, outcome)
);

-- The requests made through each way, counted by member, UTC day of their creation and status,
-- and their answers (accepted or rejected) by member, day and answer-time bucket
-- (`domain::way::ANSWER_BUCKET_ENDS`), kept by the database itself on every insert, change and
-- deletion of a request: the triggers below, so no writer can leave them stale. A period's
-- counts add its whole days here and read single requests only in the part days at its ends;
-- a median counts the buckets, then reads the answers of the one bucket that holds it.
CREATE TABLE way_request_days (
    way_id    BIGINT NOT NULL,
    owner_id  BIGINT NOT NULL,
    day       BIGINT NOT NULL,
    status    TEXT NOT NULL,
    requests  BIGINT NOT NULL,
    PRIMARY KEY (way_id, day, owner_id, status)
);
CREATE TABLE way_answer_days (
    way_id    BIGINT NOT NULL,
    owner_id  BIGINT NOT NULL,
    day       BIGINT NOT NULL,
    bucket    BIGINT NOT NULL,
    answers   BIGINT NOT NULL,
    PRIMARY KEY (way_id, day, owner_id, bucket)
);
INSERT INTO way_request_days (way_id, owner_id, day, status, requests)
    SELECT way_id, owner_id, created_at / 86400, status, COUNT(*) FROM contact_requests
    WHERE way_id IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO way_answer_days (way_id, owner_id, day, bucket, answers)
    SELECT way_id, owner_id, created_at / 86400, CASE WHEN (decided_at - created_at) < 60 THEN 0 WHEN (decided_at - created_at) < 300 THEN 1 WHEN (decided_at - created_at) < 900 THEN 2 WHEN (decided_at - created_at) < 1800 THEN 3 WHEN (decided_at - created_at) < 3600 THEN 4 WHEN (decided_at - created_at) < 7200 THEN 5 WHEN (decided_at - created_at) < 10800 THEN 6 WHEN (decided_at - created_at) < 14400 THEN 7 WHEN (decided_at - created_at) < 21600 THEN 8 WHEN (decided_at - created_at) < 28800 THEN 9 WHEN (decided_at - created_at) < 36000 THEN 10 WHEN (decided_at - created_at) < 43200 THEN 11 WHEN (decided_at - created_at) < 54000 THEN 12 WHEN (decided_at - created_at) < 64800 THEN 13 WHEN (decided_at - created_at) < 75600 THEN 14 WHEN (decided_at - created_at) < 86400 THEN 15 WHEN (decided_at - created_at) < 172800 THEN 16 WHEN (decided_at - created_at) < 259200 THEN 17 WHEN (decided_at - created_at) < 432000 THEN 18 WHEN (decided_at - created_at) < 604800 THEN 19 WHEN (decided_at - created_at) < 1209600 THEN 20 ELSE 21 END, COUNT(*) FROM contact_requests
    WHERE way_id IS NOT NULL AND status IN ('accepted', 'rejected') AND decided_at IS NOT NULL
    GROUP BY 1, 2, 3, 4;
-- The part days: a way's requests in the order of their creation.
CREATE INDEX contact_requests_way_created
    ON contact_requests (way_id, created_at, owner_id, status, decided_at)
    WHERE way_id IS NOT NULL;
-- Pending requests past their expiry count as expired (as the sweep will write them): few.
CREATE INDEX contact_requests_way_pending
    ON contact_requests (way_id, expires_at, created_at, owner_id)
    WHERE way_id IS NOT NULL AND status = 'pending';

CREATE FUNCTION count_way_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.way_id IS NOT NULL THEN
        UPDATE way_request_days SET requests = requests - 1
        WHERE way_id = OLD.way_id AND owner_id = OLD.owner_id
          AND day = OLD.created_at / 86400 AND status = OLD.status;
        IF OLD.status IN ('accepted', 'rejected') AND OLD.decided_at IS NOT NULL THEN
            UPDATE way_answer_days SET answers = answers - 1
            WHERE way_id = OLD.way_id AND owner_id = OLD.owner_id AND day = OLD.created_at / 86400
              AND bucket = CASE WHEN (OLD.decided_at - OLD.created_at) < 60 THEN 0 WHEN (OLD.decided_at - OLD.created_at) < 300 THEN 1 WHEN (OLD.decided_at - OLD.created_at) < 900 THEN 2 WHEN (OLD.decided_at - OLD.created_at) < 1800 THEN 3 WHEN (OLD.decided_at - OLD.created_at) < 3600 THEN 4 WHEN (OLD.decided_at - OLD.created_at) < 7200 THEN 5 WHEN (OLD.decided_at - OLD.created_at) < 10800 THEN 6 WHEN (OLD.decided_at - OLD.created_at) < 14400 THEN 7 WHEN (OLD.decided_at - OLD.created_at) < 21600 THEN 8 WHEN (OLD.decided_at - OLD.created_at) < 28800 THEN 9 WHEN (OLD.decided_at - OLD.created_at) < 36000 THEN 10 WHEN (OLD.decided_at - OLD.created_at) < 43200 THEN 11 WHEN (OLD.decided_at - OLD.created_at) < 54000 THEN 12 WHEN (OLD.decided_at - OLD.created_at) < 64800 THEN 13 WHEN (OLD.decided_at - OLD.created_at) < 75600 THEN 14 WHEN (OLD.decided_at - OLD.created_at) < 86400 THEN 15 WHEN (OLD.decided_at - OLD.created_at) < 172800 THEN 16 WHEN (OLD.decided_at - OLD.created_at) < 259200 THEN 17 WHEN (OLD.decided_at - OLD.created_at) < 432000 THEN 18 WHEN (OLD.decided_at - OLD.created_at) < 604800 THEN 19 WHEN (OLD.decided_at - OLD.created_at) < 1209600 THEN 20 ELSE 21 END;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.way_id IS NOT NULL THEN
        INSERT INTO way_request_days (way_id, owner_id, day, status, requests)
        VALUES (NEW.way_id, NEW.owner_id, NEW.created_at / 86400, NEW.status, 1)
        ON CONFLICT (way_id, day, owner_id, status)
        DO UPDATE SET requests = way_request_days.requests + 1;
        IF NEW.status IN ('accepted', 'rejected') AND NEW.decided_at IS NOT NULL THEN
            INSERT INTO way_answer_days (way_id, owner_id, day, bucket, answers)
            VALUES (NEW.way_id, NEW.owner_id, NEW.created_at / 86400, CASE WHEN (NEW.decided_at - NEW.created_at) < 60 THEN 0 WHEN (NEW.decided_at - NEW.created_at) < 300 THEN 1 WHEN (NEW.decided_at - NEW.created_at) < 900 THEN 2 WHEN (NEW.decided_at - NEW.created_at) < 1800 THEN 3 WHEN (NEW.decided_at - NEW.created_at) < 3600 THEN 4 WHEN (NEW.decided_at - NEW.created_at) < 7200 THEN 5 WHEN (NEW.decided_at - NEW.created_at) < 10800 THEN 6 WHEN (NEW.decided_at - NEW.created_at) < 14400 THEN 7 WHEN (NEW.decided_at - NEW.created_at) < 21600 THEN 8 WHEN (NEW.decided_at - NEW.created_at) < 28800 THEN 9 WHEN (NEW.decided_at - NEW.created_at) < 36000 THEN 10 WHEN (NEW.decided_at - NEW.created_at) < 43200 THEN 11 WHEN (NEW.decided_at - NEW.created_at) < 54000 THEN 12 WHEN (NEW.decided_at - NEW.created_at) < 64800 THEN 13 WHEN (NEW.decided_at - NEW.created_at) < 75600 THEN 14 WHEN (NEW.decided_at - NEW.created_at) < 86400 THEN 15 WHEN (NEW.decided_at - NEW.created_at) < 172800 THEN 16 WHEN (NEW.decided_at - NEW.created_at) < 259200 THEN 17 WHEN (NEW.decided_at - NEW.created_at) < 432000 THEN 18 WHEN (NEW.decided_at - NEW.created_at) < 604800 THEN 19 WHEN (NEW.decided_at - NEW.created_at) < 1209600 THEN 20 ELSE 21 END, 1)
            ON CONFLICT (way_id, day, owner_id, bucket)
            DO UPDATE SET answers = way_answer_days.answers + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER contact_requests_count_way
    AFTER INSERT OR DELETE OR UPDATE OF way_id, owner_id, created_at, status, decided_at
    ON contact_requests
    FOR EACH ROW EXECUTE FUNCTION count_way_request();
