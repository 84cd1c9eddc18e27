//! `userdb apply FILE`: declarative provisioning, idempotent, all or nothing.

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{STRONG, TestEnv, stdout_json};

const FILE: &str = r#"
[[groups]]
name = "ops"
permissions = ["infra.deploy"]

[[users]]
email = "root@example.com"
superuser = true
password_env = "ROOT_PASSWORD"
groups = ["ops"]

[[users]]
email = "ada@example.com"
first_name = "Ada"
permissions = ["blog.add_post"]
"#;

fn apply(env: &TestEnv, text: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let path = env.write_file("users.toml", text);
    let mut args = vec!["apply", path.as_str()];
    args.extend_from_slice(extra);
    env.cmd(&args).env("ROOT_PASSWORD", STRONG).assert()
}

fn plan(env: &TestEnv, text: &str, extra: &[&str]) -> Value {
    let path = env.write_file("users.toml", text);
    let mut args = vec!["--json", "apply", path.as_str()];
    args.extend_from_slice(extra);
    let out = env
        .cmd(&args)
        .env("ROOT_PASSWORD", STRONG)
        .assert()
        .success();
    stdout_json(out.get_output())
}

fn audit_rows(env: &TestEnv) -> String {
    env.query_one("SELECT count(*) FROM audit_log")
}

