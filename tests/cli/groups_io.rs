//! Groups and permissions through import and export: the `groups` and
//! `user_permissions` columns of CSV and JSON Lines, the `auth.group` objects
//! and natural keys of Django fixtures, and their errors (exit 2 with the line,
//! nothing written).

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{STRONG, TestEnv, stderr_text, stdout_json};

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

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

/// A list of a fixture as a set: sorted.
fn set(list: &Value) -> Vec<String> {
    let mut items: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    items.sort();
    items
}

type Memberships = (
    Vec<(Value, Vec<String>)>,
    Vec<(Value, Vec<String>, Vec<String>)>,
);

/// The objects of a fixture by kind: groups as (name, permissions), users as
/// (email, groups, user_permissions), each sorted.
fn memberships_of(fixture: &str) -> Memberships {
    let objects: Vec<Value> = serde_json::from_str(fixture).unwrap();
    let mut groups = Vec::new();
    let mut users = Vec::new();
    for object in objects {
        let fields = &object["fields"];
        if object["model"] == "auth.group" {
            groups.push((fields["name"].clone(), set(&fields["permissions"])));
        } else {
            users.push((
                fields["email"].clone(),
                set(&fields["groups"]),
                set(&fields["user_permissions"]),
            ));
        }
    }
    groups.sort_by_key(|g| g.0.to_string());
    users.sort_by_key(|u| u.0.to_string());
    (groups, users)
}

#[test]
fn a_django_fixture_round_trips_its_groups_memberships_and_permissions() {
    let env = TestEnv::new();
    let path = env.write_file("dump.json", NATURAL_FOREIGN);
    env.cmd(&["import", &path])
        .assert()
        .success()
        .stderr(format!(
            "Imported {path}: 3 created, 0 updated, 0 skipped, 0 failed; groups: 2 created, 0 updated.\n"
        ));
    assert_eq!(
        access(&env, "ada@example.com"),
        (
            json!(["R&D, lab", "editors"]),
            json!(["shop.refund_order", "shop.view_order"])
        )
    );
    env.cmd(&["has-perm", "bob@example.com", "blog.publish_post"])
        .assert()
        .success();
    env.cmd(&["has-perm", "cy@example.com", "blog.add_post"])
        .assert()
        .code(1);
    // The models are kept, for the export: publish_post is no default permission.
    assert_eq!(
        env.query_one(
            "SELECT group_concat(permission || '=' || model, ' ') FROM \
             (SELECT * FROM permission_models ORDER BY permission) AS m"
        ),
        "blog.add_post=post blog.publish_post=post shop.refund_order=order shop.view_order=order"
    );
    let out = env
        .cmd(&["export", "--format", "django"])
        .assert()
        .success()
        .stderr("Exported 3 user(s) and 2 group(s) to stdout (django).\n");
    let exported = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(memberships_of(&exported), memberships_of(NATURAL_FOREIGN));
    // Groups come first, so that loaddata knows them when it reads the users.
    let objects: Vec<Value> = serde_json::from_str(&exported).unwrap();
    let models: Vec<&str> = objects
        .iter()
        .map(|o| o["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        [
            "auth.group",
            "auth.group",
            "accounts.customuser",
            "accounts.customuser",
            "accounts.customuser"
        ]
    );
    assert!(objects.iter().all(|o| o["pk"].is_i64()));

    // And the export imports again, into a database of its own.
    let again = TestEnv::new();
    again
        .cmd(&["import", "-", "--format", "django"])
        .write_stdin(exported.clone())
        .assert()
        .success();
    let out = again
        .cmd(&["export", "--format", "django"])
        .assert()
        .success();
    let twice = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(memberships_of(&twice), memberships_of(NATURAL_FOREIGN));
}

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
    // Refused: no SQLite file is created, nothing is written to a server.
    match env.db_file() {
        Some(file) => assert!(!file.exists(), "{}", file.display()),
        None => assert_eq!(written(&env), [0, 0, 0, 0, 0, 0, 0]),
    }
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
                "{path}: line 4: no group named \"ghosts\", neither in the database nor in the file (--create-groups creates it, without permissions)"
            ),
            format!(
                "{path}: line 5: groups: no auth.group with pk 9 in the fixture (a pk names a \
                 group of the same file; `dumpdata --natural-foreign` names groups by name)"
            ),
            format!(
                "{path}: line 6: no group named \"ghosts\", neither in the database nor in the file (--create-groups creates it, without permissions)"
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
            "{path}: line 3: no group named \"ghosts\", neither in the database nor in the file (--create-groups creates it, without permissions)\n"
        )));
    let jsonl = "{\"email\": \"a@example.com\", \"groups\": [\"nope\"]}\n";
    let out = env
        .cmd(&["--json", "import", "-"])
        .write_stdin(jsonl)
        .assert()
        .code(2);
    assert_eq!(
        stdout_json(out.get_output())["errors"],
        json!([{"line": 1, "reason": "no group named \"nope\", neither in the database nor in the file (--create-groups creates it, without permissions)"}])
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

#[test]
fn csv_and_jsonl_exports_carry_groups_and_import_back() {
    let from = TestEnv::new();
    from.cmd(&["create-group", "R,D \\ lab"]).assert().success();
    from.cmd(&["create-group", "=ops"]).assert().success();
    from.create_user(
        "ada@example.com",
        &["--group", "R,D \\ lab", "--group", "=ops"],
    );
    from.cmd(&["update-user", "ada@example.com", "--grant", "blog.add_post"])
        .assert()
        .success();
    from.create_user("bob@example.com", &[]);
    let csv = stdout_of(&mut from.cmd(&["export", "--format", "csv"]));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",password_hash,groups,user_permissions,must_change_password,expires_at")
    );
    // Escaped within the cell, and the cell escaped for spreadsheets.
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",\"'=ops,R\\,D \\\\ lab\",blog.add_post,false,"),
        "{csv}"
    );
    assert!(lines.next().unwrap().ends_with(",,,false,"), "{csv}");
    let jsonl = stdout_of(&mut from.cmd(&["export", "--format", "jsonl"]));
    // The groups first, then the users.
    let records: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0], json!({"group": "=ops", "permissions": []}));
    assert_eq!(
        records[1],
        json!({"group": "R,D \\ lab", "permissions": []})
    );
    let ada = &records[2];
    assert_eq!(ada["groups"], json!(["=ops", "R,D \\ lab"]));
    assert_eq!(ada["user_permissions"], json!(["blog.add_post"]));
    for (format, text) in [("csv", csv), ("jsonl", jsonl)] {
        let to = TestEnv::new();
        to.cmd(&["create-group", "R,D \\ lab"]).assert().success();
        to.cmd(&["create-group", "=ops"]).assert().success();
        to.cmd(&["import", "-", "--format", format])
            .write_stdin(text)
            .assert()
            .success();
        assert_eq!(
            access(&to, "ada@example.com"),
            access(&from, "ada@example.com"),
            "{format}"
        );
        assert_eq!(access(&to, "bob@example.com"), (json!([]), json!([])));
    }
}

