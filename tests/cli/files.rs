//! Files userdb writes and the database it opens: an export or a backup never
//! replaces anything but a regular file of its own, read-only commands never create
//! a database, `--db` is a plain path, and the database stays private.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

use crate::support::{TestEnv, stderr_text};

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Names in `dir` that look like userdb's temporary files.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".userdb-"))
        .collect()
}

/// `count` users planted with one SQL statement (faster than the binary).
fn plant_users(env: &TestEnv, count: u32) {
    env.cmd(&["migrate"]).assert().success();
    env.sql(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
         INSERT INTO users (email, email_key, password, date_joined)
         SELECT 'user' || i || '@example.com', 'user' || i || '@example.com',
                'pbkdf2_sha256$1000000$salt$hashhashhashhashhashhashhashhashhashhashhas=',
                '2026-01-01T00:00:00Z' FROM n"
    ));
}

#[test]
fn export_refuses_the_database_files_by_any_name() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let db = env.db();
    let hard = env.path().join("hard-link.jsonl");
    std::fs::hard_link(&db, &hard).unwrap();
    let soft = env.path().join("soft-link.jsonl");
    std::os::unix::fs::symlink(&db, &soft).unwrap();
    let wal = format!("{}-wal", db.display());
    let dotted = env.path().join("data/../users.sqlite3");
    for target in [
        db.display().to_string(),
        hard.display().to_string(),
        soft.display().to_string(),
        wal,
        dotted.display().to_string(),
    ] {
        let out = env
            .cmd(&["export", "--format", "jsonl", "--output", &target])
            .assert()
            .code(5)
            .get_output()
            .clone();
        assert!(stderr_text(&out).contains("refusing to write"), "{target}");
    }
    env.cmd(&["show-user", "ada@example.com"])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(&soft)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(temp_files(env.path()).is_empty());
}

#[test]
fn export_never_replaces_a_link_a_device_or_a_directory() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let precious = env.write_file("precious.txt", "keep me");
    let link = env.path().join("link.jsonl");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    let dangling = env.path().join("dangling.jsonl");
    std::os::unix::fs::symlink(env.path().join("elsewhere.jsonl"), &dangling).unwrap();
    let dir = env.path().join("folder");
    std::fs::create_dir(&dir).unwrap();
    for target in [
        link.as_path(),
        dangling.as_path(),
        Path::new("/dev/null"),
        dir.as_path(),
    ] {
        env.cmd(&["export", "--format", "jsonl", "--output"])
            .arg(target)
            .assert()
            .code(5);
    }
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
    assert!(!env.path().join("elsewhere.jsonl").exists());
    assert!(
        Path::new("/dev/null")
            .metadata()
            .unwrap()
            .permissions()
            .mode()
            & 0o777
            != 0o600
    );
}

#[test]
fn export_writes_through_a_fifo_and_leaves_it_a_fifo() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let fifo = env.path().join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    env.cmd(&["export", "--format", "jsonl", "--output"])
        .arg(&fifo)
        .assert()
        .success();
    assert!(reader.join().unwrap().contains("ada@example.com"));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert!(temp_files(env.path()).is_empty());
}

