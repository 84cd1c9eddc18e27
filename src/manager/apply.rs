//! `apply` in the manager: a file's users and groups made so, only the
//! differences written, in one bulk transaction (all or nothing), with the same
//! rules as every other write (validators, custom fields, the last-superuser
//! rail, unique values).

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

use super::fields::{change_writes, new_user_writes};
use super::{UserManager, Validation, clean_name, hash_new_password};
use crate::apply::file::{ApplyFile, Parsing, PasswordSource, UserEntry};
use crate::apply::plan::{self, Action, CurrentUser, Judge, Plan, UserPlan};
use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::fields::FieldSet;
use crate::password::{PasswordHasher, PasswordPolicy, UserAttributes, make_unusable_password};
use crate::storage::{
    BulkAudit, BulkDefinitions, BulkGroup, BulkPassword, BulkStore, BulkUser, FieldWrite,
    OnConflict, UserStore,
};

/// How to apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Plan only; write nothing.
    pub dry_run: bool,
    /// Deactivate active users the file does not list.
    pub prune: bool,
}

fn at(entry: &UserEntry, reason: impl std::fmt::Display) -> Error {
    Error::invalid(
        format!("user {} (line {})", entry.email, entry.line),
        reason.to_string(),
    )
}

/// The passwords the file's sources hold, by address key, read once per
/// apply. Every secret the file names must be there, used this time or not: a
/// missing one is a mistake to hear about now, not on the day it matters.
fn read_secrets(file: &ApplyFile) -> Result<BTreeMap<String, SecretString>> {
    let mut secrets = BTreeMap::new();
    for entry in &file.users {
        if let Some(source) = &entry.password
            && let Some(secret) = read_secret(entry, source)?
        {
            secrets.insert(entry.email_key.clone(), secret);
        }
    }
    Ok(secrets)
}

/// The password a source holds, read now (never logged or kept).
fn read_secret(entry: &UserEntry, source: &PasswordSource) -> Result<Option<SecretString>> {
    let text = match source {
        PasswordSource::Hash(_) => return Ok(None),
        PasswordSource::Env(name) => std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                at(
                    entry,
                    format!("the environment variable {name} (password_env) is not set or empty"),
                )
            })?,
        PasswordSource::File(path) => {
            // The one reader of secret files: private, bounded, under a deadline.
            return crate::private_file::read_password(path, "password_file")
                .map(Some)
                .map_err(|e| at(entry, e));
        }
    };
    crate::password::check_password_length(&text).map_err(|e| at(entry, e))?;
    Ok(Some(SecretString::from(text)))
}

impl<S: UserStore + BulkStore> UserManager<S> {
    /// Applies the file being parsed (named `source` in the audit): compares
    /// it with the database (one read of the users with their memberships, one
    /// of the groups, made while the file is parsed) and, unless `dry_run` or
    /// nothing differs, writes the differences in one transaction. Returns the
    /// plan: what was (or would be) created, updated, left unchanged or
    /// deactivated.
    pub fn apply(&mut self, file: Parsing, source: &str, options: ApplyOptions) -> Result<Plan> {
        let state = self.read_state();
        let file = file.finish()?;
        let state = state?;
        let secrets = read_secrets(&file)?;
        match self.apply_once(&file, &secrets, state, source, options, OnConflict::Fail) {
            // A user the plan creates was created by another writer since the
            // read: plan again from the new state, updating what exists (with
            // the secrets as read the first time).
            Err(Error::UserExists(_)) => {
                let state = self.read_state()?;
                self.apply_once(&file, &secrets, state, source, options, OnConflict::Update)
            }
            other => other,
        }
    }

    /// The users (with their memberships) and groups as the database holds them.
    fn read_state(&self) -> Result<(Vec<CurrentUser>, Vec<crate::access::Group>)> {
        let mut users = Vec::new();
        self.store.for_each_user(&mut |user, memberships| {
            users.push(CurrentUser {
                key: crate::email_address::email_key(&user.email),
                user: user.clone(),
                groups: memberships.groups.clone(),
                permissions: memberships.user_permissions.clone(),
            });
            Ok(())
        })?;
        Ok((users, self.store.all_groups()?))
    }

