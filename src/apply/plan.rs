//! The plan of an apply: the file compared with the database's state, read
//! once, in memory. Each user and group is created, updated (naming the fields
//! that change), unchanged, or (with prune) deactivated.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::file::{ApplyFile, GroupEntry, PasswordSource, PasswordUpdate, UserEntry};
use crate::access::{Group, Permission};
use crate::error::{Error, Result};
use crate::user::User;

/// What happens to one user or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    Deactivated,
}

/// A user as the database holds it, with its memberships.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    /// The address's key (`email_key`), made once.
    pub key: String,
    pub groups: Vec<String>,
    pub permissions: Vec<String>,
}

/// The name of a field a plan changes: a built-in one is not copied for each
/// of thousands of users.
pub type Field = Cow<'static, str>;

/// One user's line of the plan, and what to write for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserPlan {
    pub email: String,
    pub action: Action,
    /// The fields that change (all those given, for a created user).
    pub fields: Vec<Field>,
    #[serde(skip)]
    pub line: Option<usize>,
    /// The index of the file's entry (`None` for a pruned user).
    #[serde(skip)]
    pub entry: Option<usize>,
    /// The index of the user in the state read (`None` for a created one).
    #[serde(skip)]
    pub current: Option<usize>,
    /// The password is (re)set from the entry's source.
    #[serde(skip)]
    pub set_password: bool,
}

/// One group's line of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupPlan {
    pub name: String,
    pub action: Action,
    pub fields: Vec<Field>,
    #[serde(skip)]
    pub permissions: Vec<Permission>,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub changed: bool,
    pub users: Vec<UserPlan>,
    pub groups: Vec<GroupPlan>,
}

/// What the plan needs to know beyond the file and the state.
pub struct Judge<'a> {
    /// The canonical stored text of a custom field value (`None`: no value), or
    /// why it is not acceptable.
    pub canonical: &'a dyn Fn(&str, &str) -> Result<Option<String>>,
    /// Whether the entry's password source holds the user's current password
    /// (for `password_update = "always"`).
    pub same_password: &'a dyn Fn(&PasswordSource, &CurrentUser) -> Result<bool>,
    /// Users missing from the file are deactivated.
    pub prune: bool,
}

/// Compares `file` with the state and plans the differences. A group a user
/// names that neither the file nor the database has is an error naming the
/// entry's line.
pub fn plan(
    file: &ApplyFile,
    users: &[CurrentUser],
    groups: &[Group],
    judge: &Judge,
) -> Result<Plan> {
    let group_plans = plan_groups(&file.groups, groups);
    let known: BTreeSet<&str> = groups
        .iter()
        .map(|g| g.name.as_str())
        .chain(file.groups.iter().map(|g| g.name.as_str()))
        .collect();
    let by_key: HashMap<&str, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.key.as_str(), i))
        .collect();
    let mut user_plans = Vec::with_capacity(file.users.len());
    for (index, entry) in file.users.iter().enumerate() {
        for group in entry.groups.iter().flatten() {
            if !known.contains(group.as_str()) {
                return Err(Error::invalid(
                    format!("user {} (line {})", entry.email, entry.line),
                    format!(
                        "no group named {group:?} in the file or the database; add a [[groups]] \
                         entry for it"
                    ),
                ));
            }
        }
        let current = by_key
            .get(entry.email_key.as_str())
            .map(|&i| (i, &users[i]));
        user_plans.push(plan_user(index, entry, current, judge)?);
    }
    if judge.prune {
        let listed: HashSet<&str> = file.users.iter().map(|u| u.email_key.as_str()).collect();
        for (i, current) in users.iter().enumerate() {
            if current.user.is_active && !listed.contains(current.key.as_str()) {
                user_plans.push(UserPlan {
                    email: current.user.email.clone(),
                    action: Action::Deactivated,
                    fields: vec![Cow::Borrowed("active")],
                    line: None,
                    entry: None,
                    current: Some(i),
                    set_password: false,
                });
            }
        }
    }
    let changed = user_plans
        .iter()
        .map(|p| p.action)
        .chain(group_plans.iter().map(|p| p.action))
        .any(|a| a != Action::Unchanged);
    Ok(Plan {
        changed,
        users: user_plans,
        groups: group_plans,
    })
}

