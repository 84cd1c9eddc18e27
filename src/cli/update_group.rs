//! `userdb update-group NAME`: rename a group or change its permissions.

use userdb::access::{GroupChange, Permission};

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};
use super::values::dedup;

/// Rename a group or change its permissions
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group's name
    name: String,
    /// Give the group this permission (repeatable)
    #[arg(long = "add-perm", value_name = "PERM", value_parser = super::values::permission)]
    add: Vec<Permission>,
    /// Take this permission from the group (repeatable)
    #[arg(long = "remove-perm", value_name = "PERM", value_parser = super::values::permission)]
    remove: Vec<Permission>,
    /// A new name for the group (memberships stay)
    #[arg(long, value_name = "NEW")]
    rename: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let change = GroupChange {
        rename: args.rename,
        add: dedup(args.add),
        remove: dedup(args.remove),
    };
    if change.is_empty() {
        return Err(CliError::usage(
            "nothing to change",
            "pass at least one of --add-perm, --remove-perm, --rename",
        ));
    }
    if let Some(both) = change.add.iter().find(|p| change.remove.contains(p)) {
        return Err(CliError::usage(
            format!("{both} is both added and removed"),
            "give each permission to --add-perm or to --remove-perm, not both",
        ));
    }
    let mut manager = ctx.manager()?;
    let group = manager.update_group(&args.name, &change)?;
    if ctx.json {
        return print_json(&group);
    }
    status(false, &format!("Group {} updated.", group.name));
    Ok(())
}
