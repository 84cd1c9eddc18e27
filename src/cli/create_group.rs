//! `userdb create-group NAME`: a group with permissions.

use userdb::access::Permission;

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Create a group, with permissions its members hold
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group's name (at most 150 characters, unique)
    name: String,
    /// A permission its members hold (repeatable), app_label.codename, e.g. blog.add_post
    #[arg(long = "perm", value_name = "PERM", value_parser = super::values::permission)]
    permissions: Vec<Permission>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let permissions = dedup(args.permissions);
    let group = manager.create_group(&args.name, &permissions)?;
    if ctx.json {
        return print_json(&group);
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

/// Sorted, without repeats.
pub fn dedup(mut permissions: Vec<Permission>) -> Vec<Permission> {
    permissions.sort();
    permissions.dedup();
    permissions
}
