//! Value parsers whose errors say what is accepted, for flags where clap's own
//! ("value was not a boolean", "invalid digit found in string") leaves an
//! operator guessing.

/// `--active`, `--staff`, `--superuser`: the spellings clap's boolish parser takes.
pub fn boolean(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" | "t" => Ok(true),
        "false" | "no" | "n" | "off" | "0" | "f" => Ok(false),
        _ => Err("expected true or false (also yes/no, on/off, 1/0)".into()),
    }
}

/// A permission, `app_label.codename`; the error says the form.
pub fn permission(text: &str) -> Result<userdb::access::Permission, String> {
    userdb::access::Permission::parse(text).map_err(|e| e.to_string())
}

/// `--expires-at`: `never`, a date (the account stops working at its start,
/// 00:00 UTC, as `useradd --expiredate`), or an RFC 3339 time.
pub fn expiry_moment(text: &str) -> Result<Expiry, String> {
    userdb::clock::parse_expiry(text)
        .map(Expiry)
        .ok_or_else(|| {
            "expected never, a date (2027-01-31: from its start, UTC) or an RFC 3339 time \
             (2027-01-31T18:00:00Z)"
                .into()
        })
}

/// A parsed `--expires-at`: `None` is `never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry(pub Option<jiff::Timestamp>);

/// A token id as `list-tokens` shows it; an address here meant `--all EMAIL`.
pub fn token_id(text: &str) -> Result<i64, String> {
    text.trim().parse().map_err(|_| {
        if text.contains('@') {
            "a token id is a number; to revoke every token of a user, use --all EMAIL".into()
        } else {
            "a token id is a number, as `userdb list-tokens` shows it".into()
        }
    })
}

/// `--purpose`: a closed set, so help lists it and completion offers it.
pub fn purpose() -> impl clap::builder::TypedValueParser<Value = userdb::otp::Purpose> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(userdb::otp::Purpose::ALL.map(|p| p.as_str()))
        .try_map(|name| name.parse::<userdb::otp::Purpose>())
}

/// `--format` of `import` and `export`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Jsonl,
    Django,
}

impl From<FormatArg> for userdb::provisioning::Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => userdb::provisioning::Format::Csv,
            FormatArg::Jsonl => userdb::provisioning::Format::Jsonl,
            FormatArg::Django => userdb::provisioning::Format::Django,
        }
    }
}

/// The format `--format` names, else the one the file's extension says.
pub fn format_of(
    flag: Option<FormatArg>,
    path: &std::path::Path,
) -> Result<userdb::provisioning::Format, super::exit::CliError> {
    match flag {
        Some(f) => Ok(f.into()),
        None => userdb::provisioning::Format::from_path(path).ok_or_else(|| {
            super::exit::CliError::usage(
                format!("cannot tell the format of {}", path.display()),
                "pass --format csv, jsonl or django",
            )
        }),
    }
}

/// Sorted, without repeats.
pub fn dedup(mut permissions: Vec<userdb::access::Permission>) -> Vec<userdb::access::Permission> {
    permissions.sort();
    permissions.dedup();
    permissions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_name_what_is_accepted() {
        for (text, value) in [
            ("true", true),
            ("Yes", true),
            ("1", true),
            ("off", false),
            ("no", false),
        ] {
            assert_eq!(boolean(text), Ok(value), "{text}");
        }
        assert!(boolean("maybe").unwrap_err().contains("true or false"));
    }

    #[test]
    fn an_address_for_a_token_id_points_at_all() {
        assert_eq!(token_id("42"), Ok(42));
        assert!(
            token_id("ada@example.com")
                .unwrap_err()
                .contains("--all EMAIL")
        );
        assert!(token_id("x").unwrap_err().contains("list-tokens"));
    }
}
