//! `--issue-token [--token-name N] [--expires D]`: the flags of the commands that
//! end a sign-in with a new token (authenticate, verify-otp).

use super::issue_token::{Lifetime, parse_lifetime};

#[derive(clap::Args, Debug, Default)]
pub struct TokenRequest {
    /// On success, also issue an API token and print it (once, alone on a line)
    #[arg(long)]
    pub issue_token: bool,

    /// With --issue-token: a name for the token [default: token-N]
    #[arg(long, value_name = "NAME", requires = "issue_token")]
    pub token_name: Option<String>,

    /// With --issue-token: how long the token is valid (30d, 12h, never)
    /// [default: [token] default_expiry]
    #[arg(long, value_name = "DURATION", value_parser = parse_lifetime, requires = "issue_token")]
    pub expires: Option<Lifetime>,
}
