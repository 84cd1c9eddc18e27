//! Groups and permissions in the manager: Django's `PermissionsMixin`. Groups
//! are made, changed and deleted here; memberships and direct grants ride on a
//! user's create or update (so an unknown group leaves the user untouched); and
//! `has_perms` answers with `ModelBackend`'s semantics.

use super::UserManager;
use crate::access::{AccessChange, Effective, Group, GroupChange, Permission, UserAccess};
use crate::access::{clean_group_name, clean_group_names};
use crate::audit::AuditEvent;
use crate::error::{Error, Result};
use crate::storage::{AuditEntry, UserStore};
use crate::user::User;

/// The answer of [`UserManager::has_perms`].
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionCheck {
    pub user: User,
    pub effective: Effective,
    /// The required permissions the user does not hold (empty: it holds them all).
    pub missing: Vec<Permission>,
}

fn joined(permissions: &[Permission]) -> String {
    let names: Vec<&str> = permissions.iter().map(Permission::as_str).collect();
    names.join(" ")
}

impl<S: UserStore> UserManager<S> {
    /// Creates a group with these permissions; a taken name is
    /// [`Error::GroupExists`].
    pub fn create_group(&mut self, name: &str, permissions: &[Permission]) -> Result<Group> {
        let name = clean_group_name(name)?;
        let detail = format!("group={name}, permissions={}", joined(permissions));
        let audit = [self.audit(AuditEvent::GroupCreated, detail)];
        self.store.insert_group(&name, permissions, &audit)
    }

    /// The group with this name, or [`Error::GroupNotFound`].
    pub fn group(&self, name: &str) -> Result<Group> {
        let name = clean_group_name(name)?;
        self.store
            .group_by_name(&name)?
            .ok_or(Error::GroupNotFound(name))
    }

    /// Fails with [`Error::GroupNotFound`] unless every group named exists: a
    /// check to make before asking an operator anything (the write checks again).
    pub fn check_groups(&self, names: &[String]) -> Result<()> {
        for name in names {
            self.group(name)?;
        }
        Ok(())
    }

    /// Every group, by name.
    pub fn list_groups(&self) -> Result<Vec<Group>> {
        self.store.list_groups()
    }

    /// Renames a group or changes its permissions. Only what changes is written
    /// and audited: a change that changes nothing writes nothing.
    pub fn update_group(&mut self, name: &str, change: &GroupChange) -> Result<Group> {
        let group = self.group(name)?;
        let held = |p: &Permission| group.permissions.iter().any(|g| g == p.as_str());
        let effective = GroupChange {
            rename: (change.rename.as_deref())
                .map(clean_group_name)
                .transpose()?
                .filter(|new| *new != group.name),
            add: change.add.iter().filter(|p| !held(p)).cloned().collect(),
            remove: change.remove.iter().filter(|p| held(p)).cloned().collect(),
        };
        if effective.is_empty() {
            return Ok(group);
        }
        let mut detail = vec![format!("group={}", group.name)];
        if let Some(new) = &effective.rename {
            detail.push(format!("renamed={new}"));
        }
        if !effective.add.is_empty() {
            detail.push(format!("added={}", joined(&effective.add)));
        }
        if !effective.remove.is_empty() {
            detail.push(format!("removed={}", joined(&effective.remove)));
        }
        let audit = [self.audit(AuditEvent::GroupUpdated, detail.join(", "))];
        self.store.update_group(&group.name, &effective, &audit)
    }

    /// Deletes a group; its memberships go with it. Returns it as it was.
    pub fn delete_group(&mut self, name: &str) -> Result<Group> {
        let group = self.group(name)?;
        let detail = format!("group={}, members={}", group.name, group.members);
        let audit = [self.audit(AuditEvent::GroupDeleted, detail)];
        self.store.delete_group(&group.name, &audit)
    }

    /// The user's groups and granted permissions.
    pub fn user_access(&self, user: &User) -> Result<UserAccess> {
        self.store.user_access(user.id)
    }

