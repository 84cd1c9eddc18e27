//! `userdb import FILE`: bulk provisioning from CSV, JSON Lines or a Django fixture.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::ValueEnum;
use serde::Serialize;
use userdb::provisioning::{
    Format, ImportInput, ImportOptions, ImportProblems, ImportSummary, OnConflict,
};
use userdb::storage::{Store, Target};
use userdb::{Error, UserFilter, UserManager, Validation};

use super::context::Context;
use super::exit::CliError;
use super::output::{Bar, print_json, status};
use super::values::FormatArg;

/// Import users from a file (CSV, JSON Lines or a Django fixture), all or nothing
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Columns (CSV header / JSON Lines keys): email (required), first_name, \
    last_name, is_active, is_staff, is_superuser, date_joined, last_login, email_verified_at, \
    password (plain text, hashed on import) or password_hash (an encoded hash, kept as it is), \
    groups and user_permissions (a JSON list; in CSV one cell, items separated by commas, \
    \\, for a comma within a name), totp_uri (an authenticator's otpauth://totp/ URI: SHA1, 6 \
    digits, 30 s, a secret of 128 bits or more; it becomes the user's confirmed second factor, \
    without recovery codes). A row with neither password gets an unusable password; a \
    row with groups or user_permissions sets them exactly (a row without leaves them alone). \
    Fields declared as [fields.NAME] in the config are columns too (keys of `fields` in a \
    Django fixture). Groups a row names must exist, or be defined by the file: `export` writes \
    them first (JSON Lines: {\"group\": NAME, \"permissions\": [...]} records; a Django \
    fixture: auth.group objects); --create-groups creates the others, without permissions \
    (a CSV carries memberships, not groups)."
)]
pub struct Args {
    /// The file to import, or - for standard input
    file: PathBuf,

    /// The file's format [default: from its extension (.csv, .jsonl, .json), else from its first character]
    #[arg(long, value_enum)]
    format: Option<FormatArg>,

    /// What to do with a row whose email is already taken
    #[arg(long, value_enum, default_value_t = ConflictArg::Fail)]
    on_conflict: ConflictArg,

    /// Check every row and report what would happen; write nothing
    #[arg(long)]
    dry_run: bool,

    /// Accept plain passwords that fail the validators (pre-hashed ones are never checked)
    #[arg(long)]
    skip_validation: bool,

    /// Allow --on-conflict update to deactivate or demote the last lasting superuser (one that does not expire)
    #[arg(long)]
    force: bool,

    /// Create the groups rows name that neither exist nor are defined by the file, without permissions (a CSV carries memberships, not groups)
    #[arg(long)]
    create_groups: bool,

    /// Hashing threads [default: one per core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ConflictArg {
    /// Import nothing and name the existing users (exit 4)
    Fail,
    /// Leave existing users as they are
    Skip,
    /// Give existing users the file's values (fields the file leaves out are kept)
    Update,
}

/// The `--json` summary.
#[derive(Serialize)]
struct JsonSummary<'a> {
    source: &'a str,
    format: &'a str,
    #[serde(flatten)]
    summary: &'a ImportSummary,
    /// Why nothing was imported, under its own key: `errors`, `conflicts` or
    /// `taken` (values of unique custom fields that other users hold).
    #[serde(flatten)]
    problems: Option<&'a ImportProblems>,
}

/// The start of `input`, up to its first byte that is not white space (or
/// [`GUESS_BYTES`]), for [`Format::guess`]; the bytes read come back so that
/// nothing is lost.
fn head(input: &mut dyn Read) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while head.len() < GUESS_BYTES && Format::guess(&head).is_none() {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        head.extend_from_slice(&buf[..n]);
    }
    Ok(head)
}

/// White space read before giving up the guess (and taking CSV).
const GUESS_BYTES: usize = 64 * 1024;

