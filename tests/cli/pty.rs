//! The interactive flows, driven through a real pseudo-terminal.

use nix::sys::wait::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

use crate::support::{NOW, STRONG, TestEnv, totp_code};

const TIMEOUT_MS: u64 = 20_000;

fn spawn(env: &TestEnv, args: &[&str]) -> PtySession {
    spawn_command(env.std_cmd(args), Some(TIMEOUT_MS)).expect("spawn in a pty")
}

fn exit_code(session: &PtySession) -> i32 {
    match session.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("not a normal exit: {other:?}"),
    }
}

fn type_password_twice(p: &mut PtySession, first: &str, second: &str) {
    p.exp_string("Password:").unwrap();
    p.send_line(first).unwrap();
    p.exp_string("Password (again):").unwrap();
    p.send_line(second).unwrap();
}

#[test]
fn createsuperuser_asks_for_the_email_and_the_password_twice() {
    let env = TestEnv::new();
    let mut p = spawn(&env, &["createsuperuser"]);
    p.exp_string("Email address:").unwrap();
    p.send_line("Admin@Example.COM").unwrap();
    type_password_twice(&mut p, STRONG, STRONG);
    p.exp_string("Superuser Admin@example.com created successfully")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
    assert_eq!(env.user_json("admin@example.com")["is_superuser"], true);
}

#[test]
fn createsuperuser_explains_bad_emails_and_asks_again() {
    let env = TestEnv::new();
    env.create_user("taken@example.com", &[]);
    let mut p = spawn(&env, &["createsuperuser"]);
    p.exp_string("Email address:").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Error: This field cannot be blank.").unwrap();
    p.exp_string("Email address:").unwrap();
    p.send_line("not an address").unwrap();
    p.exp_string("Error: Enter a valid email address").unwrap();
    p.exp_string("Email address:").unwrap();
    p.send_line("TAKEN@example.com").unwrap();
    p.exp_string("Error: That email address is already taken.")
        .unwrap();
    p.exp_string("Email address:").unwrap();
    p.send_line("admin@example.com").unwrap();
    type_password_twice(&mut p, STRONG, STRONG);
    p.exp_string("created successfully").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn createsuperuser_handles_mismatch_blank_and_a_bypassed_weak_password() {
    let env = TestEnv::new();
    let mut p = spawn(&env, &["createsuperuser", "--email", "admin@example.com"]);
    type_password_twice(&mut p, STRONG, "something else");
    p.exp_string("Error: Your passwords didn't match.").unwrap();
    type_password_twice(&mut p, "", "");
    p.exp_string("Error: Blank passwords aren't allowed.")
        .unwrap();
    type_password_twice(&mut p, "admin", "admin");
    p.exp_string("The password is too similar to the email address.")
        .unwrap();
    p.exp_string("This password is too short. It must contain at least 8 characters.")
        .unwrap();
    p.exp_string("This password is too common.").unwrap();
    p.exp_string("Bypass password validation and create user anyway? [y/N]")
        .unwrap();
    p.send_line("n").unwrap();
    type_password_twice(&mut p, "password", "password");
    p.exp_string("This password is too common.").unwrap();
    p.exp_string("Bypass password validation and create user anyway? [y/N]")
        .unwrap();
    p.send_line("y").unwrap();
    p.exp_string("Superuser admin@example.com created successfully")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    env.cmd(&["authenticate", "admin@example.com", "--password-stdin"])
        .write_stdin("password")
        .assert()
        .success();
}

#[test]
fn passwords_are_not_echoed() {
    let env = TestEnv::new();
    let mut p = spawn(&env, &["createsuperuser", "--email", "admin@example.com"]);
    type_password_twice(&mut p, STRONG, STRONG);
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains(STRONG), "{rest}");
}

