//! `userdb list-users`: a table, `--json` or `--csv`, with filters.

use userdb::UserFilter;

use super::context::Context;
use super::exit::CliError;
use super::output::{SecondFactorJson, UserJson, print, print_json, users_csv, users_table};

/// List users (table, --json or --csv)
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only staff users
    #[arg(long)]
    staff: bool,
    /// Only superusers
    #[arg(long)]
    superuser: bool,
    /// Only active users
    #[arg(long, conflicts_with = "inactive")]
    active: bool,
    /// Only inactive users
    #[arg(long)]
    inactive: bool,
    /// Only users whose email is verified
    #[arg(long)]
    verified: bool,
    /// Only users whose email or name contains TEXT (any case)
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// At most N users
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Skip the first N users
    #[arg(long, value_name = "N", default_value_t = 0)]
    offset: u64,
    /// Only users whose custom field NAME holds VALUE (NAME= for none; repeatable)
    #[arg(long = "where", value_name = "NAME=VALUE", value_parser = super::field_input::parse_assignment)]
    conditions: Vec<(String, String)>,
    /// Only accounts that have expired (--expires-at, createsuperuser --temporary)
    #[arg(long)]
    expired: bool,
    /// Only members of this group
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// Only users who hold this permission now, as has-perm says (active and not
    /// expired; superusers hold them all)
    #[arg(long = "perm", value_name = "PERM", value_parser = super::values::permission)]
    permission: Option<userdb::access::Permission>,
    /// Only users with (yes) or without (no) a confirmed second factor (TOTP); a
    /// pending enrolment counts as no
    #[arg(long = "2fa", value_name = "yes|no", value_parser = super::values::boolean)]
    second_factor: Option<bool>,
    /// CSV with a header line instead of a table
    #[arg(long, conflicts_with = "json")]
    csv: bool,
}

/// A user in `--json`: the fields and the second factor.
#[derive(serde::Serialize)]
struct ListedUser<'a> {
    #[serde(flatten)]
    user: UserJson<'a>,
    #[serde(flatten)]
    second_factor: SecondFactorJson,
}

pub fn run(ctx: &Context, args: Args) -> Result<(), CliError> {
    let manager = ctx.reader()?;
    let fields = args
        .conditions
        .iter()
        .map(|(name, value)| manager.field_condition(name, value))
        .collect::<Result<Vec<_>, _>>()?;
    // A mistyped group is an error, not an empty list.
    let group = args.group.map(|g| manager.group(&g)).transpose()?;
    let filter = UserFilter {
        fields,
        group: group.map(|g| g.name),
        permission: args.permission.map(|p| userdb::user::HeldPermission {
            permission: p.to_string(),
            at: manager.now(),
        }),
        expiry: args
            .expired
            .then(|| userdb::user::ExpiryFilter::ExpiredAt(manager.now())),
        is_staff: args.staff.then_some(true),
        is_superuser: args.superuser.then_some(true),
        is_active: match (args.active, args.inactive) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        verified: args.verified.then_some(true),
        second_factor: args.second_factor,
        search: args.search,
        limit: args.limit,
        offset: args.offset,
    };
    let users = manager.list_users(&filter)?;
    if ctx.json {
        let statuses = manager.second_factor_statuses(&users)?;
        let shown: Vec<_> = users
            .iter()
            .zip(statuses)
            .map(|(u, status)| ListedUser {
                user: ctx.user_json(u),
                second_factor: status.into(),
            })
            .collect();
        print_json(&shown)
    } else if args.csv {
        print(&users_csv(&users, &ctx.loaded.settings.fields)?)
    } else if users.is_empty() {
        super::output::status(false, "No users.");
        Ok(())
    } else {
        print(&users_table(&users, &ctx.loaded.settings.fields))
    }
}
