//! Groups, permissions and scoped tokens: Django's `PermissionsMixin` from the
//! command line.

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{STRONG, TestEnv, readme_block, run_as_script, stderr_text, stdout_json};

fn json_of(env: &TestEnv, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    stdout_json(env.cmd(&full).assert().success().get_output())
}

/// An editor in `editors` (blog.add_post, blog.change_post) and nothing else.
fn editors(env: &TestEnv) {
    env.cmd(&[
        "create-group",
        "editors",
        "--perm",
        "blog.add_post",
        "--perm",
        "blog.change_post",
    ])
    .assert()
    .success()
    .stderr("Group editors created with 2 permission(s).\n");
    env.create_user("ed@example.com", &["--group", "editors"]);
}

fn issue(env: &TestEnv, email: &str, extra: &[&str]) -> String {
    let mut args = vec!["issue-token", email];
    args.extend_from_slice(extra);
    let out = env.cmd(&args).assert().success();
    String::from_utf8(out.get_output().stdout.clone())
        .unwrap()
        .trim()
        .to_string()
}

fn verify(env: &TestEnv, token: &str, required: &[&str]) -> assert_cmd::assert::Assert {
    let mut args = vec!["verify-token"];
    for p in required {
        args.extend(["--require", p]);
    }
    env.cmd(&args).env("USERDB_TOKEN", token).assert()
}

fn audit(env: &TestEnv, event: &str) -> Vec<String> {
    env.query_rows(&format!(
        "SELECT coalesce(email, '-') || ' ' || detail FROM audit_log \
         WHERE event = '{event}' ORDER BY id"
    ))
}

#[test]
fn a_group_is_created_listed_and_shown_with_its_members_and_permissions() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["create-group", "readers"]).assert().success();
    let groups = json_of(&env, &["list-groups"]);
    assert_eq!(
        groups,
        json!([
            {"name": "editors", "permissions": ["blog.add_post", "blog.change_post"], "members": 1},
            {"name": "readers", "permissions": [], "members": 0},
        ])
    );
    let table = env.cmd(&["list-groups"]).assert().success();
    let table = String::from_utf8(table.get_output().stdout.clone()).unwrap();
    assert!(table.contains("editors"), "{table}");
    assert!(table.contains("blog.add_post, blog.change_post"), "{table}");
    let shown = json_of(&env, &["show-group", "editors"]);
    assert_eq!(shown["users"], json!(["ed@example.com"]));
    assert_eq!(shown["members"], 1);
    env.cmd(&["show-group", "editors"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ed@example.com"));
}

#[test]
fn a_taken_name_is_exit_4_and_a_bad_permission_exit_2_naming_the_form() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["create-group", "editors"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "a group named \"editors\" already exists",
        ));
    env.cmd(&["create-group", "x", "--perm", "Blog.Add"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("app_label.codename"));
    env.cmd(&["create-group", &"g".repeat(151)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("longer than 150"));
    assert_eq!(env.query_one("SELECT count(*) FROM groups"), "1");
}

#[test]
fn update_group_adds_removes_and_renames_and_members_follow() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&[
        "update-group",
        "editors",
        "--add-perm",
        "blog.publish",
        "--remove-perm",
        "blog.change_post",
        "--rename",
        "writers",
    ])
    .assert()
    .success()
    .stderr("Group writers updated.\n");
    let shown = json_of(&env, &["show-user", "ed@example.com"]);
    assert_eq!(shown["groups"], json!(["writers"]));
    assert_eq!(
        shown["permissions"],
        json!(["blog.add_post", "blog.publish"])
    );
    assert_eq!(
        audit(&env, "group_updated"),
        ["- group=editors, renamed=writers, added=blog.publish, removed=blog.change_post"]
    );
    env.cmd(&["update-group", "writers"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to change"));
    env.cmd(&["update-group", "nope", "--add-perm", "a.b"])
        .assert()
        .code(3)
        .stderr(
            predicate::str::contains("no group named \"nope\"")
                .and(predicate::str::contains("list-groups")),
        );
    env.cmd(&["create-group", "ops"]).assert().success();
    env.cmd(&["update-group", "ops", "--rename", "writers"])
        .assert()
        .code(4);
    env.cmd(&[
        "update-group",
        "ops",
        "--add-perm",
        "a.b",
        "--remove-perm",
        "a.b",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("both added and removed"));
}

#[test]
fn delete_group_needs_yes_in_a_script_and_takes_the_memberships_with_it() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["delete-group", "editors"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    env.cmd(&["delete-group", "editors", "--yes"])
        .assert()
        .success()
        .stderr("Group editors deleted (1 member(s) left it).\n");
    let shown = json_of(&env, &["show-user", "ed@example.com"]);
    assert_eq!(shown["groups"], json!([]));
    assert_eq!(shown["permissions"], json!([]));
    assert_eq!(env.query_one("SELECT count(*) FROM user_groups"), "0");
    assert_eq!(audit(&env, "group_deleted"), ["- group=editors, members=1"]);
    env.cmd(&["delete-group", "editors", "--yes"])
        .assert()
        .code(3);
}

#[test]
fn an_unknown_group_is_exit_3_and_no_user_is_created_or_changed() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&[
        "createuser",
        "new@example.com",
        "--password-stdin",
        "--group",
        "nope",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .code(3)
    .stderr(predicate::str::contains("no group named \"nope\""));
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "root@example.com",
        "--group",
        "nope",
    ])
    .assert()
    .code(3);
    env.cmd(&[
        "update-user",
        "ed@example.com",
        "--first-name",
        "Ed",
        "--grant",
        "shop.refund",
        "--group",
        "nope",
    ])
    .assert()
    .code(3);
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");
    let ed = json_of(&env, &["show-user", "ed@example.com"]);
    assert_eq!(ed["first_name"], "");
    assert_eq!(ed["user_permissions"], json!([]));
    assert_eq!(ed["groups"], json!(["editors"]));
}

