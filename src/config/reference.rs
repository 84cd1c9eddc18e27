//! The Markdown table of every configuration key, generated from [`KEYS`]: the
//! README's Configuration section holds this output (a test keeps it current).

use super::keys::{KEYS, KeySpec};

/// One row per key: its name, environment variable, type and bounds, default and
/// what it does.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "| Key | Environment variable | Type | Default | What it does |\n\
         |---|---|---|---|---|\n",
    );
    for spec in KEYS {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            spec.name(),
            spec.env_var(),
            cell(&spec.kind.describe()),
            default_cell(spec),
            cell(spec.doc),
        ));
    }
    out
}

/// A value in code, a description such as "(not set)" as prose, and a note after
/// a value ("console (automatic)") after the code.
fn default_cell(spec: &KeySpec) -> String {
    let default = spec.default;
    if default.starts_with('(') {
        return cell(default);
    }
    match default.split_once(" (") {
        Some((value, note)) if note.ends_with(')') => {
            format!("{} ({note}", code(value))
        }
        _ => code(default),
    }
}

fn code(text: &str) -> String {
    format!("`{}`", cell(text))
}

/// A pipe would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_a_row_per_key_with_its_variable() {
        let table = reference_markdown();
        assert_eq!(table.lines().count(), KEYS.len() + 2);
        assert!(table.contains(
            "| `login.max_failures` | `USERDB_LOGIN_MAX_FAILURES` | integer, 1 to 1000 | `10` |"
        ));
        assert!(table.contains("| `email.backend` | `USERDB_EMAIL_BACKEND` | one of smtp, console, file | `console` (automatic) |"));
        assert!(table.contains("| (not set) |"));
    }
}
