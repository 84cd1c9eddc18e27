//! `userdb list-groups`: every group, its members count and permissions.

use userdb::access::Group;

use super::context::Context;
use super::exit::CliError;
use super::output::{add_row, finish, name_list, new_table, print, print_json, status};

/// List the groups, with their members count and permissions
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<(), CliError> {
    let manager = ctx.reader()?;
    let groups = manager.list_groups()?;
    if ctx.json {
        return print_json(&groups);
    }
    if groups.is_empty() {
        status(false, "No groups.");
        return Ok(());
    }
    print(&groups_table(&groups))
}

pub fn groups_table(groups: &[Group]) -> String {
    let mut table = new_table();
    table.set_header(["Name", "Members", "Permissions"]);
    for group in groups {
        add_row(
            &mut table,
            [
                group.name.clone(),
                group.members.to_string(),
                name_list(&group.permissions),
            ],
        );
    }
    finish(table, &[], &[0, 2])
}
