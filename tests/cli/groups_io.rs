//! Groups and permissions through import and export: the `groups` and
//! `user_permissions` columns of CSV and JSON Lines, the `auth.group` objects
//! and natural keys of Django fixtures, and their errors (exit 2 with the line,
//! nothing written).

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{STRONG, TestEnv, stderr_text, stdout_json};

/// A user's groups and direct permissions, as `show-user --json` gives them.
fn access(env: &TestEnv, email: &str) -> (Value, Value) {
    let user = env.user_json(email);
    (user["groups"].clone(), user["user_permissions"].clone())
}

fn count(env: &TestEnv, sql: &str) -> i64 {
    env.query_one(sql).parse().expect("a number")
}

/// Everything an import writes, as counts: users, groups, memberships, grants,
/// permission models, audit rows.
fn written(env: &TestEnv) -> Vec<i64> {
    [
        "users",
        "groups",
        "group_permissions",
        "user_groups",
        "user_permissions",
        "permission_models",
        "audit_log",
    ]
    .iter()
    .map(|table| count(env, &format!("SELECT count(*) FROM {table}")))
    .collect()
}

fn groups(env: &TestEnv) {
    env.cmd(&["create-group", "editors", "--perm", "blog.add_post"])
        .assert()
        .success();
    env.cmd(&["create-group", "ops"]).assert().success();
}

/// What `manage.py dumpdata auth.group accounts.customuser --natural-foreign
/// --indent 2` writes for two groups and three users of the seed's model.
const NATURAL_FOREIGN: &str = r#"[
{
  "model": "auth.group",
  "pk": 1,
  "fields": {
    "name": "editors",
    "permissions": [
      [
        "add_post",
        "blog",
        "post"
      ],
      [
        "publish_post",
        "blog",
        "post"
      ]
    ]
  }
},
{
  "model": "auth.group",
  "pk": 2,
  "fields": {
    "name": "R&D, lab",
    "permissions": []
  }
},
{
  "model": "accounts.customuser",
  "pk": 1,
  "fields": {
    "password": "!hJ8kP2",
    "last_login": null,
    "is_superuser": false,
    "first_name": "Ada",
    "last_name": "",
    "is_staff": true,
    "is_active": true,
    "date_joined": "2025-01-02T03:04:05.123Z",
    "email": "ada@example.com",
    "groups": [
      [
        "editors"
      ],
      [
        "R&D, lab"
      ]
    ],
    "user_permissions": [
      [
        "refund_order",
        "shop",
        "order"
      ],
      [
        "view_order",
        "shop",
        "order"
      ]
    ]
  }
},
{
  "model": "accounts.customuser",
  "pk": 2,
  "fields": {
    "password": "!hJ8kP3",
    "last_login": null,
    "is_superuser": false,
    "first_name": "Bob",
    "last_name": "",
    "is_staff": false,
    "is_active": true,
    "date_joined": "2025-01-02T03:04:05.123Z",
    "email": "bob@example.com",
    "groups": [
      [
        "editors"
      ]
    ],
    "user_permissions": []
  }
},
{
  "model": "accounts.customuser",
  "pk": 3,
  "fields": {
    "password": "!hJ8kP4",
    "last_login": null,
    "is_superuser": false,
    "first_name": "Cy",
    "last_name": "",
    "is_staff": false,
    "is_active": true,
    "date_joined": "2025-01-02T03:04:05.123Z",
    "email": "cy@example.com",
    "groups": [],
    "user_permissions": []
  }
}
]
"#;

#[test]
fn a_fixture_import_writes_groups_and_audits_them() {
    let env = TestEnv::new();
    env.cmd(&["create-group", "editors", "--perm", "blog.delete_post"])
        .assert()
        .success();
    let path = env.write_file("dump.json", NATURAL_FOREIGN);
    let out = env
        .cmd(&["--json", "import", &path, "--dry-run"])
        .assert()
        .success();
    let summary = stdout_json(out.get_output());
    assert_eq!(
        (
            summary["groups_created"].clone(),
            summary["groups_updated"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(count(&env, "SELECT count(*) FROM groups"), 1);
    env.cmd(&["import", &path]).assert().success();
    // A group the file defines gets exactly the file's permissions.
    let out = env
        .cmd(&["--json", "show-group", "editors"])
        .assert()
        .success();
    assert_eq!(
        stdout_json(out.get_output())["permissions"],
        json!(["blog.add_post", "blog.publish_post"])
    );
    let rows = env.query_rows(
        "SELECT event || ' ' || detail FROM audit_log \
         WHERE event <> 'group_created' OR detail NOT LIKE '%blog.delete_post%' ORDER BY id",
    );
    assert_eq!(
        rows[..3],
        [
            format!(
                "group_updated group=editors, permissions=blog.add_post blog.publish_post, import of {path} (django)"
            ),
            format!("group_created group=R&D, lab, permissions=, import of {path} (django)"),
            format!(
                "user_imported import of {path} (django), groups=[\"R&D, lab\",\"editors\"], \
                 user_permissions=[\"shop.refund_order\",\"shop.view_order\"]"
            ),
        ]
    );
    // The same file again changes no group: no group row.
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "3 updated, 0 skipped, 0 failed.\n",
        ));
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM audit_log WHERE event IN ('group_created', 'group_updated')"
        ),
        3
    );
}