/// The format: --format, else the extension, else the first character that
/// is not white space (stdin, or a file named otherwise); and the input.
fn input_format(
    flag: Option<FormatArg>,
    path: &std::path::Path,
    stdin: bool,
) -> Result<(Format, ImportInput), CliError> {
    let read_err = |e| Error::io(format!("cannot read {}", path.display()), e);
    let named = flag.map(Format::from).or_else(|| Format::from_path(path));
    // A pipe or a device (`import <(ssh host userdb export)`) can be read only
    // once: it is read as stdin is, not opened again for the second pass.
    let regular = !stdin && std::fs::metadata(path).map_or(true, |m| m.is_file());
    if regular {
        let format = match named {
            Some(format) => format,
            None => std::fs::File::open(path)
                .and_then(|mut file| head(&mut file))
                .map(|head| Format::guess(&head).unwrap_or(Format::Csv))
                .map_err(read_err)?,
        };
        return Ok((format, ImportInput::File(path.to_path_buf())));
    }
    let mut reader: Box<dyn Read + Send> = if stdin {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(read_err)?)
    };
    if let Some(format) = named {
        return Ok((format, ImportInput::Reader(reader)));
    }
    let head = head(&mut reader).map_err(read_err)?;
    let format = Format::guess(&head).unwrap_or(Format::Csv);
    let input = std::io::Cursor::new(head).chain(reader);
    Ok((format, ImportInput::Reader(Box::new(input))))
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let stdin = args.file.as_os_str() == "-";
    let (format, input) = input_format(args.format, &args.file, stdin)?;
    let source = if stdin {
        "stdin".to_string()
    } else {
        args.file.display().to_string()
    };
    let options = ImportOptions {
        format,
        on_conflict: match args.on_conflict {
            ConflictArg::Fail => OnConflict::Fail,
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Update => OnConflict::Update,
        },
        dry_run: args.dry_run,
        validation: if args.skip_validation {
            Validation::Skip
        } else {
            Validation::Enforce
        },
        jobs: args.jobs.map_or(0, usize::from),
        source: source.clone(),
        protect_last_superuser: !args.force,
        create_groups: args.create_groups,
    };
    let new_file = new_database_file(ctx)?;
    let mut manager = ctx.manager()?;
    let mut bar = Bar::new(!ctx.json && std::io::stderr().is_terminal(), "Importing");
    // The key is loaded only when a row carries a second factor to seal.
    let outcome = manager.import_users(input, &options, &mut bar, || ctx.second_factor());
    // Removed only while it holds nothing: another command may have started
    // writing to the new file meanwhile.
    let remove = new_file.filter(|_| {
        (outcome.is_err() || options.dry_run) && holds_nothing(&manager).unwrap_or(false)
    });
    drop(manager);
    if let Some(path) = remove {
        remove_database_files(&path);
    }
    let json = |summary: &ImportSummary, problems| {
        print_json(&JsonSummary {
            source: &source,
            format: format.name(),
            summary,
            problems,
        })
    };
    match outcome {
        Ok(summary) => {
            if ctx.json {
                json(&summary, None)?;
            } else {
                status(false, &summary_line(&source, &summary));
            }
            Ok(())
        }
        Err(CliError::Lib(Error::Import(failure))) => {
            if ctx.json {
                json(&failure.summary, Some(&failure.problems))?;
            } else {
                for problem in failure.listed() {
                    status(false, &format!("{source}: {problem}"));
                }
                let more = failure.unlisted();
                if more > 0 {
                    status(false, &format!("… and {more} more"));
                }
            }
            Err(Error::Import(failure).into())
        }
        Err(e) => Err(e),
    }
}

/// The SQLite file the import would create: none exists yet.
fn new_database_file(ctx: &Context) -> Result<Option<PathBuf>, CliError> {
    Ok(match ctx.target()? {
        Target::File(path)
            if std::fs::symlink_metadata(&path)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) =>
        {
            Some(path)
        }
        _ => None,
    })
}

/// Whether the database holds no user and no group.
fn holds_nothing(manager: &UserManager<Store>) -> userdb::Result<bool> {
    let one = UserFilter {
        limit: Some(1),
        ..UserFilter::default()
    };
    Ok(manager.list_users(&one)?.is_empty() && manager.list_groups()?.is_empty())
}

/// Removes a database this import created and wrote nothing to (refused, or a
/// dry run): a refused import leaves no empty database behind to be mistaken
/// for a copy. Best effort: what cannot be removed is left.
fn remove_database_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

fn summary_line(source: &str, s: &ImportSummary) -> String {
    let mut counts = format!(
        "{} created, {} updated, {} skipped, {} failed",
        s.created, s.updated, s.skipped, s.failed
    );
    if s.groups_created + s.groups_updated > 0 {
        counts.push_str(&format!(
            "; groups: {} created, {} updated",
            s.groups_created, s.groups_updated
        ));
    }
    if s.dry_run {
        format!("Dry run of {source}: would be {counts}; nothing was written.")
    } else {
        format!("Imported {source}: {counts}.")
    }
}
