-- A way's statistics are counted in the database over the period's rows (a busy way records a
-- million scans a year): the counts walk the way's requests in (member, status) order, so
-- grouping sorts nothing, and each median time to answer is the row at an offset in the order
-- of the answer times, which the two answer indexes keep (per member and over the way). Every
-- column the queries read is in the index they walk, so PostgreSQL scans the index alone (an
-- expression's own columns too: decided_at). Only requests made through a way are in them.
DROP INDEX contact_requests_by_way;
CREATE INDEX contact_requests_way_period
    ON contact_requests (way_id, owner_id, status, created_at, expires_at)
    WHERE way_id IS NOT NULL;
CREATE INDEX contact_requests_way_member_answers
    ON contact_requests (way_id, owner_id, (decided_at - created_at), created_at, decided_at)
    WHERE way_id IS NOT NULL AND status IN ('accepted', 'rejected') AND decided_at IS NOT NULL;
CREATE INDEX contact_requests_way_answers
    ON contact_requests (way_id, (decided_at - created_at), created_at, decided_at)
    WHERE way_id IS NOT NULL AND status IN ('accepted', 'rejected') AND decided_at IS NOT NULL;
-- An organization's statistics per channel read the requests its members received in a period.
CREATE INDEX contact_requests_by_owner_org ON contact_requests (owner_org_id, created_at);