#[test]
fn createsuperuser_takes_groups_and_register_takes_none() {
    let env = TestEnv::new();
    editors(&env);
    env.create_superuser("root@example.com", &["--group", "editors"]);
    assert_eq!(
        json_of(&env, &["show-user", "root@example.com"])["groups"],
        json!(["editors"])
    );
    env.cmd(&[
        "register",
        "self@example.com",
        "--password-stdin",
        "--group",
        "editors",
    ])
    .write_stdin(format!("{STRONG}\n"))
    .assert()
    .code(2)
    .stderr(predicate::str::contains("--group"));
}

#[test]
fn update_user_grants_revokes_joins_and_leaves_and_audits_each_change() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["create-group", "ops", "--perm", "infra.deploy"])
        .assert()
        .success();
    env.cmd(&[
        "update-user",
        "ed@example.com",
        "--grant",
        "shop.refund",
        "--group",
        "ops",
        "--remove-group",
        "editors",
    ])
    .assert()
    .success();
    let ed = json_of(&env, &["show-user", "ed@example.com"]);
    assert_eq!(ed["groups"], json!(["ops"]));
    assert_eq!(ed["user_permissions"], json!(["shop.refund"]));
    assert_eq!(ed["permissions"], json!(["infra.deploy", "shop.refund"]));
    assert_eq!(ed["all_permissions"], false);
    // Granting again and revoking what is not held change nothing.
    env.cmd(&[
        "update-user",
        "ed@example.com",
        "--grant",
        "shop.refund",
        "--revoke",
        "a.b",
    ])
    .assert()
    .success();
    env.cmd(&["update-user", "ed@example.com", "--revoke", "shop.refund"])
        .assert()
        .success();
    assert_eq!(
        audit(&env, "permission_granted"),
        ["ed@example.com permission=shop.refund"]
    );
    assert_eq!(
        audit(&env, "permission_revoked"),
        ["ed@example.com permission=shop.refund"]
    );
    assert_eq!(
        audit(&env, "group_joined"),
        ["ed@example.com group=editors", "ed@example.com group=ops"]
    );
    assert_eq!(audit(&env, "group_left"), ["ed@example.com group=editors"]);
    let logged = env
        .cmd(&["--json", "log", "--event", "group_joined"])
        .assert()
        .success();
    assert_eq!(
        stdout_json(logged.get_output()).as_array().unwrap().len(),
        2
    );
    // A permission a group still gives is not taken away by --revoke, and it says so.
    env.cmd(&["update-user", "ed@example.com", "--revoke", "infra.deploy"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: ed@example.com still holds infra.deploy",
        ));
    env.cmd(&["update-user", "ed@example.com", "--grant", "nodot"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("app_label.codename"));
}

