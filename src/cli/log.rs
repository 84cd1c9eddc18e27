//! `userdb log`: the audit log, oldest first.

use jiff::Timestamp;
use userdb::audit::AuditEvent;
use userdb::duration::parse_finite_duration;

use super::context::Context;
use super::exit::CliError;
use super::output::{add_row, finish, human_time, new_table, print, print_json, status};

/// Show the audit log (changes and security events)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only rows about this user (also after it was deleted or renamed)
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// Only this event
    #[arg(long, value_name = "EVENT", value_parser = event_parser())]
    event: Option<AuditEvent>,
    /// Only rows newer than a duration ago (1h, 7d) or an RFC 3339 time
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Only the newest N rows
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let manager = ctx.reader()?;
    let since = args
        .since
        .as_deref()
        .map(|text| parse_since(text, manager.now()))
        .transpose()?;
    let rows = manager.audit_log(args.user.as_deref(), args.event, since, args.limit)?;
    if ctx.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        status(false, "No audit entries.");
        return Ok(());
    }
    let mut table = new_table();
    table.set_header(["Time", "Event", "User", "Detail", "By"]);
    for row in &rows {
        add_row(
            &mut table,
            [
                human_time(Some(row.at)),
                row.event.clone(),
                row.email.clone().unwrap_or_default(),
                row.detail.clone(),
                row.actor.clone(),
            ],
        );
    }
    print(&finish(table, &[], &[0, 2]))
}

/// The events as clap's possible values (named with their meaning in help and
/// completions), parsed into the event.
fn event_parser() -> impl clap::builder::TypedValueParser<Value = AuditEvent> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        AuditEvent::ALL
            .iter()
            .map(|e| PossibleValue::new(e.as_str()).help(e.help())),
    )
    .try_map(|name| name.parse::<AuditEvent>())
}

fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    let ago = parse_finite_duration(text).map_err(|reason| {
        CliError::usage(
            format!("--since {text:?}: {reason}"),
            "give a duration like 1h or 7d, or a time like 2026-01-31T12:00:00Z",
        )
    })?;
    let ago = jiff::SignedDuration::try_from(ago)
        .map_err(|_| CliError::usage(format!("--since {text:?} is too long ago"), ""))?;
    now.checked_sub(ago)
        .map_err(|_| CliError::usage(format!("--since {text:?} is too long ago"), ""))
}
