//! The command line: parse, build the context, dispatch to one file per command,
//! and turn the outcome into an exit code. Nothing here decides a rule about users.

mod access_args;
mod apply;
mod authenticate;
mod backup;
mod changepassword;
mod completions;
mod config;
mod confirm_totp;
mod context;
mod copy;
mod create_group;
mod create_reset_token;
mod createsuperuser;
mod createuser;
mod delete_group;
mod delete_user;
mod disable_2fa;
mod doctor;
mod enroll_totp;
mod exit;
mod export;
mod field_input;
mod has_perm;
mod import;
mod issue_token;
mod lifecycle_args;
mod list_groups;
mod list_tokens;
mod list_users;
mod log;
mod migrate;
mod output;
mod password_input;
mod password_line;
mod prompt;
mod recovery_codes;
mod reference;
mod register;
mod reset_password;
mod revoke_token;
mod second_factor_input;
mod send_otp;
mod sendtestemail;
mod show_group;
mod show_user;
mod superuser_input;
mod token_request;
mod totp_codes;
mod update_group;
mod update_user;
mod usage_error;
mod user_outcome;
mod values;
mod verify_otp;
mod verify_token;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use context::Context;
use exit::CliError;

/// Manage a user database the way Django's auth commands do, in an embedded SQLite file or on
/// PostgreSQL.
#[derive(Parser, Debug)]
#[command(
    name = "userdb",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The database: a SQLite file, or a postgres:// URL (its password best in PGPASSWORD)
    /// [default: the platform data dir's userdb.sqlite3]
    #[arg(
        long,
        global = true,
        env = "USERDB_DB",
        // `[env: USERDB_DB]`: the name alone, neither an empty `USERDB_DB=` when
        // unset nor, when set, a URL that may hold a password.
        hide_env_values = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    db: Option<PathBuf>,

    /// The TOML config file [default: the platform config dir's config.toml]
    #[arg(
        long,
        global = true,
        env = "USERDB_CONFIG",
        hide_env_values = true,
        value_name = "PATH",
        help_heading = "Global options"
    )]
    config: Option<PathBuf>,

    /// Machine-readable output on stdout, errors as JSON on stderr
    #[arg(long, global = true, help_heading = "Global options")]
    json: bool,

    /// Never prompt: fail (or use the documented non-interactive default) instead
    #[arg(long, global = true, help_heading = "Global options")]
    no_input: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Migrate(migrate::Args),
    Register(register::Args),
    Createuser(createuser::Args),
    Createsuperuser(createsuperuser::Args),
    Changepassword(changepassword::Args),
    CreateResetToken(create_reset_token::Args),
    ResetPassword(reset_password::Args),
    Authenticate(authenticate::Args),
    ListUsers(list_users::Args),
    ShowUser(show_user::Args),
    UpdateUser(update_user::Args),
    DeleteUser(delete_user::Args),
    CreateGroup(create_group::Args),
    ListGroups(list_groups::Args),
    ShowGroup(show_group::Args),
    UpdateGroup(update_group::Args),
    DeleteGroup(delete_group::Args),
    HasPerm(has_perm::Args),
    SendOtp(send_otp::Args),
    VerifyOtp(verify_otp::Args),
    Sendtestemail(sendtestemail::Args),
    Log(log::Args),
    Doctor(doctor::Args),
    Import(import::Args),
    Apply(apply::Args),
    Export(export::Args),
    Backup(backup::Args),
    Copy(copy::Args),
    IssueToken(issue_token::Args),
    VerifyToken(verify_token::Args),
    ListTokens(list_tokens::Args),
    RevokeToken(revoke_token::Args),
    EnrollTotp(enroll_totp::Args),
    ConfirmTotp(confirm_totp::Args),
    RecoveryCodes(recovery_codes::Args),
    #[command(name = "disable-2fa")]
    Disable2fa(disable_2fa::Args),
    Config(config::Args),
    Completions(completions::Args),
    Reference(reference::Args),
}

