//! `userdb export`: every user as CSV, JSON Lines or a Django fixture.

use std::path::PathBuf;

use userdb::Error;
use userdb::provisioning::{ExportOptions, Format};

use super::context::Context;
use super::exit::CliError;
use super::import::{FormatArg, format_of};
use super::output::status;

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
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let format = match (&args.format, &args.output) {
        // As Django's dumpdata defaults to JSON: one object a line, which
        // `import -` reads back without --format.
        (None, None) => Format::Jsonl,
        (flag, output) => format_of(*flag, output.as_deref().unwrap_or("-".as_ref()))?,
    };
    let options = ExportOptions {
        format,
        model: args.model,
    };
    let manager = ctx.reader()?;
    let count = match &args.output {
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
    status(
        ctx.json,
        &format!("Exported {count} user(s) to {target} ({format})."),
    );
    Ok(())
}
