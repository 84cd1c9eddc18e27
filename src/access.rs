//! Django's `PermissionsMixin` vocabulary: a permission is `app_label.codename`,
//! a group is a name with permissions, and what a user holds follows Django's
//! `ModelBackend` (an active superuser holds everything, an inactive user
//! nothing, anyone else the union of their own and their groups' permissions).

use std::collections::BTreeSet;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::terminal_text::is_invisible_or_control;

/// Django's `Group.name` is at most this many characters.
pub const MAX_GROUP_NAME_LEN: usize = 150;
/// Django's `Permission.codename` (and an app label) is at most this long.
pub const MAX_PERMISSION_PART_LEN: usize = 100;

/// A permission, `app_label.codename` (e.g. `blog.add_post`): two lower-case
/// identifiers joined by a dot, checked on the way in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Permission(String);

impl Permission {
    pub fn parse(text: &str) -> Result<Permission> {
        let invalid = |reason: &str| {
            Error::invalid(
                format!("permission {text:?}"),
                format!(
                    "{reason}; a permission is app_label.codename, two lower-case identifiers \
                     joined by a dot (e.g. blog.add_post)"
                ),
            )
        };
        let Some((app, codename)) = text.split_once('.') else {
            return Err(invalid("it has no dot"));
        };
        for part in [app, codename] {
            if part.is_empty() {
                return Err(invalid("a part is empty"));
            }
            if part.len() > MAX_PERMISSION_PART_LEN {
                return Err(invalid(&format!(
                    "a part is longer than {MAX_PERMISSION_PART_LEN} characters"
                )));
            }
            let mut chars = part.chars();
            let first_ok = chars
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
            if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(invalid(
                    "each part must be a-z, 0-9 and _, not starting with a digit",
                ));
            }
        }
        Ok(Permission(text.to_string()))
    }

    /// Parses each, failing at the first bad one; the result is sorted and
    /// without repeats.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Permission>> {
        let set: BTreeSet<Permission> = texts
            .iter()
            .map(|t| Permission::parse(t.as_ref()))
            .collect::<Result<_>>()?;
        Ok(set.into_iter().collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn app_label(&self) -> &str {
        self.0.split_once('.').map_or("", |(app, _)| app)
    }

    pub fn codename(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, c)| c)
    }

    /// The model of one of Django's default permissions (`add_`, `change_`,
    /// `delete_` or `view_` and the model's name), which Django names so.
    pub fn default_model(&self) -> Option<&str> {
        let codename = self.codename();
        ["add_", "change_", "delete_", "view_"]
            .iter()
            .find_map(|action| codename.strip_prefix(action))
            .filter(|model| !model.is_empty())
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A group's name as stored: NFC, trimmed, 1 to 150 characters, nothing
/// invisible (two names that look alike on screen must not be two groups).
/// Names are compared exactly, as Django compares them.
pub fn clean_group_name(name: &str) -> Result<String> {
    let name: String = name.trim().nfc().collect();
    let invalid = |reason: &str| Error::invalid(format!("group name {name:?}"), reason);
    if name.is_empty() {
        return Err(invalid("it is empty"));
    }
    if name.chars().count() > MAX_GROUP_NAME_LEN {
        return Err(invalid(&format!(
            "it is longer than {MAX_GROUP_NAME_LEN} characters"
        )));
    }
    if name.chars().any(is_invisible_or_control) {
        return Err(invalid("it contains control or invisible characters"));
    }
    Ok(name)
}

/// Cleans each name; sorted, without repeats.
pub fn clean_group_names<S: AsRef<str>>(names: &[S]) -> Result<Vec<String>> {
    let set: BTreeSet<String> = names
        .iter()
        .map(|n| clean_group_name(n.as_ref()))
        .collect::<Result<_>>()?;
    Ok(set.into_iter().collect())
}

/// A stored group: its permissions and how many users are in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    #[serde(skip)]
    pub id: i64,
    pub name: String,
    pub permissions: Vec<String>,
    pub members: u64,
}

/// What a user has been given: groups, and permissions granted directly and
/// through groups, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserAccess {
    pub groups: Vec<String>,
    /// Granted to the user directly (Django's `user_permissions`).
    pub user_permissions: Vec<String>,
    /// Held through the groups.
    pub group_permissions: Vec<String>,
}

/// What a user may do now, with Django's semantics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effective {
    /// An active superuser: every permission, named or not.
    pub all: bool,
    /// The permissions granted (directly or by a group) and usable now: empty for
    /// an inactive user.
    pub permissions: Vec<String>,
}

impl Effective {
    /// `is_active`, `is_superuser` and the granted permissions, as Django's
    /// `ModelBackend.get_all_permissions` combines them.
    pub fn of(is_active: bool, is_superuser: bool, granted: Vec<String>) -> Effective {
        Effective {
            all: is_active && is_superuser,
            permissions: if is_active { granted } else { Vec::new() },
        }
    }

    pub fn holds(&self, permission: &Permission) -> bool {
        self.all || self.permissions.iter().any(|p| p == permission.as_str())
    }

