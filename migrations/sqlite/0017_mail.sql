-- E-mail: a member's choice to get notices by e-mail, and the outbox the mail worker sends from.

-- Whether the member gets notices (new contact requests, transfers) by e-mail at their address.
-- On until they turn it off; a sign-in link an admin asks to have mailed is sent anyway.
ALTER TABLE members ADD COLUMN email_notices BOOLEAN NOT NULL DEFAULT TRUE;

-- One row per mail, queued by a request and sent by the worker on any instance, retried with
-- the webhook deliveries' backoff (the same columns, so the same claim and finish SQL). The
-- letter itself (text and HTML, which may hold a sign-in link) is sealed with the
-- key-encryption key and cleared once sent; the subject and the address stay for the list.
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    org_id           BIGINT NOT NULL REFERENCES organizations (id),
    member_id        BIGINT NOT NULL REFERENCES members (id),
    kind             TEXT NOT NULL,
    to_address       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    letter_kek       TEXT,
    letter           TEXT,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    delivered_at     BIGINT,
    failed_at        BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (delivered_at, failed_at, next_attempt_at);
CREATE INDEX mail_outbox_by_org ON mail_outbox (org_id, id);
