-- Where every contact came from: the way its request was made (a member's own card, a team code,
-- a link, a phone number, a transfer) and the channel tag of the card or code, kept on the
-- request and copied onto the relation when it is accepted, so lists can be filtered by both.
ALTER TABLE contact_requests ADD COLUMN source TEXT NOT NULL DEFAULT 'card'
    CHECK (source IN ('card', 'team_code', 'link', 'phone', 'transfer'));
UPDATE contact_requests SET source = 'phone' WHERE via = 'phone';

ALTER TABLE external_contacts ADD COLUMN source TEXT NOT NULL DEFAULT 'card'
    CHECK (source IN ('card', 'team_code', 'link', 'phone', 'transfer'));
ALTER TABLE external_contacts ADD COLUMN channel TEXT;
UPDATE external_contacts SET
    source = (SELECT r.source FROM contact_requests r WHERE r.id = external_contacts.request_id),
    channel = (SELECT r.card_channel FROM contact_requests r WHERE r.id = external_contacts.request_id);
CREATE INDEX external_contacts_by_source ON external_contacts (source, channel);
