//! The groups of an import: those a Django fixture defines (`auth.group`
//! objects) and those its users name. The first pass checks every name without
//! keeping the rows: a group a row names must be stored already or be defined
//! by the file, before or after the row; a name not known yet waits for the end
//! of the file, and only distinct names are kept (with the first lines that
//! name each).

use std::collections::{BTreeMap, HashMap};

use super::formats::{GroupRef, ParsedGroup};
use crate::access::{Group, Permission};
use crate::import_report::MAX_REPORTED_PROBLEMS;
use crate::row_problem::RowProblem;
use crate::storage::{BulkDefinitions, BulkGroup};

/// A group the file defines, and where.
struct Defined {
    group: BulkGroup,
    line: u64,
}

/// The rows naming a group not known yet.
#[derive(Default)]
struct Waiting {
    rows: u64,
    /// The first lines, at most [`MAX_REPORTED_PROBLEMS`].
    lines: Vec<u64>,
}

/// What the first pass learns about groups.
pub(super) struct GroupPlan {
    /// The stored groups' permissions, by name.
    stored: HashMap<String, Vec<String>>,
    defined: Vec<Defined>,
    by_name: HashMap<String, usize>,
    by_pk: HashMap<i64, usize>,
    waiting: HashMap<GroupRef, Waiting>,
    /// The Django model of each permission the file names with one (the first
    /// one given, when a file gives two).
    models: BTreeMap<Permission, String>,
}

impl GroupPlan {
    pub(super) fn new(stored: Vec<Group>) -> Self {
        GroupPlan {
            stored: stored
                .into_iter()
                .map(|g| (g.name, g.permissions))
                .collect(),
            defined: Vec::new(),
            by_name: HashMap::new(),
            by_pk: HashMap::new(),
            waiting: HashMap::new(),
            models: BTreeMap::new(),
        }
    }

    /// A group the file defines; one defined twice (by name or pk) is a problem
    /// of the second.
    pub(super) fn define(&mut self, group: ParsedGroup, line: u64) -> Result<(), String> {
        if let Some(&first) = self.by_name.get(&group.name) {
            return Err(format!(
                "group {:?} is also defined on line {}",
                group.name, self.defined[first].line
            ));
        }
        if let Some(pk) = group.pk
            && let Some(&first) = self.by_pk.get(&pk)
        {
            return Err(format!(
                "pk {pk} is also the pk of group {:?} on line {}",
                self.defined[first].group.name, self.defined[first].line
            ));
        }
        let index = self.defined.len();
        self.by_name.insert(group.name.clone(), index);
        if let Some(pk) = group.pk {
            self.by_pk.insert(pk, index);
        }
        let mut permissions = group.permissions;
        permissions.sort_unstable();
        permissions.dedup();
        self.add_models(group.models);
        self.defined.push(Defined {
            group: BulkGroup {
                name: group.name,
                permissions,
            },
            line,
        });
        Ok(())
    }

    pub(super) fn add_models(&mut self, models: Vec<(Permission, String)>) {
        for (permission, model) in models {
            self.models.entry(permission).or_insert(model);
        }
    }

    fn known(&self, group: &GroupRef) -> bool {
        match group {
            GroupRef::Name(name) => {
                self.stored.contains_key(name) || self.by_name.contains_key(name)
            }
            GroupRef::Pk(pk) => self.by_pk.contains_key(pk),
        }
    }

    /// The groups a valid row names: those not known yet wait for the end of
    /// the file.
    pub(super) fn refer(&mut self, groups: &[GroupRef], line: u64) {
        for group in groups {
            if self.known(group) {
                continue;
            }
            let waiting = self.waiting.entry(group.clone()).or_default();
            waiting.rows += 1;
            if waiting.lines.len() < MAX_REPORTED_PROBLEMS {
                waiting.lines.push(line);
            }
        }
    }

