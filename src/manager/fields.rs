//! The manager's rules for custom fields: values are parsed against their
//! declaration, new users get defaults and must have required fields, and a unique
//! value is checked before the (slow) password hash as well as by the store.

use crate::error::{Error, Result};
use crate::fields::{FieldSet, FieldSpec};
use crate::storage::{FieldWrite, UserStore};

use super::UserManager;

impl<S: UserStore> UserManager<S> {
    /// The `[fields.NAME]` declarations values are checked against.
    pub fn set_fields(&mut self, fields: FieldSet) {
        self.fields = fields;
    }

    pub fn fields(&self) -> &FieldSet {
        &self.fields
    }

    /// The values a new user is stored with: those given, else the defaults; a
    /// required field with neither is [`Error::MissingField`].
    pub(crate) fn fields_for_new_user(
        &self,
        given: &[(String, String)],
    ) -> Result<Vec<FieldWrite>> {
        let writes = new_user_writes(&self.fields, given)?;
        self.check_values_free(&writes, None)?;
        Ok(writes)
    }

    /// The writes of a change to `user_id`: blank removes a value, which a required
    /// field refuses.
    pub(crate) fn fields_for_change(
        &self,
        user_id: i64,
        given: &[(String, String)],
    ) -> Result<Vec<FieldWrite>> {
        let writes = change_writes(&self.fields, given)?;
        self.check_values_free(&writes, Some(user_id))?;
        Ok(writes)
    }

    /// Fails early when a unique value is another user's. The store checks again
    /// under the write lock; this spares a password hash that would be wasted.
    pub(crate) fn check_values_free(
        &self,
        writes: &[FieldWrite],
        user_id: Option<i64>,
    ) -> Result<()> {
        for write in writes.iter().filter(|w| w.unique) {
            let Some(value) = &write.value else { continue };
            if self
                .store
                .field_value_holder(&write.name, value, user_id)?
                .is_some()
            {
                return Err(Error::FieldValueTaken {
                    field: write.name.clone(),
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }

    /// A `list-users --where NAME=VALUE` condition: the field and the canonical
    /// value to match (`None`: users without a value, for `NAME=`).
    pub fn field_condition(&self, name: &str, text: &str) -> Result<(String, Option<String>)> {
        let (spec, value) = self.fields.parse(name, text)?;
        Ok((spec.name.clone(), value.map(|v| v.canonical())))
    }
}

impl<S: UserStore> UserManager<S> {
    /// Checks given values without creating anything (names, types, unique values
    /// taken by a user other than `user_id`): to fail before asking for more.
    pub fn check_field_values(
        &self,
        given: &[(String, String)],
        user_id: Option<i64>,
    ) -> Result<()> {
        let writes: Vec<FieldWrite> = parse_given(&self.fields, given)?
            .into_iter()
            .map(|(spec, value)| FieldWrite {
                name: spec.name.clone(),
                value,
                unique: spec.unique,
            })
            .collect();
        self.check_values_free(&writes, user_id)
    }

    /// True when some user holds `value` (canonical) in field `name`.
    pub fn field_value_taken(&self, name: &str, value: &str) -> Result<bool> {
        Ok(self.store.field_value_holder(name, value, None)?.is_some())
    }

    /// Checks that a new user with these values could be created (required fields
    /// included), before a password is asked for.
    pub fn check_new_user_fields(&self, given: &[(String, String)]) -> Result<()> {
        self.fields_for_new_user(given).map(drop)
    }
}

/// Given values (`NAME`, text) parsed against their declarations; a blank text
/// is `None`. Unknown names and a name given twice are errors.
fn parse_given<'a>(
    fields: &'a FieldSet,
    given: &[(String, String)],
) -> Result<Vec<(&'a FieldSpec, Option<String>)>> {
    let mut parsed: Vec<(&FieldSpec, Option<String>)> = Vec::new();
    for (name, text) in given {
        if parsed.iter().any(|(s, _)| s.name == *name) {
            return Err(Error::invalid(
                format!("value for field `{name}`"),
                "given more than once",
            ));
        }
        let (spec, value) = fields.parse(name, text)?;
        parsed.push((spec, value.map(|v| v.canonical())));
    }
    Ok(parsed)
}

/// [`UserManager::fields_for_new_user`] without the early look in the store
/// (which the store repeats under its write lock).
pub(crate) fn new_user_writes(
    fields: &FieldSet,
    given: &[(String, String)],
) -> Result<Vec<FieldWrite>> {
    let parsed = parse_given(fields, given)?;
    let mut writes = Vec::new();
    for spec in fields.iter() {
        let given = parsed
            .iter()
            .find(|(s, _)| s.name == spec.name)
            .and_then(|(_, v)| v.clone());
        let value = given.or_else(|| spec.default.as_ref().map(|d| d.canonical()));
        match value {
            Some(value) => writes.push(FieldWrite {
                name: spec.name.clone(),
                value: Some(value),
                unique: spec.unique,
            }),
            None if spec.required => {
                return Err(Error::MissingField {
                    field: spec.name.clone(),
                    help: spec.help.clone(),
                });
            }
            None => {}
        }
    }
    Ok(writes)
}

/// [`UserManager::fields_for_change`] without the early look in the store.
pub(crate) fn change_writes(
    fields: &FieldSet,
    given: &[(String, String)],
) -> Result<Vec<FieldWrite>> {
    let mut writes = Vec::new();
    for (spec, value) in parse_given(fields, given)? {
        if value.is_none() && spec.required {
            return Err(Error::invalid(
                format!("value for field `{}`", spec.name),
                "the field is required, so its value cannot be removed",
            ));
        }
        writes.push(FieldWrite {
            name: spec.name.clone(),
            value,
            unique: spec.unique,
        });
    }
    Ok(writes)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::FixedClock;
    use crate::user::{NewUser, UserChanges, UserFilter};

    const FIELDS: &str = "[team]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\nrequired = true\n\
        [badge]\ntype = \"integer\"\nunique = true\n\
        [vip]\ntype = \"boolean\"\ndefault = false\n";

    fn manager(dir: &std::path::Path, fields: &str) -> UserManager<crate::storage::SqliteStore> {
        let clock = Arc::new(FixedClock("2026-01-02T03:04:05Z".parse().unwrap()));
        let mut manager = super::super::test_manager(dir, clock);
        manager.set_fields(FieldSet::from_toml(&fields.parse().unwrap()).unwrap());
        manager
    }

    fn new_user(email: &str, fields: &[(&str, &str)]) -> NewUser {
        NewUser {
            fields: fields
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..NewUser::new(email)
        }
    }

    fn create(
        m: &mut UserManager<crate::storage::SqliteStore>,
        email: &str,
        fields: &[(&str, &str)],
    ) -> Result<crate::User> {
        m.create_user(new_user(email, fields), None, crate::Validation::Enforce)
    }

    #[test]
    fn a_new_user_gets_given_values_in_canonical_form_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(dir.path(), FIELDS);
        let user = create(&mut m, "a@example.com", &[("team", "ops"), ("badge", "+7")]).unwrap();
        let stored: Vec<(&str, &str)> = user
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(stored, [("badge", "7"), ("team", "Ops"), ("vip", "false")]);
    }

    #[test]
    fn required_unknown_and_repeated_fields_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(dir.path(), FIELDS);
        let missing = create(&mut m, "a@example.com", &[]).unwrap_err();
        assert!(matches!(&missing, Error::MissingField { field, .. } if field == "team"));
        let blank = create(&mut m, "a@example.com", &[("team", " ")]).unwrap_err();
        assert!(matches!(blank, Error::MissingField { .. }));
        let unknown = create(&mut m, "a@example.com", &[("team", "Ops"), ("tema", "x")]);
        assert!(matches!(unknown, Err(Error::UnknownField { name, .. }) if name == "tema"));
        let twice = create(
            &mut m,
            "a@example.com",
            &[("team", "Ops"), ("team", "Sales")],
        );
        assert_eq!(twice.unwrap_err().kind(), crate::ErrorKind::InvalidInput);
        assert!(m.list_users(&UserFilter::default()).unwrap().is_empty());
    }

    #[test]
    fn unique_values_clash_with_other_users_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(dir.path(), FIELDS);
        create(&mut m, "a@example.com", &[("team", "Ops"), ("badge", "1")]).unwrap();
        let clash = create(&mut m, "b@example.com", &[("team", "Ops"), ("badge", "1")]);
        assert!(
            matches!(clash, Err(Error::FieldValueTaken { field, value }) if field == "badge" && value == "1")
        );
        let again = UserChanges {
            fields: vec![("badge".into(), "1".into())],
            ..UserChanges::default()
        };
        m.update_user("a@example.com", &again, false).unwrap();
        assert!(m.field_value_taken("badge", "1").unwrap());
        assert!(!m.field_value_taken("badge", "2").unwrap());
    }