    /// One plan and write from one read of the state. `new_rows`: how a plan
    /// that only creates writes (`Fail` spares each new row an update probe; a
    /// plan that updates uses `Update` whatever is asked).
    fn apply_once(
        &mut self,
        file: &ApplyFile,
        secrets: &BTreeMap<String, SecretString>,
        (users, groups): (Vec<CurrentUser>, Vec<crate::access::Group>),
        source: &str,
        options: ApplyOptions,
        new_rows: OnConflict,
    ) -> Result<Plan> {
        let canonical = |name: &str, text: &str| -> Result<Option<String>> {
            let (_, value) = self.fields.parse(name, text)?;
            Ok(value.map(|v| v.canonical()))
        };
        let same_password = |source: &PasswordSource, current: &CurrentUser| -> Result<bool> {
            let stored = current.user.password_hash();
            match source {
                PasswordSource::Hash(hash) => Ok(hash == stored),
                PasswordSource::Env(_) | PasswordSource::File(_) => {
                    let Some(secret) = secrets.get(&current.key) else {
                        return Ok(false);
                    };
                    Ok(self
                        .hasher
                        .verify(secret.expose_secret(), stored)
                        .is_ok_and(|v| v.matches))
                }
            }
        };
        let judge = Judge {
            canonical: &canonical,
            same_password: &same_password,
            prune: options.prune,
        };
        let plan = plan::plan(file, &users, &groups, &judge)?;
        if let Some(email) = plan::last_lasting_superuser_lost(&plan, file, &users) {
            return Err(Error::LastSuperuser(email));
        }
        if !plan.changed {
            return Ok(plan);
        }
        let changes: Vec<&UserPlan> = plan
            .users
            .iter()
            .filter(|p| p.action != Action::Unchanged)
            .collect();
        let maker = RowMaker {
            hasher: &self.hasher,
            policy: &self.policy,
            fields: &self.fields,
            file,
            users: &users,
            secrets,
        };
        self.check_unique_values(&maker, &changes)?;
        // A dry run makes every row (and so checks it: hashes, validators,
        // custom fields), so that it fails where the write would.
        if options.dry_run {
            for change in &changes {
                maker.row(change)?;
            }
            return Ok(plan);
        }
        let definitions = BulkDefinitions {
            groups: plan
                .groups
                .iter()
                .filter(|g| g.action != Action::Unchanged)
                .map(|g| BulkGroup {
                    name: g.name.clone(),
                    permissions: g.permissions.clone(),
                })
                .collect(),
            permission_models: Vec::new(),
        };
        let audit = BulkAudit {
            at: self.clock.now(),
            actor: self.actor.clone(),
            created_event: AuditEvent::UserCreated,
            updated_event: AuditEvent::UserUpdated,
            group_created_event: AuditEvent::GroupCreated,
            group_updated_event: AuditEvent::GroupUpdated,
            detail: format!("by apply of {source}"),
        };
        let only_new = plan
            .users
            .iter()
            .all(|p| matches!(p.action, Action::Created | Action::Unchanged));
        let on_conflict = if only_new {
            new_rows
        } else {
            OnConflict::Update
        };
        // The rows are made on another thread while the store writes them
        // (import's pipeline): the write is most of the time, and the making
        // hides behind it. A row that fails ends the write, which rolls back.
        let store = &mut self.store;
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Result<BulkUser>>>(4);
            let maker = &maker;
            let changes = &changes;
            scope.spawn(move || {
                for run in changes.chunks(ROWS_PER_BATCH) {
                    let mut batch = Vec::with_capacity(run.len());
                    for change in run {
                        let row = maker.row(change);
                        let failed = row.is_err();
                        batch.push(row);
                        if failed {
                            let _ = sender.send(batch);
                            return;
                        }
                    }
                    if sender.send(batch).is_err() {
                        return;
                    }
                }
            });
            let mut rows = receiver.into_iter().flatten();
            store.bulk_write(&definitions, &mut rows, on_conflict, true, &audit, None)
        })?;
        Ok(plan)
    }

    /// Fails early, naming the entry, when a unique custom field value the
    /// plan writes is another user's (the store checks again under its lock).
    fn check_unique_values(&self, maker: &RowMaker, changes: &[&UserPlan]) -> Result<()> {
        if !self.fields.iter().any(|spec| spec.unique) {
            return Ok(());
        }
        for change in changes {
            let Some(entry) = change.entry.and_then(|i| maker.file.users.get(i)) else {
                continue;
            };
            let current = change.current.and_then(|i| maker.users.get(i));
            let writes = maker.field_writes(change, entry, current)?;
            self.check_values_free(&writes, current.map(|c| c.user.id))
                .map_err(|e| at(entry, e))?;
        }
        Ok(())
    }
}

