//! Custom user fields: Django's "add your fields" and `REQUIRED_FIELDS`, declared in
//! the config file as `[fields.NAME]` tables instead of in code.
//!
//! A value is stored as its canonical text (integers in decimal, booleans as
//! `true`/`false`, dates as `YYYY-MM-DD`, a choice as spelled in the config), so
//! equality filters and uniqueness compare one form, and a value outlives its
//! field leaving the config.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use serde::{Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

/// The longest field name: a SQLite index is named after it, and a Django field too.
pub const MAX_NAME_LEN: usize = 63;
/// A text field's length limit unless `max_length` says otherwise (a Django
/// `CharField(max_length=255)`).
pub const DEFAULT_MAX_LENGTH: usize = 255;
/// The largest `max_length` a text field may declare.
pub const MAX_MAX_LENGTH: usize = 10_000;

/// Names a custom field cannot take besides the built-in fields
/// ([`crate::user::FIELD_NAMES`]): the other keys of a user in `--json` output and
/// in import files, and Django's own `AbstractUser` fields.
pub const RESERVED_NAMES: &[&str] = &[
    "pk",
    "email_key",
    "password",
    "password_hash",
    "active_tokens",
    "created",
    "revoked_tokens",
    "token",
    "username",
    "groups",
    "user_permissions",
    "second_factor",
    "recovery_codes_left",
];

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    Text {
        max_length: usize,
    },
    Integer,
    Boolean,
    Date,
    /// One of these, spelled as in the config.
    Choice(Vec<String>),
}

impl FieldType {
    /// What a value must look like, for error messages and prompts.
    pub fn describe(&self) -> String {
        match self {
            FieldType::Text { max_length } => format!("text of at most {max_length} characters"),
            FieldType::Integer => "a whole number".to_string(),
            FieldType::Boolean => "true or false (also yes/no, 1/0)".to_string(),
            FieldType::Date => "a date as YYYY-MM-DD".to_string(),
            FieldType::Choice(choices) => format!("one of: {}", choices.join(", ")),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Text { .. } => "text",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Choice(_) => "choice",
        }
    }
}

/// One value of a custom field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Integer(i64),
    Boolean(bool),
    Date(Date),
    Choice(String),
}

impl FieldValue {
    /// The form stored, compared and exported as text.
    pub fn canonical(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(s) | FieldValue::Choice(s) => f.write_str(s),
            FieldValue::Integer(i) => write!(f, "{i}"),
            FieldValue::Boolean(b) => write!(f, "{b}"),
            FieldValue::Date(d) => write!(f, "{d}"),
        }
    }
}

/// JSON gets the natural type: a number, a boolean, or a string.
impl Serialize for FieldValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Integer(i) => s.serialize_i64(*i),
            FieldValue::Boolean(b) => s.serialize_bool(*b),
            other => s.collect_str(other),
        }
    }
}

/// One declared field: `[fields.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldType,
    /// Asked by `createsuperuser`, demanded by `createuser` and `import` (unless
    /// there is a default).
    pub required: bool,
    /// Given to a new user that is created without a value.
    pub default: Option<FieldValue>,
    /// No two users share a value (enforced by a unique index).
    pub unique: bool,
    pub help: Option<String>,
}

