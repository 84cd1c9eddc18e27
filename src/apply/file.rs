//! The file `userdb apply` reads: TOML `[[groups]]` and `[[users]]` entries whose
//! keys mirror the command-line flags. Parsing checks everything that needs no
//! database (keys, addresses, permissions, names, secrets' sources) and names the
//! entry and its line in every error; nothing is read from the database here.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::quick;
use crate::access::{Permission, clean_group_name};
use crate::email_address::{email_key, parse_email};
use crate::error::{Error, Result};
use crate::fields::FieldSet;

/// A parsed, checked apply file.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyFile {
    pub groups: Vec<GroupEntry>,
    pub users: Vec<UserEntry>,
}

/// One `[[groups]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEntry {
    pub name: String,
    /// `None`: the key is absent, the group's permissions are left as they are.
    pub permissions: Option<Vec<Permission>>,
    pub line: usize,
}

/// Where an entry's password comes from: never the file itself.
#[derive(Clone, PartialEq)]
pub enum PasswordSource {
    /// The environment variable of this name.
    Env(String),
    /// The first line of this file.
    File(PathBuf),
    /// An encoded hash, stored as it is.
    Hash(String),
}

impl std::fmt::Debug for PasswordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordSource::Env(name) => write!(f, "Env({name})"),
            PasswordSource::File(path) => write!(f, "File({})", path.display()),
            PasswordSource::Hash(_) => f.write_str("Hash(..)"),
        }
    }
}

/// When an existing user's password is set from its source (Ansible's
/// `update_password`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordUpdate {
    /// Only when the user is created.
    #[default]
    OnCreate,
    /// On every apply, when the source's password is not already the user's.
    Always,
}

/// One `[[users]]` entry; `None` leaves a value as it is (a created user takes
/// the default).
#[derive(Debug, Clone, PartialEq)]
pub struct UserEntry {
    pub email: String,
    pub email_key: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub active: Option<bool>,
    pub staff: Option<bool>,
    pub superuser: Option<bool>,
    pub must_change_password: Option<bool>,
    /// `Some(None)`: `"never"`.
    pub expires_at: Option<Option<jiff::Timestamp>>,
    pub password: Option<PasswordSource>,
    pub password_update: PasswordUpdate,
    /// Exactly these groups (`None`: memberships left as they are).
    pub groups: Option<Vec<String>>,
    /// Exactly these direct permissions (`None`: left as they are).
    pub permissions: Option<Vec<Permission>>,
    /// Custom field values by name, as text for the declared field's parser.
    pub fields: Vec<(String, String)>,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    groups: Vec<Spanned<RawGroup>>,
    #[serde(default)]
    users: Vec<Spanned<RawUser>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: String,
    permissions: Option<Vec<String>>,
}

/// Known keys by name; everything else lands in `rest`, to be a declared custom
/// field or an error naming the key. Read by hand rather than with
/// `#[serde(flatten)]`, which buffers every entry twice (a 10,000-user file
/// spent most of its time there).
#[derive(Default)]
struct RawUser {
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    active: Option<bool>,
    staff: Option<bool>,
    superuser: Option<bool>,
    must_change_password: Option<bool>,
    expires_at: Option<toml::Value>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    password_hash: Option<String>,
    password_update: Option<String>,
    groups: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    rest: BTreeMap<String, toml::Value>,
}