#[test]
fn plain_dumpdata_names_groups_by_pk_and_its_permission_pks_are_refused() {
    let env = TestEnv::new();
    // Users before groups (`dumpdata accounts.customuser auth.group`): a pk
    // names a group of the same file, wherever it is.
    let fixture = r#"[
{"model": "accounts.customuser", "pk": 1, "fields": {"email": "ada@example.com", "groups": [7, 8], "user_permissions": []}},
{"model": "auth.group", "pk": 7, "fields": {"name": "editors", "permissions": []}},
{"model": "auth.group", "pk": 8, "fields": {"name": "ops", "permissions": []}}
]"#;
    let path = env.write_file("plain.json", fixture);
    env.cmd(&["import", &path]).assert().success();
    assert_eq!(access(&env, "ada@example.com").0, json!(["editors", "ops"]));

    let env = TestEnv::new();
    let fixture = r#"[
{"model": "auth.group", "pk": 1, "fields": {"name": "editors", "permissions": [25, 26]}},
{"model": "accounts.customuser", "pk": 1, "fields": {"email": "ada@example.com", "groups": [1], "user_permissions": [25]}}
]"#;
    let path = env.write_file("plain.json", fixture);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains(&format!(
            "{path}: line 2: object 1: permissions are given as pks of Django's permission table, \
             which userdb cannot resolve; dump with `manage.py dumpdata --natural-foreign`"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{path}: line 3: object 2: user_permissions are given as pks"
        )),
        "{stderr}"
    );
    assert_eq!(written(&env), [0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn a_group_named_but_defined_nowhere_is_exit_2_with_its_line_and_nothing_is_written() {
    let env = TestEnv::new();
    groups(&env);
    env.create_user("old@example.com", &["--group", "ops"]);
    let before = written(&env);
    let fixture = r#"[
{"model": "auth.group", "pk": 1, "fields": {"name": "new", "permissions": [["add_post", "blog", "post"]]}},
{"model": "accounts.customuser", "pk": 1, "fields": {"email": "a@example.com", "groups": [["new"], ["ops"]]}},
{"model": "accounts.customuser", "pk": 2, "fields": {"email": "b@example.com", "groups": [["ghosts"]]}},
{"model": "accounts.customuser", "pk": 3, "fields": {"email": "c@example.com", "groups": [9]}},
{"model": "accounts.customuser", "pk": 4, "fields": {"email": "old@example.com", "groups": [["ghosts"]]}}
]"#;
    let path = env.write_file("dump.json", fixture);
    let out = env
        .cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .code(2);
    let stderr = stderr_text(out.get_output());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[..3],
        [
            format!(
                "{path}: line 4: no group named \"ghosts\", neither in the database nor in the file"
            ),
            format!(
                "{path}: line 5: groups: no auth.group with pk 9 in the fixture (a pk names a \
                 group of the same file; `dumpdata --natural-foreign` names groups by name)"
            ),
            format!(
                "{path}: line 6: no group named \"ghosts\", neither in the database nor in the file"
            ),
        ]
    );
    assert!(lines[3].starts_with("error: 3 invalid row(s), nothing was imported"));
    assert_eq!(written(&env), before);
    assert_eq!(access(&env, "old@example.com").0, json!(["ops"]));

    // The same in CSV and JSON Lines, whose groups must be stored.
    let csv = "email,groups\na@example.com,ops\nb@example.com,\"ops, ghosts\"\n";
    let path = env.write_file("users.csv", csv);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{path}: line 3: no group named \"ghosts\", neither in the database nor in the file\n"
        )));
    let jsonl = "{\"email\": \"a@example.com\", \"groups\": [\"nope\"]}\n";
    let out = env
        .cmd(&["--json", "import", "-"])
        .write_stdin(jsonl)
        .assert()
        .code(2);
    assert_eq!(
        stdout_json(out.get_output())["errors"],
        json!([{"line": 1, "reason": "no group named \"nope\", neither in the database nor in the file"}])
    );
    assert_eq!(written(&env), before);
}

