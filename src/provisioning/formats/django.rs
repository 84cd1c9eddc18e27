//! Django's `dumpdata` fixture of the user model (and `auth.group`).

use std::io::{self, BufRead, BufReader, Read};

use serde::Deserialize;
use serde_json::Value;

use super::row::{
    GroupRef, Parsed, ParsedGroup, ParsedRow, import_column, json_type, set_json_field, shown,
    without_position,
};
use super::{LineTooLong, MAX_RECORD_BYTES, ReadError, Record};
use crate::access::{Permission, clean_group_name};
use crate::fields::FieldSet;
use crate::user::ColumnKey;

/// Bytes of a fixture, one at a time with one byte of push-back, counting lines
/// and refusing to hand out more than [`MAX_RECORD_BYTES`] per object.
struct FixtureBytes<R> {
    input: BufReader<R>,
    line: u64,
    pushed: Option<u8>,
    budget: usize,
}

impl<R: Read> FixtureBytes<R> {
    fn byte(&mut self) -> io::Result<Option<u8>> {
        if let Some(b) = self.pushed.take() {
            return Ok(Some(b));
        }
        let chunk = self.input.fill_buf()?;
        let Some(&b) = chunk.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    fn non_blank(&mut self) -> io::Result<Option<u8>> {
        loop {
            match self.byte()? {
                Some(b) if b.is_ascii_whitespace() => continue,
                other => return Ok(other),
            }
        }
    }
}

impl<R: Read> Read for FixtureBytes<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.budget == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                LineTooLong(self.line),
            ));
        }
        match self.byte()? {
            Some(b) => {
                self.budget -= 1;
                buf[0] = b;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

enum FixtureState {
    Start,
    Array { count: u64 },
    Done,
}

pub(super) struct DjangoRecords<'a, R> {
    bytes: FixtureBytes<R>,
    state: FixtureState,
    model: Option<String>,
    fields: &'a FieldSet,
}

/// One object of a fixture: `{"model": "app.model", "pk": …, "fields": {…}}`.
#[derive(Deserialize)]
struct FixtureObject {
    model: Value,
    #[serde(default)]
    pk: Value,
    #[serde(default)]
    fields: Value,
}

/// The label of Django's group model.
const GROUP_MODEL: &str = "auth.group";

/// Permissions written as pks (plain `dumpdata`): only Django's own
/// `auth_permission` table can tell what they are.
fn permission_pks(field: &str) -> String {
    format!(
        "{field} are given as pks of Django's permission table, which userdb cannot resolve; \
         dump with `manage.py dumpdata --natural-foreign`, which writes each as \
         [codename, app_label, model]"
    )
}

/// A model's name as Django's content types keep it: a lower-case identifier.
fn valid_model_name(model: &str) -> bool {
    let mut chars = model.chars();
    model.len() <= crate::access::MAX_PERMISSION_PART_LEN
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Permissions as natural keys, `[codename, app_label, model]` each (what
/// `dumpdata --natural-foreign` writes), with their models.
fn natural_permissions(field: &str, value: &Value) -> Result<Vec<(Permission, String)>, String> {
    let Value::Array(items) = value else {
        return Err(format!(
            "{field} must be a list of [codename, app_label, model], not {}",
            json_type(value)
        ));
    };
    if items.iter().any(Value::is_number) {
        return Err(permission_pks(field));
    }
    items
        .iter()
        .map(|item| {
            let key = match item {
                Value::Array(key) => key.as_slice(),
                _ => &[],
            };
            let [
                Value::String(codename),
                Value::String(app),
                Value::String(model),
            ] = key
            else {
                return Err(format!(
                    "{field}: each must be a natural key [codename, app_label, model], not {}",
                    shown(&item.to_string())
                ));
            };
            let permission = Permission::parse(&format!("{app}.{codename}"))
                .map_err(|e| format!("{field}: {e}"))?;
            if !valid_model_name(model) {
                return Err(format!(
                    "{field}: model {:?} of {permission} is not a model name (a lower-case \
                     identifier, as Django's content types keep it)",
                    shown(model)
                ));
            }
            Ok((permission, model.clone()))
        })
        .collect()
}

/// A user's groups in a fixture: natural keys `[name]` (`dumpdata
/// --natural-foreign`) or the pks of groups the fixture defines (plain
/// `dumpdata`); `null` is not given.
fn fixture_groups(value: &Value) -> Result<Option<Vec<GroupRef>>, String> {
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "groups must be a list of [name] or of pks, not {}",
                json_type(other)
            ));
        }
    };
    items
        .iter()
        .map(|item| match item {
            Value::Array(key) => match key.as_slice() {
                [Value::String(name)] => clean_group_name(name)
                    .map(GroupRef::Name)
                    .map_err(|e| format!("groups: {e}")),
                _ => Err(format!(
                    "groups: a group's natural key is [name], not {}",
                    shown(&item.to_string())
                )),
            },
            Value::Number(n) => n
                .as_i64()
                .map(GroupRef::Pk)
                .ok_or_else(|| format!("groups: {n} is not the pk of a group")),
            other => Err(format!(
                "groups: expected [name] or the pk of a group of the fixture, not {}",
                json_type(other)
            )),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// An `auth.group` object.
fn fixture_group(object: &FixtureObject) -> Result<ParsedGroup, String> {
    let pk = match &object.pk {
        Value::Null => None,
        Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
        other => {
            return Err(format!(
                "the pk of an auth.group must be a whole number, not {}",
                json_type(other)
            ));
        }
    };
    let Value::Object(fields) = &object.fields else {
        return Err("\"fields\" must be an object".into());
    };
    let mut name = None;
    let mut permissions = Vec::new();
    for (key, value) in fields {
        match key.as_str() {
            "name" => match value {
                Value::String(text) => {
                    name = Some(clean_group_name(text).map_err(|e| e.to_string())?)
                }
                other => {
                    return Err(format!(
                        "the name of an auth.group must be a string, not {}",
                        json_type(other)
                    ));
                }
            },
            "permissions" if value.is_null() => {}
            "permissions" => permissions = natural_permissions("permissions", value)?,
            other => {
                return Err(format!(
                    "unknown field {:?} of an auth.group (fields: name, permissions)",
                    shown(other)
                ));
            }
        }
    }
    let name = name.ok_or("an auth.group without a name")?;
    Ok(ParsedGroup {
        pk,
        name,
        permissions: permissions.iter().map(|(p, _)| p.clone()).collect(),
        models: permissions,
    })
}

impl<'a, R: Read> DjangoRecords<'a, R> {
    pub(super) fn new(input: R, fields: &'a FieldSet) -> Self {
        DjangoRecords {
            bytes: FixtureBytes {
                input: BufReader::new(input),
                line: 1,
                pushed: None,
                budget: 0,
            },
            state: FixtureState::Start,
            model: None,
            fields,
        }
    }

    fn step(&mut self) -> Result<Option<Record>, ReadError> {
        let broken = |line, reason: &str| ReadError::Broken {
            line,
            reason: reason.to_string(),
        };
        loop {
            match self.state {
                FixtureState::Done => return Ok(None),
                FixtureState::Start => match self.bytes.non_blank().map_err(ReadError::Io)? {
                    Some(b'[') => self.state = FixtureState::Array { count: 0 },
                    None => {
                        return Err(broken(
                            self.bytes.line,
                            "the file is empty; a Django fixture is a JSON array",
                        ));
                    }
                    Some(_) => {
                        return Err(broken(
                            self.bytes.line,
                            "not a Django fixture: it must be a JSON array of objects ([{\"model\": …}, …])",
                        ));
                    }
                },
                FixtureState::Array { count } => {
                    let mut next = self.bytes.non_blank().map_err(ReadError::Io)?;
                    if next == Some(b']') {
                        self.state = FixtureState::Done;
                        if self.bytes.non_blank().map_err(ReadError::Io)?.is_some() {
                            return Err(broken(
                                self.bytes.line,
                                "there is more after the closing ] of the fixture",
                            ));
                        }
                        return Ok(None);
                    }
                    if next.is_none() {
                        return Err(broken(
                            self.bytes.line,
                            "the file ends inside the fixture's array (no closing ])",
                        ));
                    }
                    if count > 0 {
                        if next != Some(b',') {
                            return Err(broken(
                                self.bytes.line,
                                &format!("malformed JSON after object {count}: expected , or ]"),
                            ));
                        }
                        next = self.bytes.non_blank().map_err(ReadError::Io)?;
                    }
                    let number = count + 1;
                    match next {
                        Some(b'{') => {}
                        None => {
                            return Err(broken(
                                self.bytes.line,
                                "the file ends inside the fixture's array (no closing ])",
                            ));
                        }
                        Some(_) => {
                            return Err(broken(
                                self.bytes.line,
                                &format!("object {number}: expected a JSON object"),
                            ));
                        }
                    }
                    self.bytes.pushed = Some(b'{');
                    self.bytes.budget = MAX_RECORD_BYTES;
                    let line = self.bytes.line;
                    let mut de = serde_json::Deserializer::from_reader(&mut self.bytes);
                    let object = FixtureObject::deserialize(&mut de).map_err(|e| {
                        let reason = if e.is_io() {
                            format!(
                                "object {number}: longer than {} KiB",
                                MAX_RECORD_BYTES / 1024
                            )
                        } else {
                            format!("object {number}: malformed JSON: {}", without_position(&e))
                        };
                        ReadError::Broken { line, reason }
                    })?;
                    self.state = FixtureState::Array { count: number };
                    let row = self
                        .fixture_object(&object)
                        .map_err(|reason| format!("object {number}: {reason}"));
                    // A fixture's `password` is the encoded hash.
                    return Ok(Some(Record {
                        line,
                        row,
                        plain: false,
                    }));
                }
            }
        }
    }

    fn fixture_object(&mut self, object: &FixtureObject) -> Result<Parsed, String> {
        let Value::String(model) = &object.model else {
            return Err("\"model\" must be a string like \"accounts.customuser\"".into());
        };
        validate_model_label(model)?;
        if model.eq_ignore_ascii_case(GROUP_MODEL) {
            return fixture_group(object).map(Parsed::Group);
        }
        match &self.model {
            None => self.model = Some(model.clone()),
            Some(first) if first != model => {
                return Err(format!(
                    "model {model:?} is not {first:?}, the model of the first user; \
                     a fixture holds users of one model, and auth.group objects"
                ));
            }
            Some(_) => {}
        }
        self.fixture_row(object).map(Parsed::User)
    }

    fn fixture_row(&mut self, object: &FixtureObject) -> Result<ParsedRow, String> {
        let Value::Object(fields) = &object.fields else {
            return Err("\"fields\" must be an object".into());
        };
        let mut row = ParsedRow::default();
        for (name, value) in fields {
            // Django's own names; `password` is the encoded hash. Declared custom
            // fields are read; fields of the model that userdb does not keep
            // (username, undeclared fields) are ignored.
            let column = match name.as_str() {
                "groups" => {
                    row.groups = fixture_groups(value)?;
                    continue;
                }
                "user_permissions" if value.is_null() => continue,
                "user_permissions" => {
                    let given = natural_permissions("user_permissions", value)?;
                    row.user_permissions = Some(given.iter().map(|(p, _)| p.clone()).collect());
                    row.models.extend(given);
                    continue;
                }
                "password" => ColumnKey::PasswordHash,
                "email" | "first_name" | "last_name" | "is_active" | "is_staff"
                | "is_superuser" | "date_joined" | "last_login" => {
                    import_column(name).unwrap_or(ColumnKey::Email)
                }
                _ => {
                    set_json_field(&mut row, self.fields, name, value)?;
                    continue;
                }
            };
            row.set_json(column, value)?;
        }
        if row.password_hash.as_deref() == Some("") {
            // Django counts "" as a password that never matches.
            row.password_hash = Some("!".to_string());
        }
        Ok(row)
    }
}

impl<R: Read> Iterator for DjangoRecords<'_, R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(record) => record.map(Ok),
            Err(e) => {
                self.state = FixtureState::Done;
                Some(Err(e))
            }
        }
    }
}