    /// At the end of the file, with `--create-groups`: each group a row names
    /// by name and that is neither stored nor defined by the file is defined,
    /// without permissions (on the first line naming it). A pk names a group of
    /// the same fixture, so there is nothing to create for one.
    pub(super) fn create_missing(&mut self) {
        let mut missing: Vec<(String, u64)> = (self.waiting.iter())
            .filter_map(|(group, waiting)| match group {
                GroupRef::Name(name) if !self.known(group) => {
                    Some((name.clone(), waiting.lines.first().copied().unwrap_or(0)))
                }
                _ => None,
            })
            .collect();
        missing.sort_unstable();
        for (name, line) in missing {
            let group = ParsedGroup {
                pk: None,
                name,
                permissions: Vec::new(),
                models: Vec::new(),
            };
            // Not known, so not defined: this cannot clash.
            let _ = self.define(group, line);
        }
    }

    /// At the end of the file: a problem for each row naming a group defined
    /// nowhere (the first ones, by line, of how many).
    pub(super) fn unresolved(&self) -> (Vec<RowProblem>, u64) {
        let mut reasons: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        let mut total = 0;
        let mut unknown: Vec<(&GroupRef, &Waiting)> = (self.waiting.iter())
            .filter(|(group, _)| !self.known(group))
            .collect();
        unknown.sort_unstable_by_key(|(group, _)| *group);
        for (group, waiting) in unknown {
            total += waiting.rows;
            let reason = match group {
                GroupRef::Name(name) => {
                    format!(
                        "no group named {name:?}, neither in the database nor in the file \
                         (--create-groups creates it, without permissions)"
                    )
                }
                GroupRef::Pk(pk) => format!(
                    "groups: no auth.group with pk {pk} in the fixture (a pk names a group \
                     of the same file; `dumpdata --natural-foreign` names groups by name)"
                ),
            };
            for &line in &waiting.lines {
                reasons.entry(line).or_default().push(reason.clone());
            }
        }
        let problems = reasons
            .into_iter()
            .take(MAX_REPORTED_PROBLEMS)
            .map(|(line, reasons)| RowProblem {
                line,
                reason: reasons.join("; "),
            })
            .collect();
        (problems, total)
    }

    /// The groups the import would create, and those whose permissions it
    /// would change.
    pub(super) fn counts(&self) -> (u64, u64) {
        let mut counts = (0, 0);
        for defined in &self.defined {
            match self.stored.get(&defined.group.name) {
                None => counts.0 += 1,
                Some(stored) => {
                    let wanted = defined.group.permissions.iter().map(Permission::as_str);
                    if !stored.iter().map(String::as_str).eq(wanted) {
                        counts.1 += 1;
                    }
                }
            }
        }
        counts
    }

    /// What the write needs: the definitions, and the names of the pks.
    pub(super) fn resolved(self) -> ResolvedGroups {
        let pks = (self.by_pk.iter())
            .map(|(&pk, &index)| (pk, self.defined[index].group.name.clone()))
            .collect();
        ResolvedGroups {
            definitions: BulkDefinitions {
                groups: self.defined.into_iter().map(|d| d.group).collect(),
                permission_models: self.models.into_iter().collect(),
            },
            pks,
        }
    }
}

/// The groups of an import, as the second pass writes them.
#[derive(Debug, Default)]
pub(super) struct ResolvedGroups {
    pub(super) definitions: BulkDefinitions,
    /// The name of each group the fixture defines with a pk.
    pks: HashMap<i64, String>,
}

