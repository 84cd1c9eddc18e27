//! What is SQLite's own about users (their queries are in `tables/users.rs`).

use super::SqliteStore;
use crate::storage::tables::users::ScrubSecrets;

/// After a password change or a deletion, the store checkpoints and resets the
/// WAL when it closes (see `Drop for SqliteStore`), so that no earlier copy of
/// the old hash stays in either file.
impl ScrubSecrets for SqliteStore {
    fn scrub_secrets(&mut self) {
        self.scrub_wal = true;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::storage::sql::sqlite_placeholders;
    use crate::storage::user_filter::user_where;
    use crate::user::UserFilter;

    /// `--where NAME=VALUE` must stay an index lookup as users grow.
    #[test]
    fn a_field_condition_is_an_index_lookup_not_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(&dir.path().join("db.sqlite3"), Duration::from_secs(5)).unwrap();
        let filter = UserFilter {
            fields: vec![("team".into(), Some("Ops".into()))],
            ..UserFilter::default()
        };
        let (where_sql, values) = user_where(&filter);
        let query = format!("EXPLAIN QUERY PLAN SELECT id FROM users {where_sql}");
        let mut stmt = store.conn.prepare(&sqlite_placeholders(&query)).unwrap();
        let plan: Vec<String> = stmt
            .query_map(rusqlite::params_from_iter(&values), |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(
            plan.contains("USING COVERING INDEX user_field_values_lookup"),
            "{plan}"
        );
        assert!(plan.contains("USING INTEGER PRIMARY KEY"), "{plan}");
        assert!(!plan.contains("SCAN users"), "{plan}");
    }
}
