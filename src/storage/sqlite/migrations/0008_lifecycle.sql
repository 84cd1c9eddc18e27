-- Account lifecycle: a password the user must change before getting a token,
-- an account that expires by itself, and one-time reset tokens an operator
-- hands over out of band.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0
    CHECK (must_change_password IN (0, 1));
ALTER TABLE users ADD COLUMN expires_at TEXT;

-- Only the SHA-256 of a reset token is stored. `password_digest` is the SHA-256
-- of the user's password hash when the token was made: a password changed by
-- any path since makes the token dead without a write on that path.
CREATE TABLE reset_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest          BLOB NOT NULL UNIQUE CHECK (length(digest) = 32),
    prefix          TEXT NOT NULL,
    password_digest BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT,
    -- A newer token for the same user replaced this one.
    replaced_at     TEXT
) STRICT;
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
