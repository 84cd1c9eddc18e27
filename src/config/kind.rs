//! What a key's value may be: its type and bounds. A key's [`Kind`] is both what
//! checks a value given for it and what the reference shows, so a bound is
//! written once.

use std::time::Duration;

use crate::duration::{format_duration, parse_duration, parse_finite_duration};

/// The type of a key's value, with its bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A whole number within `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    /// A number within `min..=max`.
    Number {
        min: f64,
        max: f64,
    },
    /// A duration within `min..=max`: every duration key has a range, checked
    /// when the config loads, so that no value reaches a place that cannot hold
    /// it (SQLite's busy timeout is an `int` of milliseconds, about 24 days).
    Duration {
        min: Duration,
        max: Duration,
    },
    /// A duration within `min..=max`, or `never`.
    DurationOrNever {
        min: Duration,
        max: Duration,
    },
    Boolean,
    /// One of these words.
    Choice(&'static [&'static str]),
    Text,
    /// Text that `userdb config` never shows.
    Secret,
    Path,
    /// A sender address, `Name <a@b.c>` allowed.
    Address,
    /// A message template with `{placeholders}`.
    Template,
}

impl Kind {
    /// The type and bounds as the reference shows them.
    pub fn describe(&self) -> String {
        let range = self.range().unwrap_or_default();
        match self {
            Kind::Integer { .. } => format!("integer, {range}"),
            Kind::Number { .. } => format!("number, {range}"),
            Kind::Duration { .. } => format!("duration, {range}"),
            Kind::DurationOrNever { .. } => format!("duration, {range}, or never"),
            Kind::Boolean => "boolean".to_string(),
            Kind::Choice(names) => format!("one of {}", names.join(", ")),
            Kind::Text => "text".to_string(),
            Kind::Secret => "text (secret)".to_string(),
            Kind::Path => "path".to_string(),
            Kind::Address => "email address".to_string(),
            Kind::Template => "template".to_string(),
        }
    }

    /// "1 to 100", "1s to 2m": in the reference and in out-of-range errors alike.
    fn range(&self) -> Option<String> {
        match *self {
            Kind::Integer { min, max } => Some(format!("{min} to {max}")),
            Kind::Number { min, max } => Some(format!("{min} to {max}")),
            Kind::Duration { min, max } | Kind::DurationOrNever { min, max } => Some(format!(
                "{} to {}",
                format_duration(min),
                format_duration(max)
            )),
            _ => None,
        }
    }

    fn out_of_range(&self, value: impl std::fmt::Display) -> String {
        format!(
            "{value} is out of range ({})",
            self.range().unwrap_or_default()
        )
    }
}

/// A value on its way in, from the file or from the environment.
pub(crate) enum Raw<'a> {
    Toml(&'a toml::Value),
    Env(&'a str),
}

impl Raw<'_> {
    fn integer(&self) -> Result<i64, String> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) => Ok(*i),
            Raw::Toml(other) => Err(format!(
                "expected a whole number, found {}",
                other.type_str()
            )),
            Raw::Env(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("expected a whole number, found {text:?}")),
        }
    }

    fn float(&self) -> Result<f64, String> {
        match self {
            Raw::Toml(toml::Value::Float(f)) => Ok(*f),
            Raw::Toml(toml::Value::Integer(i)) => Ok(*i as f64),
            Raw::Toml(other) => Err(format!("expected a number, found {}", other.type_str())),
            Raw::Env(text) => text
                .trim()
                .parse()
                .map_err(|_| format!("expected a number, found {text:?}")),
        }
    }

    fn boolean(&self) -> Result<bool, String> {
        match self {
            Raw::Toml(toml::Value::Boolean(b)) => Ok(*b),
            Raw::Toml(other) => Err(format!(
                "expected true or false, found {}",
                other.type_str()
            )),
            Raw::Env(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok(true),
                "false" | "no" | "off" | "0" => Ok(false),
                _ => Err(format!("expected true or false, found {text:?}")),
            },
        }
    }

    fn string(&self) -> Result<String, String> {
        match self {
            Raw::Toml(toml::Value::String(s)) => Ok(s.clone()),
            Raw::Toml(other) => Err(format!("expected a string, found {}", other.type_str())),
            Raw::Env(text) => Ok(text.to_string()),
        }
    }

    /// A duration, or `never` (`None`).
    fn duration_or_never(&self) -> Result<Option<Duration>, String> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) if *i >= 0 => {
                Ok(Some(Duration::from_secs(i.unsigned_abs())))
            }
            _ => parse_duration(&self.string()?),
        }
    }

    fn duration(&self) -> Result<Duration, String> {
        match self {
            Raw::Toml(toml::Value::Integer(i)) if *i >= 0 => {
                Ok(Duration::from_secs(i.unsigned_abs()))
            }
            _ => parse_finite_duration(&self.string()?),
        }
    }
}

