//! What import (and the logins after it) accept from a file: hash costs,
//! record and password sizes, timestamps, and what an error may quote.

use crate::support::{STRONG, TestEnv, stderr_text};

const SALT: &str = "c2FsdHNhbHQ";
const HASH: &str = "aGFzaGhhc2g";
const PBKDF2_HASH: &str = "uQ1RWoLHiTEpao0ui7Wt1N2UQRo+sK6VFSCH7pXncMk=";
const SCRYPT_HASH: &str =
    "dqNz7ALqy2Y1SjgX29y5bwqR2BcUnTc6esLji2bBtEZUdvsgLZE9WhlkMxxUzKZfBQ6r3cjNbrWC9f4NKQP4Lg==";
const BCRYPT_BODY: &str = "Fquc5ZqcBbk5rcayWeN98.hDEtnNbiDwxT7h6Tgx1/0RBMsJ0.4py";

fn argon2(params: &str) -> String {
    format!("argon2$argon2id$v=19${params}${SALT}${HASH}")
}

fn bcrypt(cost: u32) -> String {
    format!("bcrypt$$2b${cost:02}${BCRYPT_BODY}")
}

/// A CSV of `email,password_hash` rows.
fn hashes_csv(hashes: &[String]) -> String {
    let mut csv = String::from("email,password_hash\n");
    for (i, hash) in hashes.iter().enumerate() {
        csv.push_str(&format!("user{i}@example.com,\"{hash}\"\n"));
    }
    csv
}

#[test]
fn hashes_costing_more_than_a_second_or_256_mib_are_refused_at_import_by_line() {
    let env = TestEnv::new();
    // The four: 4 GiB of argon2, scrypt N=2^24, bcrypt 20, pbkdf2 at
    // 100,000,000 iterations.
    let hostile = [
        argon2("m=4194304,t=1,p=1"),
        format!("scrypt$16777216$salt$1$1${SCRYPT_HASH}"),
        bcrypt(20),
        format!("pbkdf2_sha256$100000000$salt${PBKDF2_HASH}"),
    ];
    let path = env.write_file("costly.csv", &hashes_csv(&hostile));
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    for (line, over) in [
        (
            2,
            "argon2 hash: checking it would need 4096 MiB of memory, over the ceiling of 256 MiB ([password] max_hash_memory)",
        ),
        (
            3,
            "scrypt hash: checking it would need 2049 MiB of memory, over the ceiling of 256 MiB ([password] max_hash_memory)",
        ),
        (4, "bcrypt hash: checking it would take about"),
        (5, "pbkdf2_sha256 hash: checking it would take about"),
    ] {
        let expected = format!("{path}: line {line}: password_hash: {over}");
        assert!(stderr.contains(&expected), "{expected}\n{stderr}");
    }
    assert!(stderr.contains("over the ceiling of 1s ([password] max_hash_time)"));
    for secret in [SALT, HASH, SCRYPT_HASH, BCRYPT_BODY, PBKDF2_HASH] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
    assert_eq!(env.users_stored(), 0);
}

#[test]
fn djangos_default_hash_costs_are_imported() {
    let env = TestEnv::new();
    let django = [
        argon2("m=102400,t=2,p=8"),
        format!("pbkdf2_sha256$1200000$salt${PBKDF2_HASH}"),
        bcrypt(12),
        format!("bcrypt_sha256$$2b$12${BCRYPT_BODY}"),
        format!("scrypt$16384$salt$8$1${SCRYPT_HASH}"),
    ];
    let path = env.write_file("django.csv", &hashes_csv(&django));
    env.cmd(&["import", &path]).assert().success();
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "5");
}

#[test]
fn the_ceiling_is_raised_in_the_config_file() {
    let env = TestEnv::with_config("[password]\nmax_hash_time = \"30s\"\n");
    let path = env.write_file("slow.csv", &hashes_csv(&[bcrypt(16)]));
    env.cmd(&["import", &path]).assert().success();
    env.cmd(&["config"])
        .assert()
        .success()
        .stdout(predicates::str::contains("password.max_hash_time"));
    let refused = TestEnv::new();
    let path = refused.write_file("slow.csv", &hashes_csv(&[bcrypt(16)]));
    refused.cmd(&["import", &path]).assert().code(2);
}

#[test]
fn a_ceiling_below_the_hashing_parameters_is_a_config_error() {
    // New hashes at 512 MiB could never be checked again under 256 MiB.
    let env = TestEnv::new();
    env.cmd(&["list-users"])
        .env("USERDB_PASSWORD_MEMORY_COST", "524288")
        .assert()
        .code(6)
        .stderr(predicates::str::contains("[password] max_hash_memory"));
}

