//! Custom field values from the command line: `--set NAME=VALUE`, the
//! `USERDB_SUPERUSER_<NAME>` variables, and the prompts of `createsuperuser`.

use userdb::fields::{FieldSet, FieldSpec, FieldType};

use super::exit::CliError;
use super::password_input::env_value;
use super::prompt::Prompter;

/// `--set NAME=VALUE`, repeatable.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct FieldArgs {
    /// Set a custom field declared in the config as [fields.NAME] (repeatable;
    /// NAME= leaves it empty)
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_assignment)]
    pub set: Vec<(String, String)>,
}

pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err("expected NAME=VALUE, e.g. --set department=Sales".to_string()),
    }
}

/// Adds, for each declared field not given, the value of its
/// `USERDB_SUPERUSER_<NAME>` variable (Django's `DJANGO_SUPERUSER_<FIELD>`).
pub fn add_superuser_env_values(fields: &FieldSet, given: &mut Vec<(String, String)>) {
    for spec in fields.iter() {
        if given.iter().any(|(name, _)| *name == spec.name) {
            continue;
        }
        if let Some(value) = env_value(&spec.superuser_env_var()) {
            given.push((spec.name.clone(), value));
        }
    }
}

/// Asks for each required field not given (Django's `REQUIRED_FIELDS`), with its
/// help, its type and its default; a wrong or taken value is explained and asked
/// again. `taken(name, canonical)` tells whether a unique value is in use.
pub fn ask_required_fields(
    prompter: &mut dyn Prompter,
    fields: &FieldSet,
    given: &mut Vec<(String, String)>,
    taken: &dyn Fn(&str, &str) -> Result<bool, CliError>,
) -> Result<(), CliError> {
    for spec in fields.iter().filter(|f| f.required) {
        if given.iter().any(|(name, _)| *name == spec.name) {
            continue;
        }
        let value = ask_field(prompter, spec, taken)?;
        given.push((spec.name.clone(), value));
    }
    Ok(())
}

fn ask_field(
    prompter: &mut dyn Prompter,
    spec: &FieldSpec,
    taken: &dyn Fn(&str, &str) -> Result<bool, CliError>,
) -> Result<String, CliError> {
    let prompt = field_prompt(spec);
    loop {
        let answer = prompter.input(&prompt)?;
        if answer.trim().is_empty() {
            match &spec.default {
                Some(default) => return Ok(default.canonical()),
                None => {
                    prompter.say("Error: This field cannot be blank.");
                    continue;
                }
            }
        }
        match spec.parse(&answer) {
            Err(reason) => prompter.say(&format!("Error: {reason}.")),
            Ok(value) if spec.unique && taken(&spec.name, &value.canonical())? => {
                prompter.say(&format!("Error: That {} is already taken.", label(spec)));
            }
            Ok(value) => return Ok(value.canonical()),
        }
    }
}

/// `Department (where they work; one of Sales, Ops) [Sales]`.
fn field_prompt(spec: &FieldSpec) -> String {
    let mut notes: Vec<String> = spec.help.iter().cloned().collect();
    if !matches!(spec.kind, FieldType::Text { .. }) {
        notes.push(spec.kind.describe());
    }
    let mut prompt = capitalised(&label(spec));
    if !notes.is_empty() {
        prompt.push_str(&format!(" ({})", notes.join("; ")));
    }
    if let Some(default) = &spec.default {
        prompt.push_str(&format!(" [{default}]"));
    }
    prompt
}

/// The field's name as words: `employee_no` is "employee no" (Django's verbose name).
fn label(spec: &FieldSpec) -> String {
    spec.name.replace('_', " ")
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::prompt::scripted::Scripted;

    fn fields(text: &str) -> FieldSet {
        FieldSet::from_toml(&text.parse().unwrap()).unwrap()
    }

    #[test]
    fn set_takes_name_equals_value() {
        assert_eq!(
            parse_assignment("dept=R&D=1"),
            Ok(("dept".into(), "R&D=1".into()))
        );
        assert_eq!(
            parse_assignment("dept="),
            Ok(("dept".into(), String::new()))
        );
        assert!(parse_assignment("dept").is_err());
        assert!(parse_assignment("=x").is_err());
    }

    #[test]
    fn required_fields_are_asked_until_the_answer_fits() {
        let fields = fields(
            "[team]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\nrequired = true\nhelp = \"where they work\"\n\
             [nickname]\ntype = \"text\"\n\
             [employee_no]\ntype = \"integer\"\nrequired = true\nunique = true\n\
             [level]\ntype = \"integer\"\nrequired = true\ndefault = 1\n",
        );
        let mut prompter = Scripted::new(&["", "Marketing", "ops", "twelve", "7", "8", ""]);
        let mut given = Vec::new();
        ask_required_fields(&mut prompter, &fields, &mut given, &|name, value| {
            Ok(name == "employee_no" && value == "7")
        })
        .unwrap();
        assert_eq!(
            given,
            [
                ("team".to_string(), "Ops".to_string()),
                ("employee_no".to_string(), "8".to_string()),
                ("level".to_string(), "1".to_string()),
            ]
        );
        assert_eq!(
            prompter.asked[0],
            "Team (where they work; one of: Sales, Ops)"
        );
        assert_eq!(prompter.asked[3], "Employee no (a whole number)");
        assert_eq!(prompter.asked[6], "Level (a whole number) [1]");
        assert_eq!(
            prompter.said,
            [
                "Error: This field cannot be blank.",
                "Error: expected one of Sales, Ops, found \"Marketing\".",
                "Error: expected a whole number, found \"twelve\".",
                "Error: That employee no is already taken.",
            ]
        );
    }
}
