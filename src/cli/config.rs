//! `userdb config`: the effective configuration, where each value came from, and
//! the paths in use. Secrets are redacted.

use serde::Serialize;
use userdb::config::{KEYS, Source};
use userdb::terminal_text::escape;

use super::context::Context;
use super::exit::CliError;
use super::output::{add_row, finish, new_table, print, print_json};

/// Show the effective configuration and paths (secrets redacted)
#[derive(clap::Args, Debug)]
pub struct Args {}

#[derive(Serialize)]
struct Setting {
    key: String,
    value: String,
    source: String,
    env: String,
}

#[derive(Serialize)]
struct Report {
    config_file: Option<String>,
    config_file_found: bool,
    database: String,
    settings: Vec<Setting>,
    /// The custom fields declared as `[fields.NAME]`, in order.
    fields: Vec<FieldReport>,
}

#[derive(Serialize)]
struct FieldReport {
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    choices: Option<Vec<String>>,
    required: bool,
    unique: bool,
    default: Option<userdb::fields::FieldValue>,
    help: Option<String>,
}

fn field_reports(fields: &userdb::fields::FieldSet) -> Vec<FieldReport> {
    fields
        .iter()
        .map(|f| FieldReport {
            name: f.name.clone(),
            kind: f.kind.name(),
            choices: match &f.kind {
                userdb::fields::FieldType::Choice(choices) => Some(choices.clone()),
                _ => None,
            },
            required: f.required,
            unique: f.unique,
            default: f.default.clone(),
            help: f.help.clone(),
        })
        .collect()
}

pub fn run(ctx: &Context, _args: Args) -> Result<(), CliError> {
    let loaded = &ctx.loaded;
    let settings: Vec<Setting> = KEYS
        .iter()
        .map(|spec| Setting {
            key: spec.name(),
            // The database row names the database in use, as every message names
            // it (a URL without its password): `--db` and `USERDB_DB` win.
            value: if spec.name() == "database.path" {
                ctx.db_name()
            } else if spec.secret()
                && !matches!(
                    loaded.sources.get(&spec.name()),
                    None | Some(Source::Default)
                )
            {
                "(redacted)".to_string()
            } else if spec.secret() {
                "(not set)".to_string()
            } else {
                loaded.settings.display_value(spec)
            },
            source: if spec.name() == "database.path" && ctx.db_from_flag {
                "--db".to_string()
            } else {
                loaded
                    .sources
                    .get(&spec.name())
                    .map(ToString::to_string)
                    .unwrap_or_default()
            },
            env: spec.env_var(),
        })
        .collect();
    let report = Report {
        config_file: loaded.config_path.as_ref().map(|p| p.display().to_string()),
        config_file_found: loaded.config_found,
        database: ctx.db_name(),
        settings,
        fields: field_reports(&loaded.settings.fields),
    };
    if ctx.json {
        return print_json(&report);
    }
    let file = match (&report.config_file, report.config_file_found) {
        (Some(path), true) => path.clone(),
        (Some(path), false) => format!("{path} (not found; defaults used)"),
        (None, _) => "(none)".to_string(),
    };
    // The key and its variable are what a person copies: stacked in one
    // column, each on a line of its own and never broken, so that the table
    // fits 80 columns; the source then says only "env" (the variable is beside it).
    let mut table = new_table();
    table.set_header(["Key\nEnvironment variable", "Value", "Source"]);
    for s in &report.settings {
        let source = if s.source.starts_with("env ") {
            "env"
        } else {
            &s.source
        };
        table.add_row([
            format!("{}\n{}", escape(&s.key), escape(&s.env)),
            escape(&s.value).into_owned(),
            escape(source).into_owned(),
        ]);
    }
    let mut text = format!(
        "Config file: {}\nDatabase:    {}\n{}",
        escape(&file),
        escape(&report.database),
        finish(table, &[0], &[1])
    );
    if !report.fields.is_empty() {
        let mut fields = new_table();
        fields.set_header([
            "Custom field",
            "Type",
            "Required",
            "Unique",
            "Default",
            "Help",
        ]);
        for (f, spec) in report.fields.iter().zip(loaded.settings.fields.iter()) {
            let yes = |b: bool| if b { "yes" } else { "no" };
            add_row(
                &mut fields,
                [
                    f.name.clone(),
                    spec.kind.describe(),
                    yes(f.required).to_string(),
                    yes(f.unique).to_string(),
                    f.default
                        .as_ref()
                        .map_or("-".to_string(), ToString::to_string),
                    f.help.clone().unwrap_or_default(),
                ],
            );
        }
        text.push_str(&finish(fields, &[0], &[]));
    }
    print(&text)
}
