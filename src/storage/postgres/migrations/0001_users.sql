-- The user model (Django's AbstractUser without username, email as the login).
CREATE TABLE users (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             TEXT NOT NULL,
    -- The normalised, lower-cased email (computed in Rust, not by the server's
    -- locale): uniqueness and lookups are case-insensitive.
    email_key         TEXT NOT NULL UNIQUE,
    password          TEXT NOT NULL,
    first_name        TEXT NOT NULL DEFAULT '',
    last_name         TEXT NOT NULL DEFAULT '',
    is_active         BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff          BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser      BOOLEAN NOT NULL DEFAULT FALSE,
    date_joined       TIMESTAMPTZ NOT NULL,
    last_login        TIMESTAMPTZ,
    email_verified_at TIMESTAMPTZ
);

-- Every change and security event, written in the transaction of the change.
CREATE TABLE audit_log (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    event   TEXT NOT NULL,
    user_id BIGINT,
    email   TEXT,
    detail  TEXT NOT NULL DEFAULT '',
    actor   TEXT NOT NULL DEFAULT ''
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
