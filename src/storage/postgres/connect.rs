//! Placeholder until the connection module lands: plain libpq-style config.
use postgres::{Client, NoTls};

use crate::error::{Error, Result};

#[allow(dead_code)] // the stub ignores them; the real module reads both
pub(crate) struct ConnectOptions<'a> {
    pub password_file: Option<&'a std::path::Path>,
    pub connect_timeout: std::time::Duration,
}

pub(crate) fn connect(url: &str, _options: &ConnectOptions) -> Result<Client> {
    Client::connect(url, NoTls).map_err(Error::database)
}
