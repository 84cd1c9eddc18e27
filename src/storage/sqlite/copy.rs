//! SQLite's hooks for `copy` ([`CopyEngine`]): a snapshot is one deferred read
//! transaction, a load one `BEGIN IMMEDIATE` transaction reusing one prepared
//! `INSERT` per table, and `AUTOINCREMENT` keeps each table's high-water mark in
//! `sqlite_sequence` (it takes any id an `INSERT` gives, and moves the mark to
//! it).

use super::SqliteStore;
use super::executor::SqliteSql;
use crate::error::Result;
use crate::storage::copy::{CopiedRow, TABLES};
use crate::storage::sql::{Sql, args, sqlite_placeholders};
use crate::storage::tables::copy::{CopyEngine, Identity, Loader, insert_statement};

const IDENTITY: Identity = Identity {
    ids_used: |sql, table| {
        let seq = sql.query_opt(
            "SELECT seq FROM sqlite_sequence WHERE name = $1",
            args![table],
            |r| r.get(0),
        )?;
        Ok(seq.unwrap_or(0))
    },
    keep_ids_used: |sql, table, high_water| {
        // The rows inserted moved the mark to their highest id; the source's
        // may be higher. A table that never handed out an id has no row yet.
        let moved = sql.execute(
            "UPDATE sqlite_sequence SET seq = max(seq, $2) WHERE name = $1",
            args![table, high_water],
        )?;
        if moved == 0 && high_water > 0 {
            sql.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES ($1, $2)",
                args![table, high_water],
            )?;
        }
        Ok(())
    },
};

impl CopyEngine for SqliteStore {
    fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        self.read(|| {
            // One read transaction: one snapshot of every table.
            self.conn.execute_batch("BEGIN DEFERRED")?;
            let result = f(&mut SqliteSql(&self.conn));
            self.conn.execute_batch("COMMIT")?;
            result
        })
    }

    fn identity(&self) -> &'static Identity {
        &IDENTITY
    }

    fn load_in<T>(&mut self, f: impl FnOnce(&mut dyn Loader) -> Result<T>) -> Result<T> {
        self.write(|tx| {
            let inserts = (0..TABLES.len())
                .map(|i| sqlite_placeholders(&insert_statement(i)).into_owned())
                .collect();
            f(&mut SqliteLoader {
                sql: SqliteSql(tx),
                inserts,
            })
        })
    }
}

/// Rows written with each table's `INSERT`, prepared once per load (SQLite
/// runs in-process: a statement reused in one transaction is its fastest way).
struct SqliteLoader<'t> {
    sql: SqliteSql<'t>,
    /// Each table's `INSERT` ([`TABLES`] order), in SQLite's `?n` style.
    inserts: Vec<String>,
}

impl Loader for SqliteLoader<'_> {
    fn sql(&mut self) -> &mut dyn Sql {
        &mut self.sql
    }

    fn write_rows(&mut self, table: usize, rows: &[CopiedRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut insert = self.sql.0.prepare_cached(&self.inserts[table])?;
        for row in rows {
            insert.execute(rusqlite::params_from_iter(row.values()))?;
        }
        Ok(())
    }
}