    /// What the user may do now (Django's `get_all_permissions`): one query. An
    /// expired account holds nothing, as an inactive one.
    pub fn effective_permissions(&self, user: &User) -> Result<Effective> {
        let usable = user.may_act(self.clock.now());
        let granted = if usable {
            self.store.granted_permissions(user.id)?
        } else {
            Vec::new()
        };
        Ok(Effective::of(usable, user.is_superuser, granted))
    }

    /// Django's `has_perms`: whether the user holds every one of `required`.
    pub fn has_perms(&self, email: &str, required: &[Permission]) -> Result<PermissionCheck> {
        let user = self.get_user(email)?;
        let effective = self.effective_permissions(&user)?;
        let missing = effective.missing(required).into_iter().cloned().collect();
        Ok(PermissionCheck {
            user,
            effective,
            missing,
        })
    }

    /// A requested change with clean group names, minus what the user already
    /// has (so the audit names only real changes), and its audit rows.
    pub(super) fn access_change(
        &self,
        user_id: Option<i64>,
        requested: &AccessChange,
    ) -> Result<(AccessChange, Vec<AuditEntry>)> {
        let requested = AccessChange {
            join: clean_group_names(&requested.join)?,
            leave: clean_group_names(&requested.leave)?,
            grant: requested.grant.clone(),
            revoke: requested.revoke.clone(),
        };
        let change = match user_id {
            Some(id) => requested.against(&self.store.user_access(id)?),
            None => requested,
        };
        Ok((change.clone(), self.access_audit(&change)))
    }

