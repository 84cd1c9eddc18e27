//! One body per query: the executor the shared table code (`tables/`) writes its
//! SQL against, whichever engine runs it.
//!
//! Why a small trait of our own rather than a query builder: the queries are
//! plain SQL that both engines read alike (`ON CONFLICT`, `RETURNING`,
//! `substr`, `count(*)`), so the SQL text stays as it is, reviewable and
//! greppable, and the real differences are few and named ([`Dialect`], and the
//! hooks of [`Engine`]'s implementors). No new dependency either.
//!
//! - Parameters are written `$1`, `$2`, … (PostgreSQL's style); the SQLite side
//!   rewrites them to `?1`, `?2`, … before preparing.
//! - Values go in as [`Value`]s and come out through [`Row::get`]: a timestamp
//!   is `timestamptz` on PostgreSQL and fixed-width RFC 3339 text on SQLite, a
//!   boolean an integer on SQLite; each side converts at its edge.

use std::borrow::Cow;

use jiff::Timestamp;

use crate::clock::{format_timestamp, parse_timestamp};
use crate::error::{Error, Result};

/// A parameter of a statement, engine-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Text(Cow<'a, str>),
    Time(Timestamp),
    Bytes(Cow<'a, [u8]>),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}

impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}

impl From<u64> for Value<'_> {
    fn from(v: u64) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Value<'_> {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Cow::Owned(v))
    }
}

impl From<Timestamp> for Value<'_> {
    fn from(v: Timestamp) -> Self {
        Value::Time(v)
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Bytes(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a Vec<u8>> for Value<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Value::Bytes(Cow::Borrowed(v))
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl<'a> From<&'a i64> for Value<'a> {
    fn from(v: &'a i64) -> Self {
        Value::Int(*v)
    }
}

impl<'a> From<&'a bool> for Value<'a> {
    fn from(v: &'a bool) -> Self {
        Value::Bool(*v)
    }
}

impl<'a> From<&'a Timestamp> for Value<'a> {
    fn from(v: &'a Timestamp) -> Self {
        Value::Time(*v)
    }
}

/// Fields of a borrowed row (`copy` writes the rows it holds by reference).
/// Concrete types: a blanket impl over `&Option<T>` sends inference in circles.
macro_rules! from_option_ref {
    ($($t:ty),*) => {$(
        impl<'a> From<&'a Option<$t>> for Value<'a> {
            fn from(v: &'a Option<$t>) -> Self {
                v.as_ref().map_or(Value::Null, Into::into)
            }
        }
    )*};
}
from_option_ref!(i64, String, Timestamp);

/// The parameters of a statement: `args![a, b]` is `&[Value::from(a), Value::from(b)]`.
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::storage::sql::Value::from($value)),*][..]
    };
}
pub(crate) use args;

/// One column of a result row, as the engine gave it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'r> {
    Null,
    Int(i64),
    Bool(bool),
    Real(f64),
    Text(&'r str),
    Time(Timestamp),
    Bytes(&'r [u8]),
}

impl Cell<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "an integer",
            Cell::Bool(_) => "a boolean",
            Cell::Real(_) => "a real number",
            Cell::Text(_) => "text",
            Cell::Time(_) => "a timestamp",
            Cell::Bytes(_) => "bytes",
        }
    }
}

/// A Rust value a [`Cell`] converts to.
pub(crate) trait FromCell: Sized {
    /// What a mismatch message calls the expected value.
    const EXPECTED: &'static str;
    /// `None` when the cell holds something else.
    fn from_cell(cell: Cell<'_>) -> Option<Self>;
}

impl FromCell for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Int(v) => Some(v),
            _ => None,
        }
    }
}

