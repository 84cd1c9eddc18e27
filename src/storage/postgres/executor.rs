//! [`Sql`] over a PostgreSQL client or transaction: the shared table code's
//! statements, with values converted to and from the wire types at the edge.

use std::error::Error as StdError;

use postgres::GenericClient;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{PgStore, PgTime};
use crate::error::Result;
use crate::storage::sql::{Cell, Dialect, EachRow, Engine, Lock, Row, Sql, Value};

/// A client or transaction the shared code runs on.
pub(crate) struct PgSql<'c, C: GenericClient>(pub(crate) &'c mut C);

type BoxError = Box<dyn StdError + Sync + Send>;

/// Writes `v` as the parameter type the server asked for, if `T` is one.
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
            // The schema's integer columns differ in width; a value out of a
            // column's range is an error, never a wrap.
            Value::Int(v) if *ty == Type::INT2 => put(i16::try_from(*v)?, ty, out),
            Value::Int(v) if *ty == Type::INT4 => put(i32::try_from(*v)?, ty, out),
            Value::Int(v) => put(*v, ty, out),
            Value::Bool(v) => put(*v, ty, out),
            Value::Text(v) => put(v.as_ref(), ty, out),
            Value::Time(v) => put(PgTime(*v), ty, out),
            Value::Bytes(v) => put(v.as_ref(), ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Checked per value in `to_sql`, by the type the server inferred.
        true
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

fn refs<'v>(args: &'v [Value<'_>]) -> Vec<&'v (dyn ToSql + Sync)> {
    args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl<C: GenericClient> Sql for PgSql<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64> {
        Ok(self.0.execute(sql, &refs(args))?)
    }

    fn each_row(&mut self, sql: &str, args: &[Value<'_>], each: &mut EachRow) -> Result<()> {
        // Streamed, not collected: a dump or an export of every user holds
        // one row at a time.
        let mut rows = self.0.query_raw(sql, args.iter())?;
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