#[test]
fn ctrl_c_at_the_password_prompt_exits_130_creates_nothing_and_restores_echo() {
    let env = TestEnv::new();
    let bin = env!("CARGO_BIN_EXE_userdb");
    let mut cmd = std::process::Command::new("bash");
    cmd.env_clear()
        .envs(env.vars())
        .args(["-c", &format!("stty echo; '{bin}' createsuperuser --email admin@example.com; echo \"exit=$?\"; stty -a")]);
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).unwrap();
    p.exp_string("Password:").unwrap();
    p.send("half a pass").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("exit=130").unwrap();
    let stty = p.exp_eof().unwrap();
    assert!(
        stty.contains(" echo "),
        "terminal left without echo: {stty}"
    );
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn ctrl_c_at_the_email_prompt_exits_130() {
    let env = TestEnv::new();
    let mut p = spawn(&env, &["createsuperuser"]);
    p.exp_string("Email address:").unwrap();
    p.send("adm").unwrap();
    p.send_control('c').unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 130);
}

#[test]
fn createuser_prompts_for_a_password_on_a_terminal() {
    let env = TestEnv::new();
    let mut p = spawn(&env, &["createuser", "ada@example.com"]);
    type_password_twice(&mut p, STRONG, STRONG);
    p.exp_string("User ada@example.com created successfully")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn changepassword_gives_up_after_three_attempts() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["changepassword", "ada@example.com"]);
    p.exp_string("Changing password for user 'ada@example.com'")
        .unwrap();
    type_password_twice(&mut p, "one long phrase", "another long phrase");
    p.exp_string("Error: Your passwords didn't match.").unwrap();
    type_password_twice(&mut p, "short", "short");
    p.exp_string("This password is too short.").unwrap();
    type_password_twice(&mut p, "x", "y");
    p.exp_string("aborting password change for user 'ada@example.com' after 3 attempts")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
}

#[test]
fn changepassword_changes_it_when_typed_twice() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["changepassword", "ada@example.com"]);
    type_password_twice(&mut p, "a fresh passphrase", "a fresh passphrase");
    p.exp_string("Password changed successfully for user 'ada@example.com'.")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin("a fresh passphrase")
        .assert()
        .success();
}