/// The clap command, for completions.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

pub fn main() -> ExitCode {
    harden_process();
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // A lossy copy to look at when parsing fails; clap gets the real ones (a
    // --db path need not be UTF-8).
    let args: Vec<String> = raw
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let cli = match Cli::try_parse_from(raw) {
        Ok(cli) => cli,
        Err(err) => {
            return match usage_error::classify(err, &args) {
                usage_error::ParseFailure::Display(err) => {
                    let _ = err.print();
                    u8::try_from(err.exit_code())
                        .map_or(userdb::ExitCode::Usage.into(), ExitCode::from)
                }
                usage_error::ParseFailure::Usage(err) => {
                    err.report(usage_error::wants_json(&args));
                    ExitCode::from(err.exit_code())
                }
            };
        }
    };
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.report(json);
            ExitCode::from(err.exit_code())
        }
    }
}

/// Passwords, tokens and keys pass through this process's memory: a core file
/// would keep them on disk, and another process of the same user could read
/// them through ptrace. Make the process non-dumpable and its core size zero.
#[allow(unsafe_code)] // setrlimit and prctl
fn harden_process() {
    // SAFETY: plain system calls on this process with constant arguments.
    unsafe {
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::setrlimit(libc::RLIMIT_CORE, &none);
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    // Completions and the reference need no settings or database.
    match &cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Reference(args) => return reference::run(args, cli.json),
        _ => {}
    }
    let ctx = Context::new(cli.db, cli.config, cli.json, cli.no_input)?;
    match cli.command {
        Command::Migrate(args) => migrate::run(&ctx, args),
        Command::Createuser(args) => createuser::run(&ctx, args),
        Command::Createsuperuser(args) => createsuperuser::run(&ctx, args),
        Command::Changepassword(args) => changepassword::run(&ctx, args),
        Command::CreateResetToken(args) => create_reset_token::run(&ctx, args),
        Command::ResetPassword(args) => reset_password::run(&ctx, args),
        Command::Authenticate(args) => authenticate::run(&ctx, args),
        Command::Register(args) => register::run(&ctx, args),
        Command::ListUsers(args) => list_users::run(&ctx, args),
        Command::ShowUser(args) => show_user::run(&ctx, args),
        Command::UpdateUser(args) => update_user::run(&ctx, args),
        Command::DeleteUser(args) => delete_user::run(&ctx, args),
        Command::CreateGroup(args) => create_group::run(&ctx, args),
        Command::ListGroups(args) => list_groups::run(&ctx, args),
        Command::ShowGroup(args) => show_group::run(&ctx, args),
        Command::UpdateGroup(args) => update_group::run(&ctx, args),
        Command::DeleteGroup(args) => delete_group::run(&ctx, args),
        Command::HasPerm(args) => has_perm::run(&ctx, args),
        Command::SendOtp(args) => send_otp::run(&ctx, args),
        Command::VerifyOtp(args) => verify_otp::run(&ctx, args),
        Command::Sendtestemail(args) => sendtestemail::run(&ctx, args),
        Command::Log(args) => log::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Apply(args) => apply::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Backup(args) => backup::run(&ctx, args),
        Command::Copy(args) => copy::run(&ctx, args),
        Command::IssueToken(args) => issue_token::run(&ctx, args),
        Command::VerifyToken(args) => verify_token::run(&ctx, args),
        Command::ListTokens(args) => list_tokens::run(&ctx, args),
        Command::RevokeToken(args) => revoke_token::run(&ctx, args),
        Command::EnrollTotp(args) => enroll_totp::run(&ctx, args),
        Command::ConfirmTotp(args) => confirm_totp::run(&ctx, args),
        Command::RecoveryCodes(args) => recovery_codes::run(&ctx, args),
        Command::Disable2fa(args) => disable_2fa::run(&ctx, args),
        Command::Config(args) => config::run(&ctx, args),
        Command::Completions(args) => completions::run(&args),
        Command::Reference(args) => reference::run(&args, ctx.json),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
