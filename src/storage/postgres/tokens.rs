//! PostgreSQL's hooks for the token tables written once in `tables/`: the
//! record of a token's use without waiting for the disk.

use super::PgStore;
use super::executor::PgSql;
use crate::error::Result;
use crate::storage::sql::{Lock, Sql};
use crate::storage::tables::tokens::UnsyncedWrite;

impl UnsyncedWrite for PgStore {
    /// The commit does not wait for the server's disk: `synchronous_commit =
    /// off` for this transaction only. A per-token write: row locks only.
    /// Always written (`Some`): row locks are held only by writes of the same
    /// user or token, which are short. Retried after a failover as every
    /// other write is ([`PgStore::write_retried`]).
    fn write_unsynced<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn Sql) -> Result<T>,
    ) -> Result<Option<T>> {
        self.write_retried(Lock::Rows, |tx| {
            tx.batch_execute("SET LOCAL synchronous_commit = off")?;
            f(&mut PgSql(tx))
        })
        .map(Some)
    }
}