#[test]
fn authenticate_prompts_once() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["authenticate", "ada@example.com"]);
    p.exp_string("Password:").unwrap();
    p.send_line(STRONG).unwrap();
    p.exp_string("Authenticated ada@example.com.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn delete_user_asks_and_respects_no() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["delete-user", "ada@example.com"]);
    p.exp_string("Delete user ada@example.com (id 1)? This cannot be undone. [y/N]")
        .unwrap();
    p.send_line("n").unwrap();
    p.exp_string("not deleted: ada@example.com").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
    let mut p = spawn(&env, &["delete-user", "ada@example.com"]);
    p.exp_string("[y/N]").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("User ada@example.com deleted.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn delete_group_asks_and_respects_no() {
    let env = TestEnv::new();
    env.cmd(&["create-group", "editors"]).assert().success();
    env.create_user("ada@example.com", &["--group", "editors"]);
    let mut p = spawn(&env, &["delete-group", "editors"]);
    p.exp_string("Delete group editors (1 member(s) lose its permissions)? [y/N]")
        .unwrap();
    p.send_line("n").unwrap();
    p.exp_string("not deleted: group editors").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
    let mut p = spawn(&env, &["delete-group", "editors"]);
    p.exp_string("[y/N]").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("Group editors deleted (1 member(s) left it).")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn no_input_never_prompts_even_on_a_terminal() {
    let env = TestEnv::new();
    let mut p = spawn(
        &env,
        &[
            "createsuperuser",
            "--no-input",
            "--email",
            "admin@example.com",
        ],
    );
    p.exp_string("created successfully").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_eq!(
        env.user_json("admin@example.com")["has_usable_password"],
        false
    );
}

#[test]
fn verify_otp_asks_for_the_code_without_echoing_it() {
    let env = TestEnv::new();
    // No password: the first verification has none to ask for (see accounts.rs).
    env.cmd(&["createuser", "ada@example.com", "--no-password"])
        .assert()
        .success();
    let out = env
        .cmd(&["send-otp", "ada@example.com"])
        .assert()
        .success()
        .get_output()
        .clone();
    let code = crate::support::code_in(&String::from_utf8_lossy(&out.stdout));
    let mut p = spawn(&env, &["verify-otp", "ada@example.com"]);
    p.exp_string("Code:").unwrap();
    p.send_line(&code).unwrap();
    let shown = p.exp_string("is right").unwrap();
    assert!(!shown.contains(&code), "the code was echoed: {shown:?}");
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn reset_password_asks_for_the_token_hidden_then_the_password_twice() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let out = env
        .cmd(&["create-reset-token", "ada@example.com"])
        .assert()
        .success();
    let token = String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_string();
    let mut p = spawn(&env, &["reset-password", "ada@example.com"]);
    p.exp_string("Reset token:").unwrap();
    p.send_line(&token).unwrap();
    let new = "a brand new passphrase to remember";
    let shown = p.exp_string("Password:").unwrap();
    assert!(
        !shown.contains(&token[5..]),
        "the token was echoed: {shown:?}"
    );
    p.send_line(new).unwrap();
    p.exp_string("Password (again):").unwrap();
    p.send_line("not the same one at all, sorry").unwrap();
    p.exp_string("didn't match").unwrap();
    type_password_twice(&mut p, new, new);
    let shown = p.exp_string("Password of ada@example.com reset").unwrap();
    assert!(!shown.contains(new), "the password was echoed: {shown:?}");
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    env.cmd(&["authenticate", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{new}\n"))
        .assert()
        .success();
}

#[test]
fn import_draws_a_progress_bar_on_a_terminal() {
    let env = TestEnv::new();
    let mut csv = String::from("email,password\n");
    for i in 0..200 {
        csv.push_str(&format!("u{i}@example.com,{STRONG}\n"));
    }
    let path = env.path().join("users.csv");
    std::fs::write(&path, csv).unwrap();
    let mut cmd = env.std_cmd(&["import", path.to_str().unwrap()]);
    // indicatif (console) draws nothing without a TERM.
    cmd.env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn in a pty");
    p.exp_string("Importing [").unwrap();
    p.exp_regex(r"/200 users, \d+/s, ETA").unwrap();
    p.exp_string("200 created, 0 updated, 0 skipped, 0 failed.")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn copy_draws_a_progress_bar_on_a_terminal_and_not_elsewhere() {
    let env = TestEnv::new();
    let mut csv = String::from("email\n");
    for i in 0..3000 {
        csv.push_str(&format!("u{i}@example.com\n"));
    }
    let path = env.path().join("users.csv");
    std::fs::write(&path, csv).unwrap();
    env.cmd(&["import", path.to_str().unwrap()])
        .assert()
        .success();
    let to = env.path().join("copy.sqlite3");
    let mut cmd = env.std_cmd(&["copy", "--to", to.to_str().unwrap()]);
    // indicatif (console) draws nothing without a TERM.
    cmd.env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn in a pty");
    p.exp_regex(r"Copying .+ \d+ rows, \d+/s").unwrap();
    p.exp_string("3000 users").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    // Not a terminal: the summary alone.
    let again = env.path().join("again.sqlite3");
    let out = env
        .cmd(&["copy", "--to", again.to_str().unwrap()])
        .env("TERM", "xterm")
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("Copying"), "{err}");
}

#[test]
fn createsuperuser_asks_required_custom_fields_with_their_help_until_valid() {
    let env = TestEnv::new();
    env.write_config(
        "[fields.department]\ntype = \"choice\"\nchoices = [\"Sales\", \"Ops\"]\nrequired = true\n\
         help = \"Where they work\"\n\
         [fields.employee_no]\ntype = \"integer\"\nrequired = true\nunique = true\n\
         [fields.level]\ntype = \"integer\"\nrequired = true\ndefault = 1\n\
         [fields.nickname]\ntype = \"text\"\n",
    );
    env.create_user(
        "bob@example.com",
        &["--set", "department=Ops", "--set", "employee_no=7"],
    );
    let mut p = spawn(&env, &["createsuperuser"]);
    p.exp_string("Email address:").unwrap();
    p.send_line("admin@example.com").unwrap();
    p.exp_string("Department (Where they work; one of: Sales, Ops):")
        .unwrap();
    p.send_line("").unwrap();
    p.exp_string("Error: This field cannot be blank.").unwrap();
    p.exp_string("Department").unwrap();
    p.send_line("Marketing").unwrap();
    p.exp_string("Error: expected one of Sales, Ops, found \"Marketing\".")
        .unwrap();
    p.exp_string("Department").unwrap();
    p.send_line("sales").unwrap();
    p.exp_string("Employee no (a whole number):").unwrap();
    p.send_line("seven").unwrap();
    p.exp_string("Error: expected a whole number, found \"seven\".")
        .unwrap();
    p.exp_string("Employee no").unwrap();
    p.send_line("7").unwrap();
    p.exp_string("Error: That employee no is already taken.")
        .unwrap();
    p.exp_string("Employee no").unwrap();
    p.send_line("8").unwrap();
    // A default is offered and taken on a blank answer; optional fields are not asked.
    p.exp_string("Level (a whole number) [1]:").unwrap();
    p.send_line("").unwrap();
    type_password_twice(&mut p, STRONG, STRONG);
    p.exp_string("Superuser admin@example.com created successfully")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    let admin = env.user_json("admin@example.com");
    assert_eq!(
        (
            admin["department"].clone(),
            admin["employee_no"].clone(),
            admin["level"].clone(),
            admin["nickname"].clone()
        ),
        (
            serde_json::json!("Sales"),
            serde_json::json!(8),
            serde_json::json!(1),
            serde_json::Value::Null
        )
    );
}

/// Runs `userdb ARGS` in the background of a shell on a terminal, reading the
/// terminal, and prints its pid, its exit status and then `stty -a`.
fn spawn_in_shell(env: &TestEnv, args: &str) -> (PtySession, i32) {
    let bin = env!("CARGO_BIN_EXE_userdb");
    let mut cmd = std::process::Command::new("bash");
    cmd.env_clear().envs(env.vars()).args([
        "-c",
        &format!("stty echo; '{bin}' {args} </dev/tty & pid=$!; echo \"pid=$pid.\"; wait $pid; echo \"exit=$?.\"; stty -a"),
    ]);
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).unwrap();
    let (_, pid) = p.exp_regex("pid=[0-9]+").unwrap();
    let pid = pid[4..].parse().unwrap();
    (p, pid)
}

#[test]
fn a_kill_hangup_or_quit_at_the_password_prompt_restores_echo() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    for (signal, status) in [
        (Signal::SIGTERM, 143),
        (Signal::SIGHUP, 129),
        (Signal::SIGQUIT, 131),
    ] {
        let env = TestEnv::new();
        let (mut p, pid) = spawn_in_shell(&env, "createsuperuser --email admin@example.com");
        p.exp_string("Password:").unwrap();
        kill(Pid::from_raw(pid), signal).unwrap();
        p.exp_string(&format!("exit={status}.")).unwrap();
        let stty = p.exp_eof().unwrap();
        assert!(
            stty.contains(" echo "),
            "{signal}: terminal left without echo: {stty}"
        );
        assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
    }
}

#[test]
fn the_process_can_leave_no_core_file() {
    let env = TestEnv::new();
    let (mut p, pid) = spawn_in_shell(&env, "createsuperuser --email admin@example.com");
    p.exp_string("Password:").unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    p.exp_string("exit=143.").unwrap();
}

#[test]
fn ctrl_c_at_a_yes_no_question_shows_the_cursor_and_ends_the_line() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["delete-user", "ada@example.com"]);
    p.exp_string("[y/N]").unwrap();
    p.send_control('c').unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("\u{1b}[?25h"), "cursor left hidden: {rest:?}");
    let before_error = rest.split("error: interrupted").next().unwrap();
    assert!(before_error.contains('\n'), "{rest:?}");
    assert_eq!(exit_code(&p), 130);
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");
}