impl ResolvedGroups {
    /// The names of the groups a row names, sorted, without repeats; `None`
    /// for a pk the first pass did not see (the input changed).
    pub(super) fn names(&self, groups: &[GroupRef]) -> Option<Vec<String>> {
        let mut names = groups
            .iter()
            .map(|group| match group {
                GroupRef::Name(name) => Some(name.clone()),
                GroupRef::Pk(pk) => self.pks.get(pk).cloned(),
            })
            .collect::<Option<Vec<String>>>()?;
        names.sort_unstable();
        names.dedup();
        Some(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(p: &str) -> Permission {
        Permission::parse(p).unwrap()
    }

    fn group(pk: Option<i64>, name: &str, permissions: &[(&str, &str)]) -> ParsedGroup {
        ParsedGroup {
            pk,
            name: name.into(),
            permissions: permissions.iter().map(|(p, _)| perm(p)).collect(),
            models: permissions
                .iter()
                .map(|(p, m)| (perm(p), m.to_string()))
                .collect(),
        }
    }

    fn stored(name: &str, permissions: &[&str]) -> Group {
        Group {
            id: 1,
            name: name.into(),
            permissions: permissions.iter().map(|p| p.to_string()).collect(),
            members: 0,
        }
    }

    #[test]
    fn a_group_named_before_its_definition_is_known_at_the_end() {
        let mut plan = GroupPlan::new(vec![stored("ops", &[])]);
        plan.refer(&[GroupRef::Pk(7), GroupRef::Name("ops".into())], 2);
        plan.refer(&[GroupRef::Name("editors".into())], 3);
        plan.define(group(Some(7), "editors", &[("blog.add_post", "post")]), 4)
            .unwrap();
        assert_eq!(plan.unresolved(), (Vec::new(), 0));
        let resolved = plan.resolved();
        assert_eq!(
            resolved.names(&[GroupRef::Pk(7), GroupRef::Name("editors".into())]),
            Some(vec!["editors".to_string()])
        );
        assert_eq!(resolved.names(&[GroupRef::Pk(8)]), None);
        assert_eq!(
            resolved.definitions.permission_models,
            [(perm("blog.add_post"), "post".to_string())]
        );
    }

    #[test]
    fn groups_defined_nowhere_are_a_problem_of_each_row_naming_them() {
        let mut plan = GroupPlan::new(Vec::new());
        plan.refer(&[GroupRef::Name("ghosts".into()), GroupRef::Pk(3)], 5);
        plan.refer(&[GroupRef::Name("ghosts".into())], 9);
        let (problems, total) = plan.unresolved();
        assert_eq!(total, 3);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [5, 9]);
        assert!(problems[0].reason.contains("no group named \"ghosts\""));
        assert!(problems[0].reason.contains("no auth.group with pk 3"));
    }

    #[test]
    fn create_missing_defines_the_groups_rows_name_without_permissions() {
        let mut plan = GroupPlan::new(vec![stored("ops", &["a.b"])]);
        plan.refer(
            &[GroupRef::Name("ops".into()), GroupRef::Name("new".into())],
            2,
        );
        plan.refer(&[GroupRef::Name("new".into()), GroupRef::Pk(3)], 3);
        plan.create_missing();
        let (problems, total) = plan.unresolved();
        assert_eq!(total, 1, "a pk cannot be created: {problems:?}");
        assert_eq!(plan.counts(), (1, 0));
        let resolved = plan.resolved();
        let created: Vec<(&str, usize)> = (resolved.definitions.groups.iter())
            .map(|g| (g.name.as_str(), g.permissions.len()))
            .collect();
        assert_eq!(created, [("new", 0)], "the stored group is left alone");
    }

    #[test]
    fn a_group_defined_twice_is_refused_and_changes_are_counted() {
        let mut plan = GroupPlan::new(vec![stored("same", &["a.b"]), stored("changed", &["a.b"])]);
        plan.define(group(Some(1), "new", &[]), 2).unwrap();
        let again = plan.define(group(Some(2), "new", &[]), 3).unwrap_err();
        assert_eq!(again, "group \"new\" is also defined on line 2");
        let pk = plan.define(group(Some(1), "other", &[]), 4).unwrap_err();
        assert_eq!(pk, "pk 1 is also the pk of group \"new\" on line 2");
        plan.define(group(None, "same", &[("a.b", "x")]), 5)
            .unwrap();
        plan.define(group(None, "changed", &[("a.c", "x")]), 6)
            .unwrap();
        assert_eq!(plan.counts(), (1, 1));
    }
}