impl FieldSpec {
    /// Parses a value typed by a person (`--set`, a prompt, a CSV cell,
    /// `USERDB_SUPERUSER_<NAME>`). The error is the reason, to be put after the
    /// field's name.
    pub fn parse(&self, text: &str) -> Result<FieldValue, String> {
        let trimmed = text.trim();
        let found = || format!("found {:?}", shorten(text));
        match &self.kind {
            FieldType::Text { max_length } => {
                if trimmed.chars().any(char::is_control) {
                    return Err("contains control characters".to_string());
                }
                // NFC: the same text typed precomposed or decomposed is one value,
                // so a unique field cannot hold two look-alike copies.
                let composed: String = trimmed.nfc().collect();
                let length = composed.chars().count();
                if length > *max_length {
                    return Err(format!("longer than {max_length} characters ({length})"));
                }
                Ok(FieldValue::Text(composed))
            }
            FieldType::Integer => trimmed
                .parse()
                .map(FieldValue::Integer)
                .map_err(|_| format!("expected a whole number, {}", found())),
            FieldType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "on" | "1" => Ok(FieldValue::Boolean(true)),
                "false" | "no" | "n" | "off" | "0" => Ok(FieldValue::Boolean(false)),
                _ => Err(format!("expected true or false, {}", found())),
            },
            FieldType::Date => {
                let shape_ok = trimmed.len() == 10
                    && trimmed.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                // Year 0 fits the shape but not Django's date (years 1 to 9999).
                let date = shape_ok
                    .then(|| trimmed.parse::<Date>().ok())
                    .flatten()
                    .filter(|d| d.year() >= 1);
                date.map(FieldValue::Date)
                    .ok_or_else(|| format!("expected a date as YYYY-MM-DD, {}", found()))
            }
            FieldType::Choice(choices) => {
                let exact = choices.iter().find(|c| c.as_str() == trimmed);
                let mut folded = choices
                    .iter()
                    .filter(|c| c.to_lowercase() == trimmed.to_lowercase());
                let matched = exact.or_else(|| match (folded.next(), folded.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                });
                matched
                    .map(|c| FieldValue::Choice(c.clone()))
                    .ok_or_else(|| format!("expected one of {}, {}", choices.join(", "), found()))
            }
        }
    }

    /// Parses a JSON value (an import's JSON Lines or Django fixture): numbers and
    /// booleans may come as themselves or as text. `null` is no value.
    pub fn from_json(&self, value: &serde_json::Value) -> Result<Option<FieldValue>, String> {
        use serde_json::Value;
        match (value, &self.kind) {
            (Value::Null, _) => Ok(None),
            (Value::String(s), _) => self.parse_optional(s),
            (Value::Number(n), FieldType::Integer) => n
                .as_i64()
                .map(|i| Some(FieldValue::Integer(i)))
                .ok_or_else(|| format!("expected a whole number, found {n}")),
            (Value::Bool(b), FieldType::Boolean) => Ok(Some(FieldValue::Boolean(*b))),
            (other, kind) => Err(format!(
                "expected {}, found {}",
                kind.describe(),
                json_type(other)
            )),
        }
    }

    /// [`FieldSpec::parse`], where blank text means no value.
    pub fn parse_optional(&self, text: &str) -> Result<Option<FieldValue>, String> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            self.parse(text).map(Some)
        }
    }

    /// A stored value under today's declaration. A value written under another
    /// type (the field was redeclared) is shown as the text it is, and `doctor`
    /// points it out.
    pub fn read_stored(&self, stored: &str) -> FieldValue {
        match self.parse(stored) {
            Ok(value) if value.canonical() == stored => value,
            _ => FieldValue::Text(stored.to_string()),
        }
    }

    /// True when `stored` is a canonical value of this field's type.
    pub fn accepts_stored(&self, stored: &str) -> bool {
        self.parse(stored).is_ok_and(|v| v.canonical() == stored)
    }

    /// The variable `createsuperuser` reads the value from when not prompting
    /// (Django's `DJANGO_SUPERUSER_<FIELD>`).
    pub fn superuser_env_var(&self) -> String {
        format!("USERDB_SUPERUSER_{}", self.name.to_ascii_uppercase())
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

fn json_type(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The fields declared in the config, in the order declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    fields: Vec<FieldSpec>,
}

impl FieldSet {
    pub fn new(fields: Vec<FieldSpec>) -> Self {
        FieldSet { fields }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldSpec> {
        self.fields.iter()
    }

    pub fn get(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// The declared field called `name`, or an error that lists the declared ones.
    pub fn lookup(&self, name: &str) -> crate::Result<&FieldSpec> {
        if crate::user::FIELD_NAMES.contains(&name) {
            return Err(crate::Error::invalid(
                format!("field `{name}`"),
                "it is a built-in field, not a custom one: it has an option of its own",
            ));
        }
        self.get(name).ok_or_else(|| crate::Error::UnknownField {
            name: shorten(name),
            declared: self.names().join(", "),
        })
    }

    /// The declared field `name` and the value `text` gives it (blank: none).
    pub fn parse(&self, name: &str, text: &str) -> crate::Result<(&FieldSpec, Option<FieldValue>)> {
        let spec = self.lookup(name)?;
        let value = spec
            .parse_optional(text)
            .map_err(|reason| crate::Error::invalid(format!("value for field `{name}`"), reason))?;
        Ok((spec, value))
    }

    /// The declared fields' values in `stored` (a user's raw values), in declared
    /// order; `None` where the user has none.
    pub fn values<'a>(
        &'a self,
        stored: &BTreeMap<String, String>,
    ) -> Vec<(&'a str, Option<FieldValue>)> {
        self.fields
            .iter()
            .map(|f| {
                let value = stored.get(&f.name).map(|s| f.read_stored(s));
                (f.name.as_str(), value)
            })
            .collect()
    }

    /// Reads `[fields.NAME]` tables from the config file.
    pub fn from_toml(table: &toml::Table) -> Result<FieldSet, String> {
        let mut fields = Vec::new();
        for (name, body) in table {
            let toml::Value::Table(body) = body else {
                return Err(format!("`fields.{name}` must be a [fields.{name}] table"));
            };
            let spec = spec_from_toml(name, body).map_err(|e| format!("[fields.{name}]: {e}"))?;
            fields.push(spec);
        }
        Ok(FieldSet { fields })
    }
}

/// Checks a field's name: a lower-case identifier (usable as a Django field, a CSV
/// column, a SQLite index name and an environment variable suffix) that does not
/// clash with a built-in field.
pub fn check_name(name: &str) -> Result<(), String> {
    if crate::user::FIELD_NAMES.contains(&name) || RESERVED_NAMES.contains(&name) {
        return Err(format!(
            "`{name}` clashes with the built-in field of that name; choose another name"
        ));
    }
    let mut bytes = name.bytes();
    let starts_with_letter = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    let rest_ok = bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !starts_with_letter || !rest_ok || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "the name `{}` is not allowed: use a lower-case letter, then letters, digits or _ \
             (at most {MAX_NAME_LEN} characters)",
            shorten(name)
        ));
    }
    // Django's own rules for field names (models.E003, fields.E001).
    if name.contains("__") || name.ends_with('_') {
        return Err(format!(
            "the name `{name}` is not allowed: no `__` and no trailing `_` (as in Django)"
        ));
    }
    Ok(())
}

