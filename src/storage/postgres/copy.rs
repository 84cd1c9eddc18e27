//! PostgreSQL's hooks for `copy` ([`CopyEngine`]): a snapshot is one
//! REPEATABLE READ transaction, and identity columns (`GENERATED ALWAYS`) take
//! a given id only with `OVERRIDING SYSTEM VALUE`, their sequences moved past
//! the ids afterwards with `setval`.

use super::PgStore;
use super::executor::PgSql;
use crate::error::Result;
use crate::storage::sql::{Sql, args};
use crate::storage::tables::copy::{CopyEngine, Identity};

const IDENTITY: Identity = Identity {
    given_id: "OVERRIDING SYSTEM VALUE",
    ids_used: |sql, table| {
        // NULL until the sequence first hands out an id.
        sql.query_value(
            "SELECT coalesce(pg_sequence_last_value(\
             pg_get_serial_sequence($1, 'id')::regclass), 0)",
            args![table],
        )
    },
    keep_ids_used: |sql, table, high_water| {
        sql.execute(
            &format!(
                // Called at the value (so that a dump reads it back), unless
                // no id was ever handed out.
                "WITH used AS (SELECT greatest(coalesce(max(id), 0), $1) AS n FROM {table}) \
                 SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 greatest(n, 1), n > 0) FROM used"
            ),
            args![high_water],
        )?;
        Ok(())
    },
};

impl CopyEngine for PgStore {
    fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        self.read(|client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let value = f(&mut PgSql(&mut tx))?;
            tx.commit()?;
            Ok(value)
        })
    }

    fn identity(&self) -> &'static Identity {
        &IDENTITY
    }
}
