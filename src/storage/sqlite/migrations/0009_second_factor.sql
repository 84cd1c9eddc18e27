-- A second factor. A user's TOTP secret is stored sealed (XChaCha20-Poly1305
-- under a key derived from the secret key kept outside the database; `key_id`
-- names that key, so it can be rotated). A user has at most one confirmed
-- secret and one pending enrolment (`pending`): a replacement protects nothing
-- until it is confirmed, and the confirmed one keeps protecting meanwhile.
-- `last_step` is the last accepted time step: a code is accepted only for a
-- later one, by one conditional update, so a code works once.
CREATE TABLE totp_secrets (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    pending      INTEGER NOT NULL CHECK (pending IN (0, 1)),
    secret       BLOB NOT NULL,
    key_id       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    -- NULL while pending.
    confirmed_at TEXT,
    -- A pending enrolment's end; NULL once confirmed.
    expires_at   TEXT,
    last_step    INTEGER,
    PRIMARY KEY (user_id, pending),
    CHECK ((pending = 1) = (confirmed_at IS NULL))
) STRICT;

-- Recovery codes: only a keyed HMAC-SHA-256 of each, single use (`used_at`).
CREATE TABLE recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     BLOB NOT NULL CHECK (length(digest) = 32),
    created_at TEXT NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (user_id, digest)
) STRICT;
