//! The one meaning of a [`UserFilter`] in SQL, for every backend: one clause
//! with `$n` parameters, and its values as [`Value`]s.

use super::sql::Value;
use crate::user::{ExpiryFilter, UserFilter};

/// Parameter `n` (from 1).
fn placeholder(n: usize) -> String {
    format!("${n}")
}

/// The `WHERE` clause (empty when nothing narrows) over `users`, and its
/// parameters, `$1` first.
pub(crate) fn user_where(filter: &UserFilter) -> (String, Vec<Value<'static>>) {
    let mut wheres: Vec<String> = Vec::new();
    let mut values: Vec<Value<'static>> = Vec::new();
    for (column, value) in [
        ("is_staff", filter.is_staff),
        ("is_superuser", filter.is_superuser),
        ("is_active", filter.is_active),
    ] {
        if let Some(v) = value {
            values.push(Value::from(v));
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
        values.push(Value::from(format!("%{escaped}%")));
        let p = placeholder(values.len());
        wheres.push(format!(
            "(email_key LIKE {p} ESCAPE '\\' OR lower(first_name) LIKE {p} ESCAPE '\\' \
             OR lower(last_name) LIKE {p} ESCAPE '\\')"
        ));
    }
    for (name, value) in &filter.fields {
        values.push(Value::from(name.clone()));
        let name_p = placeholder(values.len());
        match value {
            Some(value) => {
                values.push(Value::from(value.clone()));
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
            values.push(Value::from(at));
            wheres.push(format!("expires_at <= {}", placeholder(values.len())));
        }
        None => {}
    }
    match filter.second_factor {
        Some(true) => {
            wheres.push("id IN (SELECT user_id FROM totp_secrets WHERE NOT pending)".into())
        }
        Some(false) => {
            wheres.push("id NOT IN (SELECT user_id FROM totp_secrets WHERE NOT pending)".into())
        }
        None => {}
    }
    if let Some(group) = &filter.group {
        values.push(Value::from(group.clone()));
        wheres.push(format!(
            "id IN (SELECT ug.user_id FROM user_groups ug JOIN groups g ON g.id = ug.group_id \
             WHERE g.name = {})",
            placeholder(values.len())
        ));
    }
    if let Some(held) = &filter.permission {
        // `User::may_act` and `Effective::of` in SQL: an inactive or expired
        // account holds nothing; an active superuser holds everything.
        values.push(Value::from(held.at));
        let at = placeholder(values.len());
        values.push(Value::from(held.permission.clone()));
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
