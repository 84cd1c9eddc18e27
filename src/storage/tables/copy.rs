//! [`CopyStore`] for every engine: every table read in one snapshot, and
//! written in one transaction under the writers' lock with the ids kept. What
//! differs by engine is named in [`CopyEngine`]: how a snapshot is taken, and
//! [`Identity`] (how a row keeps its id, and where a table's high-water mark
//! lives).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::storage::copy::{COLUMNS, CopiedRow, CopyStore, READERS, SEQUENCED, TABLES, count};
use crate::storage::sql::{Engine, Sql, args};

/// What copying needs of an engine besides the shared SQL.
pub(crate) trait CopyEngine: Engine {
    /// Runs `f` over one consistent, read-only snapshot of every table.
    fn snapshot<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T>;
    /// How this engine keeps ids.
    fn identity(&self) -> &'static Identity;
    /// Runs `f` in one transaction under the writers' lock (as
    /// [`Engine::write`] does), with this engine's bulk writer of rows.
    fn load_in<T>(&mut self, f: impl FnOnce(&mut dyn Loader) -> Result<T>) -> Result<T>;
}

/// An engine's fastest way to write copied rows, ids kept, inside a load's
/// transaction: SQLite reuses one prepared `INSERT` per table, PostgreSQL
/// streams each batch through one `COPY … FROM STDIN` (a round trip per batch,
/// not two per row).
pub(crate) trait Loader {
    /// The load's transaction, for its checks and the [`Identity`] hooks.
    fn sql(&mut self) -> &mut dyn Sql;
    /// Writes `rows`, all of them rows of table `TABLES[table]`.
    fn write_rows(&mut self, table: usize, rows: &[CopiedRow]) -> Result<()>;
}

/// How many rows a load hands its [`Loader`] at once (about 1,000: larger
/// batches gain little and hold more memory).
const BATCH_ROWS: usize = 1000;

/// How an engine keeps the high-water mark of each table of [`SEQUENCED`] (so
/// that a deleted row's id is never handed out again). SQLite's
/// `AUTOINCREMENT` takes any id given and keeps its mark in `sqlite_sequence`;
/// PostgreSQL's identity columns (`GENERATED ALWAYS`) take one from `COPY`
/// (as `INSERT … OVERRIDING SYSTEM VALUE` would), and their sequences do not
/// follow the ids written.
pub(crate) struct Identity {
    /// The highest id `table`'s sequence has handed out (0 for none).
    pub(crate) ids_used: fn(&mut dyn Sql, table: &str) -> Result<i64>,
    /// After the rows are written: moves `table`'s sequence past every id the
    /// copy wrote and past `high_water` (the source's newest rows may have
    /// been deleted).
    pub(crate) keep_ids_used: fn(&mut dyn Sql, table: &str, high_water: i64) -> Result<()>,
}

/// Table `TABLES[table]`'s `INSERT` of one row over its [`COLUMNS`], with
/// `$n` parameters.
pub(crate) fn insert_statement(table: usize) -> String {
    let columns = COLUMNS[table].0;
    let values: Vec<String> = (1..=columns.split(',').count())
        .map(|n| format!("${n}"))
        .collect();
    format!(
        "INSERT INTO {} ({columns}) VALUES ({})",
        TABLES[table],
        values.join(", ")
    )
}

/// Table `TABLES[table]`'s `COPY … FROM STDIN` over its [`COLUMNS`].
pub(crate) fn copy_statement(table: usize) -> String {
    format!("COPY {} ({}) FROM STDIN", TABLES[table], COLUMNS[table].0)
}

impl<E: CopyEngine> CopyStore for E {
    fn dump(&self, sink: &mut dyn FnMut(CopiedRow) -> Result<()>) -> Result<()> {
        let identity = self.identity();
        self.snapshot(|sql| {
            for ((table, (columns, order)), reader) in TABLES.iter().zip(COLUMNS).zip(READERS) {
                sql.each_row(
                    &format!("SELECT {columns} FROM {table} ORDER BY {order}"),
                    args![],
                    &mut |row| sink(reader(row)?),
                )?;
            }
            for table in SEQUENCED {
                let high_water = (identity.ids_used)(sql, table)?;
                sink(CopiedRow::IdsUsed {
                    table: (*table).to_string(),
                    high_water,
                })?;
            }
            Ok(())
        })
    }

    fn load(&mut self, rows: &mut dyn Iterator<Item = Result<CopiedRow>>) -> Result<Vec<u64>> {
        let identity = self.identity();
        self.load_in(|loader| {
            let held: i64 = loader.sql().query_value(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tokens) \
                 + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM groups)",
                args![],
            )?;
            if held > 0 {
                return Err(Error::NotEmpty);
            }
            let mut counts = vec![0; TABLES.len()];
            let mut high_waters = BTreeMap::new();
            // Rows come table by table: a batch holds rows of one table.
            let mut batch: Vec<CopiedRow> = Vec::with_capacity(BATCH_ROWS);
            let mut batch_table = 0;
            for row in rows {
                let row = row?;
                count(&mut counts, &row);
                if let CopiedRow::IdsUsed { table, high_water } = &row {
                    high_waters.insert(table.clone(), *high_water);
                } else if let Some(i) = TABLES.iter().position(|t| *t == row.table()) {
                    if i != batch_table || batch.len() == BATCH_ROWS {
                        loader.write_rows(batch_table, &batch)?;
                        batch.clear();
                        batch_table = i;
                    }
                    batch.push(row);
                }
            }
            loader.write_rows(batch_table, &batch)?;
            for table in SEQUENCED {
                let high_water = high_waters.get(*table).copied().unwrap_or(0);
                (identity.keep_ids_used)(loader.sql(), table, high_water)?;
            }
            Ok(counts)
        })
    }
}
