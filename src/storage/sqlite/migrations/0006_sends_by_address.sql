-- Sends are counted per address, not per user. A notice mailed instead of a code
-- (to an address nobody has, an inactive account, or a registration of a taken
-- address) counts exactly as a code does, so the cooldown and the hourly cap say
-- nothing about whether an account exists. Rows outlive their user on purpose:
-- they age out of the hour-long window and are pruned.
CREATE TABLE otp_sends_by_address (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    email_key TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;

INSERT INTO otp_sends_by_address (email_key, purpose, at)
    SELECT users.email_key, otp_sends.purpose, otp_sends.at
    FROM otp_sends JOIN users ON users.id = otp_sends.user_id;

DROP TABLE otp_sends;

ALTER TABLE otp_sends_by_address RENAME TO otp_sends;

CREATE INDEX otp_sends_address_at ON otp_sends (email_key, at);