#[test]
fn apply_makes_what_the_file_says_then_changes_nothing_on_a_second_run() {
    let env = TestEnv::new();
    let first = plan(&env, FILE, &[]);
    assert_eq!(
        first,
        json!({
            "changed": true,
            "users": [
                {"email": "root@example.com", "action": "created",
                 "fields": ["staff", "superuser", "password", "groups"]},
                {"email": "ada@example.com", "action": "created",
                 "fields": ["first_name", "permissions"]},
            ],
            "groups": [{"name": "ops", "action": "created", "fields": ["permissions"]}],
        })
    );
    let root = env.user_json("root@example.com");
    assert_eq!(
        (root["is_superuser"].clone(), root["is_staff"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(root["groups"], json!(["ops"]));
    assert_eq!(
        env.user_json("ada@example.com")["user_permissions"],
        json!(["blog.add_post"])
    );
    env.cmd(&["authenticate", "root@example.com", "--password-stdin"])
        .write_stdin(format!("{STRONG}\n"))
        .assert()
        .success();
    let before = audit_rows(&env);
    let again = plan(&env, FILE, &[]);
    assert_eq!(again["changed"], false);
    assert!(
        again["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["action"] == "unchanged")
    );
    assert_eq!(
        audit_rows(&env),
        before,
        "a no-op writes nothing, not even an audit row"
    );
    apply(&env, FILE, &[])
        .success()
        .stdout("")
        .stderr(predicate::str::starts_with(
            "Nothing to change: users 0 created",
        ));
}

#[test]
fn a_dry_run_prints_the_plan_and_writes_nothing() {
    let env = TestEnv::new();
    apply(&env, FILE, &["--dry-run"])
        .success()
        .stdout(
            "+ group ops (permissions)\n\
             + user root@example.com (staff, superuser, password, groups)\n\
             + user ada@example.com (first_name, permissions)\n",
        )
        .stderr(predicate::str::starts_with("Dry run, nothing written"));
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
    assert_eq!(env.query_one("SELECT count(*) FROM groups"), "0");
}

#[test]
fn changes_are_named_and_lists_are_made_exact() {
    let env = TestEnv::new();
    apply(&env, FILE, &[]).success();
    env.cmd(&["create-group", "dev"]).assert().success();
    let changed = FILE
        .replace("groups = [\"ops\"]", "groups = [\"dev\"]")
        .replace(
            "first_name = \"Ada\"",
            "first_name = \"Ada L.\"\nstaff = true",
        )
        .replace(
            "permissions = [\"infra.deploy\"]",
            "permissions = [\"infra.deploy\", \"infra.read\"]",
        );
    let out = plan(&env, &changed, &[]);
    assert_eq!(
        out["groups"][0],
        json!({"name": "ops", "action": "updated", "fields": ["permissions"]})
    );
    assert_eq!(out["users"][0]["fields"], json!(["groups"]));
    assert_eq!(out["users"][1]["fields"], json!(["first_name", "staff"]));
    assert_eq!(env.user_json("root@example.com")["groups"], json!(["dev"]));
    let ada = env.user_json("ada@example.com");
    assert_eq!(
        (ada["first_name"].clone(), ada["is_staff"].clone()),
        (json!("Ada L."), json!(true))
    );
    // Keys left out leave values alone.
    env.cmd(&["update-user", "ada@example.com", "--last-name", "Lovelace"])
        .assert()
        .success();
    assert_eq!(plan(&env, &changed, &[])["changed"], false);
}

#[test]
fn passwords_are_set_on_creation_and_again_only_when_always() {
    let env = TestEnv::new();
    apply(&env, FILE, &[]).success();
    let sign_in = |password: &str| {
        env.cmd(&["authenticate", "root@example.com", "--password-stdin"])
            .write_stdin(format!("{password}\n"))
            .assert()
    };
    let new = "another strong passphrase here";
    env.cmd(&["apply", &env.write_file("users.toml", FILE)])
        .env("ROOT_PASSWORD", new)
        .assert()
        .success();
    sign_in(STRONG).success();
    let always = FILE.replace(
        "password_env = \"ROOT_PASSWORD\"",
        "password_env = \"ROOT_PASSWORD\"\npassword_update = \"always\"",
    );
    assert_eq!(
        plan(&env, &always, &[])["changed"],
        false,
        "the same password"
    );
    let out = env
        .cmd(&["--json", "apply", &env.write_file("users.toml", &always)])
        .env("ROOT_PASSWORD", new)
        .assert()
        .success();
    assert_eq!(
        stdout_json(out.get_output())["users"][0]["fields"],
        json!(["password"])
    );
    sign_in(new).success();
}

#[test]
fn bad_input_names_the_entry_and_its_line_and_writes_nothing() {
    let env = TestEnv::new();
    for (text, expected) in [
        (
            "[[users]]\nemail = \"a@example.com\"\npassword = \"hunter2\"\n",
            "user a@example.com (line 1): a plain-text password is refused",
        ),
        (
            "\n[[users]]\nemail = \"a@example.com\"\nsuperuserr = true\n",
            "(line 2): unknown key `superuserr`",
        ),
        (
            "[[users]]\nemail = \"nobody\"\n",
            "user \"nobody\" (line 1)",
        ),
        (
            "[[users]]\nemail = \"a@example.com\"\ngroups = [\"ghosts\"]\n",
            "no group named \"ghosts\" in the file or the database",
        ),
        (
            "[[users]]\nemail = \"a@example.com\"\npassword_env = \"UNSET_VARIABLE\"\n",
            "UNSET_VARIABLE (password_env) is not set",
        ),
        ("[[users]\n", "apply file (line 1)"),
    ] {
        let out = apply(&env, &format!("[[groups]]\nname = \"fine\"\n{text}"), &[]).code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.starts_with("error: invalid "), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let out = apply(&env, text, &[]).code(2);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert_eq!(env.query_one("SELECT count(*) FROM groups"), "0");
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

/// Rows are made while earlier ones are being written: one that fails late
/// (a malformed hash, a password the validators refuse) still leaves nothing.
#[test]
fn a_row_that_fails_late_in_a_large_file_leaves_nothing_written() {
    let env = TestEnv::new();
    let mut many = String::from("[[groups]]\nname = \"ops\"\n");
    for i in 0..1000 {
        many.push_str(&format!(
            "[[users]]\nemail = \"user{i}@example.com\"\npassword_hash = \"!unusable\"\ngroups = [\"ops\"]\n"
        ));
    }
    for (last, expected) in [
        (
            "password_hash = \"argon2$nonsense\"",
            "user last@example.com (line 4003): password_hash",
        ),
        (
            "password_env = \"WEAK_PASSWORD\"",
            "user last@example.com (line 4003)",
        ),
    ] {
        let text = format!("{many}[[users]]\nemail = \"last@example.com\"\n{last}\n");
        for extra in [&[][..], &["--dry-run"][..]] {
            let path = env.write_file("users.toml", &text);
            let mut args = vec!["apply", path.as_str()];
            args.extend_from_slice(extra);
            let out = env
                .cmd(&args)
                .env("WEAK_PASSWORD", "password")
                .assert()
                .code(2);
            let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
    assert_eq!(env.query_one("SELECT count(*) FROM groups"), "0");
    assert_eq!(audit_rows(&env), "0");
}

#[test]
fn prune_deactivates_users_missing_from_the_file_but_never_the_last_superuser() {
    let env = TestEnv::new();
    apply(&env, FILE, &[]).success();
    env.create_user("old@example.com", &[]);
    let out = plan(&env, FILE, &["--prune"]);
    assert_eq!(
        out["users"][2],
        json!({"email": "old@example.com", "action": "deactivated", "fields": ["active"]})
    );
    assert_eq!(env.user_json("old@example.com")["is_active"], false);
    assert_eq!(plan(&env, FILE, &["--prune"])["changed"], false);
    // A file without the only superuser: pruning would leave none.
    let without_root = "[[users]]\nemail = \"ada@example.com\"\n";
    apply(&env, without_root, &["--prune"])
        .code(5)
        .stderr(predicate::str::contains(
            "root@example.com is the last lasting superuser",
        ));
    apply(&env, without_root, &["--prune", "--dry-run"]).code(5);
    assert_eq!(env.user_json("root@example.com")["is_active"], true);
    assert_eq!(env.user_json("ada@example.com")["is_active"], true);
}

#[test]
fn custom_fields_and_lifecycle_keys_are_keys_of_an_entry() {
    let env = TestEnv::with_config(
        "[fields.department]\ntype = \"choice\"\nchoices = [\"Ops\", \"Sales\"]\n",
    );
    let text = "[[users]]\nemail = \"a@example.com\"\ndepartment = \"Ops\"\n\
                must_change_password = true\nexpires_at = 2027-01-31\n";
    env.cmd(&["apply", "-"])
        .write_stdin(text)
        .assert()
        .success();
    let a = env.user_json("a@example.com");
    assert_eq!(a["department"], "Ops");
    assert_eq!(a["must_change_password"], true);
    assert_eq!(a["expires_at"], "2027-01-31T00:00:00.000000Z");
    env.cmd(&["apply", "-"])
        .write_stdin(text.replace("\"Ops\"", "\"R&D\""))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("user a@example.com (line 1)"));
    let out = env
        .cmd(&["--json", "apply", "-"])
        .write_stdin(text)
        .assert()
        .success();
    assert_eq!(stdout_json(out.get_output())["changed"], false);
}

#[test]
fn concurrent_applies_and_other_writers_all_land_once() {
    let env = TestEnv::new();
    let path = env.write_file("users.toml", FILE);
    let mut children = Vec::new();
    for i in 0..4 {
        let mut apply = env.std_cmd(&["apply", &path]);
        apply.env("ROOT_PASSWORD", STRONG);
        children.push(apply.stderr(std::process::Stdio::piped()).spawn().unwrap());
        let mut create =
            env.std_cmd(&["createuser", &format!("u{i}@example.com"), "--no-password"]);
        children.push(create.stderr(std::process::Stdio::piped()).spawn().unwrap());
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "6");
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE event = 'group_created'"),
        "1"
    );
    assert_eq!(
        env.query_one("SELECT count(*) FROM audit_log WHERE event = 'user_created' AND email = 'root@example.com'"),
        "1"
    );
    assert_eq!(plan(&env, FILE, &[])["changed"], false);
}

/// A file over the limit is refused whole, before anything is planned: cut at
/// the limit, its last users would be pruned.
#[test]
fn a_file_or_stdin_over_64_mib_is_refused_not_cut() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    env.create_user("zed@example.com", &[]);
    let padding = format!("# {}\n", "x".repeat(1021)).repeat(64 * 1024);
    let text = format!(
        "[[users]]\nemail = \"root@example.com\"\n{padding}[[users]]\nemail = \"zed@example.com\"\n"
    );
    assert!(text.len() > 64 << 20 && text.len() < (64 << 20) + 100);
    let path = env.write_file("users.toml", &text);
    for (args, stdin, named) in [
        (
            vec!["apply", path.as_str(), "--prune"],
            String::new(),
            path.as_str(),
        ),
        (vec!["apply", "-", "--prune"], text, "standard input"),
    ] {
        env.cmd(&args)
            .write_stdin(stdin)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{named} is larger than 64 MiB, the most apply reads"
            )));
        assert_eq!(env.user_json("zed@example.com")["is_active"], true);
    }
    assert_eq!(audit_rows(&env), "2");
}

/// The last-superuser rail counts who is a superuser once the file is
/// applied: promoting one user while dropping another leaves one.
#[test]
fn prune_accepts_a_file_that_promotes_a_new_superuser_while_dropping_the_old_one() {
    let env = TestEnv::new();
    env.create_superuser("root@example.com", &[]);
    env.create_user("ada@example.com", &[]);
    let promote = "[[users]]\nemail = \"ada@example.com\"\nsuperuser = true\n";
    apply(&env, promote, &["--prune", "--dry-run"]).success();
    apply(&env, promote, &["--prune"]).success();
    assert_eq!(env.user_json("root@example.com")["is_active"], false);
    assert_eq!(env.user_json("ada@example.com")["is_superuser"], true);
    // Demoting the one left, even while promoting an expiring one, is refused.
    env.create_user("bob@example.com", &[]);
    let demote = "[[users]]\nemail = \"ada@example.com\"\nsuperuser = false\n\n\
                  [[users]]\nemail = \"bob@example.com\"\nsuperuser = true\n\
                  expires_at = \"2030-01-01T00:00:00Z\"\n";
    apply(&env, demote, &["--prune"])
        .code(5)
        .stderr(predicate::str::contains(
            "ada@example.com is the last lasting superuser",
        ));
    assert_eq!(env.user_json("ada@example.com")["is_superuser"], true);
}