#[test]
fn has_perm_follows_django_for_members_superusers_and_inactive_users() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["has-perm", "ed@example.com", "blog.add_post"])
        .assert()
        .success()
        .stderr("ed@example.com holds blog.add_post.\n");
    env.cmd(&["has-perm", "ed@example.com", "blog.add_post", "shop.refund"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "ed@example.com does not hold shop.refund",
        ));
    env.create_superuser("root@example.com", &[]);
    env.cmd(&["has-perm", "root@example.com", "any.thing"])
        .assert()
        .success();
    env.cmd(&["update-user", "ed@example.com", "--active", "false"])
        .assert()
        .success();
    env.cmd(&["has-perm", "ed@example.com", "blog.add_post"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("inactive"));
    let answer = stdout_json(
        env.cmd(&["--json", "has-perm", "ed@example.com", "blog.add_post"])
            .assert()
            .code(1)
            .get_output(),
    );
    assert_eq!(answer["has_perms"], false);
    assert_eq!(answer["permissions"], json!([]));
    assert_eq!(answer["missing"], json!(["blog.add_post"]));
    let root = json_of(&env, &["has-perm", "root@example.com"]);
    assert_eq!(root["all_permissions"], true);
    env.cmd(&["has-perm", "nobody@example.com", "a.b"])
        .assert()
        .code(3);
    env.cmd(&["has-perm", "root@example.com", "not-a-perm"])
        .assert()
        .code(2);
}

#[test]
fn show_user_lists_groups_direct_and_effective_permissions() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["update-user", "ed@example.com", "--grant", "shop.refund"])
        .assert()
        .success();
    let table = env.cmd(&["show-user", "ed@example.com"]).assert().success();
    let table = String::from_utf8(table.get_output().stdout.clone()).unwrap();
    assert!(table.contains("groups"), "{table}");
    assert!(table.contains("user permissions"), "{table}");
    assert!(
        table.contains("blog.add_post, blog.change_post, shop.refund"),
        "{table}"
    );
}

#[test]
fn list_users_filters_by_group_and_by_permission_held() {
    let env = TestEnv::new();
    editors(&env);
    env.create_user("plain@example.com", &[]);
    env.create_user("granted@example.com", &[]);
    env.cmd(&[
        "update-user",
        "granted@example.com",
        "--grant",
        "blog.add_post",
    ])
    .assert()
    .success();
    env.create_superuser("root@example.com", &[]);
    let emails = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["list-users"];
        full.extend_from_slice(args);
        json_of(&env, &full)
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(emails(&["--group", "editors"]), ["ed@example.com"]);
    assert_eq!(
        emails(&["--perm", "blog.add_post"]),
        ["ed@example.com", "granted@example.com", "root@example.com"]
    );
    env.cmd(&["list-users", "--group", "nope"]).assert().code(3);
}

