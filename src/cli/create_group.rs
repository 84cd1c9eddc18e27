//! `userdb create-group NAME`: a group with permissions.

use serde::Serialize;
use userdb::Error;
use userdb::access::{Group, Permission};

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::values::dedup;

/// Create a group, with permissions its members hold
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group's name (at most 150 characters, unique)
    name: String,
    /// A permission its members hold (repeatable), app_label.codename, e.g. blog.add_post
    #[arg(long = "perm", value_name = "PERM", value_parser = super::values::permission)]
    permissions: Vec<Permission>,
    /// Exit 0 without change if the group already exists (its permissions are left as they are: `apply` makes a whole state)
    #[arg(long)]
    if_not_exists: bool,
}

/// `--json`: the group, and whether this command created it.
#[derive(Serialize)]
struct Outcome<'a> {
    #[serde(flatten)]
    group: &'a Group,
    created: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let permissions = dedup(args.permissions);
    let group = match manager.create_group(&args.name, &permissions) {
        // Also when a concurrent command created it since.
        Err(Error::GroupExists(_)) if args.if_not_exists => {
            return report_existing(ctx, &manager.group(&args.name)?, &permissions);
        }
        other => other?,
    };
    if ctx.json {
        return print_json(&Outcome {
            group: &group,
            created: true,
        });
    }
    status(
        false,
        &format!(
            "Group {} created with {} permission(s).",
            group.name,
            group.permissions.len()
        ),
    );
    Ok(())
}

/// A group `--if-not-exists` found: left as it is, and said so (naming its
/// permissions when they are not those asked, which are not applied).
fn report_existing(ctx: &Context, group: &Group, asked: &[Permission]) -> Result<(), CliError> {
    if ctx.json {
        print_json(&Outcome {
            group,
            created: false,
        })?;
    }
    let differ = !asked
        .iter()
        .map(Permission::as_str)
        .eq(group.permissions.iter().map(String::as_str));
    let note = if differ {
        format!(
            " (its permissions stay {}; `userdb update-group` or `apply` changes them)",
            if group.permissions.is_empty() {
                "none".to_string()
            } else {
                group.permissions.join(", ")
            }
        )
    } else {
        String::new()
    };
    status(
        ctx.json,
        &format!(
            "Group {} already exists; nothing changed{note}.",
            group.name
        ),
    );
    Ok(())
}
