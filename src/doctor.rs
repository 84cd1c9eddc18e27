//! `userdb doctor`: checks a database for what an operator should fix, each finding
//! with how to fix it. Reads only; changes nothing.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::Serialize;

use crate::email_address::{email_key, normalize_email, validate_email};
use crate::error::Result;
use crate::fields::FieldSet;
use crate::manager::{MfaScope, SecondFactor};
use crate::password::PasswordHasher;
use crate::storage::{LockCheck, SchemaStore, SecondFactorStore, UserStore};
use crate::user::{User, UserFilter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Notice,
    /// Something to fix.
    Problem,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
}

fn finding(check: &'static str, severity: Severity, message: String, fix: String) -> Finding {
    Finding {
        check,
        severity,
        message,
        fix,
    }
}

/// What `doctor` checks second factors with: the key that opens the stored
/// TOTP secrets (`None`: no key at hand, so none opens) and `[mfa] required`.
pub struct MfaCheck<'a> {
    pub key: Option<&'a SecondFactor>,
    pub required: MfaScope,
}

/// Runs every check on a database opened (without migrating) as `store`, against
/// the custom fields the config declares, at the moment `now`.
pub fn diagnose(
    store: &(impl SchemaStore + UserStore + SecondFactorStore),
    hasher: &PasswordHasher,
    fields: &FieldSet,
    mfa: &MfaCheck<'_>,
    now: jiff::Timestamp,
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    if let Some(path) = store.file_path() {
        check_permissions(path, &mut findings);
    }
    let recover = match store.file_path() {
        Some(_) => "restore from a backup, or `sqlite3 DB .recover` into a new file",
        None => "restore from a backup",
    };
    for line in store.integrity_check()? {
        findings.push(finding(
            "integrity",
            Severity::Problem,
            format!("integrity check: {line}"),
            recover.into(),
        ));
    }
    let pending = store.pending_migrations()?;
    if !pending.is_empty() {
        let names: Vec<&str> = pending.iter().map(|m| m.name).collect();
        let pending = format!("{} pending migration(s): {}", names.len(), names.join(", "));
        // "run `userdb migrate`" only when it can succeed: else say what blocks it.
        let (message, fix) = match store.migration_blocker()? {
            Some((why, fix)) => (format!("{pending}; {why}"), fix),
            None => (pending, "run `userdb migrate`".into()),
        };
        findings.push(finding("migrations", Severity::Problem, message, fix));
        // The user checks need the schema.
        return Ok(findings);
    }
    let users = store.list_users(&UserFilter::default())?;
    check_users(&users, hasher, &mut findings);
    check_expired(&users, now, &mut findings);
    check_fields(&users, fields, &mut findings);
    check_second_factors(store, &users, mfa, &mut findings)?;
    Ok(findings)
}

/// Every stored TOTP secret opens with the key at hand (a user whose does
/// not cannot sign in); and, when `[mfa] required` asks for one, which
/// superusers and staff have none (they get no token).
fn check_second_factors(
    store: &impl SecondFactorStore,
    users: &[User],
    mfa: &MfaCheck<'_>,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let mut unenrolled = Vec::new();
    let mut under_previous_key = Vec::new();
    for user in users {
        let record = store.second_factor(user.id)?;
        for sealed in record.confirmed.iter().chain(&record.pending) {
            let what = format!("the TOTP secret of {}", user.email);
            let refused = match mfa.key {
                Some(key) => {
                    let refused = key.check_opens(user.id, &sealed.secret, &what).err();
                    // It opens, but only while the previous key is kept.
                    if refused.is_none() && key.sealed_under_older_key(&sealed.secret) {
                        under_previous_key.push(user.email.as_str());
                    }
                    refused
                }
                None => Some(crate::Error::Config(format!(
                    "{what} cannot be opened: no secret key is set (USERDB_SECRET_KEY or \
                     the key file)"
                ))),
            };
            if let Some(err) = refused {
                findings.push(finding(
                    "second_factor",
                    Severity::Problem,
                    err.to_string(),
                    format!(
                        "use the key it was sealed with, or reset it: `userdb disable-2fa '{}' \
                         --reason TEXT`, then enroll again",
                        user.email
                    ),
                ));
            }
        }
        let privileged = user.is_superuser || user.is_staff;
        if privileged && user.is_active && mfa.required.covers(user) && record.confirmed.is_none() {
            unenrolled.push(user.email.as_str());
        }
    }
    if !under_previous_key.is_empty() {
        findings.push(finding(
            "second_factor",
            Severity::Notice,
            format!(
                "{} TOTP secret(s) are still sealed under the previous key \
                 (USERDB_PREVIOUS_SECRET_KEY): {}",
                under_previous_key.len(),
                some_of(&under_previous_key)
            ),
            "keep USERDB_PREVIOUS_SECRET_KEY until each has signed in once with a TOTP code \
             (which re-seals it), or reset it: `userdb disable-2fa EMAIL --reason TEXT`"
                .into(),
        ));
    }
    if !unenrolled.is_empty() {
        findings.push(finding(
            "second_factor",
            Severity::Problem,
            format!(
                "[mfa] required = {} and {} superuser(s) or staff have no second factor \
                 (no token is issued to them): {}",
                mfa.required,
                unenrolled.len(),
                some_of(&unenrolled)
            ),
            "each enrolls one: `userdb enroll-totp EMAIL`".into(),
        ));
    }
    Ok(())
}