#[test]
fn export_natural_keys_users_by_email_and_groups_by_name() {
    let env = TestEnv::new();
    groups(&env);
    env.create_user("ada@example.com", &["--group", "editors"]);
    let out = env
        .cmd(&["export", "--format", "django", "--natural"])
        .assert()
        .success();
    let objects: Vec<Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(objects.len(), 3);
    assert!(objects.iter().all(|o| o.get("pk").is_none()), "{objects:?}");
    assert_eq!(
        objects[0],
        json!({"model": "auth.group", "fields": {"name": "editors",
               "permissions": [["add_post", "blog", "post"]]}})
    );
    assert_eq!(objects[2]["fields"]["email"], "ada@example.com");
    assert_eq!(objects[2]["fields"]["groups"], json!([["editors"]]));
    // Loaded into a database whose pks differ, it updates the right users.
    let other = TestEnv::new();
    other.create_user("zed@example.com", &[]);
    other.create_user("ada@example.com", &[]);
    other
        .cmd(&[
            "import",
            "-",
            "--format",
            "django",
            "--on-conflict",
            "update",
        ])
        .write_stdin(String::from_utf8(out.get_output().stdout.clone()).unwrap())
        .assert()
        .success();
    assert_eq!(access(&other, "ada@example.com").0, json!(["editors"]));
    assert_eq!(access(&other, "zed@example.com").0, json!([]));
    // Natural keys are a fixture's.
    env.cmd(&["export", "--format", "csv", "--natural"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--natural is for Django fixtures"));
}

#[test]
fn permissions_without_a_known_model_are_left_out_of_a_fixture_with_a_warning() {
    let env = TestEnv::new();
    env.cmd(&[
        "create-group",
        "editors",
        "--perm",
        "blog.add_post",
        "--perm",
        "blog.publish",
    ])
    .assert()
    .success();
    env.create_user("ada@example.com", &["--group", "editors"]);
    env.cmd(&["update-user", "ada@example.com", "--grant", "shop.refund"])
        .assert()
        .success();
    let out = env
        .cmd(&["export", "--format", "django"])
        .assert()
        .success()
        .stderr(
            "warning: the fixture leaves out 2 permission(s) whose Django model is unknown: \
             blog.publish, shop.refund (Django names a permission [codename, app_label, model]; \
             importing a fixture that names them teaches userdb their model); the groups and \
             users holding them are exported without them\n\
             Exported 1 user(s) and 1 group(s) to stdout (django).\n",
        );
    let objects: Vec<Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        objects[0]["fields"]["permissions"],
        json!([["add_post", "blog", "post"]])
    );
    assert_eq!(objects[1]["fields"]["user_permissions"], json!([]));
    // A fixture that names the model teaches it.
    let fixture = r#"[{"model": "auth.group", "fields": {"name": "editors",
        "permissions": [["add_post", "blog", "post"], ["publish", "blog", "article"]]}}]"#;
    let path = env.write_file("groups.json", fixture);
    env.cmd(&["import", &path]).assert().success();
    let out = env
        .cmd(&["export", "--format", "django"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "leaves out 1 permission(s) whose Django model is unknown: shop.refund",
        ));
    let objects: Vec<Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        objects[0]["fields"]["permissions"],
        json!([["add_post", "blog", "post"], ["publish", "blog", "article"]])
    );
    // JSON Lines and CSV carry every permission.
    let jsonl = stdout_of(&mut env.cmd(&["export", "--format", "jsonl"]));
    assert!(
        jsonl.contains("\"user_permissions\":[\"shop.refund\"]"),
        "{jsonl}"
    );
}

