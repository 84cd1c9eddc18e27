//! "The lock is real": every rule userdb keeps under the writers' lock (the
//! last superuser, limits, unique values) is race-free only if
//! `pg_advisory_xact_lock` really excludes another session. Some engines that
//! speak PostgreSQL's protocol have shipped the advisory-lock functions as
//! no-ops; there every rule could be raced.
//!
//! - `doctor` proves it the direct way ([`PgStore::probe_lock`]): this session
//!   takes a lock of the writers' kind, a second session tries it and must be
//!   refused.
//! - Opening for writing checks it cheaply, once per store (a process opens
//!   one) and only at the first write under the writers' lock: in that write's
//!   own transaction, that the lock just taken is one the server's lock
//!   manager holds for this session (`pg_locks`), which a no-op function never
//!   records. One query, no second connection: a second session there would
//!   make every process hold two server connections at once, which through a
//!   pooler of a few connections and many processes starting together
//!   deadlocks until a timeout.
//!
//! A server where it fails is refused for writes, naming the engine
//! (`version()`).

use std::sync::mpsc;
use std::time::Duration;

use super::lock_check::{LockCheck, engine};
use super::params::param;
use super::{PgStore, connect};
use crate::error::{Error, Result};

/// The probe's own lock class ("prob"): the same function as the writers'
/// lock, on a key no writer waits for (the second key is the probing
/// session's server process id, unique among live sessions).
const PROBE_CLASS: i32 = 0x7072_6f62;

impl PgStore {
    /// `doctor`'s probe: this session takes a lock of the writers' kind in a
    /// transaction, a second session (a new connection to the same URL) tries
    /// it, and must be refused. The second session waits at most the busy
    /// timeout for the server (a pooler may queue it).
    pub(crate) fn probe_lock(&self) -> Result<LockCheck> {
        let mut other = connect::connect(&self.url, &self.connect_options())?.client;
        let mut client = self.client.borrow_mut();
        let mut tx = client.transaction().map_err(super::begin_failed)?;
        let engine = engine(&mut tx)?;
        let row = tx.query_typed_one(
            "SELECT pg_try_advisory_xact_lock($1, pg_backend_pid()), pg_backend_pid()",
            &[param(&PROBE_CLASS)],
        )?;
        let (held, pid): (bool, i32) = (row.try_get(0)?, row.try_get(1)?);
        if !held {
            return Ok(LockCheck::Unknown {
                engine,
                why: "another session held the probe's own lock".into(),
            });
        }
        let (send, receive) = mpsc::channel();
        std::thread::Builder::new()
            .name("lock-probe".into())
            .spawn(move || {
                let took = other
                    .query_typed_one(
                        "SELECT pg_try_advisory_xact_lock($1, $2)",
                        &[param(&PROBE_CLASS), param(&pid)],
                    )
                    .and_then(|row| row.try_get::<_, bool>(0));
                let _ = send.send(took);
            })
            .map_err(Error::database)?;
        let wait = self.busy_timeout.max(Duration::from_secs(1));
        let verdict = match receive.recv_timeout(wait) {
            Ok(Ok(false)) => LockCheck::Excludes { engine },
            Ok(Ok(true)) => LockCheck::DoesNotExclude { engine },
            Ok(Err(e)) => LockCheck::Unknown {
                engine,
                why: format!("the second session failed: {}", Error::from(e)),
            },
            Err(_) => LockCheck::Unknown {
                engine,
                why: format!(
                    "the second session got no answer within {} (a pooler with one server \
                     connection queues it behind the first)",
                    crate::duration::format_duration(wait)
                ),
            },
        };
        tx.rollback()?;
        Ok(verdict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On real PostgreSQL the probe finds the lock excludes a second session,
    /// and the check on opening for writing passes.
    #[test]
    fn on_postgresql_the_lock_excludes_a_second_session() {
        let server = super::super::test_server::server();
        let url = server.fresh_database();
        let options = connect::ConnectOptions {
            password_file: Some(server.password_file()),
            connect_timeout: Duration::from_secs(5),
        };
        let mut store = PgStore::open(&url, &options, Duration::from_secs(5)).unwrap();
        match store.probe_lock().unwrap() {
            LockCheck::Excludes { engine } => assert!(engine.starts_with("PostgreSQL")),
            other => panic!("{other:?}"),
        }
        store
            .write(|tx| {
                super::super::lock_check::check_writers_lock(tx)?;
                Ok(())
            })
            .unwrap();
    }
}
