-- Account lifecycle: a password the user must change before getting a token,
-- an account that expires by itself, and one-time reset tokens an operator
-- hands over out of band.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN expires_at TIMESTAMPTZ;

-- Only the SHA-256 of a reset token is stored. `password_digest` is the SHA-256
-- of the user's password hash when the token was made: a password changed by
-- any path since makes the token dead without a write on that path.
CREATE TABLE reset_tokens (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest          BYTEA NOT NULL UNIQUE CHECK (length(digest) = 32),
    prefix          TEXT NOT NULL,
    password_digest BYTEA NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ,
    -- A newer token for the same user replaced this one.
    replaced_at     TIMESTAMPTZ
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