#[test]
fn export_replaces_an_existing_regular_file_with_a_private_one() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let old = env.write_file("users.jsonl", "old");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd(&["export", "--output", &old]).assert().success();
    assert!(
        std::fs::read_to_string(&old)
            .unwrap()
            .contains("ada@example.com")
    );
    assert_eq!(
        std::fs::metadata(&old).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// A signal that stops an export leaves no temporary file of hashes behind.
fn interrupted_export_leaves_no_temp_file(signal: nix::sys::signal::Signal) {
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    let env = TestEnv::new();
    plant_users(&env, 200_000);
    let out_dir = env.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let mut child = env
        .std_cmd(&["export", "--format", "jsonl", "--output"])
        .arg(out_dir.join("users.jsonl"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The temporary file exists from before the first row to the end.
    while temp_files(&out_dir).is_empty() {
        assert!(child.try_wait().unwrap().is_none(), "export ended first");
        std::thread::yield_now();
    }
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(signal as i32), "{status:?}");
    assert!(
        temp_files(&out_dir).is_empty(),
        "{:?}",
        temp_files(&out_dir)
    );
    assert!(!out_dir.join("users.jsonl").exists());
}

#[test]
fn sigterm_during_an_export_leaves_no_temp_file() {
    interrupted_export_leaves_no_temp_file(nix::sys::signal::Signal::SIGTERM);
}

#[test]
fn sigint_during_an_export_leaves_no_temp_file() {
    interrupted_export_leaves_no_temp_file(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn commands_that_only_read_never_create_a_database() {
    let env = TestEnv::new();
    let typo = env.path().join("typo/users.sqlite3");
    let backup = env.path().join("backup.sqlite3");
    let backup = backup.to_str().unwrap();
    let token = format!(
        "{}\n",
        secrecy::ExposeSecret::expose_secret(&userdb::token::generate())
    );
    for args in [
        &["list-users"][..],
        &["show-user", "ada@example.com"],
        &["log"],
        &["list-tokens"],
        &["verify-token"],
        &["export", "--format", "jsonl"],
        &["doctor"],
        &["backup", backup],
    ] {
        let out = env
            .cmd(args)
            .env("USERDB_DB", &typo)
            .write_stdin(token.as_str())
            .assert()
            .code(7)
            .get_output()
            .clone();
        let err = stderr_text(&out);
        assert!(
            err.contains(&format!("no database at {}", typo.display())),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("create it with `userdb migrate`"),
            "{args:?}: {err}"
        );
        assert!(!env.path().join("typo").exists(), "{args:?} created it");
    }
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .env("USERDB_DB", &typo)
        .assert()
        .success();
    assert!(typo.exists());
}

#[test]
fn a_db_path_that_looks_like_a_sqlite_uri_is_a_literal_file_name() {
    let env = TestEnv::new();
    let name = "file:mem.db?mode=memory";
    env.cmd(&[
        "--db",
        name,
        "createuser",
        "ada@example.com",
        "--no-password",
    ])
    .current_dir(env.path())
    .assert()
    .success();
    assert!(env.path().join(name).is_file());
    assert!(!env.path().join("file:mem.db").exists());
    env.cmd(&["--db", name, "show-user", "ada@example.com"])
        .current_dir(env.path())
        .assert()
        .success();
}

#[test]
fn a_postgres_url_is_a_server_never_a_file_tree_and_its_password_is_never_echoed() {
    let env = TestEnv::new();
    for url in [
        "postgres://admin:s3cret@127.0.0.1:1/users",
        "postgresql://127.0.0.1:1/users?password=s3cret",
    ] {
        for args in [
            &["createuser", "ada@example.com", "--no-password"][..],
            &["migrate", "--check"],
        ] {
            let mut all = vec!["--db", url];
            all.extend_from_slice(args);
            let out = env
                .cmd(&all)
                .current_dir(env.path())
                .assert()
                .code(7)
                .get_output()
                .clone();
            let err = stderr_text(&out);
            assert!(!err.contains("s3cret"), "{err}");
        }
    }
    assert!(!env.path().join("postgres:").exists());
    assert!(!env.path().join("postgresql:").exists());
}

#[test]
fn a_new_database_is_never_created_through_a_symbolic_link() {
    let env = TestEnv::new();
    let elsewhere = env.path().join("elsewhere.sqlite3");
    std::os::unix::fs::symlink(&elsewhere, env.db()).unwrap();
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .code(5)
        .stderr(predicates::str::contains("symbolic link"));
    assert!(!elsewhere.exists());
}

#[test]
fn the_database_its_wal_and_its_shm_are_private_whatever_the_umask() {
    let env = TestEnv::new();
    // SAFETY: umask cannot fail; the child inherits it (the test's own files do
    // not matter).
    let old = unsafe { libc::umask(0o000) };
    env.create_user("ada@example.com", &[]);
    unsafe { libc::umask(old) };
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", env.db().display());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path}");
    }
}

#[test]
fn a_database_others_can_read_gets_a_warning() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    env.cmd(&["list-users"])
        .assert()
        .success()
        .stderr(predicates::str::contains("warning: the database"))
        .stderr(predicates::str::contains("chmod 600"));
}

#[test]
fn backup_is_a_complete_private_copy_that_opens_as_a_database() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    env.create_user("bob@example.com", &[]);
    let backup = env.path().join("backup.sqlite3");
    env.cmd(&["backup"]).arg(&backup).assert().success();
    assert_eq!(
        std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(temp_files(env.path()).is_empty());
    // The WAL is not beside it: the one file holds everything.
    assert!(!env.path().join("backup.sqlite3-wal").exists());
    let conn = rusqlite::Connection::open(&backup).unwrap();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 2);
    drop(conn);
    env.cmd(&["show-user", "bob@example.com", "--db"])
        .arg(&backup)
        .assert()
        .success();
}