#[test]
fn enroll_totp_shows_the_qr_code_asks_again_on_a_wrong_code_and_activates_on_a_right_one() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["enroll-totp", "ada@example.com"]);
    // The QR code: Unicode half blocks, then the URI and the grouped secret.
    // rexpect reads each byte as a character: put the UTF-8 back together.
    let read = p.exp_string("otpauth://totp/").unwrap();
    let before_uri = String::from_utf8(read.chars().map(|c| c as u8).collect()).unwrap();
    assert!(before_uri.contains('█'), "no QR code: {before_uri:?}");
    assert!(
        before_uri.contains('▀') || before_uri.contains('▄'),
        "{before_uri:?}"
    );
    p.exp_string("or type the secret: ").unwrap();
    let (grouped, _) = p.exp_regex(r"\r?\n").unwrap();
    let grouped = grouped.trim().to_string();
    assert!(
        regex::Regex::new(r"^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$")
            .unwrap()
            .is_match(&grouped),
        "secret in groups of 4: {grouped:?}"
    );
    let right = totp_code(&grouped.replace(' ', ""), NOW);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    p.exp_string("Code from the authenticator:").unwrap();
    p.send_line(wrong).unwrap();
    p.exp_string("That code is not right").unwrap();
    p.exp_string("Code from the authenticator:").unwrap();
    p.send_line(&right).unwrap();
    p.exp_string("TOTP of ada@example.com confirmed").unwrap();
    p.exp_string("Recovery codes for ada@example.com, shown this once")
        .unwrap();
    let rest = p.exp_eof().unwrap();
    let codes = regex::Regex::new(r"(?m)^[A-Z2-9]{5}-[A-Z2-9]{5}\r?$").unwrap();
    assert_eq!(codes.find_iter(&rest).count(), 10, "{rest}");
    assert!(!rest.contains(&right), "the code is not echoed: {rest}");
    assert_eq!(exit_code(&p), 0);
    let json = env.user_json("ada@example.com");
    assert_eq!(json["second_factor"], "totp");
    assert_eq!(json["recovery_codes_left"], 10);
}