/// A lasting superuser (active, not expiring) whom the plan takes away while
/// leaving none, if there is one: the rail every other write keeps. What
/// counts is who is a lasting superuser once the plan is done: a user the file
/// promotes stands in for one it demotes.
pub fn last_lasting_superuser_lost(
    plan: &Plan,
    file: &ApplyFile,
    users: &[CurrentUser],
) -> Option<String> {
    let lasting = |u: &User| u.is_superuser && u.is_active && u.expires_at.is_none();
    // A user as the plan leaves it: the file's value where the entry gives
    // one, else the current one (else a new user's default).
    let lasting_after = |p: &UserPlan, now: Option<&User>| {
        if p.action == Action::Deactivated {
            return false;
        }
        let entry = p.entry.and_then(|i| file.users.get(i));
        let superuser = entry
            .and_then(|e| e.superuser)
            .or(now.map(|u| u.is_superuser))
            .unwrap_or(false);
        let active = entry
            .and_then(|e| e.active)
            .or(now.map(|u| u.is_active))
            .unwrap_or(true);
        let expires = match entry.and_then(|e| e.expires_at) {
            Some(set) => set.is_some(),
            None => now.is_some_and(|u| u.expires_at.is_some()),
        };
        superuser && active && !expires
    };
    // The plan of each user the state holds, by its index there.
    let planned: HashMap<usize, &UserPlan> = plan
        .users
        .iter()
        .filter_map(|p| p.current.map(|i| (i, p)))
        .collect();
    let mut lost = None;
    let mut remaining = 0;
    for (i, user) in users.iter().map(|c| &c.user).enumerate() {
        let after = match planned.get(&i) {
            Some(p) => lasting_after(p, Some(user)),
            None => lasting(user),
        };
        if after {
            remaining += 1;
        } else if lasting(user) {
            lost = Some(user.email.clone());
        }
    }
    remaining += plan
        .users
        .iter()
        .filter(|p| p.action == Action::Created)
        .filter(|p| lasting_after(p, None))
        .count();
    lost.filter(|_| remaining == 0)
}

fn plan_groups(entries: &[GroupEntry], groups: &[Group]) -> Vec<GroupPlan> {
    entries
        .iter()
        .map(|entry| {
            let current = groups.iter().find(|g| g.name == entry.name);
            let wanted = |current: &[String]| -> Vec<Permission> {
                match &entry.permissions {
                    Some(p) => p.clone(),
                    None => current
                        .iter()
                        .filter_map(|p| Permission::parse(p).ok())
                        .collect(),
                }
            };
            match current {
                None => GroupPlan {
                    name: entry.name.clone(),
                    action: Action::Created,
                    fields: if entry.permissions.is_some() {
                        vec![Cow::Borrowed("permissions")]
                    } else {
                        Vec::new()
                    },
                    permissions: wanted(&[]),
                },
                Some(group) => {
                    let permissions = wanted(&group.permissions);
                    let same = permissions
                        .iter()
                        .map(Permission::as_str)
                        .eq(group.permissions.iter().map(String::as_str));
                    GroupPlan {
                        name: entry.name.clone(),
                        action: if same {
                            Action::Unchanged
                        } else {
                            Action::Updated
                        },
                        fields: if same {
                            Vec::new()
                        } else {
                            vec![Cow::Borrowed("permissions")]
                        },
                        permissions,
                    }
                }
            }
        })
        .collect()
}

