//! A PostgreSQL error after connecting, as userdb shows it: the server's own
//! message, the SQLSTATE and what it means, and what to do for the common ones
//! (the client's `Display` says only "db error"). Never the server's DETAIL or
//! the statement's parameters, which may quote a stored value.

use postgres::error::SqlState;

/// The server's reason for a failed statement (or the client's, when the
/// connection broke). [`ServerError::hint`] says what to do, when userdb knows.
#[derive(Debug)]
pub struct ServerError {
    /// The SQLSTATE, when the server sent one.
    code: Option<String>,
    /// The connection is gone (closed, reset, or never made): no server said
    /// anything about the statement.
    lost: bool,
    message: String,
    /// The connection's role and the schema of userdb's tables, for the hints;
    /// filled in by the store.
    role: Option<String>,
    schema: Option<String>,
    /// The connection closed as a transaction began (see [`Self::closed_at_begin`]).
    closed_at_begin: bool,
}

/// Whether the client's error has an I/O error in its chain (a reset, a broken
/// pipe, an end of file).
fn io_error(err: &postgres::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if e.is::<std::io::Error>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// The server of a failed write went away or cannot write: see
/// [`ServerError::is_failover`].
pub(super) fn is_failover(err: &crate::Error) -> bool {
    matches!(err, crate::Error::ReadOnlyStandby { .. })
        || server_error(err).is_some_and(ServerError::is_failover)
}

/// The write failed because the server is read-only (25006).
pub(super) fn is_read_only(err: &crate::Error) -> bool {
    server_error(err).is_some_and(|e| e.code() == Some("25006"))
}

fn server_error(err: &crate::Error) -> Option<&ServerError> {
    match err {
        crate::Error::Database { source, .. } => source.downcast_ref::<ServerError>(),
        _ => None,
    }
}

/// A COMMIT that failed this way may have been applied: the connection broke
/// (no answer came), or the server was shutting down or crashing as it ran.
/// A refusal the server did send (a deferred constraint, a serialization
/// failure) is a plain failure: nothing was committed.
pub(super) fn outcome_unknown(err: &postgres::Error) -> bool {
    match err.as_db_error() {
        None => true,
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || matches!(code, "57P01" | "57P02")
        }
    }
}

/// What a pooler that runs no transactions needs (see [`ServerError::hint`]).
const STATEMENT_POOLING: &str = "PgBouncer in statement pooling mode runs no transactions, and \
     every userdb command needs them: set pool_mode = transaction (or session) for this \
     database in pgbouncer.ini, or connect to the server directly";

impl ServerError {
    pub(super) fn new(err: &postgres::Error) -> ServerError {
        let (code, message) = match err.as_db_error() {
            Some(db) => (
                Some(db.code().code().to_string()),
                super::connect::one_line(db.message()),
            ),
            None => (
                err.code().map(|c| c.code().to_string()),
                super::connect::chain_text(err),
            ),
        };
        ServerError {
            code,
            lost: err.as_db_error().is_none() && (err.is_closed() || io_error(err)),
            message,
            role: None,
            schema: None,
            closed_at_begin: false,
        }
    }

    /// The connection closed on `BEGIN`: how PgBouncer in statement pooling
    /// mode refuses a transaction as often as with its reason (it sends the
    /// reason and closes at once, and the close may be read first).
    pub(super) fn closed_at_begin() -> ServerError {
        ServerError {
            code: None,
            message: "the connection closed as a transaction began".into(),
            // Lost as a failover loses it, too: a write retries once.
            lost: true,
            role: None,
            schema: None,
            closed_at_begin: true,
        }
    }

    /// The same, knowing the connection's role and tables' schema.
    pub(super) fn in_context(mut self, role: &str, schema: Option<&str>) -> ServerError {
        self.role = Some(role.to_string());
        self.schema = schema.map(str::to_string);
        self
    }

