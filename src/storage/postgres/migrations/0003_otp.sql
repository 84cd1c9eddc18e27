-- One-time codes sent by email. One row per user and purpose: a new code replaces
-- the old one. Only an HMAC of the code is stored, under a key kept outside the
-- database. Used and locked codes stay until replaced, so a failure says which.
CREATE TABLE otp_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    code_mac   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used_at    TIMESTAMPTZ,
    UNIQUE (user_id, purpose)
);

-- Sends, for the resend cooldown and the hourly cap. A row is written before the
-- message goes out (so parallel sends cannot both pass the limits) and removed
-- again if the message was not accepted.
CREATE TABLE otp_sends (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX otp_sends_user_at ON otp_sends (user_id, at);