impl<'de> Deserialize<'de> for RawUser {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawUser;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a [[users]] table")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawUser, A::Error> {
                let mut raw = RawUser::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "email" => raw.email = Some(map.next_value()?),
                        "first_name" => raw.first_name = Some(map.next_value()?),
                        "last_name" => raw.last_name = Some(map.next_value()?),
                        "active" => raw.active = Some(map.next_value()?),
                        "staff" => raw.staff = Some(map.next_value()?),
                        "superuser" => raw.superuser = Some(map.next_value()?),
                        "must_change_password" => {
                            raw.must_change_password = Some(map.next_value()?)
                        }
                        "expires_at" => raw.expires_at = Some(map.next_value()?),
                        "password_env" => raw.password_env = Some(map.next_value()?),
                        "password_file" => raw.password_file = Some(map.next_value()?),
                        "password_hash" => raw.password_hash = Some(map.next_value()?),
                        "password_update" => raw.password_update = Some(map.next_value()?),
                        "groups" => raw.groups = Some(map.next_value()?),
                        "permissions" => raw.permissions = Some(map.next_value()?),
                        _ => {
                            let value = map.next_value()?;
                            raw.rest.insert(key, value);
                        }
                    }
                }
                if raw.email.is_none() {
                    return Err(serde::de::Error::missing_field("email"));
                }
                Ok(raw)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The keys a `[[users]]` entry takes besides custom fields (for the README and
/// the error that lists them).
pub const USER_KEYS: &[&str] = &[
    "email",
    "first_name",
    "last_name",
    "active",
    "staff",
    "superuser",
    "must_change_password",
    "expires_at",
    "password_env",
    "password_file",
    "password_hash",
    "password_update",
    "groups",
    "permissions",
];

/// The 1-based line of byte offsets in one text, by binary search over where
/// its lines start (counting from the start for each entry would make a large
/// file quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn of(text: &str) -> Lines {
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1);
        Lines(std::iter::once(0).chain(newlines).collect())
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

fn at(what: String, line: usize, reason: impl std::fmt::Display) -> Error {
    Error::invalid(format!("{what} (line {line})"), reason.to_string())
}

/// The file as TOML, one `[[…]]` entry at a time: a large file parsed whole
/// builds token and event lists of tens of megabytes (most of a 10,000-user
/// apply's time went to faulting their pages in), while entries parsed one by
/// one reuse the same small allocations. Arrays of tables concatenate, so the
/// result is the same; a file with a multi-line string, which could hold a
/// line that looks like a header, is parsed whole.
fn parse_raw(text: &str, lines: &Lines, is_field: &IsField<'_>, quick: bool) -> Result<Part> {
    let bytes = text.as_bytes();
    let whole = memchr::memmem::find(bytes, b"\"\"\"").is_some()
        || memchr::memmem::find(bytes, b"'''").is_some();
    let mut starts = vec![0];
    if !whole {
        let header = |&start: &usize| {
            start > 0
                && bytes.get(start) == Some(&b'[')
                && (bytes[start..].starts_with(b"[[users]]")
                    || bytes[start..].starts_with(b"[[groups]]"))
        };
        starts.extend(lines.0.iter().filter(|s| header(s)));
    }
    starts.push(text.len());
    let chunks: Vec<(usize, usize)> = starts.windows(2).map(|p| (p[0], p[1])).collect();
    // Entries are independent: a large file is parsed on every core, in
    // contiguous runs whose results are joined in order.
    let threads = if chunks.len() < 512 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    let per_thread = chunks.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Part>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .chunks(per_thread)
            .map(|run| scope.spawn(move || parse_chunks(text, lines, run, is_field, quick)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::invalid("apply file", "the parser failed")))
            })
            .collect()
    });
    let parts = parts.into_iter().collect::<Result<Vec<Part>>>()?;
    let mut raw = Part {
        groups: Vec::with_capacity(parts.iter().map(|p| p.groups.len()).sum()),
        users: Vec::with_capacity(parts.iter().map(|p| p.users.len()).sum()),
    };
    for part in parts {
        raw.groups.extend(part.groups);
        raw.users.extend(part.users);
    }
    Ok(raw)
}

/// Whether a custom field of that name is declared.
type IsField<'a> = dyn Fn(&str) -> bool + Sync + 'a;

/// The entries of a run of chunks: groups as read (checked together later),
/// users checked.
#[derive(Default)]
struct Part {
    groups: Vec<Spanned<RawGroup>>,
    users: Vec<UserEntry>,
}

/// The entries of `chunks` (byte ranges of `text`), their spans in `text`.
fn parse_chunks(
    text: &str,
    lines: &Lines,
    chunks: &[(usize, usize)],
    is_field: &IsField<'_>,
    quick: bool,
) -> Result<Part> {
    let mut raw = Part::default();
    let mut tokens = Vec::new();
    for &(start, end) in chunks {
        if quick
            && let Some(tables) = quick::read(&text[start..end], &mut tokens)
            && let Some(read) = quick_part(tables, start, lines, is_field, &mut raw)
        {
            read?;
            continue;
        }
        let chunk: RawFile = toml::from_str(&text[start..end]).map_err(|e| {
            let line = e.span().map_or(0, |s| lines.line(start + s.start));
            let message = e.message().trim_end_matches('.').to_string();
            Error::invalid(format!("apply file (line {line})"), message)
        })?;
        let shift = |span: std::ops::Range<usize>| start + span.start..start + span.end;
        raw.groups.extend(
            chunk
                .groups
                .into_iter()
                .map(|g| Spanned::new(shift(g.span()), g.into_inner())),
        );
        for user in chunk.users {
            let line = lines.line(start + user.span().start);
            raw.users
                .push(user_entry(user.into_inner(), line, is_field)?);
        }
    }
    Ok(raw)
}

