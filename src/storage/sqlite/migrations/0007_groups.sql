-- Django's PermissionsMixin: groups with permissions, users in groups, and
-- permissions granted to a user directly. A permission is its text
-- `app_label.codename`; there is no registry of them, as a service defines its
-- own. Memberships and grants go with their user or group.
CREATE TABLE groups (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE group_permissions (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (group_id, permission)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_permissions_permission ON group_permissions (permission);

CREATE TABLE user_groups (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_groups_group ON user_groups (group_id);

CREATE TABLE user_permissions (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (user_id, permission)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_permissions_permission ON user_permissions (permission);

-- The Django model a permission belongs to, when a source named it (a fixture's
-- natural key `[codename, app_label, model]`): an export gives it back, so the
-- fixture loads into Django with its permissions.
CREATE TABLE permission_models (
    permission TEXT PRIMARY KEY,
    model      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- A token's scopes: the permissions it may be used for, space-separated and
-- sorted. NULL is a token without scopes, which carries its user's permissions.
ALTER TABLE tokens ADD COLUMN scopes TEXT;