#[test]
fn a_scope_the_user_does_not_hold_is_refused_at_issue() {
    let env = TestEnv::new();
    editors(&env);
    env.cmd(&["issue-token", "ed@example.com", "--scope", "shop.refund"])
        .assert()
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains("does not hold shop.refund"));
    assert_eq!(env.query_one("SELECT count(*) FROM tokens"), "0");
    let token = issue(&env, "ed@example.com", &["--scope", "blog.add_post"]);
    let listed = json_of(&env, &["list-tokens"]);
    assert_eq!(listed[0]["scopes"], json!(["blog.add_post"]));
    let verified = stdout_json(
        env.cmd(&["--json", "verify-token"])
            .env("USERDB_TOKEN", &token)
            .assert()
            .success()
            .get_output(),
    );
    assert_eq!(verified["token"]["scopes"], json!(["blog.add_post"]));
    assert_eq!(verified["groups"], json!(["editors"]));
    let table = env.cmd(&["list-tokens"]).assert().success();
    assert!(String::from_utf8_lossy(&table.get_output().stdout).contains("blog.add_post"));
}

#[test]
fn verify_token_require_needs_the_scope_and_the_users_permission_now() {
    let env = TestEnv::new();
    editors(&env);
    let scoped = issue(&env, "ed@example.com", &["--scope", "blog.add_post"]);
    let unscoped = issue(&env, "ed@example.com", &[]);
    verify(&env, &scoped, &["blog.add_post"])
        .success()
        .stdout("ed@example.com\n");
    // Outside the scopes, though the user holds it.
    let out = verify(&env, &scoped, &["blog.change_post"]).code(1);
    let err = stderr_text(out.get_output());
    assert!(
        err.contains("may not be used for blog.change_post: it is not among the token's scopes"),
        "{err}"
    );
    // A token without scopes carries the user's permissions.
    verify(&env, &unscoped, &["blog.change_post"]).success();
    verify(&env, &unscoped, &["shop.refund"])
        .code(1)
        .stderr(predicate::str::contains("its user does not hold it"));
    // Losing the group takes the scope away, without touching the token.
    env.cmd(&["update-user", "ed@example.com", "--remove-group", "editors"])
        .assert()
        .success();
    verify(&env, &scoped, &["blog.add_post"])
        .code(1)
        .stderr(predicate::str::contains("its user does not hold it"));
    verify(&env, &scoped, &[]).success();
    assert_eq!(
        env.query_one("SELECT count(*) FROM tokens WHERE revoked_at IS NULL"),
        "2"
    );
    let rejected = audit(&env, "token_rejected");
    assert_eq!(rejected.len(), 3);
    assert!(
        rejected[0].ends_with("reason=not permitted"),
        "{rejected:?}"
    );
    // Nothing secret in what was logged.
    let log = env.query_rows("SELECT detail FROM audit_log").join("\n");
    assert!(!log.contains(&scoped[4..]) && !log.contains(&unscoped[4..]));
}

#[test]
fn the_readme_provisioning_example_runs_twice_under_set_e() {
    let env = TestEnv::new();
    let script = readme_block("# Provisioning: the groups first");
    let vars = [("ED_PASSWORD", STRONG)];
    let first = run_as_script(&env, &script, &vars);
    assert!(first.status.success(), "{}", stderr_text(&first));
    let token = String::from_utf8(first.stdout.clone()).unwrap();
    assert!(token.starts_with("udb_"), "{token}");
    let state = |env: &TestEnv| {
        (
            json_of(env, &["list-groups"]),
            env.user_json("ed@example.com"),
            env.user_json("root@example.com"),
            json_of(env, &["list-tokens"]),
        )
    };
    let before = state(&env);
    // The second run: every command exits 0, changes nothing and prints no
    // token again.
    let second = run_as_script(&env, &script, &vars);
    let stderr = stderr_text(&second);
    assert!(second.status.success(), "{stderr}");
    assert_eq!(second.stdout, b"", "{stderr}");
    for said in [
        "Group editors already exists; nothing changed.\n",
        "Group publishers already exists; nothing changed.\n",
        "User ed@example.com already exists; nothing changed.\n",
        "User root@example.com already exists; nothing changed.\n",
        "Token 1 (\"deploy\") of ed@example.com already exists; nothing issued.\n",
    ] {
        assert!(stderr.contains(said), "{said}: {stderr}");
    }
    assert_eq!(state(&env), before);
}

