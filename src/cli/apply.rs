//! `userdb apply FILE`: make the users and groups a TOML file describes, writing
//! only the differences, in one transaction; `--dry-run` prints the plan alone.

use std::path::PathBuf;

use userdb::apply::file::Parsing;
use userdb::apply::plan::{Action, Field, Plan};
use userdb::bounded_input::{human_size, read_all};
use userdb::manager::ApplyOptions;

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json, status};

/// Make the users and groups a TOML file describes (only the differences)
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Idempotent: applying the same file again changes nothing and writes \
    nothing, not even an audit row. All or nothing: one transaction. Passwords come from \
    password_env, password_file or password_hash, never from the file itself; they are set \
    when a user is created, and again only with password_update = \"always\". See the \
    README's \"Declarative provisioning\"."
)]
pub struct Args {
    /// The TOML file, or - for standard input
    file: PathBuf,
    /// Print the plan and change nothing
    #[arg(long)]
    dry_run: bool,
    /// Deactivate the active users the file does not list (never the last
    /// superuser that does not expire)
    #[arg(long)]
    prune: bool,
}

/// A file larger than this is not a provisioning file.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let (text, source) = read(&args.file)?;
    // Parsed while the database opens.
    let file = Parsing::start(text, ctx.loaded.settings.fields.clone());
    let mut manager = ctx.manager()?;
    let options = ApplyOptions {
        dry_run: args.dry_run,
        prune: args.prune,
    };
    let plan = manager.apply(file, &source, options)?;
    if ctx.json {
        return print_json(&plan);
    }
    print(&render(&plan))?;
    let verb = match (args.dry_run, plan.changed) {
        (_, false) => "Nothing to change",
        (true, true) => "Dry run, nothing written",
        (false, true) => "Applied",
    };
    status(false, &format!("{verb}: {}.", summary(&plan)));
    Ok(())
}

fn read(path: &std::path::Path) -> Result<(String, String), CliError> {
    let cannot = |e: std::io::Error| {
        CliError::usage(
            format!("cannot read {}: {e}", path.display()),
            "give the path of a TOML file, or - for standard input",
        )
    };
    let stdin = path.as_os_str() == "-";
    let name = if stdin {
        "standard input".to_string()
    } else {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let bytes = if stdin {
        read_all(std::io::stdin().lock(), MAX_FILE_BYTES)
    } else {
        std::fs::File::open(path).and_then(|f| read_all(f, MAX_FILE_BYTES))
    }
    .map_err(cannot)?
    // Refused whole, before anything is planned: a file cut at the limit
    // would prune every user listed after the cut.
    .ok_or_else(|| {
        CliError::usage(
            format!(
                "{} is larger than {}, the most apply reads",
                if stdin {
                    "standard input".to_string()
                } else {
                    path.display().to_string()
                },
                human_size(MAX_FILE_BYTES)
            ),
            "nothing was changed; for more users than that, use `userdb import`",
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        cannot(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })?;
    Ok((text, name))
}

/// One line per change, Terraform's marks: `+` created, `~` updated, `-`
/// deactivated; unchanged ones are only counted.
fn render(plan: &Plan) -> String {
    let mark = |action: Action| match action {
        Action::Created => "+",
        Action::Updated => "~",
        Action::Deactivated => "-",
        Action::Unchanged => "=",
    };
    let mut out = String::new();
    // Pushed piece by piece: a plan of 10,000 new users is 10,000 lines.
    let mut line = |action: Action, kind: &str, name: &str, fields: &[Field]| {
        if action == Action::Unchanged {
            return;
        }
        out.push_str(mark(action));
        out.push(' ');
        out.push_str(kind);
        out.push(' ');
        out.push_str(&userdb::terminal_text::escape(name));
        if action == Action::Deactivated {
            out.push_str(" (deactivated)");
        } else if !fields.is_empty() {
            out.push_str(" (");
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(field);
            }
            out.push(')');
        }
        out.push('\n');
    };
    for group in &plan.groups {
        line(group.action, "group", &group.name, &group.fields);
    }
    for user in &plan.users {
        line(user.action, "user", &user.email, &user.fields);
    }
    out
}

fn summary(plan: &Plan) -> String {
    let count = |actions: &mut dyn Iterator<Item = Action>| {
        let mut counts = [0usize; 4];
        for action in actions {
            counts[action as usize] += 1;
        }
        counts
    };
    let [created, updated, unchanged, deactivated] =
        count(&mut plan.users.iter().map(|u| u.action));
    let [g_created, g_updated, g_unchanged, _] = count(&mut plan.groups.iter().map(|g| g.action));
    format!(
        "users {created} created, {updated} updated, {unchanged} unchanged, {deactivated} \
         deactivated; groups {g_created} created, {g_updated} updated, {g_unchanged} unchanged"
    )
}