    fn access_audit(&self, change: &AccessChange) -> Vec<AuditEntry> {
        let groups = [
            (AuditEvent::GroupJoined, &change.join),
            (AuditEvent::GroupLeft, &change.leave),
        ];
        let permissions = [
            (AuditEvent::PermissionGranted, &change.grant),
            (AuditEvent::PermissionRevoked, &change.revoke),
        ];
        let mut audit = Vec::new();
        for (event, names) in groups {
            audit.extend(
                names
                    .iter()
                    .map(|g| self.audit(event, format!("group={g}"))),
            );
        }
        for (event, perms) in permissions {
            audit.extend(
                perms
                    .iter()
                    .map(|p| self.audit(event, format!("permission={p}"))),
            );
        }
        audit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::{Validation, test_audit, test_manager};
    use crate::storage::SqliteStore;
    use crate::user::{NewUser, UserChanges};

    fn perm(p: &str) -> Permission {
        Permission::parse(p).unwrap()
    }

    fn fixture() -> (tempfile::TempDir, UserManager<SqliteStore>) {
        let dir = tempfile::tempdir().unwrap();
        let clock = std::sync::Arc::new(crate::clock::FixedClock(
            "2026-01-02T03:04:05Z".parse().unwrap(),
        ));
        let manager = test_manager(dir.path(), clock);
        (dir, manager)
    }

    fn user_in(manager: &mut UserManager<SqliteStore>, email: &str, groups: &[&str]) -> User {
        let new = NewUser {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..NewUser::new(email)
        };
        manager.create_user(new, None, Validation::Enforce).unwrap()
    }

    #[test]
    fn a_group_member_holds_the_groups_permissions_until_it_leaves() {
        let (_dir, mut m) = fixture();
        m.create_group(
            "editors",
            &[perm("blog.add_post"), perm("blog.change_post")],
        )
        .unwrap();
        let user = user_in(&mut m, "ed@example.com", &["editors"]);
        let check = m
            .has_perms("ed@example.com", &[perm("blog.add_post")])
            .unwrap();
        assert!(check.missing.is_empty());
        assert_eq!(
            check.effective.permissions,
            ["blog.add_post", "blog.change_post"]
        );
        let leave = UserChanges {
            access: AccessChange {
                leave: vec!["editors".into()],
                ..AccessChange::default()
            },
            ..UserChanges::default()
        };
        m.update_user(&user.email, &leave, false).unwrap();
        let check = m
            .has_perms("ed@example.com", &[perm("blog.add_post")])
            .unwrap();
        assert_eq!(check.missing, [perm("blog.add_post")]);
        assert_eq!(
            test_audit(m.store(), "event || ' ' || detail")
                .into_iter()
                .filter(|row| row.starts_with("group"))
                .collect::<Vec<_>>(),
            [
                "group_created group=editors, permissions=blog.add_post blog.change_post",
                "group_joined group=editors",
                "group_left group=editors",
            ]
        );
    }

    #[test]
    fn an_unknown_group_creates_or_changes_no_user() {
        let (_dir, mut m) = fixture();
        let new = NewUser {
            groups: vec!["nope".into()],
            ..NewUser::new("a@example.com")
        };
        let err = m.create_user(new, None, Validation::Enforce).unwrap_err();
        assert!(
            matches!(err, Error::GroupNotFound(ref g) if g == "nope"),
            "{err}"
        );
        assert!(m.find_user("a@example.com").unwrap().is_none());

        user_in(&mut m, "b@example.com", &[]);
        let change = UserChanges {
            first_name: Some("Bea".into()),
            access: AccessChange {
                join: vec!["nope".into()],
                grant: vec![perm("blog.add_post")],
                ..AccessChange::default()
            },
            ..UserChanges::default()
        };
        assert!(m.update_user("b@example.com", &change, false).is_err());
        let b = m.get_user("b@example.com").unwrap();
        assert_eq!(b.first_name, "");
        assert_eq!(m.user_access(&b).unwrap(), UserAccess::default());
    }

    #[test]
    fn direct_grants_and_superusers_follow_django() {
        let (_dir, mut m) = fixture();
        let user = user_in(&mut m, "u@example.com", &[]);
        let grant = UserChanges {
            access: AccessChange {
                grant: vec![perm("shop.refund")],
                ..AccessChange::default()
            },
            ..UserChanges::default()
        };
        m.update_user(&user.email, &grant, false).unwrap();
        assert!(
            m.has_perms("u@example.com", &[perm("shop.refund")])
                .unwrap()
                .missing
                .is_empty()
        );
        let deactivate = UserChanges {
            is_active: Some(false),
            ..UserChanges::default()
        };
        m.update_user(&user.email, &deactivate, false).unwrap();
        let check = m
            .has_perms("u@example.com", &[perm("shop.refund")])
            .unwrap();
        assert_eq!(check.missing.len(), 1);
        assert!(check.effective.permissions.is_empty());

        m.create_superuser(NewUser::new("root@example.com"), None, Validation::Enforce)
            .unwrap();
        let check = m
            .has_perms("root@example.com", &[perm("any.thing")])
            .unwrap();
        assert!(check.missing.is_empty() && check.effective.all);
    }

    #[test]
    fn groups_are_unique_renamed_and_deleted_with_their_memberships() {
        let (_dir, mut m) = fixture();
        m.create_group("ops", &[]).unwrap();
        assert!(matches!(
            m.create_group(" ops ", &[]),
            Err(Error::GroupExists(_))
        ));
        m.create_group("dev", &[]).unwrap();
        let rename = GroupChange {
            rename: Some("dev".into()),
            ..GroupChange::default()
        };
        assert!(matches!(
            m.update_group("ops", &rename),
            Err(Error::GroupExists(_))
        ));
        let user = user_in(&mut m, "o@example.com", &["ops"]);
        let change = GroupChange {
            rename: Some("operations".into()),
            add: vec![perm("infra.deploy")],
            ..GroupChange::default()
        };
        let group = m.update_group("ops", &change).unwrap();
        assert_eq!((group.name.as_str(), group.members), ("operations", 1));
        assert_eq!(
            m.user_access(&user).unwrap().group_permissions,
            ["infra.deploy"]
        );
        // The same change again changes nothing and writes nothing.
        let before = test_audit(m.store(), "event").len();
        m.update_group(
            "operations",
            &GroupChange {
                add: vec![perm("infra.deploy")],
                ..GroupChange::default()
            },
        )
        .unwrap();
        assert_eq!(test_audit(m.store(), "event").len(), before);
        let deleted = m.delete_group("operations").unwrap();
        assert_eq!(deleted.members, 1);
        assert_eq!(m.user_access(&user).unwrap(), UserAccess::default());
        assert!(matches!(
            m.group("operations"),
            Err(Error::GroupNotFound(_))
        ));
    }
}