#[test]
fn backup_refuses_an_existing_file_unless_forced_and_never_the_database() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let old = env.write_file("old.sqlite3", "old");
    env.cmd(&["backup", &old]).assert().code(4);
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "old");
    env.cmd(&["backup", &old, "--force"]).assert().success();
    assert_ne!(std::fs::read(&old).unwrap(), b"old");
    let db = env.db();
    env.cmd(&["backup", "--force"]).arg(&db).assert().code(5);
    let wal = format!("{}-wal", db.display());
    env.cmd(&["backup", "--force", &wal]).assert().code(5);
    env.cmd(&["show-user", "ada@example.com"])
        .assert()
        .success();
}

#[test]
fn backups_taken_while_a_writer_runs_are_each_consistent() {
    let env = TestEnv::new();
    env.create_user("first@example.com", &[]);
    let writer = {
        let cmd = |i: usize| {
            let mut c = env.std_cmd(&["createuser", &format!("u{i}@example.com"), "--no-password"]);
            c.stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            c
        };
        let cmds: Vec<_> = (0..30).map(cmd).collect();
        std::thread::spawn(move || {
            for mut c in cmds {
                assert!(c.status().unwrap().success());
            }
        })
    };
    for i in 0..5 {
        let backup = env.path().join(format!("backup{i}.sqlite3"));
        env.cmd(&["backup"]).arg(&backup).assert().success();
        let conn = rusqlite::Connection::open(&backup).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        // Each user and its audit row are one transaction: a snapshot has both or neither.
        let (users, created): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM users),
                        (SELECT count(*) FROM audit_log WHERE event = 'user_created')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(users, created);
    }
    writer.join().unwrap();
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "31");
}

#[test]
fn a_duration_out_of_its_range_is_a_config_error_naming_the_key() {
    let env = TestEnv::new();
    env.cmd(&["list-users"])
        .env("USERDB_DATABASE_BUSY_TIMEOUT", "25d")
        .assert()
        .code(6)
        .stderr(predicates::str::contains("USERDB_DATABASE_BUSY_TIMEOUT"))
        .stderr(predicates::str::contains("0s to 1h"));
    for (config, key) in [
        ("[otp]\nttl = 9223372036854775807\n", "ttl"),
        ("[otp]\nresend_cooldown = \"36500d\"\n", "resend_cooldown"),
        ("[email]\ntimeout = \"30d\"\n", "timeout"),
        (
            "[token]\ndefault_expiry = 9223372036854775807\n",
            "default_expiry",
        ),
    ] {
        let path = env.write_file("config.toml", config);
        env.cmd(&["--config", &path, "list-users"])
            .assert()
            .code(6)
            .stderr(predicates::str::contains(key))
            .stderr(predicates::str::contains("out of range"));
    }
}