/// Adds the entries of tables the quick reader read (`start`: where their
/// text starts in the file) to `part`; `None` (and `part` as it was) when one
/// has a key of the wrong type or lacks a required one, for the full parser
/// to word the error.
fn quick_part(
    tables: Vec<quick::Table<'_>>,
    start: usize,
    lines: &Lines,
    is_field: &IsField<'_>,
    part: &mut Part,
) -> Option<Result<()>> {
    let before = (part.groups.len(), part.users.len());
    for table in tables {
        let at = start + table.start;
        let read = match table.kind {
            quick::Kind::Groups => quick_group(table.pairs).map(|group| {
                part.groups.push(Spanned::new(at..at, group));
            }),
            quick::Kind::Users => match quick_user(table.pairs) {
                Some(user) => match user_entry(user, lines.line(at), is_field) {
                    Ok(entry) => {
                        part.users.push(entry);
                        Some(())
                    }
                    Err(e) => return Some(Err(e)),
                },
                None => None,
            },
        };
        if read.is_none() {
            part.groups.truncate(before.0);
            part.users.truncate(before.1);
            return None;
        }
    }
    Some(Ok(()))
}

fn quick_group(pairs: Vec<(Cow<'_, str>, quick::Value<'_>)>) -> Option<RawGroup> {
    let mut name = None;
    let mut permissions = None;
    for (key, value) in pairs {
        match (key.as_ref(), value) {
            ("name", quick::Value::Text(text)) => name = Some(text.into_owned()),
            ("permissions", quick::Value::Texts(items)) => {
                permissions = Some(items.into_iter().map(Cow::into_owned).collect())
            }
            _ => return None,
        }
    }
    Some(RawGroup {
        name: name?,
        permissions,
    })
}

fn quick_user(pairs: Vec<(Cow<'_, str>, quick::Value<'_>)>) -> Option<RawUser> {
    use quick::Value::{Bool, Text, Texts};
    let mut raw = RawUser::default();
    let texts = |items: Vec<Cow<'_, str>>| Some(items.into_iter().map(Cow::into_owned).collect());
    for (key, value) in pairs {
        match (key.as_ref(), value) {
            ("email", Text(t)) => raw.email = Some(t.into_owned()),
            ("first_name", Text(t)) => raw.first_name = Some(t.into_owned()),
            ("last_name", Text(t)) => raw.last_name = Some(t.into_owned()),
            ("active", Bool(b)) => raw.active = Some(b),
            ("staff", Bool(b)) => raw.staff = Some(b),
            ("superuser", Bool(b)) => raw.superuser = Some(b),
            ("must_change_password", Bool(b)) => raw.must_change_password = Some(b),
            ("expires_at", Text(t)) => raw.expires_at = Some(toml::Value::String(t.into_owned())),
            ("password_env", Text(t)) => raw.password_env = Some(t.into_owned()),
            ("password_file", Text(t)) => raw.password_file = Some(PathBuf::from(t.as_ref())),
            ("password_hash", Text(t)) => raw.password_hash = Some(t.into_owned()),
            ("password_update", Text(t)) => raw.password_update = Some(t.into_owned()),
            ("groups", Texts(items)) => raw.groups = texts(items),
            ("permissions", Texts(items)) => raw.permissions = texts(items),
            (known, _) if USER_KEYS.contains(&known) => return None,
            (_, Text(t)) => {
                raw.rest
                    .insert(key.into_owned(), toml::Value::String(t.into_owned()));
            }
            (_, Bool(b)) => {
                raw.rest.insert(key.into_owned(), toml::Value::Boolean(b));
            }
            (_, Texts(_)) => return None,
        }
    }
    raw.email.is_some().then_some(raw)
}