fn plan_user(
    index: usize,
    entry: &UserEntry,
    current: Option<(usize, &CurrentUser)>,
    judge: &Judge,
) -> Result<UserPlan> {
    let mut fields = Vec::new();
    let Some(current) = current else {
        let given = [
            ("first_name", entry.first_name.is_some()),
            ("last_name", entry.last_name.is_some()),
            ("active", entry.active.is_some()),
            ("staff", entry.staff.is_some()),
            ("superuser", entry.superuser.is_some()),
            ("must_change_password", entry.must_change_password.is_some()),
            ("expires_at", entry.expires_at.is_some()),
            ("password", entry.password.is_some()),
            ("groups", entry.groups.is_some()),
            ("permissions", entry.permissions.is_some()),
        ];
        fields.extend(given.iter().filter(|g| g.1).map(|g| Cow::Borrowed(g.0)));
        for (name, value) in &entry.fields {
            (judge.canonical)(name, value).map_err(|e| at(entry, e))?;
            fields.push(Cow::Owned(name.clone()));
        }
        return Ok(UserPlan {
            email: entry.email.clone(),
            action: Action::Created,
            fields,
            line: Some(entry.line),
            entry: Some(index),
            current: None,
            set_password: entry.password.is_some(),
        });
    };
    let (current_index, current) = current;
    let user = &current.user;
    let mut differs = |name: &'static str, changed: bool| {
        if changed {
            fields.push(Cow::Borrowed(name));
        }
    };
    let text_differs =
        |wanted: &Option<String>, have: &str| wanted.as_deref().is_some_and(|w| w.trim() != have);
    let flag_differs = |wanted: Option<bool>, have: bool| wanted.is_some_and(|w| w != have);
    differs(
        "first_name",
        text_differs(&entry.first_name, &user.first_name),
    );
    differs("last_name", text_differs(&entry.last_name, &user.last_name));
    differs("active", flag_differs(entry.active, user.is_active));
    differs("staff", flag_differs(entry.staff, user.is_staff));
    differs(
        "superuser",
        flag_differs(entry.superuser, user.is_superuser),
    );
    differs(
        "must_change_password",
        flag_differs(entry.must_change_password, user.must_change_password),
    );
    differs(
        "expires_at",
        entry.expires_at.is_some_and(|w| w != user.expires_at),
    );
    let groups_differ = entry.groups.as_ref().is_some_and(|g| *g != current.groups);
    differs("groups", groups_differ);
    let permissions_differ = entry.permissions.as_ref().is_some_and(|p| {
        !p.iter()
            .map(Permission::as_str)
            .eq(current.permissions.iter().map(String::as_str))
    });
    differs("permissions", permissions_differ);
    for (name, value) in &entry.fields {
        let wanted = (judge.canonical)(name, value).map_err(|e| at(entry, e))?;
        if wanted.as_deref() != user.fields.get(name).map(String::as_str) {
            fields.push(Cow::Owned(name.clone()));
        }
    }
    let set_password = match (&entry.password, entry.password_update) {
        (Some(source), PasswordUpdate::Always) => {
            !(judge.same_password)(source, current).map_err(|e| at(entry, e))?
        }
        _ => false,
    };
    if set_password {
        fields.push(Cow::Borrowed("password"));
    }
    Ok(UserPlan {
        email: user.email.clone(),
        action: if fields.is_empty() {
            Action::Unchanged
        } else {
            Action::Updated
        },
        fields,
        line: Some(entry.line),
        entry: Some(index),
        current: Some(current_index),
        set_password,
    })
}

