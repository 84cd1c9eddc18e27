//! `userdb delete-group NAME`: asks first on a terminal; scripts say `--yes`.

use super::context::Context;
use super::exit::CliError;
use super::output::{print_json, status};

/// Delete a group (its members leave it; the users stay)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The group's name
    name: String,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    yes: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let mut manager = ctx.manager()?;
    let group = manager.group(&args.name)?;
    if !args.yes {
        let mut prompter = ctx.prompter("pass --yes to delete without confirmation");
        let question = format!(
            "Delete group {} ({} member(s) lose its permissions)?",
            group.name, group.members
        );
        if !prompter.confirm(&question)? {
            return Err(CliError::Declined(format!(
                "not deleted: group {}",
                group.name
            )));
        }
    }
    let deleted = manager.delete_group(&group.name)?;
    if ctx.json {
        return print_json(&deleted);
    }
    status(
        false,
        &format!(
            "Group {} deleted ({} member(s) left it).",
            deleted.name, deleted.members
        ),
    );
    Ok(())
}