macro_rules! from_int_cell {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            const EXPECTED: &'static str = "an integer in range";
            fn from_cell(cell: Cell<'_>) -> Option<Self> {
                match cell {
                    Cell::Int(v) => <$t>::try_from(v).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
from_int_cell!(i32, u32, u64, usize);

impl FromCell for bool {
    const EXPECTED: &'static str = "a boolean";
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Bool(v) => Some(v),
            // SQLite keeps booleans as integers.
            Cell::Int(v) => Some(v != 0),
            _ => None,
        }
    }
}

impl FromCell for String {
    const EXPECTED: &'static str = "text";
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Text(v) => Some(v.to_string()),
            _ => None,
        }
    }
}

impl FromCell for Timestamp {
    const EXPECTED: &'static str = "a timestamp";
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Time(v) => Some(v),
            // SQLite keeps timestamps as fixed-width RFC 3339 text.
            Cell::Text(v) => parse_timestamp(v),
            _ => None,
        }
    }
}

impl FromCell for Vec<u8> {
    const EXPECTED: &'static str = "bytes";
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Bytes(v) => Some(v.to_vec()),
            _ => None,
        }
    }
}

/// A digest (a token's SHA-256): any other length is not one.
impl FromCell for [u8; 32] {
    const EXPECTED: &'static str = "32 bytes";
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Bytes(v) => v.try_into().ok(),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_cell(cell: Cell<'_>) -> Option<Self> {
        match cell {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// A result row of either engine.
pub(crate) trait Row {
    /// Column `index` (from 0).
    fn cell(&self, index: usize) -> Result<Cell<'_>>;
}

impl dyn Row + '_ {
    /// Column `index` (from 0) as a `T`; a column holding something else is a
    /// database error naming what it found (a schema that is not userdb's).
    pub(crate) fn get<T: FromCell>(&self, index: usize) -> Result<T> {
        let cell = self.cell(index)?;
        T::from_cell(cell).ok_or_else(|| mismatch(index, cell, T::EXPECTED))
    }

    /// Column `index` as text borrowed from the row: reads of every user
    /// (export, import's checks) copy nothing per row.
    pub(crate) fn text(&self, index: usize) -> Result<&str> {
        match self.cell(index)? {
            Cell::Text(v) => Ok(v),
            cell => Err(mismatch(index, cell, String::EXPECTED)),
        }
    }
}

/// A column holding something else than the code reads: a schema that is not
/// userdb's.
fn mismatch(index: usize, cell: Cell<'_>, expected: &str) -> Error {
    Error::database(std::io::Error::other(format!(
        "column {index} holds {}, not {expected}",
        cell.kind()
    )))
}

/// Where the two engines spell a thing differently in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// What [`Sql::each_row`] calls for every row.
pub(crate) type EachRow<'f> = dyn FnMut(&dyn Row) -> Result<()> + 'f;

/// A connection or transaction of either engine: the one interface the shared
/// table code runs its SQL through.
pub(crate) trait Sql {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64>;
    /// Runs a query, calling `each` for every row in order.
    fn each_row(&mut self, sql: &str, args: &[Value<'_>], each: &mut EachRow) -> Result<()>;
}

impl dyn Sql + '_ {
    /// Every row of a query, each turned into a `T` by `f`.
    pub(crate) fn query<T>(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
        mut f: impl FnMut(&dyn Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each_row(sql, args, &mut |row| {
            out.push(f(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, if any.
    pub(crate) fn query_opt<T>(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
        f: impl FnOnce(&dyn Row) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut f = Some(f);
        let mut out = None;
        self.each_row(sql, args, &mut |row| {
            if let Some(f) = f.take() {
                out = Some(f(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The one row a query returns; none is a database error (a statement
    /// that always returns one row found none: the schema is not userdb's).
    pub(crate) fn query_one<T>(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
        f: impl FnOnce(&dyn Row) -> Result<T>,
    ) -> Result<T> {
        self.query_opt(sql, args, f)?.ok_or_else(|| {
            Error::database(std::io::Error::other(
                "a query that returns one row returned none",
            ))
        })
    }

    /// The first column of the one row a query returns.
    pub(crate) fn query_value<T: FromCell>(&mut self, sql: &str, args: &[Value<'_>]) -> Result<T> {
        self.query_one(sql, args, |r| r.get(0))
    }
}

impl Dialect {
    /// ` FOR UPDATE` where the engine has row locks (PostgreSQL); nothing on
    /// SQLite, whose one write lock already excludes every other writer.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// ` FOR SHARE` where the engine has row locks: the row cannot change until
    /// the transaction ends, and other sharers are not kept waiting.
    pub(crate) fn for_share(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR SHARE",
        }
    }
}

/// What a write transaction excludes (the concurrency contract in
/// `storage/mod.rs` says which operation takes which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    /// Every other writer: the writers' lock, for rules that span rows (the
    /// last lasting superuser, unique addresses and field values, bulk writes,
    /// migrations, groups).
    Database,
    /// Only the rows the transaction locks itself (`FOR UPDATE`, `FOR SHARE`, or
    /// the rows its statements change): a per-user or per-token write. On
    /// SQLite, which has one writer, the same as [`Lock::Database`].
    Rows,
}

/// An engine's store as the shared table code sees it: a write in one
/// transaction under the lock it names (see the concurrency contract in
/// `storage/mod.rs`), and a read of committed data.
///
/// A write's body is `FnMut`: PostgreSQL runs it again, from the start, on a
/// fresh connection when the first attempt failed before its COMMIT was sent
/// (a failover). It must therefore keep nothing of a failed attempt: whatever
/// it gathers, it gathers from what its statements return.
pub(crate) trait Engine {
    fn write_with<T>(&mut self, lock: Lock, f: impl FnMut(&mut dyn Sql) -> Result<T>) -> Result<T>;
    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T>;

    /// A write under the writers' lock ([`Lock::Database`]).
    fn write<T>(&mut self, f: impl FnMut(&mut dyn Sql) -> Result<T>) -> Result<T> {
        self.write_with(Lock::Database, f)
    }

    /// A per-user or per-token write ([`Lock::Rows`]).
    fn write_rows<T>(&mut self, f: impl FnMut(&mut dyn Sql) -> Result<T>) -> Result<T> {
        self.write_with(Lock::Rows, f)
    }
}

/// `$1`-style parameters as SQLite's `?1`. A `$` inside a string literal is
/// left alone.
pub(crate) fn sqlite_placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => in_string = !in_string,
            '$' if !in_string && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// A timestamp as SQLite stores it.
pub(crate) fn sqlite_time(ts: Timestamp) -> String {
    format_timestamp(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_parameters_become_question_marks_outside_string_literals() {
        assert_eq!(
            sqlite_placeholders("SELECT $1, '$2', x FROM t WHERE a = $12 AND b = '$'"),
            "SELECT ?1, '$2', x FROM t WHERE a = ?12 AND b = '$'"
        );
        assert!(matches!(sqlite_placeholders("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn cells_convert_across_the_engines_spellings() {
        assert_eq!(bool::from_cell(Cell::Int(1)), Some(true));
        assert_eq!(bool::from_cell(Cell::Bool(false)), Some(false));
        let at: Timestamp = "2026-01-02T03:04:05.123456Z".parse().unwrap();
        assert_eq!(
            Timestamp::from_cell(Cell::Text(&format_timestamp(at))),
            Some(at)
        );
        assert_eq!(Option::<i64>::from_cell(Cell::Null), Some(None));
        assert_eq!(u32::from_cell(Cell::Int(-1)), None);
        assert_eq!(String::from_cell(Cell::Int(1)), None);
    }

    #[test]
    fn a_digest_is_exactly_32_bytes() {
        assert_eq!(<[u8; 32]>::from_cell(Cell::Bytes(&[7; 32])), Some([7; 32]));
        assert_eq!(<[u8; 32]>::from_cell(Cell::Bytes(&[7; 31])), None);
        assert_eq!(<[u8; 32]>::from_cell(Cell::Text("x")), None);
    }
}
