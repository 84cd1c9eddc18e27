-- Sends are counted per address, not per user (see the SQLite migration of the
-- same name): a notice counts as a code does.
CREATE TABLE otp_sends_by_address (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_key TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);

INSERT INTO otp_sends_by_address (email_key, purpose, at)
    SELECT users.email_key, otp_sends.purpose, otp_sends.at
    FROM otp_sends JOIN users ON users.id = otp_sends.user_id;

DROP TABLE otp_sends;

ALTER TABLE otp_sends_by_address RENAME TO otp_sends;

CREATE INDEX otp_sends_address_at ON otp_sends (email_key, at);
