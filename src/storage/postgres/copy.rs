//! PostgreSQL's hooks for `copy` ([`CopyEngine`]): a snapshot is one
//! REPEATABLE READ transaction; a load is one transaction under the writers'
//! lock that streams each batch of rows through `COPY … FROM STDIN`. `COPY`
//! writes the ids it is given into identity columns (`GENERATED ALWAYS`), as
//! `INSERT … OVERRIDING SYSTEM VALUE` does; their sequences are moved past the
//! ids afterwards with `setval`.
//!
//! Why `COPY` in text format: one statement and one round trip per batch of
//! any table, with no per-column array types to declare (as `unnest` needs) and
//! no binary layout to match to each column's exact type (the schema's
//! integers differ in width): the server parses each value by its column's
//! type, as it does for the parameters of an `INSERT`.

use std::io::Write;

use postgres::Transaction;

use super::PgStore;
use super::executor::PgSql;
use crate::clock::format_timestamp;
use crate::error::{Error, Result};
use crate::storage::copy::{CopiedRow, TABLES};
use crate::storage::sql::{Sql, Value, args};
use crate::storage::tables::copy::{CopyEngine, Identity, Loader, copy_statement};

const IDENTITY: Identity = Identity {
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
                .start()
                .map_err(super::begin_failed)?;
            let value = f(&mut PgSql(&mut tx))?;
            tx.commit()?;
            Ok(value)
        })
    }

    fn identity(&self) -> &'static Identity {
        &IDENTITY
    }

    fn load_in<T>(&mut self, f: impl FnOnce(&mut dyn Loader) -> Result<T>) -> Result<T> {
        self.write(|tx| {
            f(&mut PgLoader {
                sql: PgSql(tx),
                copies: (0..TABLES.len()).map(copy_statement).collect(),
                data: Vec::new(),
            })
        })
    }
}

/// Rows sent a batch to a `COPY`.
struct PgLoader<'t, 'c> {
    sql: PgSql<'t, Transaction<'c>>,
    /// Each table's `COPY … FROM STDIN` ([`TABLES`] order).
    copies: Vec<String>,
    /// A batch in `COPY`'s text format (kept: its memory is reused).
    data: Vec<u8>,
}

impl Loader for PgLoader<'_, '_> {
    fn sql(&mut self) -> &mut dyn Sql {
        &mut self.sql
    }

    fn write_rows(&mut self, table: usize, rows: &[CopiedRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.data.clear();
        for row in rows {
            for (i, value) in row.values().iter().enumerate() {
                if i > 0 {
                    self.data.push(b'\t');
                }
                copy_text(value, &mut self.data);
            }
            self.data.push(b'\n');
        }
        // The client prepares `COPY` by name (it has no unnamed form): inside
        // the load's one transaction, which a transaction pooler keeps on one
        // server connection, and closed before the next statement, so the
        // name never outlives it (see `executor::inferred`).
        let mut writer = self.sql.0.copy_in(&self.copies[table])?;
        writer.write_all(&self.data).map_err(Error::database)?;
        writer.finish()?;
        Ok(())
    }
}

/// A value as `COPY`'s text format writes it: `\N` for NULL, a backslash,
/// tab, newline or carriage return in text escaped, bytes in `bytea`'s hex
/// form (its backslash escaped in turn), timestamps in RFC 3339 to the
/// microsecond (what the column keeps).
fn copy_text(value: &Value<'_>, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"\\N"),
        Value::Int(v) => out.extend_from_slice(v.to_string().as_bytes()),
        Value::Bool(v) => out.push(if *v { b't' } else { b'f' }),
        Value::Text(v) => {
            for b in v.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    other => out.push(other),
                }
            }
        }
        Value::Time(v) => out.extend_from_slice(format_timestamp(*v).as_bytes()),
        Value::Bytes(v) => {
            out.extend_from_slice(b"\\\\x");
            for b in v.iter() {
                out.extend_from_slice(format!("{b:02x}").as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn text(value: Value<'_>) -> String {
        let mut out = Vec::new();
        copy_text(&value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn copy_text_escapes_what_the_format_reads_specially() {
        assert_eq!(text(Value::Null), "\\N");
        assert_eq!(text(Value::Int(-42)), "-42");
        assert_eq!(text(Value::Bool(true)), "t");
        assert_eq!(text(Value::Bool(false)), "f");
        assert_eq!(
            text(Value::Text(Cow::Borrowed("a\\b\tc\nd\re \\N"))),
            "a\\\\b\\tc\\nd\\re \\\\N"
        );
        assert_eq!(
            text(Value::Bytes(Cow::Borrowed(&[0, 0xab, 0x5c]))),
            "\\\\x00ab5c"
        );
        assert_eq!(
            text(Value::Time(
                "2025-01-02T03:04:05.123456789Z".parse().unwrap()
            )),
            "2025-01-02T03:04:05.123456Z"
        );
    }
}
