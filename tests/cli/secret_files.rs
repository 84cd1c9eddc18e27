//! Files that hold a secret userdb reads, all by one reader and one rule: a
//! regular file or a pipe, private to the account running it (others could read
//! the secret out of it), at most a password's length, read within a deadline.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::{STRONG, TestEnv, stderr_text};

fn chmod(path: &str, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn an_smtp_password_file_others_can_read_is_refused() {
    let env = TestEnv::new();
    let file = env.write_file("smtp-password", "s3cret\n");
    chmod(&file, 0o644);
    let config = format!(
        "[email]\nhost = \"127.0.0.1\"\nport = 1\nsecurity = \"none\"\nusername = \"mailer\"\npassword_file = \"{file}\"\n"
    );
    env.write_config(&config);
    let out = env
        .cmd(&["sendtestemail", "ops@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_text(&out));
    let err = stderr_text(&out);
    assert!(
        err.contains("[email] password_file") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains("s3cret"));
    // Made private, it is read (and the send then fails to connect: exit 8).
    chmod(&file, 0o600);
    let out = env
        .cmd(&["sendtestemail", "ops@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_text(&out));
}

#[test]
fn a_key_file_of_another_account_is_refused() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let key = env.path().join("config/userdb/secret.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, format!("{}\n", "k".repeat(64))).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&key, Some(4242), None).expect("chown: run the tests as root");
    let out = env.cmd(&["send-otp", "ada@example.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("belongs to another account"),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
}

/// A FIFO at `path`, mode 0600 (private, so only its silence is wrong).
fn mkfifo(path: &std::path::Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    chmod(path.to_str().unwrap(), 0o600);
}

/// `apply` of a file whose one user's password is in `password_file`.
fn apply_with_password_file(env: &TestEnv, password_file: &str, extra: &[&str]) -> Output {
    let file = env.write_file(
        "users.toml",
        &format!("[[users]]\nemail = \"ada@example.com\"\npassword_file = \"{password_file}\"\n"),
    );
    let mut args = vec!["apply", file.as_str()];
    args.extend_from_slice(extra);
    // A hang fails the test instead of holding the suite.
    env.cmd(&args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn apply_refuses_devices_directories_and_proc_as_password_files_at_once() {
    let env = TestEnv::new();
    let dir = env.path().display().to_string();
    for (path, said) in [
        ("/dev/zero", "is a character device, not a file"),
        ("/dev/urandom", "is a character device, not a file"),
        ("/proc/self/environ", "is under /proc"),
        (dir.as_str(), "is a directory, not a file"),
    ] {
        for extra in [&[][..], &["--dry-run"]] {
            let started = Instant::now();
            let out = apply_with_password_file(&env, path, extra);
            let err = stderr_text(&out);
            assert_eq!(out.status.code(), Some(2), "{path}: {err}");
            assert!(
                err.contains(&format!("password_file {path}: {said}")),
                "{path}: {err}"
            );
            assert!(started.elapsed() < Duration::from_secs(5), "{path}");
        }
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn apply_refuses_a_password_file_others_can_read_or_too_long() {
    let env = TestEnv::new();
    // /etc/passwd is world-readable: its first line is no password.
    let out = apply_with_password_file(&env, "/etc/passwd", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("password_file /etc/passwd: can be read by others (mode 644)"),
        "{}",
        stderr_text(&out)
    );
    assert!(!stderr_text(&out).contains("root:"));
    let mine = env.write_file("pw", &format!("{STRONG}\n"));
    chmod(&mine, 0o644);
    let out = apply_with_password_file(&env, &mine, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_text(&out).contains("chmod 600"),
        "{}",
        stderr_text(&out)
    );
    // A first line longer than a password can be: refused after 16 KiB.
    std::fs::write(&mine, "x".repeat(64 << 20)).unwrap();
    chmod(&mine, 0o600);
    let out = apply_with_password_file(&env, &mine, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_text(&out).contains("the password is longer than 4096 characters"),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
    // Private and short, it is taken.
    std::fs::write(&mine, format!("{STRONG}\n")).unwrap();
    let out = apply_with_password_file(&env, &mine, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_text(&out));
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
}

#[test]
fn a_fifo_nobody_writes_is_an_error_after_the_deadline_not_a_hang() {
    let env = TestEnv::new();
    let fifo = env.path().join("silent");
    mkfifo(&fifo);
    let started = Instant::now();
    let out = apply_with_password_file(&env, fifo.to_str().unwrap(), &["--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains(&format!(
            "password_file {}: not read within 10 seconds",
            fifo.display()
        )),
        "{}",
        stderr_text(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn an_smtp_password_file_that_is_a_silent_fifo_or_a_device_fails_not_hangs() {
    let env = TestEnv::new();
    let fifo = env.path().join("silent");
    mkfifo(&fifo);
    for (path, said) in [
        (fifo.display().to_string(), "not read within 10 seconds"),
        ("/dev/zero".to_string(), "is a character device"),
    ] {
        env.write_config(&format!(
            "[email]\nhost = \"127.0.0.1\"\nport = 1\nsecurity = \"none\"\nusername = \"mailer\"\npassword_file = \"{path}\"\n"
        ));
        let out = env
            .cmd(&["sendtestemail", "ops@example.com"])
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(6), "{}", stderr_text(&out));
        assert!(
            stderr_text(&out).contains(&format!("[email] password_file {path}: {said}")),
            "{}",
            stderr_text(&out)
        );
    }
}

#[test]
fn password_file_refuses_devices_and_shared_files() {
    let env = TestEnv::new();
    for (path, said) in [
        ("/dev/zero", "is a character device"),
        ("/dev/urandom", "is a character device"),
        ("/proc/self/environ", "is under /proc"),
        ("/etc/passwd", "can be read by others"),
    ] {
        let out = env
            .cmd(&["createuser", "a@example.com", "--password-file", path])
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{path}: {}", stderr_text(&out));
        assert!(
            stderr_text(&out).contains(&format!("the password file {path}: {said}")),
            "{}",
            stderr_text(&out)
        );
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

/// `--password-file <(pass show x)` and `password_file = "/dev/stdin"`: a
/// pipe is a normal way to hand over a secret.
#[test]
fn a_pipe_still_carries_a_password() {
    let env = TestEnv::new();
    // Process substitution, as a shell does it.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"exec "$0" createuser a@example.com --password-file <(printf '%s\nsecond line\n' "$PW")"#)
        .arg(env!("CARGO_BIN_EXE_userdb"))
        .env_clear()
        .envs(env.vars())
        .env("PW", STRONG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_text(&out));
    // A pipe on standard input, named as a file: by a flag and by apply.
    env.cmd(&[
        "createuser",
        "b@example.com",
        "--password-file",
        "/dev/stdin",
    ])
    .write_stdin(STRONG)
    .assert()
    .success();
    let out = env
        .cmd(&[
            "apply",
            &env.write_file(
                "users.toml",
                "[[users]]\nemail = \"c@example.com\"\npassword_file = \"/dev/stdin\"\n",
            ),
        ])
        .write_stdin(format!("{STRONG}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_text(&out));
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        env.cmd(&["authenticate", email, "--password-stdin"])
            .write_stdin(format!("{STRONG}\n"))
            .assert()
            .success();
    }
}

#[test]
fn a_database_password_file_that_is_a_silent_fifo_fails_not_hangs() {
    let env = TestEnv::new();
    let fifo = env.path().join("db-password");
    mkfifo(&fifo);
    env.write_config(&format!(
        "[database]\npassword_file = \"{}\"\n",
        fifo.display()
    ));
    let url = crate::pg_server::server().fresh_database();
    let out = env
        .cmd(&["--db", &url, "list-users"])
        .env_remove("PGPASSWORD")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains(&format!(
            "[database] password_file {}: not read within 10 seconds",
            fifo.display()
        )),
        "{}",
        stderr_text(&out)
    );
}