/// Rows per message from the thread that makes them to the writer.
const ROWS_PER_BATCH: usize = 256;

/// What making a bulk row needs, apart from the store (so that rows are made
/// beside the write).
struct RowMaker<'a> {
    hasher: &'a PasswordHasher,
    policy: &'a PasswordPolicy,
    fields: &'a FieldSet,
    file: &'a ApplyFile,
    users: &'a [CurrentUser],
    secrets: &'a BTreeMap<String, SecretString>,
}

impl RowMaker<'_> {
    /// The bulk row of one planned change: every value the entry gives for a
    /// new user, only the changed ones for an existing one.
    fn row(&self, user_plan: &UserPlan) -> Result<BulkUser> {
        let current = user_plan.current.and_then(|i| self.users.get(i));
        let Some(entry) = user_plan.entry.and_then(|i| self.file.users.get(i)) else {
            // Pruned: deactivated, nothing else.
            let key = current.map_or_else(
                || crate::email_address::email_key(&user_plan.email),
                |c| c.key.clone(),
            );
            return Ok(BulkUser {
                is_active: Some(false),
                ..BulkUser::new(user_plan.email.clone(), key)
            });
        };
        let changes = |name: &str| user_plan.fields.iter().any(|f| f == name);
        let names = |name: &str, value: &Option<String>| -> Result<Option<String>> {
            value
                .as_deref()
                .filter(|_| changes(name))
                .map(|v| clean_name(&name.replace('_', " "), v))
                .transpose()
                .map_err(|e| at(entry, e))
        };
        let first_name = names("first_name", &entry.first_name)?;
        let last_name = names("last_name", &entry.last_name)?;
        let password = if user_plan.set_password || user_plan.action == Action::Created {
            match (&entry.password, self.secrets.get(&entry.email_key)) {
                (Some(PasswordSource::Hash(hash)), _) => {
                    if crate::password::is_usable(hash) {
                        self.hasher
                            .check_stored(hash)
                            .map_err(|e| at(entry, format!("password_hash: {e}")))?;
                    }
                    BulkPassword::Set(hash.clone())
                }
                (Some(_), Some(secret)) => {
                    let attrs = UserAttributes {
                        email: &entry.email,
                        first_name: first_name.as_deref().unwrap_or_default(),
                        last_name: last_name.as_deref().unwrap_or_default(),
                    };
                    let hash = hash_new_password(
                        self.hasher,
                        self.policy,
                        secret,
                        &attrs,
                        Validation::Enforce,
                    )
                    .map_err(|e| at(entry, e))?;
                    BulkPassword::Set(hash)
                }
                _ => BulkPassword::Absent {
                    unusable: make_unusable_password(),
                },
            }
        } else {
            BulkPassword::Absent {
                unusable: String::new(),
            }
        };
        let fields = self.field_writes(user_plan, entry, current)?;
        let flag = |name: &str, value: Option<bool>| value.filter(|_| changes(name));
        let email = current.map_or(entry.email.clone(), |c| c.user.email.clone());
        Ok(BulkUser {
            first_name,
            last_name,
            is_active: flag("active", entry.active),
            is_staff: flag("staff", entry.staff),
            is_superuser: flag("superuser", entry.superuser),
            fields,
            groups: entry.groups.clone().filter(|_| changes("groups")),
            permissions: entry.permissions.clone().filter(|_| changes("permissions")),
            must_change_password: flag("must_change_password", entry.must_change_password),
            expires_at: entry.expires_at.filter(|_| changes("expires_at")),
            ..BulkUser::with_password(email, entry.email_key.clone(), password)
        })
    }

    /// The custom field values a change writes: for a new user every one given
    /// (and the defaults), for an existing one those that change.
    fn field_writes(
        &self,
        user_plan: &UserPlan,
        entry: &UserEntry,
        current: Option<&CurrentUser>,
    ) -> Result<Vec<FieldWrite>> {
        let given: Vec<(String, String)> = entry
            .fields
            .iter()
            .filter(|(name, _)| user_plan.fields.iter().any(|f| f == name))
            .cloned()
            .collect();
        match current {
            None => new_user_writes(self.fields, &given),
            Some(_) => change_writes(self.fields, &given),
        }
        .map_err(|e| at(entry, e))
    }
}