/// A value given for a key, read as the key's kind says: each reader checks the
/// type, then the kind's bounds. A key read other than as its kind is a mistake
/// in the key table, which its tests find (an error, not a panic).
pub struct Value<'a> {
    raw: &'a Raw<'a>,
    kind: Kind,
}

impl<'a> Value<'a> {
    pub(crate) fn new(raw: &'a Raw<'a>, kind: Kind) -> Self {
        Value { raw, kind }
    }

    fn misread(&self, what: &str) -> String {
        format!("a {} key read as {what}", self.kind.describe())
    }

    pub fn int<T: TryFrom<i64>>(&self) -> Result<T, String> {
        let Kind::Integer { min, max } = self.kind else {
            return Err(self.misread("an integer"));
        };
        let value = self.raw.integer()?;
        if !(min..=max).contains(&value) {
            return Err(self.kind.out_of_range(value));
        }
        T::try_from(value).map_err(|_| self.kind.out_of_range(value))
    }

    pub fn number(&self) -> Result<f64, String> {
        let Kind::Number { min, max } = self.kind else {
            return Err(self.misread("a number"));
        };
        let value = self.raw.float()?;
        if !(min..=max).contains(&value) {
            return Err(self.kind.out_of_range(value));
        }
        Ok(value)
    }

    pub fn duration(&self) -> Result<Duration, String> {
        let Kind::Duration { min, max } = self.kind else {
            return Err(self.misread("a duration"));
        };
        let value = self.raw.duration()?;
        if value < min || value > max {
            return Err(self.kind.out_of_range(format_duration(value)));
        }
        Ok(value)
    }

    /// `None` is `never`.
    pub fn duration_or_never(&self) -> Result<Option<Duration>, String> {
        let Kind::DurationOrNever { min, max } = self.kind else {
            return Err(self.misread("a duration or never"));
        };
        let value = self.raw.duration_or_never()?;
        match value {
            Some(d) if d < min || d > max => Err(self.kind.out_of_range(format_duration(d))),
            _ => Ok(value),
        }
    }

    /// Whether the value is a duration of zero, for a key that says why it
    /// refuses one before its range does.
    pub fn is_zero_duration(&self) -> bool {
        matches!(self.raw.duration_or_never(), Ok(Some(Duration::ZERO)))
    }

    pub fn boolean(&self) -> Result<bool, String> {
        if self.kind != Kind::Boolean {
            return Err(self.misread("a boolean"));
        }
        self.raw.boolean()
    }

    /// One of the kind's words, parsed by the type that owns them.
    pub fn choice<T: std::str::FromStr<Err = String>>(&self) -> Result<T, String> {
        if !matches!(self.kind, Kind::Choice(_)) {
            return Err(self.misread("a choice"));
        }
        self.raw.string()?.parse()
    }

    pub fn text(&self) -> Result<String, String> {
        match self.kind {
            Kind::Text | Kind::Secret | Kind::Path | Kind::Address | Kind::Template => {
                self.raw.string()
            }
            _ => Err(self.misread("text")),
        }
    }

    /// Text where blank means not set.
    pub fn optional_text(&self) -> Result<Option<String>, String> {
        self.text()
            .map(|s| Some(s).filter(|s| !s.trim().is_empty()))
    }
}