const SPEC_KEYS: &[&str] = &[
    "type",
    "choices",
    "required",
    "default",
    "unique",
    "help",
    "max_length",
];

fn spec_from_toml(name: &str, body: &toml::Table) -> Result<FieldSpec, String> {
    check_name(name)?;
    if let Some(unknown) = body.keys().find(|k| !SPEC_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "unknown key `{unknown}` (known: {})",
            SPEC_KEYS.join(", ")
        ));
    }
    let string = |key: &str| -> Result<Option<&str>, String> {
        match body.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!(
                "`{key}` must be a string, found {}",
                other.type_str()
            )),
        }
    };
    let boolean = |key: &str| -> Result<bool, String> {
        match body.get(key) {
            None => Ok(false),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(other) => Err(format!(
                "`{key}` must be true or false, found {}",
                other.type_str()
            )),
        }
    };
    let type_name = string("type")?
        .ok_or("`type` is missing: give one of text, integer, boolean, date, choice")?;
    if type_name != "choice" && body.contains_key("choices") {
        return Err("`choices` is only for type = \"choice\"".to_string());
    }
    if type_name != "text" && body.contains_key("max_length") {
        return Err("`max_length` is only for type = \"text\"".to_string());
    }
    let kind = match type_name {
        "text" => FieldType::Text {
            max_length: match body.get("max_length") {
                None => DEFAULT_MAX_LENGTH,
                Some(toml::Value::Integer(n)) if (1..=MAX_MAX_LENGTH as i64).contains(n) => {
                    *n as usize
                }
                Some(_) => {
                    return Err(format!(
                        "`max_length` must be a whole number from 1 to {MAX_MAX_LENGTH}"
                    ));
                }
            },
        },
        "integer" => FieldType::Integer,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "choice" => FieldType::Choice(choices_from_toml(body.get("choices"))?),
        other => {
            return Err(format!(
                "unknown type {other:?}: use text, integer, boolean, date or choice"
            ));
        }
    };
    let help = string("help")?.map(str::trim).filter(|h| !h.is_empty());
    if help.is_some_and(|h| h.chars().any(char::is_control)) {
        return Err("`help` must be one line".to_string());
    }
    let mut spec = FieldSpec {
        name: name.to_string(),
        kind,
        required: boolean("required")?,
        default: None,
        unique: boolean("unique")?,
        help: help.map(str::to_string),
    };
    if let Some(default) = body.get("default") {
        if spec.unique {
            return Err(
                "a unique field cannot have a default: every new user would get the same value"
                    .to_string(),
            );
        }
        let value = match default {
            toml::Value::String(s) => spec.parse(s),
            toml::Value::Integer(i) if spec.kind == FieldType::Integer => {
                Ok(FieldValue::Integer(*i))
            }
            toml::Value::Boolean(b) if spec.kind == FieldType::Boolean => {
                Ok(FieldValue::Boolean(*b))
            }
            toml::Value::Datetime(dt) if spec.kind == FieldType::Date && dt.time.is_none() => {
                spec.parse(&dt.to_string())
            }
            other => Err(format!(
                "expected {}, found {}",
                spec.kind.describe(),
                other.type_str()
            )),
        };
        let value = value.map_err(|e| format!("`default`: {e}"))?;
        if value == FieldValue::Text(String::new()) {
            return Err("`default` is empty: leave it out instead".to_string());
        }
        spec.default = Some(value);
    }
    Ok(spec)
}