#[test]
fn a_stored_hash_over_the_ceiling_fails_authentication_without_being_run() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    // Planted behind userdb's back (or imported under a raised ceiling):
    // bcrypt at cost 20 would take about a minute for each attempt.
    env.sql(&format!(
        "UPDATE users SET password = '{}' WHERE email = 'ada@example.com'",
        bcrypt(20)
    ));
    let out = env
        .cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(7);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains("the stored password hash of ada@example.com cannot be checked: bcrypt hash: checking it would take about"),
        "{stderr}"
    );
    assert!(
        stderr.contains("raise [password] max_hash_time"),
        "{stderr}"
    );
    assert!(!stderr.contains(BCRYPT_BODY), "{stderr}");
}

/// `userdb ARGS` with its address space capped at `kib`, as a container or a
/// ulimit would.
fn with_memory_limit(env: &TestEnv, kib: u64, args: &[&str]) -> assert_cmd::Command {
    let mut sh_args = vec![
        "-c".to_string(),
        format!("ulimit -v {kib} && exec \"$0\" \"$@\""),
        env!("CARGO_BIN_EXE_userdb").to_string(),
    ];
    sh_args.extend(args.iter().map(|a| a.to_string()));
    let mut cmd = assert_cmd::Command::new("sh");
    cmd.env_clear().envs(env.vars()).args(sh_args);
    cmd
}

#[test]
fn a_hash_whose_memory_cannot_be_allocated_is_an_error_not_an_abort() {
    // 1 GiB hashes, let in by a raised ceiling, checked under a 512 MiB limit.
    let env = TestEnv::with_config("[password]\nmax_hash_memory = 4096\nmax_hash_time = \"2m\"\n");
    let big = [
        format!("scrypt$1048576$salt$8$1${SCRYPT_HASH}"),
        argon2("m=1048576,t=1,p=1"),
    ];
    let path = env.write_file("big.csv", &hashes_csv(&big));
    env.cmd(&["import", &path]).assert().success();
    for (email, algorithm) in [
        ("user0@example.com", "scrypt"),
        ("user1@example.com", "argon2"),
    ] {
        let out = with_memory_limit(
            &env,
            512 * 1024,
            &["authenticate", email, "--password-stdin"],
        )
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .code(7);
        let stderr = stderr_text(out.get_output());
        assert!(
            stderr.contains(&format!(
                "the stored password hash of {email} cannot be checked: could not compute {algorithm} hash"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_time_outside_years_1_to_9999_is_refused_and_every_read_still_works() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let jsonl = "{\"email\": \"old@example.com\", \"last_login\": \"-000001-06-01T00:00:00Z\"}\n\
                 {\"email\": \"zero@example.com\", \"date_joined\": \"0000-12-31T23:00:00Z\"}\n";
    let path = env.write_file("old.jsonl", jsonl);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains(&format!(
            "{path}: line 1: last_login \"-000001-06-01T00:00:00Z\" is not a date and time (outside Django's range, years 1 to 9999 in UTC)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{path}: line 2: date_joined")),
        "{stderr}"
    );
    env.cmd(&["list-users"]).assert().success();
    env.cmd(&["export", "--format", "jsonl"]).assert().success();
    env.cmd(&["show-user", "ada@example.com"])
        .assert()
        .success();
    env.cmd(&["show-user", "old@example.com"]).assert().code(3);
}

#[test]
fn a_csv_record_is_capped_by_bytes_even_when_its_quoted_field_spans_many_lines() {
    let env = TestEnv::new();
    // An unclosed quote: every later line belongs to one field of row 2
    // (a million short lines, 2 MB, each under any per-line cap).
    let mut csv = String::from("email,first_name\nada@example.com,\"Ada\n");
    for _ in 0..1_000_000 {
        csv.push_str("x\n");
    }
    let path = env.write_file("open-quote.csv", &csv);
    let out = env.cmd(&["import", &path, "--dry-run"]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains(&format!(
            "{path}: line 2: longer than 64 KiB (a record, counting every line of its quoted fields; a quote left open?)"
        )),
        "{stderr}"
    );
}

/// A password of `chars` characters, "é" each (two bytes in UTF-8).
fn long_password(chars: usize) -> String {
    "é".repeat(chars)
}

#[test]
fn every_password_source_takes_at_most_4096_characters() {
    let env = TestEnv::new();
    let too_long = "the password is longer than 4096 characters";
    // stdin: a megabyte with no newline is refused after the bound, not read whole.
    env.cmd(&["createuser", "a@example.com", "--password-stdin"])
        .write_stdin("x".repeat(1 << 20))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(too_long));
    let file = env.write_file("pw.txt", &format!("{}\n", long_password(4097)));
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    env.cmd(&["createuser", "b@example.com", "--password-file", &file])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(too_long));
    env.cmd(&["createuser", "c@example.com", "--password-env", "PW"])
        .env("PW", long_password(4097))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(too_long));
    env.cmd(&["createuser", "d@example.com"])
        .env("USERDB_PASSWORD", long_password(4097))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(too_long));
    let csv = format!("email,password\ne@example.com,{}\n", long_password(4097));
    let path = env.write_file("long.csv", &csv);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "line 2: password is longer than 4096 characters",
        ));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");

    // 4096 characters (8192 bytes) are fine, and sign in.
    let longest = long_password(4096);
    env.cmd(&["createuser", "f@example.com", "--password-stdin"])
        .write_stdin(format!("{longest}\r\n"))
        .assert()
        .success();
    env.cmd(&["authenticate", "f@example.com", "--password-stdin"])
        .write_stdin(format!("{longest}\n"))
        .assert()
        .success();
    env.cmd(&["authenticate", "f@example.com", "--password-stdin"])
        .write_stdin(format!("{longest}é\n"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(too_long));
}