#[test]
fn if_not_exists_leaves_a_group_or_a_named_token_as_it_is_and_says_so() {
    let env = TestEnv::new();
    editors(&env);
    // Other permissions asked: the group keeps its own, and the line says so.
    env.cmd(&[
        "create-group",
        "editors",
        "--perm",
        "shop.refund",
        "--if-not-exists",
    ])
    .assert()
    .success()
    .stderr(
        "Group editors already exists; nothing changed (its permissions stay \
             blog.add_post, blog.change_post; `userdb update-group` or `apply` changes them).\n",
    );
    let group = json_of(&env, &["create-group", "editors", "--if-not-exists"]);
    assert_eq!(group["created"], false);
    assert_eq!(
        group["permissions"],
        json!(["blog.add_post", "blog.change_post"])
    );
    // Without the flag, a taken name is still exit 4.
    env.cmd(&["create-group", "editors"]).assert().code(4);

    // --if-not-exists names a token: --name is required.
    env.cmd(&["issue-token", "ed@example.com", "--if-not-exists"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--name"));
    let issued = json_of(
        &env,
        &[
            "issue-token",
            "ed@example.com",
            "--name",
            "ci",
            "--if-not-exists",
        ],
    );
    assert!(issued["token"].as_str().unwrap().starts_with("udb_"));
    let again = json_of(
        &env,
        &[
            "issue-token",
            "ed@example.com",
            "--name",
            "ci",
            "--if-not-exists",
        ],
    );
    assert_eq!(again["created"], false);
    assert_eq!(again["id"], issued["id"]);
    assert!(again.get("token").is_none(), "{again}");
    // An expired one still holds its name: the line says it expired.
    let later = env
        .cmd(&[
            "issue-token",
            "ed@example.com",
            "--name",
            "ci",
            "--if-not-exists",
        ])
        .env("USERDB_NOW", "2027-01-01T00:00:00Z")
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        stderr_text(later.get_output()),
        "Token 1 (\"ci\") of ed@example.com already exists; nothing issued (it expired \
         2026-04-02 03:04:05 UTC; revoke it and issue another).\n"
    );
    // A revoked token gives its name up: the next run issues a new one.
    env.cmd(&["revoke-token", &issued["id"].to_string()])
        .assert()
        .success();
    let reissued = json_of(
        &env,
        &[
            "issue-token",
            "ed@example.com",
            "--name",
            "ci",
            "--if-not-exists",
        ],
    );
    assert!(reissued["token"].as_str().unwrap().starts_with("udb_"));
    assert_ne!(reissued["id"], issued["id"]);
    // Without the flag, a taken name is still exit 4.
    env.cmd(&["issue-token", "ed@example.com", "--name", "ci"])
        .assert()
        .code(4);
}

/// `list-users --perm` and `has-perm` follow one rule (issue 24.9): an inactive
/// or expired account holds nothing, an active superuser holds everything.
#[test]
fn list_users_by_permission_lists_exactly_whom_has_perm_says_holds_it() {
    let env = TestEnv::new();
    editors(&env);
    env.create_user(
        "gone@example.com",
        &["--group", "editors", "--expires-at", "2026-01-03"],
    );
    env.create_user("off@example.com", &["--group", "editors", "--inactive"]);
    env.create_superuser("root@example.com", &[]);
    env.create_superuser("glass@example.com", &["--expires-at", "2026-01-03"]);
    let later = "2026-01-03T00:00:01Z";
    let listed = stdout_json(
        env.cmd(&["--json", "list-users", "--perm", "blog.add_post"])
            .env("USERDB_NOW", later)
            .assert()
            .success()
            .get_output(),
    );
    let listed: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["ed@example.com", "root@example.com"]);
    let all = [
        "ed@example.com",
        "gone@example.com",
        "off@example.com",
        "root@example.com",
        "glass@example.com",
    ];
    for email in all {
        let holds = env
            .cmd(&["has-perm", email, "blog.add_post"])
            .env("USERDB_NOW", later)
            .output()
            .unwrap()
            .status
            .success();
        assert_eq!(holds, listed.contains(&email), "{email}");
    }
}