    /// Those of `required` not held, in their order.
    pub fn missing<'a>(&self, required: &'a [Permission]) -> Vec<&'a Permission> {
        required.iter().filter(|p| !self.holds(p)).collect()
    }
}

/// Changes to a user's memberships and direct permissions; applied in the
/// transaction of the user's write, where an unknown group is
/// [`Error::GroupNotFound`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessChange {
    pub join: Vec<String>,
    pub leave: Vec<String>,
    pub grant: Vec<Permission>,
    pub revoke: Vec<Permission>,
}

impl AccessChange {
    pub fn is_empty(&self) -> bool {
        *self == AccessChange::default()
    }

    /// The same change without what `current` makes a no-op (joining a group the
    /// user is in, revoking what it lacks), so the audit says only what changed.
    /// Leaving a group the user is not in is kept: the store checks the group
    /// exists.
    pub fn against(&self, current: &UserAccess) -> AccessChange {
        let has = |list: &[String], item: &str| list.iter().any(|x| x == item);
        AccessChange {
            join: (self.join.iter())
                .filter(|g| !has(&current.groups, g))
                .cloned()
                .collect(),
            leave: self.leave.clone(),
            grant: (self.grant.iter())
                .filter(|p| !has(&current.user_permissions, p.as_str()))
                .cloned()
                .collect(),
            revoke: (self.revoke.iter())
                .filter(|p| has(&current.user_permissions, p.as_str()))
                .cloned()
                .collect(),
        }
    }
}

/// Changes to a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChange {
    pub rename: Option<String>,
    pub add: Vec<Permission>,
    pub remove: Vec<Permission>,
}

impl GroupChange {
    pub fn is_empty(&self) -> bool {
        *self == GroupChange::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permission_is_two_lower_case_identifiers_joined_by_a_dot() {
        for good in ["blog.add_post", "a.b", "_x._y2", "shop.view_order_line"] {
            assert_eq!(Permission::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "blog",
            ".add",
            "blog.",
            "Blog.add",
            "blog.Add",
            "blog.add.post",
            "2x.add",
            "blog.add-post",
            "blog .add",
            "blög.add",
        ] {
            let err = Permission::parse(bad).unwrap_err().to_string();
            assert!(err.contains("app_label.codename"), "{bad}: {err}");
        }
        let long = format!("a.{}", "b".repeat(101));
        assert!(Permission::parse(&long).is_err());
    }

    #[test]
    fn a_permission_knows_its_parts_and_djangos_default_model() {
        let p = Permission::parse("blog.change_post").unwrap();
        assert_eq!((p.app_label(), p.codename()), ("blog", "change_post"));
        assert_eq!(p.default_model(), Some("post"));
        assert_eq!(
            Permission::parse("blog.publish").unwrap().default_model(),
            None
        );
        assert_eq!(
            Permission::parse("blog.add_").unwrap().default_model(),
            None
        );
    }

    #[test]
    fn group_names_are_trimmed_composed_and_bounded() {
        assert_eq!(clean_group_name("  editors ").unwrap(), "editors");
        assert_eq!(clean_group_name("Cafe\u{301}").unwrap(), "Caf\u{e9}");
        assert!(clean_group_name(" ").is_err());
        assert!(clean_group_name("ed\u{200b}itors").is_err());
        assert!(clean_group_name("a\nb").is_err());
        assert!(clean_group_name(&"x".repeat(150)).is_ok());
        assert!(clean_group_name(&"x".repeat(151)).is_err());
    }

    #[test]
    fn django_semantics_active_superusers_hold_all_inactive_users_nothing() {
        let granted = vec!["blog.add_post".to_string()];
        let add = Permission::parse("blog.add_post").unwrap();
        let other = Permission::parse("shop.refund").unwrap();
        let plain = Effective::of(true, false, granted.clone());
        assert!(plain.holds(&add) && !plain.holds(&other));
        let superuser = Effective::of(true, true, Vec::new());
        assert!(superuser.holds(&other));
        let inactive = Effective::of(false, true, granted);
        assert!(!inactive.holds(&add) && !inactive.holds(&other));
        assert_eq!(plain.missing(&[add, other.clone()]), vec![&other]);
    }

    #[test]
    fn a_change_against_the_current_access_keeps_only_what_changes() {
        let current = UserAccess {
            groups: vec!["ops".into()],
            user_permissions: vec!["a.b".into()],
            group_permissions: vec![],
        };
        let p = |s: &str| Permission::parse(s).unwrap();
        let change = AccessChange {
            join: vec!["ops".into(), "dev".into()],
            leave: vec!["qa".into()],
            grant: vec![p("a.b"), p("a.c")],
            revoke: vec![p("a.b"), p("a.d")],
        };
        assert_eq!(
            change.against(&current),
            AccessChange {
                join: vec!["dev".into()],
                leave: vec!["qa".into()],
                grant: vec![p("a.c")],
                revoke: vec![p("a.b")],
            }
        );
    }
}
