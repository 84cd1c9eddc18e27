//! `userdb export`: every user as CSV, JSON Lines or a Django fixture.

use std::path::PathBuf;

use userdb::Error;
use userdb::provisioning::{ExportOptions, ExportSummary, Format};

use super::context::Context;
use super::exit::CliError;
use super::output::{status, warn};
use super::values::{FormatArg, format_of};

/// Export every user (with password hashes) as CSV, JSON Lines or a Django fixture
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The format [default: from the --output extension (.csv, .jsonl, .json); on stdout, jsonl]
    #[arg(long, value_enum)]
    format: Option<FormatArg>,

    /// Write to FILE (mode 0600, put in place when complete; never the database, a link or a device) instead of stdout
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,

    /// The model label of a Django fixture
    #[arg(long, value_name = "APP.MODEL", default_value = ExportOptions::DEFAULT_MODEL)]
    model: String,

    /// A Django fixture without pks (as dumpdata --natural-primary): loaddata finds users by email and groups by name, so it updates the right rows of a database whose pks differ
    #[arg(long)]
    natural: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let format = match (&args.format, &args.output) {
        // As Django's dumpdata defaults to JSON: one object a line, which
        // `import -` reads back without --format.
        (None, None) => Format::Jsonl,
        (flag, output) => format_of(*flag, output.as_deref().unwrap_or("-".as_ref()))?,
    };
    if args.natural && format != Format::Django {
        return Err(CliError::usage(
            format!("--natural is for Django fixtures, not {format}"),
            "add --format django (or --output FILE.json)",
        ));
    }
    let options = ExportOptions {
        format,
        model: args.model,
        natural: args.natural,
    };
    let manager = ctx.reader()?;
    let summary = match &args.output {
        Some(path) => manager.export_to_path(&options, path)?,
        None => match manager.export_users(&options, &mut std::io::stdout().lock()) {
            // `userdb export … | head`: a closed pipe is not an error.
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
                return Ok(());
            }
            other => other?,
        },
    };
    let target = args
        .output
        .as_ref()
        .map_or("stdout".to_string(), |p| p.display().to_string());
    for warning in left_out_warnings(format, &summary) {
        warn(&warning);
    }
    let groups = match summary.groups {
        0 => String::new(),
        n => format!(" and {n} group(s)"),
    };
    status(
        ctx.json,
        &format!(
            "Exported {} user(s){groups} to {target} ({format}).",
            summary.users
        ),
    );
    Ok(())
}

/// What the format left out that some user or group has, one warning each
/// (fields, permissions without a Django model, groups): a re-import of the
/// file would lose it.
fn left_out_warnings(format: Format, summary: &ExportSummary) -> Vec<String> {
    let mut warnings = Vec::new();
    if !summary.fields_left_out.is_empty() {
        let fields: Vec<String> = (summary.fields_left_out.iter())
            .map(|(field, users)| format!("{field} ({users} user(s))"))
            .collect();
        let temporary = summary
            .fields_left_out
            .iter()
            .any(|(field, _)| *field == "expires_at");
        let file = match format {
            Format::Django => "a Django fixture".to_string(),
            other => format!("a {other} file"),
        };
        warnings.push(format!(
            "{file} has no field for {}: importing it back loses them{}; \
             --format jsonl carries every field",
            fields.join(", "),
            if temporary {
                " (an account that expires, a temporary superuser too, no longer does)"
            } else {
                ""
            }
        ));
    }
    if !summary.left_out.is_empty() {
        warnings.push(format!(
            "the fixture leaves out {} permission(s) whose Django model is unknown: {} \
             (Django names a permission [codename, app_label, model]; importing a fixture \
             that names them teaches userdb their model); the groups and users holding \
             them are exported without them",
            summary.left_out.len(),
            summary.left_out.join(", ")
        ));
    }
    if summary.second_factors_left_out > 0 {
        warnings.push(format!(
            "{} user(s) have a second factor (TOTP) that the file does not carry: no export \
             writes a TOTP secret or a recovery code, so after an import they enroll again \
             (`userdb enroll-totp EMAIL`); `userdb copy` carries second factors, still encrypted",
            summary.second_factors_left_out
        ));
    }
    let (groups, with_permissions) = summary.groups_left_out;
    if groups > 0 {
        warnings.push(format!(
            "CSV names each user's groups but holds no group: {groups} group(s), \
             {with_permissions} of them with permissions, are not in the file; \
             `import --create-groups` creates them without permissions, or \
             --format jsonl carries them"
        ));
    }
    warnings
}