/// A file parsed on a thread of its own while the caller does other work
/// (opening the database, reading its state): together those are most of an
/// apply's time, and neither needs the other.
pub struct Parsing(std::thread::JoinHandle<Result<ApplyFile>>);

impl Parsing {
    /// Starts parsing `text` against the declared custom `fields`.
    pub fn start(text: String, fields: FieldSet) -> Parsing {
        Parsing(std::thread::spawn(move || {
            parse(&text, &|name| fields.get(name).is_some())
        }))
    }

    /// The parsed file, or the first problem in it.
    pub fn finish(self) -> Result<ApplyFile> {
        self.0
            .join()
            .unwrap_or_else(|_| Err(Error::invalid("apply file", "the parser failed")))
    }
}

/// Parses and checks `text`; `is_field(name)` says whether a custom field of
/// that name is declared.
pub fn parse(text: &str, is_field: &IsField<'_>) -> Result<ApplyFile> {
    parse_with(text, is_field, true)
}

/// [`parse`] with the full TOML parser alone, never the quick reader: what
/// the quick reader's answers are checked against (the `apply_file` fuzz
/// target).
#[doc(hidden)]
pub fn parse_without_quick_reader(text: &str, is_field: &IsField<'_>) -> Result<ApplyFile> {
    parse_with(text, is_field, false)
}

/// `parse`, with the quick reader tried first on each entry or not.
fn parse_with(text: &str, is_field: &IsField<'_>, quick: bool) -> Result<ApplyFile> {
    let lines = Lines::of(text);
    let raw = parse_raw(text, &lines, is_field, quick)?;
    let mut groups = Vec::new();
    let mut names = BTreeSet::new();
    for entry in raw.groups {
        let line = lines.line(entry.span().start);
        let raw = entry.into_inner();
        let what = format!("group {:?}", raw.name);
        let name = clean_group_name(&raw.name).map_err(|e| at(what.clone(), line, e))?;
        if !names.insert(name.clone()) {
            return Err(at(what, line, "it is listed twice"));
        }
        let permissions = raw
            .permissions
            .map(|p| Permission::parse_all(&p))
            .transpose()
            .map_err(|e| at(what, line, e))?;
        groups.push(GroupEntry {
            name,
            permissions,
            line,
        });
    }
    let mut keys = HashSet::with_capacity(raw.users.len());
    if let Some(twice) = raw
        .users
        .iter()
        .find(|u| !keys.insert(u.email_key.as_str()))
    {
        return Err(at(
            format!("user {}", twice.email),
            twice.line,
            "it is listed twice",
        ));
    }
    Ok(ApplyFile {
        groups,
        users: raw.users,
    })
}

fn user_entry(raw: RawUser, line: usize, is_field: &IsField<'_>) -> Result<UserEntry> {
    let given = raw.email.as_deref().unwrap_or_default();
    let email = parse_email(given).map_err(|e| at(format!("user {given:?}"), line, e))?;
    // Named only when something is wrong (a large file has many entries).
    let fail = |reason: &dyn std::fmt::Display| at(format!("user {email}"), line, reason);
    let mut fields = Vec::new();
    for (key, value) in raw.rest {
        if key == "password" {
            return Err(fail(
                &"a plain-text password is refused in the file: use password_env, \
                  password_file or password_hash",
            ));
        }
        if !is_field(&key) {
            return Err(fail(&format!(
                "unknown key `{key}` (the keys are {}, and the declared custom fields)",
                USER_KEYS.join(", ")
            )));
        }
        fields.push((key, field_text(&value).map_err(|e| fail(&e))?));
    }
    let sources = [
        raw.password_env.map(PasswordSource::Env),
        raw.password_file.map(PasswordSource::File),
        raw.password_hash.map(PasswordSource::Hash),
    ];
    let mut given = sources.into_iter().flatten();
    let password = given.next();
    if given.next().is_some() {
        return Err(fail(
            &"give one of password_env, password_file and password_hash",
        ));
    }
    let password_update = match raw.password_update.as_deref() {
        None | Some("on_create") => PasswordUpdate::OnCreate,
        Some("always") => PasswordUpdate::Always,
        Some(other) => {
            return Err(fail(&format!(
                "password_update is {other:?}: use \"on_create\" (the default) or \"always\""
            )));
        }
    };
    if password_update == PasswordUpdate::Always && password.is_none() {
        return Err(fail(
            &"password_update = \"always\" needs a password source",
        ));
    }
    // Django's create_superuser: a superuser is staff.
    let staff = match (raw.superuser, raw.staff) {
        (Some(true), None) => Some(true),
        (Some(true), Some(false)) => {
            return Err(fail(
                &"a superuser must be staff (Django: Superuser must have is_staff=True)",
            ));
        }
        (_, staff) => staff,
    };
    let expires_at = raw
        .expires_at
        .map(|v| expiry(&v))
        .transpose()
        .map_err(|e| fail(&e))?;
    let groups = raw
        .groups
        .map(|g| crate::access::clean_group_names(&g))
        .transpose()
        .map_err(|e| fail(&e))?;
    let permissions = raw
        .permissions
        .map(|p| Permission::parse_all(&p))
        .transpose()
        .map_err(|e| fail(&e))?;
    Ok(UserEntry {
        email_key: email_key(&email),
        email,
        first_name: raw.first_name,
        last_name: raw.last_name,
        active: raw.active,
        staff,
        superuser: raw.superuser,
        must_change_password: raw.must_change_password,
        expires_at,
        password,
        password_update,
        groups,
        permissions,
        fields,
        line,
    })
}

