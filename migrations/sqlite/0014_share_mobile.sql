-- A member's choice to show their mobile number to their external contacts (in their contact
-- list and the vCard they export). Off until the member turns it on: phone discovery (being
-- found by the number) is a different choice.
ALTER TABLE members ADD COLUMN share_mobile BOOLEAN NOT NULL DEFAULT FALSE;
