-- Consecutive failed sign-ins, for throttling password guessing. Keyed by the
-- address (email_key), not the user: an address nobody has is throttled as one
-- that exists, so a lock tells nothing about whether an account exists. A failure
-- is counted before its password is checked (the check is slow, and a parallel
-- guess must see it), so a burst cannot slip past the limit. A success or an
-- operator's unlock deletes the row; rows quiet for a day (or `max_lockout`) are
-- pruned.
CREATE TABLE login_failures (
    email_key    TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    locked_until TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX login_failures_last ON login_failures (last_failure);
