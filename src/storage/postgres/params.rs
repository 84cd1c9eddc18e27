//! The values PostgreSQL statements bind, each with the type it declares
//! (unnamed statements: see `executor.rs`'s `inferred`), and `PgTime`, a
//! `timestamptz` as userdb keeps it.

use std::error::Error as StdError;

use jiff::Timestamp;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// A `timestamptz` column (microseconds, as SQLite's text keeps them).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PgTime(pub(crate) Timestamp);

/// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix microseconds.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl ToSql for PgTime {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let micros = self.0.as_microsecond() - PG_EPOCH_MICROS;
        micros.to_sql(&Type::INT8, out)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgTime {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn StdError + Sync + Send>> {
        let micros = i64::from_sql(&Type::INT8, raw)?;
        let ts = Timestamp::from_microsecond(micros.saturating_add(PG_EPOCH_MICROS))?;
        Ok(PgTime(ts))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

/// A Rust value the statements of this module bind, with the type it
/// declares (see [`inferred`]): the type of the column or cast it meets, so
/// the server infers nothing else.
pub(super) trait Param: ToSql + Sync {
    const TYPE: Type;
}

/// A parameter of an unnamed statement (`query_typed` and kin).
pub(super) fn param<T: Param>(value: &T) -> (&(dyn ToSql + Sync), Type) {
    (value, T::TYPE)
}

macro_rules! params {
    ($($rust:ty => $pg:ident),* $(,)?) => {
        $(impl Param for $rust {
            const TYPE: Type = Type::$pg;
        })*
    };
}

params! {
    i64 => INT8,
    i32 => INT4,
    bool => BOOL,
    String => TEXT,
    &str => TEXT,
    std::borrow::Cow<'_, str> => TEXT,
    PgTime => TIMESTAMPTZ,
    Vec<String> => TEXT_ARRAY,
    Vec<&str> => TEXT_ARRAY,
    Vec<i64> => INT8_ARRAY,
    Vec<bool> => BOOL_ARRAY,
    Vec<PgTime> => TIMESTAMPTZ_ARRAY,
    Vec<Option<PgTime>> => TIMESTAMPTZ_ARRAY,
}

impl<T: Param> Param for Option<T> {
    const TYPE: Type = T::TYPE;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_the_wire_format_to_the_microsecond() {
        for text in [
            "2026-01-02T03:04:05.123456Z",
            "0001-01-01T00:00:00Z",
            "9999-12-30T00:00:00.999999Z",
            "1999-12-31T23:59:59Z",
        ] {
            let ts: Timestamp = text.parse().unwrap();
            let mut buf = postgres::types::private::BytesMut::new();
            PgTime(ts).to_sql(&Type::TIMESTAMPTZ, &mut buf).unwrap();
            let back = PgTime::from_sql(&Type::TIMESTAMPTZ, &buf).unwrap();
            assert_eq!(back.0, ts, "{text}");
        }
    }
}
