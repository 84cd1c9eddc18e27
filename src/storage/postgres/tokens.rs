//! PostgreSQL's hooks for the token tables written once in `tables/`: the
//! record of a token's use without waiting for the disk, and, until the users'
//! queries are shared, its owner and the update of a reset token's use.

use jiff::Timestamp;
use postgres::Transaction;

use super::executor::PgSql;
use super::users::update_user_in;
use super::{PgStore, fetch_user};
use crate::error::Result;
use crate::storage::sql::Sql;
use crate::storage::tables::UserRows;
use crate::storage::tables::tokens::{self, UnsyncedWrite};
use crate::storage::{AuditEntry, UserUpdate};
use crate::token::TokenInfo;
use crate::user::User;

/// The shared [`tokens::revoke_all`] inside one of this store's own
/// transactions (the users' update, not yet shared).
pub(super) fn revoke_all(
    tx: &mut Transaction,
    user_id: i64,
    at: Timestamp,
) -> Result<Vec<TokenInfo>> {
    tokens::revoke_all(&mut PgSql(tx), user_id, at)
}

impl UnsyncedWrite for PgStore {
    /// The commit does not wait for the server's disk: `synchronous_commit =
    /// off` for this transaction only.
    fn write_unsynced<T>(&mut self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        self.write(|tx| {
            tx.batch_execute("SET LOCAL synchronous_commit = off")?;
            f(&mut PgSql(tx))
        })
    }
}

impl UserRows for PgStore {
    fn user_by_id(&self, id: i64) -> Result<User> {
        self.read(|client| fetch_user(client, id))
    }

    fn write_user_update(
        &mut self,
        claim: impl FnOnce(&mut dyn Sql) -> Result<Option<i64>>,
        update: &UserUpdate,
        audit: &[AuditEntry],
    ) -> Result<Option<User>> {
        self.write(|tx| {
            let claimed = claim(&mut PgSql(tx))?;
            claimed
                .map(|id| update_user_in(tx, id, update, audit))
                .transpose()
        })
    }
}