/// An error about an entry, naming it and its line.
fn at(entry: &UserEntry, err: Error) -> Error {
    Error::invalid(
        format!("user {} (line {})", entry.email, entry.line),
        err.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::file::parse;

    fn user(email: &str, superuser: bool) -> User {
        User {
            is_staff: superuser,
            is_superuser: superuser,
            ..User::example(email)
        }
    }

    fn judge(prune: bool) -> Judge<'static> {
        Judge {
            canonical: &|_, v| Ok(Some(v.to_string())),
            same_password: &|_, _| Ok(true),
            prune,
        }
    }

    fn current(email: &str, groups: &[&str]) -> CurrentUser {
        CurrentUser {
            key: crate::email_address::email_key(email),
            user: user(email, false),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            permissions: Vec::new(),
        }
    }

    #[test]
    fn a_matching_database_plans_nothing_and_differences_are_named() {
        let file = parse(
            "[[groups]]\nname = \"ops\"\n[[users]]\nemail = \"ada@example.com\"\n\
             first_name = \"Ada\"\ngroups = [\"ops\"]\n",
            &|_| false,
        )
        .unwrap();
        let ops = Group {
            id: 1,
            name: "ops".into(),
            permissions: Vec::new(),
            members: 1,
        };
        let same = plan(
            &file,
            &[current("ada@example.com", &["ops"])],
            std::slice::from_ref(&ops),
            &judge(false),
        )
        .unwrap();
        assert!(!same.changed);
        assert_eq!(same.users[0].action, Action::Unchanged);
        let differs = plan(
            &file,
            &[current("ada@example.com", &[])],
            &[ops],
            &judge(false),
        )
        .unwrap();
        assert!(differs.changed);
        assert_eq!(differs.users[0].action, Action::Updated);
        assert_eq!(differs.users[0].fields, ["groups"]);
        let fresh = plan(&file, &[], &[], &judge(false)).unwrap();
        assert_eq!(fresh.groups[0].action, Action::Created);
        assert_eq!(fresh.users[0].action, Action::Created);
        assert_eq!(fresh.users[0].fields, ["first_name", "groups"]);
    }

    #[test]
    fn prune_deactivates_only_active_users_missing_from_the_file() {
        let file = parse("[[users]]\nemail = \"ada@example.com\"\n", &|_| false).unwrap();
        let mut gone = current("old@example.com", &[]);
        let mut inactive = current("off@example.com", &[]);
        inactive.user.is_active = false;
        gone.user.id = 2;
        let users = [current("ada@example.com", &[]), gone, inactive];
        let kept = plan(&file, &users, &[], &judge(false)).unwrap();
        assert!(!kept.changed);
        let pruned = plan(&file, &users, &[], &judge(true)).unwrap();
        let actions: Vec<(&str, Action)> = pruned
            .users
            .iter()
            .map(|p| (p.email.as_str(), p.action))
            .collect();
        assert_eq!(
            actions,
            [
                ("ada@example.com", Action::Unchanged),
                ("old@example.com", Action::Deactivated)
            ]
        );
    }

    #[test]
    fn a_superuser_the_file_promotes_stands_in_for_one_it_demotes() {
        let mut root = current("root@example.com", &[]);
        root.user = user("root@example.com", true);
        let mut ada = current("ada@example.com", &[]);
        ada.user.id = 2;
        let users = [root, ada];
        let lost = |text: &str| {
            let file = parse(text, &|_| false).unwrap();
            let planned = plan(&file, &users, &[], &judge(true)).unwrap();
            last_lasting_superuser_lost(&planned, &file, &users)
        };
        // Root pruned (or demoted) while Ada is promoted: one superuser left.
        let promoted = "[[users]]\nemail = \"ada@example.com\"\nsuperuser = true\n";
        assert_eq!(lost(promoted), None);
        assert_eq!(
            lost(&format!(
                "{promoted}[[users]]\nemail = \"root@example.com\"\nsuperuser = false\n"
            )),
            None
        );
        // Promoted but made to expire, or inactive: not lasting, so none is left.
        for but in ["expires_at = \"2030-01-01T00:00:00Z\"", "active = false"] {
            assert_eq!(
                lost(&format!("{promoted}{but}\n")),
                Some("root@example.com".into()),
                "{but}"
            );
        }
        assert_eq!(
            lost("[[users]]\nemail = \"ada@example.com\"\n"),
            Some("root@example.com".into())
        );
    }

    #[test]
    fn a_group_defined_nowhere_names_the_entry_and_line() {
        let file = parse(
            "[[users]]\nemail = \"ada@example.com\"\ngroups = [\"ghosts\"]\n",
            &|_| false,
        )
        .unwrap();
        let err = plan(&file, &[], &[], &judge(false))
            .unwrap_err()
            .to_string();
        assert!(err.contains("user ada@example.com (line 1)"), "{err}");
        assert!(err.contains("\"ghosts\""), "{err}");
    }
}
