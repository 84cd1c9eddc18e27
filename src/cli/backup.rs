//! `userdb backup FILE`: a complete, consistent copy of the database in one file.

use std::path::PathBuf;

use userdb::output_file::Existing;
use userdb::storage::{Open, SchemaStore};

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Copy the whole database (WAL included) into one file, mode 0600, while other commands keep running
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The backup file to create (a new SQLite database)
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Replace FILE if it exists (a regular file of yours; never the database itself)
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let store = ctx.open(Open::Existing)?;
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    store.backup_to(&args.file, existing)?;
    if ctx.json {
        print_json(&serde_json::json!({
            "database": ctx.db_name(),
            "backup": args.file.display().to_string(),
        }))?;
    } else {
        status(
            false,
            &format!("Backed up {} to {}.", ctx.db_name(), args.file.display()),
        );
    }
    Ok(())
}