/// The writers' lock probe ([`SchemaStore::lock_check`]) as a finding, when
/// it did not pass.
pub fn lock_finding(check: &LockCheck) -> Option<Finding> {
    match check {
        LockCheck::Excludes { .. } => None,
        LockCheck::DoesNotExclude { engine } => Some(finding(
            "lock",
            Severity::Problem,
            format!(
                "the writers' lock does not exclude a second session on this server ({engine}): \
                 every rule could be raced, so userdb refuses to write here"
            ),
            "use PostgreSQL, or an engine whose advisory locks exclude other sessions".into(),
        )),
        LockCheck::Unknown { engine, why } => Some(finding(
            "lock",
            Severity::Notice,
            format!("the writers' lock could not be checked ({engine}): {why}"),
            "run `userdb doctor` against the server directly".into(),
        )),
    }
}

fn check_permissions(path: &Path, findings: &mut Vec<Finding>) {
    let name = path.display().to_string();
    for file in [name.clone(), format!("{name}-wal"), format!("{name}-shm")] {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            findings.push(finding(
                "permissions",
                Severity::Problem,
                format!("{file} is readable or writable by others (mode {mode:o}); it holds password hashes"),
                format!("chmod 600 {file}"),
            ));
        }
    }
}

fn check_users(users: &[User], hasher: &PasswordHasher, findings: &mut Vec<Finding>) {
    let mut by_key: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut upgrades: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut active_superusers = 0;
    for user in users {
        let email = &user.email;
        // A temporary superuser is no lasting way in.
        if user.is_superuser && user.is_active && user.expires_at.is_none() {
            active_superusers += 1;
        }
        if let Err(e) = validate_email(email) {
            findings.push(finding(
                "emails",
                Severity::Problem,
                format!("user {} has an invalid email: {e}", user.id),
                format!("userdb update-user '{email}' --email NEW"),
            ));
        }
        by_key
            .entry(email_key(&normalize_email(email)))
            .or_default()
            .push(email);
        let hash = user.password_hash();
        match (hasher.check_stored(hash), hasher.needs_upgrade(hash)) {
            (Ok(algorithm), Ok(true)) => *upgrades.entry(algorithm).or_default() += 1,
            (Ok(_), Ok(false)) => {}
            (Err(crate::password::HashError::Unusable), _) => {}
            (Err(e), _) | (_, Err(e)) => findings.push(finding(
                "hashes",
                Severity::Problem,
                format!("{email} has a password hash that cannot be checked: {e}"),
                format!("userdb changepassword '{email}'"),
            )),
        }
    }
    for emails in by_key.values().filter(|e| e.len() > 1) {
        findings.push(finding(
            "emails",
            Severity::Problem,
            format!(
                "these addresses are one login case-insensitively: {}",
                emails.join(", ")
            ),
            "rename all but one with `userdb update-user OLD --email NEW`, or delete them".into(),
        ));
    }
    if !upgrades.is_empty() {
        let total: usize = upgrades.values().sum();
        let detail: Vec<String> = upgrades.iter().map(|(a, n)| format!("{a}: {n}")).collect();
        findings.push(finding(
            "hashes",
            Severity::Notice,
            format!(
                "{total} password {} not argon2id at the current parameters ({})",
                if total == 1 { "hash is" } else { "hashes are" },
                detail.join(", ")
            ),
            "nothing to do: each is re-hashed at the user's next successful sign-in".into(),
        ));
    }
    if active_superusers == 0 {
        findings.push(finding(
            "superusers",
            Severity::Notice,
            "there is no active superuser that does not expire".into(),
            "create one with `userdb createsuperuser`".into(),
        ));
    }
}

