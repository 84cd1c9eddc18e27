-- API tokens: only the SHA-256 of a token is stored; verification is one probe of
-- the unique index on `digest`. A user's tokens go with the user.
CREATE TABLE tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    digest       BYTEA NOT NULL UNIQUE CHECK (length(digest) = 32),
    -- `udb_` and the first random characters, to tell tokens apart in a list.
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

-- A name is unique among a user's tokens that are not revoked (revoking frees it).
CREATE UNIQUE INDEX tokens_user_name ON tokens (user_id, name) WHERE revoked_at IS NULL;
CREATE INDEX tokens_user ON tokens (user_id);
