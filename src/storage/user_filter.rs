//! The one meaning of a [`UserFilter`] in SQL, for every backend: the clause is
//! the same text but for how a parameter is written (`?1` or `$1`), and the
//! values are neutral until a backend binds them.

use crate::user::{ExpiryFilter, UserFilter};

/// A parameter of the clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqlValue {
    Bool(bool),
    Text(String),
    Time(jiff::Timestamp),
}

/// The `WHERE` clause (empty when nothing narrows) over `users`, with
/// `placeholder(n)` writing parameter `n` (from 1), and the parameters.
pub(crate) fn user_where(
    filter: &UserFilter,
    placeholder: fn(usize) -> String,
) -> (String, Vec<SqlValue>) {
    let mut wheres: Vec<String> = Vec::new();
    let mut values: Vec<SqlValue> = Vec::new();
    for (column, value) in [
        ("is_staff", filter.is_staff),
        ("is_superuser", filter.is_superuser),
        ("is_active", filter.is_active),
    ] {
        if let Some(v) = value {
            values.push(SqlValue::Bool(v));
            wheres.push(format!("{column} = {}", placeholder(values.len())));
        }
    }
    match filter.verified {
        Some(true) => wheres.push("email_verified_at IS NOT NULL".into()),
        Some(false) => wheres.push("email_verified_at IS NULL".into()),
        None => {}
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.is_empty()) {
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        values.push(SqlValue::Text(format!("%{escaped}%")));
        let p = placeholder(values.len());
        wheres.push(format!(
            "(email_key LIKE {p} ESCAPE '\\' OR lower(first_name) LIKE {p} ESCAPE '\\' \
             OR lower(last_name) LIKE {p} ESCAPE '\\')"
        ));
    }
    for (name, value) in &filter.fields {
        values.push(SqlValue::Text(name.clone()));
        let name_p = placeholder(values.len());
        match value {
            Some(value) => {
                values.push(SqlValue::Text(value.clone()));
                wheres.push(format!(
                    "id IN (SELECT user_id FROM user_field_values WHERE name = {name_p} \
                     AND value = {})",
                    placeholder(values.len())
                ));
            }
            None => wheres.push(format!(
                "id NOT IN (SELECT user_id FROM user_field_values WHERE name = {name_p})"
            )),
        }
    }
    match filter.expiry {
        Some(ExpiryFilter::Never) => wheres.push("expires_at IS NULL".into()),
        Some(ExpiryFilter::ExpiredAt(at)) => {
            values.push(SqlValue::Time(at));
            wheres.push(format!("expires_at <= {}", placeholder(values.len())));
        }
        None => {}
    }
    if let Some(group) = &filter.group {
        values.push(SqlValue::Text(group.clone()));
        wheres.push(format!(
            "id IN (SELECT ug.user_id FROM user_groups ug JOIN groups g ON g.id = ug.group_id \
             WHERE g.name = {})",
            placeholder(values.len())
        ));
    }
    if let Some(held) = &filter.permission {
        // `User::may_act` and `Effective::of` in SQL: an inactive or expired
        // account holds nothing; an active superuser holds everything.
        values.push(SqlValue::Time(held.at));
        let at = placeholder(values.len());
        values.push(SqlValue::Text(held.permission.clone()));
        let p = placeholder(values.len());
        wheres.push(format!(
            "(is_active AND (expires_at IS NULL OR expires_at > {at}) AND (is_superuser \
             OR id IN (SELECT user_id FROM user_permissions WHERE permission = {p}) \
             OR id IN (SELECT ug.user_id FROM user_groups ug \
             JOIN group_permissions gp ON gp.group_id = ug.group_id WHERE gp.permission = {p})))"
        ));
    }
    let where_sql = if wheres.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", wheres.join(" AND "))
    };
    (where_sql, values)
}
