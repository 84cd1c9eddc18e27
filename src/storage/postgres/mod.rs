// Nothing outside calls it until the store does (written alongside).
#[allow(dead_code)]
pub(crate) mod connect;

/// The test server (see the file), once for the library's unit tests.
#[cfg(test)]
#[path = "../../../tests/support/pg_server.rs"]
pub(crate) mod test_server;