/// The contents of the files `pid` has open under `dir` (unlinked ones too).
fn open_files_under(pid: u32, dir: &std::path::Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.starts_with(dir)))
        .filter_map(|fd| std::fs::read(fd.path()).ok())
        .collect()
}

#[test]
fn import_from_stdin_spools_no_plain_password_to_disk() {
    use std::io::Write;
    use std::process::Stdio;

    let env = TestEnv::new();
    let tmp = env.path().join("tmp");
    std::fs::create_dir(&tmp).expect("tmp");
    let secret = "Plain-Text-Marker-Passw0rd";
    let csv = format!("email,password\nada@example.com,{secret}\n");
    let mut child = env
        .std_cmd(&["import", "-", "--format", "csv"])
        .env("TMPDIR", &tmp)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(csv.as_bytes()).expect("write");
    stdin.flush().expect("flush");
    // stdin stays open: the import has spooled what it read and waits for more.
    let spool = loop {
        let files = open_files_under(child.id(), &tmp);
        if let Some(full) = files.into_iter().find(|f| f.len() == csv.len()) {
            break full;
        }
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the import ended too soon"
        );
        std::thread::yield_now();
    };
    assert!(
        !spool.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the spool holds the plain password"
    );
    assert!(
        !spool.windows(7).any(|w| w == b"ada@exa"),
        "the spool is not encrypted"
    );
    drop(stdin);
    assert!(child.wait().expect("wait").success());
    // Read back whole: the user signs in with that password.
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{secret}\n"))
        .assert()
        .success();
}

#[test]
fn an_import_error_never_quotes_a_cell_of_a_row_with_a_plain_password() {
    let env = TestEnv::new();
    // The password slipped one column to the right, into is_staff.
    let secret = "MyPassw0rd-Slipped";
    let csv = format!("email,password,is_staff\nada@example.com,,{secret}\nnot-an-email,x,\n");
    let path = env.write_file("slipped.csv", &csv);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(!stderr.contains(secret), "{stderr}");
    assert!(!stderr.contains("not-an-email"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{path}: line 2: is_staff must be true or false, not (value not shown)"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{path}: line 3: invalid email address (value not shown)"
        )),
        "{stderr}"
    );
    // The same in JSON Lines, and in the --json summary.
    let jsonl = format!(
        "{{\"email\": \"ada@example.com\", \"password\": \"\", \"last_login\": \"{secret}\"}}\n"
    );
    let path = env.write_file("slipped.jsonl", &jsonl);
    let out = env.cmd(&["--json", "import", &path]).assert().code(2);
    let output = out.get_output();
    for text in [&output.stdout, &output.stderr] {
        assert!(!String::from_utf8_lossy(text).contains(secret));
    }
}

#[test]
fn other_quoted_values_are_cut_to_40_characters() {
    let env = TestEnv::new();
    let long = format!("{}@example.com", "a".repeat(200));
    let csv = format!("email,is_staff\n{long},{}\n", "y".repeat(100));
    let path = env.write_file("long.csv", &csv);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains(&format!(
            "{path}: line 2: is_staff must be true or false, not \"{}…\"",
            "y".repeat(40)
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(&"a".repeat(41)), "{stderr}");
}
