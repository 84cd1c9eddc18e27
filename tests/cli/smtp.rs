//! Email over real SMTP: a server started by the test on loopback, with STARTTLS
//! and AUTH; userdb sends through it, the test reads the code out of the message
//! the server received and verifies it through the binary.

use predicates::prelude::*;

use crate::smtp_server::{SmtpServer, with_server};
use crate::support::{TestEnv, stderr_text, stdout_json};

#[test]
fn a_code_sent_over_starttls_with_auth_verifies_the_address() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    env.create_user("ada@example.com", &[]);
    with_server(&env, &server, &["send-otp", "ada@example.com"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "Sent a verify-email code to ada@example.com via smtp://127.0.0.1:{}",
            server.port
        )));
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.from, "noreply@example.com");
    assert_eq!(message.to, ["ada@example.com"]);
    for header in [
        "From: Userdb <noreply@example.com>",
        "To: ada@example.com",
        "Subject: Your one-time code",
        "Date: Fri, 02 Jan 2026 03:04:05 +0000",
        "Message-ID: <",
        "valid for 10 minutes",
    ] {
        assert!(
            message.data.contains(header),
            "{header} in\n{}",
            message.data
        );
    }
    let code = message.code();
    assert_eq!(code.len(), 6);

    with_server(&env, &server, &["verify-otp", "ada@example.com", &code])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "The verify-email code for ada@example.com is right; the email address is verified.",
        ));
    assert_eq!(
        env.user_json("ada@example.com")["email_verified_at"],
        "2026-01-02T03:04:05.000000Z"
    );
    let log = env.query_one("SELECT group_concat(event || ':' || detail, '|') FROM audit_log");
    assert!(
        log.contains("otp_sent:purpose=verify-email, via smtp://127.0.0.1"),
        "{log}"
    );
    assert!(log.contains("otp_verified:purpose=verify-email"), "{log}");
    assert!(!log.contains(&code));
}

#[test]
fn sendtestemail_sends_one_message_through_smtp() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    let out = with_server(
        &env,
        &server,
        &["--json", "sendtestemail", "ops@example.com"],
    )
    .assert()
    .success()
    .get_output()
    .clone();
    let sent = stdout_json(&out);
    assert_eq!(sent[0]["to"], "ops@example.com");
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0]
            .data
            .contains("Subject: Test email from userdb on 2026-01-02 03:04:05 UTC")
    );
    assert!(
        messages[0]
            .data
            .contains("If you're reading this, it was successful.")
    );
}

#[test]
fn bad_credentials_are_one_line_exit_8_and_leave_no_live_code() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    env.create_user("ada@example.com", &[]);
    let out = with_server(&env, &server, &["send-otp", "ada@example.com"])
        .env("USERDB_EMAIL_PASSWORD", "wrong password")
        .assert()
        .code(8)
        .get_output()
        .clone();
    let err = stderr_text(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: SMTP server 127.0.0.1:{} rejected the credentials of mailer (535)",
            server.port
        )),
        "{err}"
    );
    assert!(!err.contains("wrong password"));
    assert!(server.messages().is_empty());
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
    // The failed send used up neither the cooldown nor the hourly cap.
    with_server(&env, &server, &["send-otp", "ada@example.com"])
        .assert()
        .success();
    let log = env.query_one("SELECT group_concat(event, ',') FROM audit_log");
    assert!(log.contains("otp_send_failed,otp_sent"), "{log}");
}

#[test]
fn an_untrusted_certificate_is_refused() {
    let env = TestEnv::new();
    let server = SmtpServer::start();
    env.create_user("ada@example.com", &[]);
    let out = with_server(&env, &server, &["send-otp", "ada@example.com"])
        .env_remove("USERDB_EMAIL_CA_FILE")
        .assert()
        .code(8)
        .get_output()
        .clone();
    let err = stderr_text(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("TLS with SMTP server 127.0.0.1:"), "{err}");
    assert!(
        err.contains("failed: invalid peer certificate: UnknownIssuer"),
        "{err}"
    );
    assert!(err.contains("set [email] ca_file"), "{err}");
    assert!(server.messages().is_empty());
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
}

#[test]
fn a_refused_connection_is_one_line_exit_8() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = env
        .cmd(&["sendtestemail", "ops@example.com"])
        .env("USERDB_EMAIL_HOST", "127.0.0.1")
        .env("USERDB_EMAIL_PORT", port.to_string())
        .assert()
        .code(8)
        .get_output()
        .clone();
    let err = stderr_text(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: cannot connect to SMTP server 127.0.0.1:{port}: connection refused"
        )),
        "{err}"
    );
}