/// Two groups (one with permissions, one without and without members), and
/// users in them with direct permissions.
fn seed_groups(env: &TestEnv) {
    env.cmd(&[
        "create-group",
        "writers",
        "--perm",
        "blog.add_post",
        "--perm",
        "blog.change_post",
    ])
    .assert()
    .success();
    env.cmd(&["create-group", "readers"]).assert().success();
    env.create_user(
        "ada@example.com",
        &["--group", "writers", "--group", "readers"],
    );
    env.cmd(&[
        "update-user",
        "ada@example.com",
        "--grant",
        "blog.view_post",
    ])
    .assert()
    .success();
    env.create_user("bob@example.com", &["--group", "readers"]);
    env.create_user("eve@example.com", &[]);
}

/// The README's pipe, as a shell runs it: `userdb export FLAGS | userdb --db
/// OTHER import IMPORT_FLAGS -`, from `from`'s database into `to`'s.
fn pipe(from: &TestEnv, to: &TestEnv, export: &str, import: &str) -> std::process::Output {
    std::process::Command::new("bash")
        .env_clear()
        .envs(from.vars())
        .env("UDB", env!("CARGO_BIN_EXE_userdb"))
        .env("OTHER", to.database())
        .arg("-c")
        .arg(format!(
            "set -o pipefail; \"$UDB\" export {export} | \"$UDB\" --db \"$OTHER\" import {import} -"
        ))
        .output()
        .expect("bash")
}

/// Everything an export carries, as JSON Lines: the groups with their
/// permissions, then the users with their memberships and grants.
fn everything(env: &TestEnv) -> Vec<Value> {
    let jsonl = stdout_of(&mut env.cmd(&["export"]));
    jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_readme_pipe_copies_users_groups_memberships_and_group_permissions() {
    let from = TestEnv::new();
    seed_groups(&from);
    let all = everything(&from);
    assert_eq!(
        all[..2],
        [
            json!({"group": "readers", "permissions": []}),
            json!({"group": "writers", "permissions": ["blog.add_post", "blog.change_post"]}),
        ]
    );
    // JSON Lines (the default) and Django fixtures carry the groups themselves.
    for export in ["", "--format django"] {
        let to = TestEnv::new();
        let out = pipe(&from, &to, export, "");
        assert!(out.status.success(), "{export}: {}", stderr_text(&out));
        assert_eq!(everything(&to), all, "{export}");
    }
    // CSV names each user's groups, not the groups: import refuses the
    // groups it does not know, and leaves no database behind.
    let to = TestEnv::new();
    let out = pipe(&from, &to, "--format csv", "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains(
            "warning: CSV names each user's groups but holds no group: 2 group(s), 1 of them \
             with permissions, are not in the file; `import --create-groups` creates them \
             without permissions, or --format jsonl carries them\n"
        ),
        "{}",
        stderr_text(&out)
    );
    if let Some(file) = to.db_file() {
        assert!(
            !file.exists(),
            "a refused import created {}",
            file.display()
        );
    }
    // --create-groups creates them, without permissions: the users and their
    // memberships are copied, the groups' permissions are not (as warned).
    let out = pipe(&from, &to, "--format csv", "--create-groups");
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("; groups: 2 created, 0 updated."),
        "{}",
        stderr_text(&out)
    );
    let mut expected = all.clone();
    expected[1]["permissions"] = json!([]);
    assert_eq!(everything(&to), expected);
}

