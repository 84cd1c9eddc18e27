//! [`Sql`] over a SQLite connection or transaction: the shared table code's
//! statements, with `$n` parameters rewritten and values converted at the edge.

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::storage::sql::{
    Cell, Dialect, EachRow, Engine, Lock, Row, Sql, Value, sqlite_placeholders, sqlite_time,
};

/// A connection (or a transaction, which derefs to one) the shared code runs on.
pub(crate) struct SqliteSql<'c>(pub(crate) &'c rusqlite::Connection);

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Bool(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Time(v) => ToSqlOutput::Owned(rusqlite::types::Value::Text(sqlite_time(*v))),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

impl Row for rusqlite::Row<'_> {
    fn cell(&self, index: usize) -> Result<Cell<'_>> {
        Ok(match self.get_ref(index)? {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(v) => Cell::Int(v),
            ValueRef::Real(v) => Cell::Real(v),
            ValueRef::Text(v) => Cell::Text(std::str::from_utf8(v).map_err(Error::database)?),
            ValueRef::Blob(v) => Cell::Bytes(v),
        })
    }
}

impl Sql for SqliteSql<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        let changed = stmt.execute(rusqlite::params_from_iter(args))?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }

    fn each_row(&mut self, sql: &str, args: &[Value<'_>], each: &mut EachRow) -> Result<()> {
        let mut stmt = self.0.prepare_cached(&sqlite_placeholders(sql))?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }
}

impl Engine for SqliteStore {
    /// One writer by design: every lock is `BEGIN IMMEDIATE`'s.
    fn write_with<T>(
        &mut self,
        _lock: Lock,
        mut f: impl FnMut(&mut dyn Sql) -> Result<T>,
    ) -> Result<T> {
        SqliteStore::write(self, |tx| f(&mut SqliteSql(tx)))
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        SqliteStore::read(self, || f(&mut SqliteSql(&self.conn)))
    }
}