#[test]
fn a_bad_permission_or_group_name_is_exit_2_with_its_line() {
    let env = TestEnv::new();
    groups(&env);
    let before = written(&env);
    let csv = "email,groups,user_permissions\n\
               a@example.com,ops,blog.add_post\n\
               b@example.com,,Blog.add_post\n\
               c@example.com,,blog\n\
               d@example.com,ed\\itors,\n";
    let path = env.write_file("users.csv", csv);
    let out = env.cmd(&["import", &path]).assert().code(2);
    let stderr = stderr_text(out.get_output());
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "{path}: line 3: user_permissions: invalid permission \"Blog.add_post\": "
        )),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{path}: line 4: user_permissions: invalid permission \"blog\": it has no dot"
        )),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with(&format!(
            "{path}: line 5: a backslash in a list must come before a comma or a backslash"
        )),
        "{stderr}"
    );
    let fixture = r#"[
{"model": "accounts.customuser", "fields": {"email": "a@example.com", "user_permissions": [["add_post", "Blog", "post"]]}}
]"#;
    let path = env.write_file("dump.json", fixture);
    env.cmd(&["import", &path])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{path}: line 2: object 1: user_permissions: invalid permission \"Blog.add_post\""
        )));
    assert_eq!(written(&env), before);
}

#[test]
fn csv_and_jsonl_rows_set_memberships_exactly_and_rows_without_the_column_leave_them() {
    let env = TestEnv::new();
    groups(&env);
    env.create_user("old@example.com", &["--group", "ops"]);
    env.cmd(&["update-user", "old@example.com", "--grant", "shop.refund"])
        .assert()
        .success();
    env.create_user("keep@example.com", &["--group", "ops"]);
    // New users get the row's groups; with --on-conflict update, existing ones
    // get exactly the row's (an empty cell is none).
    let csv = format!(
        "email,password,groups,user_permissions\n\
         new@example.com,{STRONG},\"editors, ops\",\"blog.publish, shop.refund\"\n\
         old@example.com,,editors,\n"
    );
    let path = env.write_file("users.csv", &csv);
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 created, 1 updated"));
    assert_eq!(
        access(&env, "new@example.com"),
        (
            json!(["editors", "ops"]),
            json!(["blog.publish", "shop.refund"])
        )
    );
    assert_eq!(
        access(&env, "old@example.com"),
        (json!(["editors"]), json!([]))
    );
    env.cmd(&["authenticate", "new@example.com", "--password-stdin"])
        .write_stdin(STRONG)
        .assert()
        .success();
    // A row without the column leaves the memberships alone.
    let path = env.write_file(
        "names.csv",
        "email,first_name\nkeep@example.com,Kim\nold@example.com,Olga\n",
    );
    env.cmd(&["import", &path, "--on-conflict", "update"])
        .assert()
        .success();
    assert_eq!(access(&env, "keep@example.com").0, json!(["ops"]));
    assert_eq!(access(&env, "old@example.com").0, json!(["editors"]));
    // JSON Lines: lists; null leaves them alone.
    let jsonl = "{\"email\": \"keep@example.com\", \"groups\": [], \"user_permissions\": [\"a.b\"]}\n\
                 {\"email\": \"old@example.com\", \"groups\": null, \"user_permissions\": null}\n";
    env.cmd(&["import", "-", "--on-conflict", "update"])
        .write_stdin(jsonl)
        .assert()
        .success();
    assert_eq!(
        access(&env, "keep@example.com"),
        (json!([]), json!(["a.b"]))
    );
    assert_eq!(access(&env, "old@example.com").0, json!(["editors"]));
    // --on-conflict skip: a skipped row changes nothing.
    let path = env.write_file("skip.csv", "email,groups\nkeep@example.com,editors\n");
    env.cmd(&["import", &path, "--on-conflict", "skip"])
        .assert()
        .success();
    assert_eq!(access(&env, "keep@example.com").0, json!([]));
}
