//! `userdb migrate`: apply pending schema migrations, or `--check` for them.

use serde::Serialize;
use userdb::Error;
use userdb::clock::format_timestamp;
use userdb::storage::{Open, SchemaStore, SqliteStore, Target};

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, status};

/// Apply pending schema migrations (every command also does on open)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Apply nothing; exit 1 if any migration is pending
    #[arg(long)]
    check: bool,
}

#[derive(Serialize)]
struct MigrationRow {
    version: i64,
    name: String,
    applied_at: Option<String>,
}

#[derive(Serialize)]
struct Report {
    database: String,
    applied_now: Vec<String>,
    pending: Vec<String>,
    migrations: Vec<MigrationRow>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    // `--check` on a database that does not exist yet must not create it.
    let mut store = match ctx.target()? {
        Target::File(path) if args.check && !path.exists() => None,
        _ => Some(ctx.open(Open::Unmigrated)?),
    };
    let applied_now: Vec<String> = match &mut store {
        Some(store) if !args.check => store
            .migrate()?
            .iter()
            .map(|m| m.name.to_string())
            .collect(),
        _ => Vec::new(),
    };
    let applied = match &store {
        Some(store) => store.applied_migrations()?,
        None => Vec::new(),
    };
    let known = match &store {
        Some(store) => store.migrations(),
        None => SqliteStore::MIGRATIONS,
    };
    let migrations: Vec<MigrationRow> = known
        .iter()
        .map(|m| MigrationRow {
            version: m.version,
            name: m.name.to_string(),
            applied_at: applied
                .iter()
                .find(|a| a.version == m.version)
                .map(|a| format_timestamp(a.applied_at)),
        })
        .collect();
    let pending: Vec<String> = migrations
        .iter()
        .filter(|m| m.applied_at.is_none())
        .map(|m| m.name.clone())
        .collect();
    let report = Report {
        database: ctx.db_name(),
        applied_now,
        pending,
        migrations,
    };

    if ctx.json {
        print_json(&report)?;
    } else {
        let mut text = String::new();
        for m in &report.migrations {
            let mark = if m.applied_at.is_some() { "[X]" } else { "[ ]" };
            text.push_str(&format!("{mark} {}\n", m.name));
        }
        print(&text)?;
        for name in &report.applied_now {
            status(false, &format!("Applied {name}."));
        }
        if !args.check && report.applied_now.is_empty() {
            status(false, "No migrations to apply.");
        }
    }
    if args.check && !report.pending.is_empty() {
        return Err(Error::PendingMigrations(report.pending).into());
    }
    Ok(())
}
