//! `userdb copy --to TARGET`: every row of the database (users with their hashes
//! and fields, tokens, one-time codes, send limits, sign-in throttling, the audit
//! log) into another, empty one, ids kept: the one step from SQLite to
//! PostgreSQL, or back.

use std::io::IsTerminal;
use std::sync::mpsc::sync_channel;

use userdb::Error;
use userdb::provisioning::{Progress, Stage};
use userdb::storage::copy::{CopyStore, TABLES};
use userdb::storage::{Open, OpenOptions, SchemaStore, Store, Target};

use super::context::Context;
use super::exit::CliError;
use super::output::{Bar, print_json, status};

/// Copy everything into another, empty database (e.g. from SQLite to PostgreSQL)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The database to fill: a postgres:// URL or a SQLite file path; migrated
    /// first, and it must hold no users, tokens or audit rows
    #[arg(long, value_name = "TARGET")]
    to: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let target = Target::parse(&args.to)?;
    let source = ctx.open(Open::Existing)?;
    if target.describe() == source.describe() {
        return Err(CliError::usage(
            "--to names the database being copied",
            "give another database: a postgres:// URL or a new SQLite file",
        ));
    }
    let database = &ctx.loaded.settings.database;
    let options = OpenOptions {
        busy_timeout: database.busy_timeout,
        password_file: database.password_file.clone(),
    };
    // Second factors travel still sealed: a secret the key in use cannot open
    // would be as unreadable in the copy, so refuse before writing anything.
    ctx.reader()?.check_sealed_secrets(|| ctx.second_factor())?;
    let mut destination = Store::open(&target, Open::Migrated, &options)?;
    // The source streams rows to the destination's one transaction: memory
    // stays flat however large the database.
    let (send, receive) = sync_channel(1024);
    let from = source.describe();
    let counts = std::thread::scope(|scope| {
        scope.spawn(move || {
            let result = source.dump(&mut |row| {
                send.send(Ok(row))
                    .map_err(|_| Error::invalid("copy", "the destination stopped reading"))
            });
            if let Err(err) = result {
                let _ = send.send(Err(err));
            }
        });
        // The bar counts the rows handed to the load (a batch ahead, at
        // most, of the rows written).
        let mut bar = Bar::new(!ctx.json && std::io::stderr().is_terminal(), "Copying");
        bar.start(Stage::Writing, None);
        let counts = destination.load(&mut receive.into_iter().inspect(|_| bar.advance(1)));
        bar.finish();
        counts
    })?;
    let to = destination.describe();
    if ctx.json {
        let rows: serde_json::Map<String, serde_json::Value> = TABLES
            .iter()
            .zip(&counts)
            .map(|(table, n)| (table.to_string(), (*n).into()))
            .collect();
        return print_json(&serde_json::json!({ "from": from, "to": to, "rows": rows }));
    }
    let summary: Vec<String> = TABLES
        .iter()
        .zip(&counts)
        .map(|(table, n)| format!("{n} {table}"))
        .collect();
    status(
        false,
        &format!("Copied {from} to {to}: {}.", summary.join(", ")),
    );
    Ok(())
}