    #[test]
    fn the_store_refuses_a_clash_that_slipped_past_the_early_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(dir.path(), FIELDS);
        let a = create(&mut m, "a@example.com", &[("team", "Ops"), ("badge", "1")]).unwrap();
        let b = create(&mut m, "b@example.com", &[("team", "Ops")]).unwrap();
        // As if another process had taken the value between check and write.
        let update = crate::storage::UserUpdate {
            fields: vec![FieldWrite {
                name: "badge".into(),
                value: Some("1".into()),
                unique: true,
            }],
            ..Default::default()
        };
        let err = m.store.update_user(b.id, &update, &[]).unwrap_err();
        assert!(matches!(err, Error::FieldValueTaken { .. }), "{err}");
        assert_eq!(m.get_user("a@example.com").unwrap().fields, a.fields);
        assert!(
            !m.get_user("b@example.com")
                .unwrap()
                .fields
                .contains_key("badge")
        );
    }

    #[test]
    fn where_conditions_use_the_canonical_value() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(dir.path(), FIELDS);
        create(&mut m, "a@example.com", &[("team", "Ops"), ("vip", "yes")]).unwrap();
        create(&mut m, "b@example.com", &[("team", "Sales")]).unwrap();
        let filter = UserFilter {
            fields: vec![m.field_condition("vip", "ON").unwrap()],
            ..UserFilter::default()
        };
        let found: Vec<String> = m
            .list_users(&filter)
            .unwrap()
            .into_iter()
            .map(|u| u.email)
            .collect();
        assert_eq!(found, ["a@example.com"]);
        assert_eq!(
            m.field_condition("badge", "").unwrap(),
            ("badge".to_string(), None)
        );
    }
}
