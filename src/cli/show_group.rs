//! `userdb show-group NAME`: one group, its permissions and members.

use serde::Serialize;
use userdb::UserFilter;
use userdb::access::Group;

use super::context::Context;
use super::exit::CliError;
use super::output::{add_row, finish, name_list, new_table, print, print_json};

/// Show one group: its permissions and its members
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group's name
    name: String,
}

#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    group: &'a Group,
    /// The members' email addresses, by id.
    users: Vec<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let manager = ctx.reader()?;
    let group = manager.group(&args.name)?;
    let members = manager.list_users(&UserFilter {
        group: Some(group.name.clone()),
        ..UserFilter::default()
    })?;
    let users: Vec<String> = members.into_iter().map(|u| u.email).collect();
    if ctx.json {
        return print_json(&Shown {
            group: &group,
            users,
        });
    }
    let mut table = new_table();
    for (field, value) in [
        ("name", group.name.clone()),
        ("members", group.members.to_string()),
        ("permissions", name_list(&group.permissions)),
        ("users", name_list(&users)),
    ] {
        add_row(&mut table, [field.to_string(), value]);
    }
    print(&finish(table, &[], &[1]))
}