/// A Django model label, `app_label.model_name`: two Python identifiers.
pub fn validate_model_label(label: &str) -> Result<(), String> {
    let identifier = |s: &str| {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    match label.split_once('.') {
        Some((app, model)) if identifier(app) && identifier(model) => Ok(()),
        _ => Err(format!(
            "model {:?} is not a Django model label like \"accounts.customuser\"",
            shown(label)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::all;
    use super::super::{Format, records};
    use super::*;

    #[test]
    fn django_fixtures_stream_object_by_object() {
        let text = r#"[
  {"model": "accounts.customuser", "pk": 1, "fields": {
      "password": "pbkdf2_sha256$1$salt$hash", "email": "a@example.com",
      "date_joined": "2026-01-02T03:04:05.123Z", "last_login": null,
      "groups": [], "user_permissions": [], "username": "ignored"}},
  {"model": "accounts.customuser", "pk": 2, "fields": {"email": "b@example.com", "is_staff": 1}},
  {"model": "auth.group", "pk": 3, "fields": {"name": "x"}}
]
"#;
        let rows = all(Format::Django, text);
        assert_eq!(rows.len(), 3);
        let (line, row) = rows[0].as_ref().unwrap();
        assert_eq!(*line, 2);
        let row = row.as_ref().unwrap();
        assert_eq!(
            row.password_hash.as_deref(),
            Some("pbkdf2_sha256$1$salt$hash")
        );
        assert_eq!(row.email.as_deref(), Some("a@example.com"));
        let (line, row) = rows[1].as_ref().unwrap();
        assert_eq!(*line, 6);
        assert_eq!(
            row.as_ref().unwrap_err(),
            "object 2: is_staff must be true or false, not a number"
        );
        // A group is not a user: the fixture's groups are read as groups.
        let (line, row) = rows[2].as_ref().unwrap();
        assert_eq!(*line, 7);
        assert_eq!(row.as_ref().unwrap_err(), "group \"x\"");
        let rows = all(
            Format::Django,
            r#"[{"model": "a.user", "fields": {"email": "a@example.com"}},
                {"model": "b.user", "fields": {"email": "b@example.com"}}]"#,
        );
        assert!(
            rows[1]
                .as_ref()
                .unwrap()
                .1
                .as_ref()
                .unwrap_err()
                .contains("not \"a.user\", the model of the first user")
        );
        // One line, as `dumpdata` writes without --indent.
        let rows = all(
            Format::Django,
            r#"[{"model":"a.b","fields":{"email":"x@example.com"}},{"model":"a.b","fields":{"email":"y@example.com"}}]"#,
        );
        assert_eq!(rows.len(), 2);
        assert!(all(Format::Django, "[]").is_empty());
    }

    #[test]
    fn broken_fixtures_stop_with_a_reason() {
        for (text, want) in [
            ("", "the file is empty"),
            ("{}", "not a Django fixture"),
            ("[{\"model\": \"a.b\", \"fields\": {}} {", "expected , or ]"),
            ("[{\"model\": \"a.b\"", "malformed JSON"),
            ("[{\"model\": \"a.b\", \"fields\": {}}", "no closing ]"),
            ("[] []", "more after the closing ]"),
            ("[1]", "expected a JSON object"),
        ] {
            let rows = all(Format::Django, text);
            let last = rows.last().expect("something");
            assert!(
                matches!(last, Err(e) if e.contains(want)),
                "{text:?}: {:?}",
                last.as_ref().err()
            );
        }
        let huge = format!(
            "[{{\"model\": \"a.b\", \"fields\": {{\"email\": \"{}\"}}}}]",
            "x".repeat(MAX_RECORD_BYTES)
        );
        let rows = all(Format::Django, &huge);
        assert!(matches!(&rows[..], [Err(e)] if e.contains("longer than 64 KiB")));
    }

    #[test]
    fn fixture_groups_and_permissions_are_natural_keys_or_group_pks() {
        let text = r#"[
  {"model": "auth.group", "pk": 4, "fields": {"name": "editors",
      "permissions": [["add_post", "blog", "post"], ["publish", "blog", "article"]]}},
  {"model": "accounts.customuser", "pk": 1, "fields": {"email": "a@example.com",
      "groups": [["editors"], 4], "user_permissions": [["refund", "shop", "order"]]}},
  {"model": "Auth.Group", "fields": {"name": "plain", "permissions": [25, 26]}},
  {"model": "accounts.customuser", "fields": {"email": "b@example.com", "user_permissions": [3]}},
  {"model": "auth.group", "fields": {"name": "x", "permissions": [["add_post", "blog"]]}},
  {"model": "auth.group", "fields": {"name": "x", "users": []}},
  {"model": "accounts.customuser", "fields": {"email": "c@example.com", "groups": ["editors"]}}
]"#;
        let parsed: Vec<Result<Parsed, String>> =
            records(Format::Django, text.as_bytes(), &FieldSet::default())
                .map(|r| r.ok().unwrap().row)
                .collect();
        let Ok(Parsed::Group(editors)) = &parsed[0] else {
            panic!("{:?}", parsed[0])
        };
        assert_eq!(editors.pk, Some(4));
        assert_eq!(editors.name, "editors");
        let perms: Vec<(&str, &str)> = (editors.models.iter())
            .map(|(p, m)| (p.as_str(), m.as_str()))
            .collect();
        assert_eq!(
            perms,
            [("blog.add_post", "post"), ("blog.publish", "article")]
        );
        let Ok(Parsed::User(ada)) = &parsed[1] else {
            panic!("{:?}", parsed[1])
        };
        assert_eq!(
            ada.groups,
            Some(vec![GroupRef::Name("editors".into()), GroupRef::Pk(4)])
        );
        assert_eq!(
            ada.models,
            [(Permission::parse("shop.refund").unwrap(), "order".into())]
        );
        let reasons: Vec<String> = parsed[2..]
            .iter()
            .map(|p| p.as_ref().err().cloned().unwrap_or_default())
            .collect();
        assert!(
            reasons[0].starts_with("object 3: permissions are given as pks"),
            "{}",
            reasons[0]
        );
        assert!(reasons[0].contains("dumpdata --natural-foreign"));
        assert!(reasons[1].starts_with("object 4: user_permissions are given as pks"));
        assert!(reasons[2].contains("natural key [codename, app_label, model]"));
        assert!(reasons[3].contains("unknown field \"users\" of an auth.group"));
        assert!(reasons[4].contains("groups: expected [name] or the pk"));
    }

    #[test]
    fn model_labels_are_two_identifiers() {
        assert!(validate_model_label("accounts.customuser").is_ok());
        assert!(validate_model_label("my_app.User2").is_ok());
        for bad in ["accounts", "a.b.c", ".user", "1a.b", "a.b-c", ""] {
            assert!(validate_model_label(bad).is_err(), "{bad}");
        }
    }
}
