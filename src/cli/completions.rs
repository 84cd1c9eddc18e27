//! `userdb completions SHELL`: the shell completion script on stdout.

use clap_complete::Shell;

use super::exit::CliError;
use super::output::print;

/// Print the completion script for a shell
#[derive(clap::Args, Debug)]
pub struct Args {
    /// bash, zsh, fish, powershell or elvish
    shell: Shell,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut super::command(), "userdb", &mut buffer);
    print(&String::from_utf8_lossy(&buffer))
}