    /// Whether this failure is the server going away or refusing writes, the
    /// marks of a failover: the connection lost, class 08 (connection
    /// exception), 57P01-57P03 (shutdown, crash, cannot connect now), 25006
    /// (read-only: a standby not yet promoted, or the old primary).
    fn is_failover(&self) -> bool {
        self.lost
            || self.code.as_deref().is_some_and(|code| {
                code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "25006")
            })
    }

    /// The SQLSTATE (`42501`), when there is one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// What to do, for the common failures.
    pub fn hint(&self) -> Option<String> {
        if self.closed_at_begin {
            return Some(format!(
                "{STATEMENT_POOLING}; or the server is restarting: try again in a moment"
            ));
        }
        let code = self.code.as_deref()?;
        let role = quote(self.role.as_deref().unwrap_or("ROLE"));
        let schema = self.schema.as_deref().map(quote);
        let schema = schema.as_deref().unwrap_or("SCHEMA");
        let message = self.message.as_str();
        Some(match code {
            "42501" if message.contains("must be owner") => owner_hint(&role),
            "42501" if message.contains("for schema") || message.contains("to create") => {
                grant_create_hint(&role, schema)
            }
            "42501" => format!(
                "as the tables' owner, run GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN \
                 SCHEMA {schema} TO {role} and GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} \
                 TO {role}, or connect as the role that ran `userdb migrate`"
            ),
            // PgBouncer's own error (a protocol violation, by its code).
            "08P01" if message.contains("statement pooling mode") => STATEMENT_POOLING.into(),
            "57014" => format!(
                "a statement ran longer than the server's statement_timeout (or was \
                 cancelled): raise it for this role (ALTER ROLE {role} SET statement_timeout = \
                 '5min') or in the URL (options=-cstatement_timeout%3D5min)"
            ),
            "25006" => "the server (or this session) is read-only: a standby, or \
                        default_transaction_read_only is on; point the URL at the primary"
                .into(),
            "55P03" => "another writer held the lock longer than [database] busy_timeout: try \
                        again, or raise busy_timeout"
                .into(),
            "40001" | "40P01" => "the server gave up on a conflict with another writer: run the \
                                  command again"
                .into(),
            "53100" => "the server's disk is full: free space on it".into(),
            "53200" => "the server is out of memory: try again, or check its settings".into(),
            "53300" => "try again later, or raise the server's max_connections".into(),
            "57P01" | "57P02" | "57P03" => {
                "the server is shutting down or restarting: try again in a moment".into()
            }
            "3F000" => format!(
                "no schema on the connection's search_path exists: create it (CREATE SCHEMA \
                 NAME AUTHORIZATION {role}) or correct options=-csearch_path%3DNAME in the URL"
            ),
            "42P01" => "a table userdb needs is missing: run `userdb migrate`, and check that the \
                        URL's search_path names the schema that holds userdb's tables"
                .into(),
            _ => return None,
        })
    }
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} (SQLSTATE {code}: {})", self.message, meaning(code)),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ServerError {}

/// What to do when the role may not create tables in the schema.
pub(super) fn grant_create_hint(role: &str, schema: &str) -> String {
    format!(
        "as the schema's owner or a superuser, run GRANT USAGE, CREATE ON SCHEMA {schema} TO \
         {role} (since PostgreSQL 15 only the database owner may create in public), or give \
         userdb a schema of its own: CREATE SCHEMA userdb AUTHORIZATION {role}, and \
         options=-csearch_path%3Duserdb in the URL"
    )
}

/// What to do when the role does not own userdb's tables and must.
pub(super) fn owner_hint(role: &str) -> String {
    format!(
        "run it as the role that owns userdb's tables (the one that ran `userdb migrate` \
         first), or make {role} their owner: ALTER TABLE … OWNER TO {role}"
    )
}