#[test]
fn a_silent_server_times_out() {
    let env = TestEnv::new();
    // Accepts connections (the kernel does) but never says hello.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = env
        .cmd(&["--json", "sendtestemail", "ops@example.com"])
        .env("USERDB_EMAIL_HOST", "127.0.0.1")
        .env("USERDB_EMAIL_PORT", port.to_string())
        .env("USERDB_EMAIL_TIMEOUT", "1s")
        .assert()
        .code(8)
        .get_output()
        .clone();
    let err: serde_json::Value = serde_json::from_str(stderr_text(&out).trim()).unwrap();
    assert_eq!(err["error"]["kind"], "delivery");
    assert_eq!(
        err["error"]["message"],
        format!("SMTP server 127.0.0.1:{port} did not finish the send within 1s ([email] timeout)")
    );
    drop(listener);
}

#[test]
fn plain_text_smtp_is_refused_towards_a_remote_host() {
    let env = TestEnv::new();
    env.cmd(&["sendtestemail", "ops@example.com"])
        .env("USERDB_EMAIL_HOST", "smtp.example.com")
        .env("USERDB_EMAIL_SECURITY", "none")
        .assert()
        .code(6)
        .stderr(predicate::str::contains("only allowed towards localhost"));
}

#[test]
fn implicit_tls_delivers_to_a_port_465_style_server() {
    let env = TestEnv::new();
    let server = SmtpServer::start_implicit_tls();
    env.create_user("ada@example.com", &[]);
    env.cmd(&["send-otp", "ada@example.com", "--purpose", "login"])
        .env("USERDB_EMAIL_HOST", "127.0.0.1")
        .env("USERDB_EMAIL_PORT", server.port.to_string())
        .env("USERDB_EMAIL_SECURITY", "tls")
        .env("USERDB_EMAIL_CA_FILE", server.ca_file.to_str().unwrap())
        .assert()
        .success();
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, ["ada@example.com"]);
    let code = messages[0].code();
    env.cmd(&["verify-otp", "ada@example.com", &code, "--purpose", "login"])
        .assert()
        .success();
}

/// A server that never finishes its greeting: a continuation line of the
/// banner every 300 ms, each well inside any per-read timeout.
fn start_trickling_server() -> u16 {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                while stream.write_all(b"220-still warming up\r\n").is_ok() {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
            });
        }
    });
    port
}

#[test]
fn a_server_that_trickles_cannot_hold_a_send_past_the_timeout() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let port = start_trickling_server();
    let mut child = env
        .std_cmd(&["send-otp", "ada@example.com"])
        .env("USERDB_EMAIL_HOST", "127.0.0.1")
        .env("USERDB_EMAIL_PORT", port.to_string())
        .env("USERDB_EMAIL_SECURITY", "none")
        .env("USERDB_EMAIL_TIMEOUT", "2s")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard against the old behaviour (held for ever), not a measurement.
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("send-otp still held by a trickling server after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("did not finish the send within 2s ([email] timeout)"),
        "{}",
        stderr_text(&out)
    );
    // No code is left live, and the failed send does not count as a send.
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
    assert_eq!(env.query_one("SELECT count(*) FROM otp_sends"), "0");
}

#[test]
fn a_self_signed_relay_certificate_named_in_ca_file_is_trusted_as_that_server() {
    let env = TestEnv::new();
    // The `openssl req -x509` recipe: self-signed, CA:TRUE, the server's own.
    let server = SmtpServer::start_self_signed(&["localhost", "127.0.0.1"]);
    env.create_user("ada@example.com", &[]);
    with_server(&env, &server, &["send-otp", "ada@example.com"])
        .assert()
        .success();
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "delivered, after STARTTLS and AUTH");
    with_server(
        &env,
        &server,
        &["verify-otp", "ada@example.com", &messages[0].code()],
    )
    .assert()
    .success();
}

#[test]
fn another_self_signed_certificate_or_another_host_name_is_still_refused() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    // ca_file names a different self-signed certificate than the server shows.
    let server = SmtpServer::start_self_signed(&["localhost", "127.0.0.1"]);
    let impostor = SmtpServer::start_self_signed(&["localhost", "127.0.0.1"]);
    let out = with_server(&env, &server, &["send-otp", "ada@example.com"])
        .env("USERDB_EMAIL_CA_FILE", &impostor.ca_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("TLS with SMTP server"),
        "{}",
        stderr_text(&out)
    );
    assert!(server.messages().is_empty());
    // The pinned certificate, but made for another name than the host dialled.
    let elsewhere = SmtpServer::start_self_signed(&["mail.internal.example"]);
    let out = with_server(&env, &elsewhere, &["send-otp", "ada@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("does not name this host"),
        "{}",
        stderr_text(&out)
    );
    assert!(elsewhere.messages().is_empty());
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
}
