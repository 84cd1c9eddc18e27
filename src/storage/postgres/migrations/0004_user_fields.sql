-- Values of the custom fields declared in the config ([fields.NAME]), as canonical
-- text: one row per user and field. Rows stay when a field leaves the config, so a
-- field declared again comes back with its values. A field declared `unique` is
-- checked under the writers' lock (no per-field index: DDL inside a write would
-- lock the table).
CREATE TABLE user_field_values (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);

-- `list-users --where NAME=VALUE`: one index probe, not a scan.
CREATE INDEX user_field_values_lookup ON user_field_values (name, value);
