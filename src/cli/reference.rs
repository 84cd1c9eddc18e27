//! `userdb reference man|markdown`: the command-line reference, generated from
//! the same clap definition the parser uses (the shipped `doc/userdb.1` and
//! `doc/cli-reference.md` are this output; a test keeps them current).

use super::exit::CliError;
use super::output::print;

/// Print the command-line reference: a man page or Markdown
#[derive(clap::Args, Debug)]
pub struct Args {
    /// man (roff, for `man -l`) or markdown
    #[arg(value_parser = ["man", "markdown"])]
    format: String,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let text = match args.format.as_str() {
        "man" => {
            let mut buffer = Vec::new();
            clap_mangen::Man::new(super::command())
                .render(&mut buffer)
                .map_err(|e| userdb::Error::io("cannot render the man page", e))?;
            String::from_utf8_lossy(&buffer).into_owned()
        }
        _ => {
            // Built first, so that each subcommand carries the global flags
            // its own arguments refer to.
            let mut command = super::command();
            command.build();
            // Built subcommands are displayed as `userdb-NAME`: name them as
            // they are typed.
            clap_markdown::help_markdown_command(&command)
                .replace("userdb userdb-", "userdb ")
                .replace("userdb userdb ", "userdb ")
                .replace("#userdb-userdb-", "#userdb-")
        }
    };
    print(&text)
}