fn choices_from_toml(value: Option<&toml::Value>) -> Result<Vec<String>, String> {
    let Some(toml::Value::Array(items)) = value else {
        return Err(
            "type = \"choice\" needs `choices`, a list of strings, e.g. choices = [\"red\", \"blue\"]"
                .to_string(),
        );
    };
    let mut choices: Vec<String> = Vec::new();
    for item in items {
        let toml::Value::String(choice) = item else {
            return Err(format!(
                "`choices` must be strings, found {}",
                item.type_str()
            ));
        };
        let choice = choice.trim();
        if choice.is_empty() || choice.chars().any(char::is_control) {
            return Err(format!(
                "the choice {choice:?} is blank or has control characters"
            ));
        }
        if choices
            .iter()
            .any(|c| c.to_lowercase() == choice.to_lowercase())
        {
            return Err(format!("the choice {choice:?} is listed twice"));
        }
        choices.push(choice.to_string());
    }
    if choices.is_empty() {
        return Err("`choices` is empty".to_string());
    }
    Ok(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Result<FieldSet, String> {
        let table: toml::Table = text.parse().unwrap();
        FieldSet::from_toml(&table)
    }

    fn spec(text: &str) -> FieldSpec {
        fields(text).unwrap().iter().next().unwrap().clone()
    }

    #[test]
    fn fields_keep_the_order_of_the_config_file() {
        let set = fields(
            "[zeta]\ntype = \"text\"\n[alpha]\ntype = \"integer\"\n[mid]\ntype = \"date\"\n",
        )
        .unwrap();
        assert_eq!(set.names(), ["zeta", "alpha", "mid"]);
    }

    #[test]
    fn each_type_parses_its_values_into_one_canonical_form() {
        let int = spec("[age]\ntype = \"integer\"");
        assert_eq!(int.parse(" 42 "), Ok(FieldValue::Integer(42)));
        assert_eq!(int.parse("-7").unwrap().canonical(), "-7");
        assert_eq!(
            int.parse("4.5"),
            Err("expected a whole number, found \"4.5\"".to_string())
        );
        let boolean = spec("[vip]\ntype = \"boolean\"");
        for yes in ["true", "YES", "y", "1", "on"] {
            assert_eq!(boolean.parse(yes), Ok(FieldValue::Boolean(true)), "{yes}");
        }
        for no in ["false", "No", "n", "0", "off"] {
            assert_eq!(boolean.parse(no), Ok(FieldValue::Boolean(false)), "{no}");
        }
        assert!(
            boolean
                .parse("maybe")
                .unwrap_err()
                .contains("true or false")
        );
        let date = spec("[born]\ntype = \"date\"");
        assert_eq!(date.parse("1990-02-28").unwrap().canonical(), "1990-02-28");
        for bad in ["1990-02-30", "28/02/1990", "1990-2-28", "1990-02-28T00:00"] {
            assert!(date.parse(bad).unwrap_err().contains("YYYY-MM-DD"), "{bad}");
        }
        let choice = spec("[team]\ntype = \"choice\"\nchoices = [\"Sales\", \"R&D\"]");
        assert_eq!(
            choice.parse("Sales"),
            Ok(FieldValue::Choice("Sales".into()))
        );
        assert_eq!(choice.parse("r&d"), Ok(FieldValue::Choice("R&D".into())));
        assert_eq!(
            choice.parse("Ops"),
            Err("expected one of Sales, R&D, found \"Ops\"".to_string())
        );
        let text = spec("[phone]\ntype = \"text\"\nmax_length = 5");
        assert_eq!(text.parse(" 12345 "), Ok(FieldValue::Text("12345".into())));
        assert!(text.parse("123456").unwrap_err().contains("longer than 5"));
        assert!(text.parse("a\u{1b}[31m").unwrap_err().contains("control"));
    }

    #[test]
    fn json_values_may_be_typed_or_text() {
        let int = spec("[age]\ntype = \"integer\"");
        assert_eq!(
            int.from_json(&serde_json::json!(42)),
            Ok(Some(FieldValue::Integer(42)))
        );
        assert_eq!(
            int.from_json(&serde_json::json!("42")),
            Ok(Some(FieldValue::Integer(42)))
        );
        assert_eq!(int.from_json(&serde_json::Value::Null), Ok(None));
        assert_eq!(int.from_json(&serde_json::json!("")), Ok(None));
        assert!(int.from_json(&serde_json::json!(1.5)).is_err());
        let text = spec("[phone]\ntype = \"text\"");
        assert_eq!(
            text.from_json(&serde_json::json!(5551234)),
            Err("expected text of at most 255 characters, found a number".to_string())
        );
    }

    #[test]
    fn json_output_uses_the_natural_types() {
        let values = [
            FieldValue::Integer(3),
            FieldValue::Boolean(true),
            FieldValue::Date("2026-01-02".parse().unwrap()),
            FieldValue::Text("x".into()),
        ];
        assert_eq!(
            serde_json::to_string(&values).unwrap(),
            r#"[3,true,"2026-01-02","x"]"#
        );
    }

    #[test]
    fn bad_declarations_are_named_precisely() {
        for (text, expected) in [
            (
                "[email]\ntype = \"text\"",
                "`email` clashes with the built-in field",
            ),
            (
                "[is_staff]\ntype = \"boolean\"",
                "clashes with the built-in",
            ),
            (
                "[Department]\ntype = \"text\"",
                "the name `Department` is not allowed",
            ),
            ("[\"2fa\"]\ntype = \"text\"", "is not allowed"),
            ("[a__b]\ntype = \"text\"", "no `__`"),
            ("[x]\nrequired = true", "`type` is missing"),
            ("[x]\ntype = \"float\"", "unknown type \"float\""),
            ("[x]\ntype = \"choice\"", "needs `choices`"),
            ("[x]\ntype = \"choice\"\nchoices = []", "`choices` is empty"),
            (
                "[x]\ntype = \"choice\"\nchoices = [\"a\", \"A\"]",
                "listed twice",
            ),
            (
                "[x]\ntype = \"text\"\nchoices = [\"a\"]",
                "only for type = \"choice\"",
            ),
            (
                "[x]\ntype = \"integer\"\ndefault = \"ten\"",
                "`default`: expected a whole number",
            ),
            (
                "[x]\ntype = \"choice\"\nchoices = [\"a\"]\ndefault = \"b\"",
                "`default`: expected one of a",
            ),
            (
                "[x]\ntype = \"text\"\nunique = true\ndefault = \"a\"",
                "cannot have a default",
            ),
            (
                "[x]\ntype = \"text\"\nrequird = true",
                "unknown key `requird`",
            ),
            (
                "[x]\ntype = \"text\"\nrequired = \"yes\"",
                "`required` must be true or false",
            ),
            (
                "[x]\ntype = \"text\"\nmax_length = 0",
                "`max_length` must be",
            ),
            ("x = 1", "must be a [fields.x] table"),
        ] {
            let err = fields(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn defaults_may_be_written_as_toml_values() {
        let set = fields(
            "[n]\ntype = \"integer\"\ndefault = 3\n[b]\ntype = \"boolean\"\ndefault = true\n\
             [d]\ntype = \"date\"\ndefault = 2026-01-31\n[t]\ntype = \"choice\"\nchoices = [\"Sales\"]\ndefault = \"sales\"\n",
        )
        .unwrap();
        let defaults: Vec<String> = set
            .iter()
            .map(|f| f.default.as_ref().unwrap().canonical())
            .collect();
        assert_eq!(defaults, ["3", "true", "2026-01-31", "Sales"]);
    }

    proptest::proptest! {
        /// Any input either fails with a reason or gives a value whose canonical
        /// form parses back to itself: what is stored is what is compared.
        #[test]
        fn parsing_never_panics_and_canonical_forms_are_fixed_points(text in "\\PC{0,30}|[-+ 0-9]{1,25}|[0-9]{4}-[0-9]{2}-[0-9]{2}") {
            let table: toml::Table = "[t]\ntype = \"text\"\n[i]\ntype = \"integer\"\n[b]\ntype = \"boolean\"\n\
                [d]\ntype = \"date\"\n[c]\ntype = \"choice\"\nchoices = [\"Ops\", \"R&D\"]\n".parse().unwrap();
            for spec in FieldSet::from_toml(&table).unwrap().iter() {
                if let Ok(value) = spec.parse(&text) {
                    let canonical = value.canonical();
                    proptest::prop_assert_eq!(spec.parse(&canonical), Ok(value));
                    proptest::prop_assert!(spec.accepts_stored(&canonical));
                }
            }
        }
    }

    #[test]
    fn a_value_stored_under_another_type_reads_back_as_text() {
        let int = spec("[code]\ntype = \"integer\"");
        assert_eq!(int.read_stored("12"), FieldValue::Integer(12));
        assert_eq!(int.read_stored("A12"), FieldValue::Text("A12".into()));
        assert!(!int.accepts_stored("012"));
    }
}
