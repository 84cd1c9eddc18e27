//! [`Sql`] over a PostgreSQL client or transaction: the shared table code's
//! statements, with values converted to and from the wire types at the edge.

use std::error::Error as StdError;

use postgres::GenericClient;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{Format, FromSql, IsNull, Kind, ToSql, Type, to_sql_checked};

use super::PgStore;
use super::params::PgTime;
use crate::error::Result;
use crate::storage::sql::{Cell, Dialect, EachRow, Engine, Lock, Row, Sql, Value};

/// A client or transaction the shared code runs on.
pub(crate) struct PgSql<'c, C: GenericClient>(pub(crate) &'c mut C);

type BoxError = Box<dyn StdError + Sync + Send>;

/// Why statements are not named: a transaction pooler (PgBouncer in
/// transaction mode, 1.18 as Debian ships it, without
/// `max_prepared_statements`) hands each transaction, and each round trip
/// outside one, whichever server connection is free, so a statement prepared
/// by name ("s0", numbered per process by the client) is missing there, or is
/// another client's. Every statement goes as one unnamed Parse, Bind, Execute
/// and Sync (`query_typed`): one round trip, which a pooler keeps on one
/// server connection, and nothing left behind on it. (The exceptions are
/// prepared and closed inside one transaction: `COPY` in copy.rs and an
/// import's row-by-row statements in bulk.rs.)
///
/// The parameters' types: an unnamed statement is sent with its values in the
/// same message, before the server could say what it inferred, so each value
/// declares its own. [`Value::Int`] and [`Value::Text`] declare none (OID 0:
/// the server infers the type from the statement, exactly as a prepared
/// statement's was) and go in text form, which the server parses *as that
/// type*: an integer outside a `smallint` or `integer` column's range is
/// refused there (SQLSTATE 22003), never wrapped, which is the guarantee the
/// executor keeps for the schema's integers of different widths. A boolean, a
/// time and bytes declare theirs (binary), and the statement must accept that
/// type where the value goes.
pub(super) fn inferred() -> Type {
    Type::new("unspecified".into(), 0, Kind::Pseudo, "pg_catalog".into())
}

/// The type a value declares (see [`inferred`]).
fn declared(value: &Value<'_>) -> Type {
    match value {
        Value::Null | Value::Int(_) | Value::Text(_) => inferred(),
        Value::Bool(_) => Type::BOOL,
        Value::Time(_) => Type::TIMESTAMPTZ,
        Value::Bytes(_) => Type::BYTEA,
    }
}

/// Writes `v` as the parameter type declared for it.
fn put<T: ToSql>(
    v: T,
    ty: &Type,
    out: &mut postgres::types::private::BytesMut,
) -> std::result::Result<IsNull, BoxError> {
    if !T::accepts(ty) {
        return Err(format!(
            "a {} value cannot be a {ty} parameter",
            std::any::type_name::<T>()
        )
        .into());
    }
    v.to_sql(ty, out)
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            // Text form, parsed by the server as the type it inferred (see
            // `inferred`): a value out of a column's range is an error there.
            Value::Int(v) => {
                out.extend_from_slice(v.to_string().as_bytes());
                Ok(IsNull::No)
            }
            Value::Text(v) => {
                out.extend_from_slice(v.as_bytes());
                Ok(IsNull::No)
            }
            Value::Bool(v) => put(*v, ty, out),
            Value::Time(v) => put(PgTime(*v), ty, out),
            Value::Bytes(v) => put(v.as_ref(), ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Each value declares its type (`declared`).
        true
    }

    fn encode_format(&self, _: &Type) -> Format {
        match self {
            Value::Null | Value::Int(_) | Value::Text(_) => Format::Text,
            Value::Bool(_) | Value::Time(_) | Value::Bytes(_) => Format::Binary,
        }
    }

    to_sql_checked!();
}

impl<'r> FromSql<'r> for Cell<'r> {
    fn from_sql(ty: &Type, raw: &'r [u8]) -> std::result::Result<Self, BoxError> {
        Ok(match *ty {
            Type::BOOL => Cell::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => Cell::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => Cell::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::TIMESTAMPTZ => Cell::Time(PgTime::from_sql(ty, raw)?.0),
            Type::BYTEA => Cell::Bytes(<&[u8]>::from_sql(ty, raw)?),
            _ if <&str as FromSql>::accepts(ty) => Cell::Text(<&str>::from_sql(ty, raw)?),
            _ => return Err(format!("a {ty} column is not one userdb reads").into()),
        })
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Cell::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl Row for postgres::Row {
    fn cell(&self, index: usize) -> Result<Cell<'_>> {
        Ok(self.try_get::<_, Cell>(index)?)
    }
}

/// The values with the types they declare, for an unnamed statement.
fn typed<'v>(args: &'v [Value<'_>]) -> Vec<(&'v (dyn ToSql + Sync), Type)> {
    args.iter()
        .map(|v| (v as &(dyn ToSql + Sync), declared(v)))
        .collect()
}

impl<C: GenericClient> Sql for PgSql<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64> {
        Ok(self.0.execute_typed(sql, &typed(args))?)
    }

    fn each_row(&mut self, sql: &str, args: &[Value<'_>], each: &mut EachRow) -> Result<()> {
        // Streamed, not collected: a dump or an export of every user holds
        // one row at a time.
        let mut rows = self.0.query_typed_raw(sql, typed(args))?;
        while let Some(row) = rows.next()? {
            each(&row)?;
        }
        Ok(())
    }
}

impl Engine for PgStore {
    fn write_with<T>(
        &mut self,
        lock: Lock,
        mut f: impl FnMut(&mut dyn Sql) -> Result<T>,
    ) -> Result<T> {
        PgStore::write_retried(self, lock, |tx| f(&mut PgSql(tx)))
    }

    fn read<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        PgStore::read(self, |client| f(&mut PgSql(client)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::postgres::test_server;
    use crate::storage::sql::args;

    /// The guarantee `inferred` describes: an integer is checked against the
    /// width of the column the server inferred, never wrapped into it.
    #[test]
    fn an_integer_outside_its_columns_width_is_refused_by_the_server_never_wrapped() {
        let mut client = test_server::server().admin_client();
        client
            .batch_execute("CREATE TEMP TABLE widths (small smallint, normal integer)")
            .unwrap();
        let sql: &mut dyn Sql = &mut PgSql(&mut client);
        let insert = "INSERT INTO widths (small, normal) VALUES ($1, $2)";
        for (small, normal) in [(40_000_i64, 1_i64), (1, i64::from(i32::MAX) + 1)] {
            let err = sql.execute(insert, args![small, normal]).unwrap_err();
            assert!(err.to_string().contains("out of range"), "{err}");
        }
        let (small, normal) = (i64::from(i16::MIN), i64::from(i32::MAX));
        sql.execute(insert, args![small, normal]).unwrap();
        let sum: i64 = sql
            .query_value("SELECT sum(small) + sum(normal) FROM widths", &[])
            .unwrap();
        assert_eq!(sum, small + normal);
        // A boolean declares its type: where an integer is wanted, the
        // statement is refused rather than the value reinterpreted.
        assert!(sql.execute(insert, args![true, 1_i64]).is_err());
    }
}
