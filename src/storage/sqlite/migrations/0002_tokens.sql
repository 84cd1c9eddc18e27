-- API tokens: only the SHA-256 of a token is stored; verification is one probe of
-- the unique index on `digest`. A user's tokens go with the user.
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    digest       BLOB NOT NULL UNIQUE CHECK (length(digest) = 32),
    -- `udb_` and the first random characters, to tell tokens apart in a list.
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

-- A name is unique among a user's tokens that are not revoked (revoking frees it).
CREATE UNIQUE INDEX tokens_user_name ON tokens (user_id, name) WHERE revoked_at IS NULL;
CREATE INDEX tokens_user ON tokens (user_id);
