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

    /// Given values (`NAME`, text) parsed against their declarations; a blank text
    /// is `None`. Unknown names and a name given twice are errors.
    fn parse_given<'a>(
        &'a self,
        given: &[(String, String)],
    ) -> Result<Vec<(&'a FieldSpec, Option<String>)>> {
        let mut parsed: Vec<(&FieldSpec, Option<String>)> = Vec::new();
        for (name, text) in given {
            let spec = self.fields.lookup(name)?;
            if parsed.iter().any(|(s, _)| s.name == spec.name) {
                return Err(Error::invalid(
                    format!("value for field `{name}`"),
                    "given more than once",
                ));
            }
            let value = spec
                .parse_optional(text)
                .map_err(|reason| Error::invalid(format!("value for field `{name}`"), reason))?;
            parsed.push((spec, value.map(|v| v.canonical())));
        }
        Ok(parsed)
    }

    /// The values a new user is stored with: those given, else the defaults; a
    /// required field with neither is [`Error::MissingField`].
    pub(crate) fn fields_for_new_user(
        &self,
        given: &[(String, String)],
    ) -> Result<Vec<FieldWrite>> {
        let parsed = self.parse_given(given)?;
        let mut writes = Vec::new();
        for spec in self.fields.iter() {
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
        let mut writes = Vec::new();
        for (spec, value) in self.parse_given(given)? {
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
        self.check_values_free(&writes, Some(user_id))?;
        Ok(writes)
    }

    /// Fails early when a unique value is another user's. The store checks again
    /// under the write lock; this spares a password hash that would be wasted.
    fn check_values_free(&self, writes: &[FieldWrite], user_id: Option<i64>) -> Result<()> {
        for write in writes.iter().filter(|w| w.unique) {
            let Some(value) = &write.value else { continue };
            let owner = self.store.field_value_owner(&write.name, value)?;
            if owner.is_some() && owner != user_id {
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
        let spec = self.fields.lookup(name)?;
        let value = spec
            .parse_optional(text)
            .map_err(|reason| Error::invalid(format!("value for field `{name}`"), reason))?;
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
        let writes: Vec<FieldWrite> = self
            .parse_given(given)?
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
        Ok(self.store.field_value_owner(name, value)?.is_some())
    }

    /// Checks that a new user with these values could be created (required fields
    /// included), before a password is asked for.
    pub fn check_new_user_fields(&self, given: &[(String, String)]) -> Result<()> {
        self.fields_for_new_user(given).map(drop)
    }
}