#[test]
fn enroll_totp_gives_up_after_three_wrong_codes_and_leaves_the_enrolment_pending() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let mut p = spawn(&env, &["enroll-totp", "ada@example.com"]);
    for _ in 0..3 {
        p.exp_string("Code from the authenticator:").unwrap();
        // Not six digits: never a right code.
        p.send_line("12345").unwrap();
    }
    p.exp_string("no right code after 3 tries").unwrap();
    p.exp_string("userdb confirm-totp ada@example.com").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
    assert_eq!(env.user_json("ada@example.com")["second_factor"], "pending");
}

#[test]
fn authenticate_asks_for_the_second_factor_hidden_after_the_password() {
    // One attempt: the prompt comes before the sign-in, so a lock after one
    // failure does not stop it.
    let env = TestEnv::with_config("[login]\nmax_failures = 1\n");
    env.create_user("ada@example.com", &[]);
    let ada = crate::second_factor_gate::enroll(&env, "ada@example.com");
    let code = ada.code();
    let mut p = spawn(&env, &["authenticate", "ada@example.com"]);
    p.exp_string("Password:").unwrap();
    p.send_line(STRONG).unwrap();
    p.exp_string("Second factor (TOTP code or recovery code):")
        .unwrap();
    p.send_line(&code).unwrap();
    // Not echoed: the next thing on the terminal is the answer.
    let shown = p.exp_string("Authenticated ada@example.com.").unwrap();
    assert!(!shown.contains(&code), "{shown:?}");
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    // A wrong one typed at the prompt is refused (exit 1), never asked twice.
    let mut p = spawn(&env, &["authenticate", "ada@example.com"]);
    p.exp_string("Password:").unwrap();
    p.send_line(STRONG).unwrap();
    p.exp_string("Second factor (TOTP code or recovery code):")
        .unwrap();
    p.send_line(&code).unwrap();
    p.exp_string("was not accepted").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
}

/// Concealing, the command line learns that a second factor is needed only
/// from the sign-in: it asks then, and signs in again.
#[test]
fn concealing_the_second_factor_is_asked_once_the_sign_in_says_so() {
    let env = TestEnv::with_config("[registration]\nconceal_accounts = true\n");
    env.create_user("ada@example.com", &[]);
    let ada = crate::second_factor_gate::enroll(&env, "ada@example.com");
    let mut p = spawn(&env, &["authenticate", "ada@example.com"]);
    p.exp_string("Password:").unwrap();
    p.send_line(STRONG).unwrap();
    p.exp_string("Second factor (TOTP code or recovery code):")
        .unwrap();
    p.send_line(&ada.recovery_codes[0]).unwrap();
    p.exp_string("Authenticated ada@example.com.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}
