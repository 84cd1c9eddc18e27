-- A second factor. A user's TOTP secret is stored sealed (XChaCha20-Poly1305
-- under a key derived from the secret key kept outside the database; `key_id`
-- names that key, so it can be rotated). A user has at most one confirmed
-- secret and one pending enrolment (`pending`): a replacement protects nothing
-- until it is confirmed, and the confirmed one keeps protecting meanwhile.
-- `last_step` is the last accepted time step: a code is accepted only for a
-- later one, by one conditional update, so a code works once.
CREATE TABLE totp_secrets (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pending      BOOLEAN NOT NULL,
    secret       BYTEA NOT NULL,
    key_id       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    -- NULL while pending.
    confirmed_at TIMESTAMPTZ,
    -- A pending enrolment's end; NULL once confirmed.
    expires_at   TIMESTAMPTZ,
    last_step    BIGINT,
    PRIMARY KEY (user_id, pending),
    CHECK (pending = (confirmed_at IS NULL))
);

-- Recovery codes: only a keyed HMAC-SHA-256 of each, single use (`used_at`).
CREATE TABLE recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     BYTEA NOT NULL CHECK (length(digest) = 32),
    created_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, digest)
);
