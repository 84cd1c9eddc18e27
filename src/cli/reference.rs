//! `userdb reference man|markdown`: the command-line reference, generated from
//! the same clap definition the parser uses (the shipped `doc/man/*.1` and
//! `doc/cli-reference.md` are this output; a test keeps them current).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use userdb::output_file::{Existing, OutputFile};

use super::exit::CliError;
use super::output::{print, status};

/// Print the command-line reference: a man page or Markdown
#[derive(clap::Args, Debug)]
pub struct Args {
    /// man (roff, for `man -l`) or markdown
    #[arg(value_parser = ["man", "markdown"])]
    format: String,

    /// Write every man page (userdb.1 and one userdb-COMMAND.1 per command) into
    /// this folder, e.g. ~/.local/share/man/man1, instead of printing userdb.1
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

pub fn run(args: &Args, json: bool) -> Result<(), CliError> {
    match (args.format.as_str(), &args.dir) {
        ("man", None) => print(&render(&reference_command())?),
        ("man", Some(dir)) => {
            let pages = man_pages()?;
            std::fs::create_dir_all(dir)
                .map_err(|e| userdb::Error::io(format!("cannot create {}", dir.display()), e))?;
            for (name, text) in &pages {
                write_page(&dir.join(name), text)?;
            }
            status(
                json,
                &format!(
                    "wrote {} man pages into {} (`man userdb` when it is on the MANPATH)",
                    pages.len(),
                    dir.display()
                ),
            );
            Ok(())
        }
        ("markdown", None) => print(&markdown()),
        _ => Err(CliError::usage(
            "--dir is for the man pages only",
            "give `reference man --dir DIR`, or print the Markdown without --dir",
        )),
    }
}

/// The tree the reference describes: built, so that each subcommand carries the
/// global flags its own arguments refer to, and without clap's `help`
/// subcommand, whose generated children (`userdb help userdb-help-migrate`) and
/// page (`userdb-help(1)`) are nothing anyone types or can open.
fn reference_command() -> clap::Command {
    let mut command = super::command().disable_help_subcommand(true);
    command.build();
    command
}

fn render(command: &clap::Command) -> Result<String, CliError> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut buffer)
        .map_err(|e| userdb::Error::io("cannot render the man page", e))?;
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}

/// Every page, by file name: `userdb.1`, then `userdb-COMMAND.1` for each
/// command, the pages `userdb.1` points to.
fn man_pages() -> Result<Vec<(String, String)>, CliError> {
    let command = reference_command();
    let mut pages = vec![("userdb.1".to_string(), render(&command)?)];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push((format!("userdb-{}.1", sub.get_name()), render(sub)?));
    }
    Ok(pages)
}

/// A man page is documentation for anyone on the machine: readable by all
/// (0644), unlike the private files userdb otherwise writes, but through the
/// same [`OutputFile`] (never through a symbolic link, never half written).
fn write_page(path: &Path, text: &str) -> Result<(), CliError> {
    let mut out = OutputFile::create(path, Existing::Replace, &[])?;
    out.file_mut()
        .write_all(text.as_bytes())
        .map_err(|e| userdb::Error::io(format!("cannot write {}", path.display()), e))?;
    out.commit()?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))
        .map_err(|e| userdb::Error::io(format!("cannot chmod {}", path.display()), e))?;
    Ok(())
}

fn markdown() -> String {
    let command = reference_command();
    // Built subcommands are displayed as `userdb-NAME`: name them as they are
    // typed.
    clap_markdown::help_markdown_command(&command)
        .replace("userdb userdb-", "userdb ")
        .replace("userdb userdb ", "userdb ")
        .replace("#userdb-userdb-", "#userdb-")
}