/// A custom field's value as the text its parser takes.
fn field_text(value: &toml::Value) -> std::result::Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        other => Err(format!(
            "a custom field takes a string, number, boolean or date, not {}",
            other.type_str()
        )),
    }
}

/// `expires_at`: `"never"`, a date (its start, UTC) or an RFC 3339 time, as a
/// string or a TOML date/time.
fn expiry(value: &toml::Value) -> std::result::Result<Option<jiff::Timestamp>, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) => d.to_string(),
        other => return Err(format!("expires_at cannot be {}", other.type_str())),
    };
    crate::clock::parse_expiry(&text).ok_or_else(|| {
        format!("expires_at {text:?} is not never, a date (2027-01-31) or an RFC 3339 time")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: &str) -> bool {
        name == "department"
    }

    fn error(text: &str) -> String {
        parse(text, &fields).unwrap_err().to_string()
    }

    #[test]
    fn a_file_of_groups_and_users_is_read_with_its_lines() {
        let file = parse(
            r#"
[[groups]]
name = "ops"
permissions = ["infra.deploy"]

[[users]]
email = "Root@Example.com"
superuser = true
password_env = "ROOT_PASSWORD"
groups = ["ops"]
department = "Ops"
expires_at = 2027-01-31
"#,
            &fields,
        )
        .unwrap();
        assert_eq!(file.groups[0].name, "ops");
        assert_eq!(
            file.groups[0].permissions,
            Some(vec![Permission::parse("infra.deploy").unwrap()])
        );
        let root = &file.users[0];
        assert_eq!(root.email, "Root@example.com");
        assert_eq!(root.email_key, "root@example.com");
        assert_eq!(root.superuser, Some(true));
        assert_eq!(root.staff, Some(true), "a superuser is staff");
        assert_eq!(
            root.password,
            Some(PasswordSource::Env("ROOT_PASSWORD".into()))
        );
        assert_eq!(root.groups, Some(vec!["ops".to_string()]));
        assert_eq!(root.fields, [("department".to_string(), "Ops".to_string())]);
        assert_eq!(
            root.expires_at,
            Some(Some("2027-01-31T00:00:00Z".parse().unwrap()))
        );
        assert!(root.line >= 6 && root.line <= 7, "{}", root.line);
    }

    /// Every text the quick reader takes reads as the full parser reads it,
    /// errors included (the quick reader only ever hands a text over).
    #[test]
    fn the_quick_reader_and_the_full_parser_agree() {
        let texts = [
            "[[groups]]\nname = \"ops\"\npermissions = [\"infra.deploy\", 'a.b',]\n\n\
             [[users]]\nemail = \"Root@Example.com\" # root\nsuperuser = true\n\
             password_env = 'ROOT'\ngroups = [\"ops\"]\ndepartment = \"Ops\"\n\
             expires_at = \"2027-01-31\"\npassword_update = \"always\"\n",
            "# header comment\r\n[[users]]\r\nemail = \"a@example.com\"\r\nfirst_name = \"\\u00c9mile\"\r\n\
             last_name = 'O\\Brien'\r\nactive = false\r\nstaff = true\r\n\
             must_change_password = true\r\npassword_hash = \"!x\"\r\npermissions = []\r\n",
            "[[users]]\nemail = \"b@example.com\"\npassword_file = \"/run/secrets/b\"\ndepartment = true\n",
            "[[users]]\nemail = \"c@example.com\"\nexpires_at = \"never\"\ngroups = []\n",
            // Errors: the same words and lines.
            "[[users]]\nemail = \"a@example.com\"\nactive = \"yes\"\n",
            "[[users]]\nemail = \"a@example.com\"\ngroups = \"ops\"\n",
            "[[users]]\nfirst_name = \"A\"\n",
            "[[users]]\nemail = \"a@example.com\"\nnickname = \"A\"\n",
            "[[users]]\nemail = \"a@example.com\"\ndepartment = [\"A\"]\n",
            "[[users]]\nemail = \"a@example.com\"\npassword = \"hunter2\"\n",
            "[[users]]\nemail = \"a@example.com\"\nexpires_at = \"soon\"\n",
            "[[users]]\nemail = \"a@example.com\"\n[[users]]\nemail = \"A@example.com\"\n",
            "[[groups]]\nname = \"g\"\nmembers = [\"a\"]\n",
            "[[groups]]\npermissions = [\"a.b\"]\n",
            "[[groups]]\nname = \"g\"\npermissions = [\"Nope\"]\n",
            "\n\n[[users]]\nemail = \"a@example.com\"\nsuperuserr = true\n",
        ];
        for text in texts {
            let quick = parse_with(text, &fields, true).map_err(|e| e.to_string());
            let full = parse_with(text, &fields, false).map_err(|e| e.to_string());
            assert_eq!(quick, full, "{text:?}");
        }
        // The quick reader reads the plain ones (it is not only refusing).
        for text in &texts[..4] {
            assert!(quick::read(text, &mut Vec::new()).is_some(), "{text:?}");
            assert!(parse_with(text, &fields, true).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn bad_entries_name_themselves_and_their_line() {
        let plain = error("[[users]]\nemail = \"a@example.com\"\npassword = \"hunter2\"\n");
        assert!(plain.contains("user a@example.com (line 1)"), "{plain}");
        assert!(plain.contains("plain-text password"), "{plain}");
        assert!(!plain.contains("hunter2"), "{plain}");
        let unknown = error("\n\n[[users]]\nemail = \"a@example.com\"\nsuperuserr = true\n");
        assert!(
            unknown.contains("(line 3)") && unknown.contains("`superuserr`"),
            "{unknown}"
        );
        let bad = error("[[users]]\nemail = \"not an address\"\n");
        assert!(bad.contains("\"not an address\" (line 1)"), "{bad}");
        let twice =
            error("[[users]]\nemail = \"a@example.com\"\n[[users]]\nemail = \"A@example.com\"\n");
        assert!(
            twice.contains("(line 3)") && twice.contains("twice"),
            "{twice}"
        );
        let perm = error("[[groups]]\nname = \"g\"\npermissions = [\"Nope\"]\n");
        assert!(perm.contains("group \"g\" (line 1)"), "{perm}");
        let key = error("[[groups]]\nname = \"g\"\nmembers = 3\n");
        assert!(key.contains("line 3") && key.contains("members"), "{key}");
        let two = error(
            "[[users]]\nemail = \"a@example.com\"\npassword_env = \"A\"\npassword_hash = \"x\"\n",
        );
        assert!(two.contains("one of"), "{two}");
        let always = error("[[users]]\nemail = \"a@example.com\"\npassword_update = \"always\"\n");
        assert!(always.contains("needs a password source"), "{always}");
        // Entries parsed one by one keep their lines, and a multi-line
        // string (parsed whole) too.
        let later = error("[[users]]\nemail = \"a@example.com\"\n\n[[groups]]\nname = \"\"\n");
        assert!(later.contains("(line 4)"), "{later}");
        let long = error(
            "[[users]]\nemail = \"a@example.com\"\nfirst_name = \"\"\"x\n[[users]]\n\"\"\"\n[[groups]]\nname = \"\"\n",
        );
        assert!(long.contains("(line 6)"), "{long}");
        let top = error("[users]\nemail = 1\n");
        assert!(top.contains("apply file (line"), "{top}");
    }
}