#[test]
fn a_json_lines_group_record_creates_or_updates_the_group_exactly() {
    let env = TestEnv::new();
    env.cmd(&["create-group", "writers", "--perm", "shop.refund"])
        .assert()
        .success();
    let jsonl = "{\"group\": \"writers\", \"permissions\": [\"blog.add_post\"]}\n\
                 {\"group\": \"new\"}\n\
                 {\"email\": \"ada@example.com\", \"groups\": [\"writers\", \"new\"]}\n";
    env.cmd(&["import", "-"])
        .write_stdin(jsonl)
        .assert()
        .success()
        .stderr(
            "Imported stdin: 1 created, 0 updated, 0 skipped, 0 failed; \
             groups: 1 created, 1 updated.\n",
        );
    let all = everything(&env);
    assert_eq!(
        all[..2],
        [
            json!({"group": "new", "permissions": []}),
            json!({"group": "writers", "permissions": ["blog.add_post"]}),
        ]
    );
    assert_eq!(all[2]["groups"], json!(["new", "writers"]));
    // A group record has its own fields.
    let out = env
        .cmd(&["import", "-"])
        .write_stdin("{\"group\": \"x\", \"members\": []}\n{\"group\": 7}\n")
        .assert()
        .code(2);
    let stderr = stderr_text(out.get_output());
    assert!(
        stderr.contains(
            "stdin: line 1: unknown field \"members\" of a group record (fields: group, permissions)\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("stdin: line 2: group must be a string (the group's name), not a number\n"),
        "{stderr}"
    );
}

#[test]
fn a_refused_import_creates_no_database_file() {
    let env = TestEnv::new();
    let Some(file) = env.db_file() else {
        return; // a file of SQLite's: a PostgreSQL database exists before
    };
    let bad = "email,groups\nada@example.com,ghosts\n";
    env.cmd(&["import", "-"]).write_stdin(bad).assert().code(2);
    assert!(!file.exists(), "{}", file.display());
    // Nor does a dry run, which writes nothing.
    env.cmd(&["import", "-", "--dry-run"])
        .write_stdin("email\nada@example.com\n")
        .assert()
        .success();
    assert!(!file.exists(), "{}", file.display());
    // An import that writes creates it.
    env.cmd(&["import", "-"])
        .write_stdin("email\nada@example.com\n")
        .assert()
        .success();
    assert!(file.exists());
    // A refused import into an existing database leaves it there, as it was.
    env.cmd(&["import", "-"]).write_stdin(bad).assert().code(2);
    assert!(file.exists());
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");
}

#[test]
fn export_warns_of_each_field_a_django_fixture_leaves_out_with_its_count() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &["--must-change-password"]);
    env.create_user(
        "bob@example.com",
        &["--must-change-password", "--expires-at", "2027-04-01"],
    );
    env.cmd(&[
        "createsuperuser",
        "--no-input",
        "--email",
        "oncall@example.com",
        "--temporary",
        "8h",
    ])
    .assert()
    .success();
    env.cmd(&["export", "--format", "django"])
        .assert()
        .success()
        .stderr(
            "warning: a Django fixture has no field for must_change_password (2 user(s)), \
             expires_at (2 user(s)): importing it back loses them (an account that expires, a \
             temporary superuser too, no longer does); --format jsonl carries every field\n\
             Exported 3 user(s) to stdout (django).\n",
        );
    // JSON Lines and CSV carry both: no warning.
    for format in ["jsonl", "csv"] {
        env.cmd(&["export", "--format", format])
            .assert()
            .success()
            .stderr(format!("Exported 3 user(s) to stdout ({format}).\n"));
    }
}