#[test]
fn a_deleted_users_hash_is_not_left_in_the_database_files() {
    let env = TestEnv::new();
    env.create_user("keep@example.com", &[]);
    env.create_user("gone@example.com", &[]);
    let hash = env.query_one("SELECT password FROM users WHERE email = 'gone@example.com'");
    let hash_part = hash.rsplit('$').next().unwrap().to_string();
    env.cmd(&["delete-user", "gone@example.com", "--yes"])
        .assert()
        .success();
    assert_not_on_disk(&env, &hash_part);
}

/// Fails when `needle` is in the bytes of the database or its WAL.
fn assert_not_on_disk(env: &TestEnv, needle: &str) {
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", env.db().display());
        let bytes = std::fs::read(&path).unwrap_or_default();
        let found = bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!found, "{needle} is still in {path}");
    }
}

#[test]
fn a_replaced_password_hash_is_not_left_in_the_database_files() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let hash = env.query_one("SELECT password FROM users WHERE email = 'ada@example.com'");
    let hash_part = hash.rsplit('$').next().unwrap().to_string();
    env.cmd(&["changepassword", "ada@example.com", "--password-stdin"])
        .write_stdin("a brand new passphrase\n")
        .assert()
        .success();
    assert_not_on_disk(&env, &hash_part);
}

#[test]
fn a_file_that_is_not_a_database_is_a_storage_error() {
    let env = TestEnv::new();
    std::fs::write(
        env.db(),
        "this is not sqlite, just text padded out ".repeat(50),
    )
    .unwrap();
    env.cmd(&["list-users"])
        .assert()
        .code(7)
        .stderr(predicates::str::contains("file is not a database"));
}

/// A database path that exists and is not a regular file is refused before
/// SQLite opens it: given a device, SQLite would create a `-journal` beside it
/// (in /dev, mode 0666, as root), and given a FIFO it would wait for ever.
#[test]
fn a_database_path_that_is_a_device_a_fifo_or_a_directory_is_refused_untouched() {
    let env = TestEnv::new();
    env.create_user("source@example.com", &[]);
    // A null device of our own, so that what lands beside it can be seen.
    let specials = env.path().join("specials");
    std::fs::create_dir(&specials).unwrap();
    let null = specials.join("null");
    let c = CString::new(null.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; makedev(1, 3) is /dev/null's.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    // Only root may make a device (CI runs as root); elsewhere the system's own
    // /dev/null stands in, where nothing could be made beside it anyway.
    let device = if made == 0 { null } else { "/dev/null".into() };
    let fifo = specials.join("fifo");
    mkfifo(&fifo);
    let dir = specials.join("folder");
    std::fs::create_dir(&dir).unwrap();
    for (path, kind) in [
        (&device, "a character device"),
        (&fifo, "a FIFO"),
        (&dir, "a directory"),
    ] {
        let db = path.to_str().unwrap();
        for args in [
            &["--db", db, "createuser", "ada@example.com", "--no-password"][..],
            &["--db", db, "list-users"],
            &["copy", "--to", db],
        ] {
            let out = env
                .cmd(args)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(5),
                "{args:?}: {}",
                stderr_text(&out)
            );
            assert!(
                stderr_text(&out).contains(&format!(
                    "refusing to open {db} as a database: it is {kind}, not a file"
                )),
                "{}",
                stderr_text(&out)
            );
        }
    }
    // Nothing beside them (no `null-journal`), nothing in the folder.
    let mut names: Vec<String> = std::fs::read_dir(&specials)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: &[&str] = if made == 0 {
        &["fifo", "folder", "null"]
    } else {
        &["fifo", "folder"]
    };
    assert_eq!(names, expected);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // The system's own devices, as `copy --to` targets.
    for device in ["/dev/null", "/dev/full"] {
        env.cmd(&["copy", "--to", device])
            .assert()
            .code(5)
            .stderr(predicates::str::contains("it is a character device"));
    }
}
