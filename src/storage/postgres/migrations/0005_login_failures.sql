-- Consecutive failed sign-ins, for throttling password guessing. Keyed by the
-- address (email_key), not the user: an address nobody has is throttled as one
-- that exists. See the SQLite migration of the same name for the reasoning.
CREATE TABLE login_failures (
    email_key    TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ
);

CREATE INDEX login_failures_last ON login_failures (last_failure);
