//! The `tokens` table's queries (migration 0002), for every engine.

use jiff::Timestamp;

use crate::error::Result;
use crate::storage::sql::{Row, Sql, args};
use crate::token::TokenInfo;

/// The columns [`token_from_row`] reads, the owner's email last.
pub(crate) const TOKEN_COLUMNS: &str = "t.id, t.name, t.prefix, t.created_at, t.expires_at, \
     t.last_used_at, t.revoked_at, t.user_id, u.email, t.scopes";

const FROM: &str = "FROM tokens t JOIN users u ON u.id = t.user_id";

pub(crate) fn token_from_row(row: &dyn Row) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.get(0)?,
        name: row.get(1)?,
        prefix: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        last_used_at: row.get(5)?,
        revoked_at: row.get(6)?,
        user_id: row.get(7)?,
        user: row.get(8)?,
        scopes: row
            .get::<Option<String>>(9)?
            .map(|s| s.split_whitespace().map(str::to_string).collect()),
    })
}

pub(crate) fn fetch_token(sql: &mut dyn Sql, id: i64) -> Result<Option<TokenInfo>> {
    sql.query_opt(
        &format!("SELECT {TOKEN_COLUMNS} {FROM} WHERE t.id = $1"),
        args![id],
        token_from_row,
    )
}

/// Revokes the user's active tokens; returns them as they are now, by id.
/// Also used by `update_user` for `changepassword --revoke-tokens`.
pub(crate) fn revoke_all(sql: &mut dyn Sql, user_id: i64, at: Timestamp) -> Result<Vec<TokenInfo>> {
    let ids: Vec<i64> = sql.query(
        "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
        args![user_id, at],
        |r| r.get(0),
    )?;
    let mut revoked = Vec::with_capacity(ids.len());
    for id in ids {
        revoked.extend(fetch_token(sql, id)?);
    }
    revoked.sort_by_key(|t| t.id);
    Ok(revoked)
}
