//! `userdb doctor`: check the database and say how to fix what is wrong.

use userdb::doctor::{MfaCheck, Severity, diagnose, lock_finding};
use userdb::password::PasswordHasher;
use userdb::storage::{LockCheck, Open, SchemaStore, Target};
use userdb::terminal_text::escape_lines;

use super::context::Context;
use super::exit::CliError;
use super::output::{print, print_json};

/// Check the database: integrity, migrations, permissions, emails, hashes, custom fields
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> Result<(), CliError> {
    if let Target::File(path) = ctx.target()?
        && !path.exists()
    {
        return Err(userdb::Error::NoDatabase(path).into());
    }
    let store = ctx.open(Open::Unmigrated)?;
    let password = &ctx.loaded.settings.password;
    let hasher = PasswordHasher::new(password.argon2)
        .map_err(|e| userdb::Error::Config(format!("[password] argon2 parameters: {e}")))?
        .with_limits(password.limits);
    let now = ctx.clock()?.now();
    // First: the probe holds a transaction open for a moment.
    let lock = store.lock_check()?;
    // The key that opens TOTP secrets, if there is one: doctor reads only.
    let key = ctx.second_factor_at_hand()?;
    let mfa = MfaCheck {
        key: key.as_ref(),
        required: ctx.loaded.settings.mfa.required,
    };
    let mut findings = diagnose(&store, &hasher, &ctx.loaded.settings.fields, &mfa, now)?;
    findings.extend(lock.as_ref().and_then(lock_finding));
    let problems = findings
        .iter()
        .filter(|f| f.severity == Severity::Problem)
        .count();
    if ctx.json {
        let mut report = serde_json::json!({ "ok": problems == 0, "findings": findings });
        if let Some(lock) = &lock {
            report["lock"] = serde_json::json!(lock);
        }
        print_json(&report)?;
    } else if findings.is_empty() {
        print(&format!("{}: no problems found.\n", ctx.db_name()))?;
    } else {
        let mut text = String::new();
        for f in &findings {
            let label = match f.severity {
                Severity::Problem => "problem",
                Severity::Notice => "notice",
            };
            text.push_str(&format!(
                "{label} [{}]: {}\n    fix: {}\n",
                f.check, f.message, f.fix
            ));
        }
        // Findings quote stored addresses and values.
        print(&escape_lines(&text))?;
    }
    if let Some(LockCheck::Excludes { engine }) = &lock
        && !ctx.json
    {
        print(&escape_lines(&format!(
            "checked: the writers' lock excludes a second session ({engine}).\n"
        )))?;
    }
    if problems > 0 {
        let (noun, each) = if problems == 1 {
            ("problem", "it says")
        } else {
            ("problems", "each says")
        };
        return Err(CliError::Declined(format!(
            "doctor found {problems} {noun}; {each} how to fix it (the `fix:` line)"
        )));
    }
    Ok(())
}
