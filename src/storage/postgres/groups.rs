//! Groups, memberships and permissions are written once in `tables/groups.rs`;
//! this is the users' way in from PostgreSQL's own transactions until they are
//! shared too.

use postgres::Transaction;

use super::executor::PgSql;
use crate::access::AccessChange;
use crate::error::Result;
use crate::storage::tables::groups;

/// The shared [`groups::apply_access`] inside one of this store's own
/// transactions.
pub(super) fn apply_access(
    tx: &mut Transaction,
    user_id: i64,
    change: &AccessChange,
) -> Result<()> {
    groups::apply_access(&mut PgSql(tx), user_id, change)
}
