-- A member's e-mail address: for sign-in with the organization's identity provider and for
-- notices by e-mail. Set by an admin, the CSV/JSON import or SCIM provisioning.
ALTER TABLE members ADD COLUMN email TEXT;