/// Accounts past their `expires_at` that are still active: refused everywhere
/// already, but worth deactivating (or extending) on purpose.
fn check_expired(users: &[User], now: jiff::Timestamp, findings: &mut Vec<Finding>) {
    let expired: Vec<&str> = users
        .iter()
        .filter(|u| u.is_active && u.is_expired(now))
        .map(|u| u.email.as_str())
        .collect();
    if !expired.is_empty() {
        findings.push(finding(
            "expiry",
            Severity::Notice,
            format!(
                "{} account(s) have expired but are still active: {}",
                expired.len(),
                some_of(&expired)
            ),
            "they are refused already; deactivate them (`userdb update-user EMAIL --active false`) \
             or extend them (`--expires-at DATE|never`); `userdb list-users --expired` lists them"
                .into(),
        ));
    }
}

/// How many users a finding names before "and N more".
const NAMED: usize = 5;

fn some_of(emails: &[&str]) -> String {
    let mut text = emails
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if emails.len() > NAMED {
        text.push_str(&format!(" and {} more", emails.len() - NAMED));
    }
    text
}

/// Custom field values against today's declarations: values the type no longer
/// accepts, required fields without a value, shared values of a unique field, and
/// values kept for fields no longer declared.
fn check_fields(users: &[User], fields: &FieldSet, findings: &mut Vec<Finding>) {
    let mut undeclared: BTreeMap<&str, usize> = BTreeMap::new();
    for user in users {
        for name in user.fields.keys().filter(|n| fields.get(n).is_none()) {
            *undeclared.entry(name).or_default() += 1;
        }
    }
    for spec in fields.iter() {
        let name = &spec.name;
        let mut mistyped: Vec<&str> = Vec::new();
        let mut missing: Vec<&str> = Vec::new();
        let mut holders: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for user in users {
            match user.fields.get(name) {
                Some(value) if !spec.accepts_stored(value) => mistyped.push(&user.email),
                Some(value) => holders.entry(value).or_default().push(&user.email),
                None if spec.required => missing.push(&user.email),
                None => {}
            }
        }
        if !mistyped.is_empty() {
            findings.push(finding(
                "fields",
                Severity::Problem,
                format!(
                    "{} user(s) hold a `{name}` value that is not {} (written under an earlier declaration): {}",
                    mistyped.len(),
                    spec.kind.describe(),
                    some_of(&mistyped)
                ),
                format!("userdb update-user EMAIL --set {name}=VALUE for each"),
            ));
        }
        if !missing.is_empty() {
            findings.push(finding(
                "fields",
                Severity::Notice,
                format!(
                    "{} user(s) have no value for the required field `{name}` (created before it was required): {}",
                    missing.len(),
                    some_of(&missing)
                ),
                format!("userdb update-user EMAIL --set {name}=VALUE when known"),
            ));
        }
        if spec.unique {
            for (value, emails) in holders.iter().filter(|(_, e)| e.len() > 1) {
                findings.push(finding(
                    "fields",
                    Severity::Problem,
                    format!(
                        "`{name}` is declared unique, but {} users share {value:?}: {}",
                        emails.len(),
                        some_of(emails)
                    ),
                    format!("give all but one another value: userdb update-user EMAIL --set {name}=VALUE"),
                ));
            }
        }
    }
    if !undeclared.is_empty() {
        let detail: Vec<String> = undeclared
            .iter()
            .map(|(n, c)| format!("{n} ({c})"))
            .collect();
        findings.push(finding(
            "fields",
            Severity::Notice,
            format!(
                "values are kept for fields the config no longer declares: {}",
                detail.join(", ")
            ),
            "nothing to do: declare [fields.NAME] again and they are back".into(),
        ));
    }
}
