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
}

/// How an engine keeps the ids of copied rows, and the high-water mark of each
/// table of [`SEQUENCED`] (so that a deleted row's id is never handed out
/// again). SQLite's `AUTOINCREMENT` takes any id given and keeps its mark in
/// `sqlite_sequence`; PostgreSQL's identity columns (`GENERATED ALWAYS`) take
/// one only with `OVERRIDING SYSTEM VALUE`, and their sequences do not follow
/// the ids written.
pub(crate) struct Identity {
    /// Written between an `INSERT`'s columns and its `VALUES` when the row
    /// gives its id.
    pub(crate) given_id: &'static str,
    /// The highest id `table`'s sequence has handed out (0 for none).
    pub(crate) ids_used: fn(&mut dyn Sql, table: &str) -> Result<i64>,
    /// After the rows are written: moves `table`'s sequence past every id the
    /// copy wrote and past `high_water` (the source's newest rows may have
    /// been deleted).
    pub(crate) keep_ids_used: fn(&mut dyn Sql, table: &str, high_water: i64) -> Result<()>,
}

/// Each table's `INSERT` (in [`TABLES`] order), made once per load.
fn inserts(identity: &Identity) -> Vec<String> {
    TABLES
        .iter()
        .zip(COLUMNS)
        .map(|(table, (columns, _))| {
            let given = if SEQUENCED.contains(table) {
                identity.given_id
            } else {
                ""
            };
            let values: Vec<String> = (1..=columns.split(',').count())
                .map(|n| format!("${n}"))
                .collect();
            format!(
                "INSERT INTO {table} ({columns}) {given} VALUES ({})",
                values.join(", ")
            )
        })
        .collect()
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
        let inserts = inserts(identity);
        self.write(|sql| {
            let held: i64 = sql.query_value(
                "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tokens) \
                 + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM groups)",
                args![],
            )?;
            if held > 0 {
                return Err(Error::NotEmpty);
            }
            let mut counts = vec![0; TABLES.len()];
            let mut high_waters = BTreeMap::new();
            for row in rows {
                let row = row?;
                count(&mut counts, &row);
                if let CopiedRow::IdsUsed { table, high_water } = &row {
                    high_waters.insert(table.clone(), *high_water);
                } else if let Some(i) = TABLES.iter().position(|t| *t == row.table()) {
                    row.write(sql, &inserts[i])?;
                }
            }
            for table in SEQUENCED {
                let high_water = high_waters.get(*table).copied().unwrap_or(0);
                (identity.keep_ids_used)(sql, table, high_water)?;
            }
            Ok(counts)
        })
    }
}