/// A name as SQL would quote it when it needs quoting.
pub(super) fn quote(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// What a SQLSTATE means: its condition's name for the ones userdb meets, else
/// its class's (PostgreSQL's Appendix A).
pub(crate) fn meaning(code: &str) -> &'static str {
    let exact = [
        (SqlState::INSUFFICIENT_PRIVILEGE, "insufficient privilege"),
        (SqlState::QUERY_CANCELED, "query canceled"),
        (
            SqlState::READ_ONLY_SQL_TRANSACTION,
            "read-only SQL transaction",
        ),
        (SqlState::LOCK_NOT_AVAILABLE, "lock not available"),
        (SqlState::T_R_SERIALIZATION_FAILURE, "serialization failure"),
        (SqlState::T_R_DEADLOCK_DETECTED, "deadlock detected"),
        (SqlState::DISK_FULL, "disk full"),
        (SqlState::OUT_OF_MEMORY, "out of memory"),
        (SqlState::TOO_MANY_CONNECTIONS, "too many connections"),
        (SqlState::ADMIN_SHUTDOWN, "administrator shutdown"),
        (SqlState::CRASH_SHUTDOWN, "crash shutdown"),
        (SqlState::CANNOT_CONNECT_NOW, "cannot connect now"),
        (SqlState::INVALID_SCHEMA_NAME, "invalid schema name"),
        (SqlState::UNDEFINED_TABLE, "undefined table"),
        (SqlState::UNDEFINED_COLUMN, "undefined column"),
        (SqlState::UNIQUE_VIOLATION, "unique violation"),
        (SqlState::FOREIGN_KEY_VIOLATION, "foreign key violation"),
        (SqlState::CHECK_VIOLATION, "check violation"),
        (SqlState::NOT_NULL_VIOLATION, "not-null violation"),
        (SqlState::STRING_DATA_RIGHT_TRUNCATION, "value too long"),
        (
            SqlState::IN_FAILED_SQL_TRANSACTION,
            "in failed SQL transaction",
        ),
    ];
    if let Some((_, meaning)) = exact.iter().find(|(state, _)| state.code() == code) {
        return meaning;
    }
    match code.get(..2).unwrap_or("") {
        "01" => "warning",
        "02" => "no data",
        "03" => "SQL statement not yet complete",
        "08" => "connection exception",
        "09" => "triggered action exception",
        "0A" => "feature not supported",
        "0B" => "invalid transaction initiation",
        "0F" => "locator exception",
        "0L" => "invalid grantor",
        "0P" => "invalid role specification",
        "0Z" => "diagnostics exception",
        "20" => "case not found",
        "21" => "cardinality violation",
        "22" => "data exception",
        "23" => "integrity constraint violation",
        "24" => "invalid cursor state",
        "25" => "invalid transaction state",
        "26" => "invalid SQL statement name",
        "27" => "triggered data change violation",
        "28" => "invalid authorization specification",
        "2B" => "dependent privilege descriptors still exist",
        "2D" => "invalid transaction termination",
        "2F" => "SQL routine exception",
        "34" => "invalid cursor name",
        "38" => "external routine exception",
        "39" => "external routine invocation exception",
        "3B" => "savepoint exception",
        "3D" => "invalid catalog name",
        "3F" => "invalid schema name",
        "40" => "transaction rollback",
        "42" => "syntax error or access rule violation",
        "44" => "WITH CHECK OPTION violation",
        "53" => "insufficient resources",
        "54" => "program limit exceeded",
        "55" => "object not in prerequisite state",
        "57" => "operator intervention",
        "58" => "system error",
        "72" => "snapshot failure",
        "F0" => "configuration file error",
        "HV" => "foreign data wrapper error",
        "P0" => "PL/pgSQL error",
        "XX" => "internal error",
        _ => "unknown condition",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str, message: &str) -> ServerError {
        ServerError {
            code: Some(code.into()),
            lost: false,
            message: message.into(),
            role: None,
            schema: None,
            closed_at_begin: false,
        }
        .in_context("app", Some("public"))
    }

    #[test]
    fn the_marks_of_a_failover_are_retried_and_nothing_else() {
        for code in ["57P01", "57P02", "57P03", "25006", "08006", "08001"] {
            assert!(error(code, "x").is_failover(), "{code}");
        }
        // A rule, a lock timeout, a serialization failure: the write's own outcome.
        for code in ["23505", "55P03", "40001", "42501", "57014"] {
            assert!(!error(code, "x").is_failover(), "{code}");
        }
        let lost = ServerError {
            code: None,
            lost: true,
            message: "connection closed".into(),
            role: None,
            schema: None,
            closed_at_begin: false,
        };
        assert!(lost.is_failover());
        let wrapped = crate::Error::database(lost);
        assert!(is_failover(&wrapped));
        assert!(!is_read_only(&wrapped));
        assert!(is_read_only(&crate::Error::database(error("25006", "x"))));
    }

    #[test]
    fn the_message_names_the_sqlstate_and_what_it_means() {
        let e = error("42501", "permission denied for schema public");
        assert_eq!(
            e.to_string(),
            "permission denied for schema public (SQLSTATE 42501: insufficient privilege)"
        );
        assert!(
            e.hint()
                .unwrap()
                .contains("GRANT USAGE, CREATE ON SCHEMA public TO app")
        );
        assert_eq!(meaning("22P02"), "data exception");
        assert_eq!(meaning("57014"), "query canceled");
        assert_eq!(meaning("ZZ999"), "unknown condition");
        let e = error("57014", "canceling statement due to statement timeout");
        assert!(e.hint().unwrap().contains("statement_timeout"));
        let e = error("25006", "cannot execute INSERT in a read-only transaction");
        assert!(e.hint().unwrap().contains("primary"));
        assert!(error("22P02", "x").hint().is_none());
        let pooler = error(
            "08P01",
            "transaction blocks not allowed in statement pooling mode",
        );
        assert!(pooler.hint().unwrap().contains("pool_mode = transaction"));
        assert!(error("08P01", "x").hint().is_none());
        let closed = ServerError::closed_at_begin();
        assert!(closed.hint().unwrap().contains("pool_mode = transaction"));
    }

    #[test]
    fn names_are_quoted_as_sql_would_need() {
        assert_eq!(quote("app_1"), "app_1");
        assert_eq!(quote("App"), "\"App\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote("1a"), "\"1a\"");
    }
}
