//! A newcomer's first hour (issue 25): where the database went, tables that keep
//! what a person copies whole, one name for the database's variable, help that
//! shows no empty values, and lists of names written one way.

use crate::support::{TestEnv, stderr_text};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first command to create the default database (nobody named one) says
/// where it is, once, on stderr; the next command says nothing, `--json` says
/// nothing, and a database named with USERDB_DB is not announced.
#[test]
fn the_first_command_says_where_it_created_the_default_database() {
    let env = TestEnv::new();
    let default = env.path().join("data/userdb/userdb.sqlite3");
    let first = env
        .cmd(&["createuser", "ada@example.com", "--no-password"])
        .env_remove("USERDB_DB")
        .output()
        .unwrap();
    assert!(first.status.success(), "{first:?}");
    let said = format!("created the database {}\n", default.display());
    assert_eq!(
        stderr_text(&first).matches(&said).count(),
        1,
        "{}",
        stderr_text(&first)
    );
    assert!(default.exists());

    let second = env
        .cmd(&["createuser", "bob@example.com", "--no-password"])
        .env_remove("USERDB_DB")
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(!stderr_text(&second).contains("created the database"));

    let other = TestEnv::new();
    let json = other
        .cmd(&["--json", "createuser", "ada@example.com", "--no-password"])
        .env_remove("USERDB_DB")
        .output()
        .unwrap();
    assert!(json.status.success());
    assert!(!stderr_text(&json).contains("created the database"));
    assert!(other.path().join("data/userdb/userdb.sqlite3").exists());

    let named = TestEnv::new();
    let out = named
        .cmd(&["createuser", "ada@example.com", "--no-password"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!stderr_text(&out).contains("created the database"));
}

/// `--help` names the variables without a value: no `[env: USERDB_DB=]` when it
/// is unset, and no database URL (which may hold a password) when it is set.
#[test]
fn help_names_the_variables_without_their_values() {
    let env = TestEnv::new();
    let unset = env
        .cmd(&["--help"])
        .env_remove("USERDB_DB")
        .output()
        .unwrap();
    let help = text(&unset.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("[env: USERDB_DB]"), "{help}");
    assert!(help.contains("[env: USERDB_CONFIG]"), "{help}");
    assert!(!help.contains("USERDB_DB="), "{help}");
    let set = env
        .cmd(&["createuser", "--help"])
        .env("USERDB_DB", "postgres://app:s3cret@db.internal/users")
        .output()
        .unwrap();
    let help = text(&set.stdout);
    assert!(!help.contains("s3cret"), "{help}");
    assert!(help.contains("USERDB_DB"), "{help}");
}

/// The database has one variable: USERDB_DB. `USERDB_DATABASE_PATH`, the name
/// the config table once gave it, is refused (exit 6) naming USERDB_DB, and
/// `config` shows USERDB_DB as `database.path`'s variable and source.
#[test]
fn the_database_variable_is_userdb_db_and_the_other_name_is_refused() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["list-users"])
        .env("USERDB_DATABASE_PATH", env.path().join("other.sqlite3"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{out:?}");
    assert!(
        stderr_text(&out)
            .contains("USERDB_DATABASE_PATH is not read: name the database in USERDB_DB"),
        "{}",
        stderr_text(&out)
    );
    assert!(!env.path().join("other.sqlite3").exists());

    let out = env.cmd(&["--json", "config"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let path = report["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "database.path")
        .unwrap()
        .clone();
    assert_eq!(path["env"], "USERDB_DB", "{path}");
    assert_eq!(path["source"], "env USERDB_DB", "{path}");
}

/// Permissions read the same in `list-groups`, `show-group` and `show-user`:
/// comma-separated.
#[test]
fn lists_of_permissions_are_comma_separated_everywhere() {
    let env = TestEnv::new();
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
    env.create_user("ada@example.com", &["--group", "writers"]);
    for args in [
        &["list-groups"][..],
        &["show-group", "writers"],
        &["show-user", "ada@example.com"],
    ] {
        let out = env.cmd(args).output().unwrap();
        let table = text(&out.stdout);
        assert!(
            table.contains("blog.add_post, blog.change_post"),
            "{args:?}:\n{table}"
        );
    }
}

/// At 80 and 100 columns, tables wrap only between words: every address, key,
/// variable name, scope and part of a time is whole on one line (the tables
/// used to cut `ada@lovelac` / `e.org`), and `config`'s table fits the width
/// (but for a path, which is never broken either).
#[test]
fn tables_never_break_what_a_person_copies_at_80_and_100_columns() {
    let env = TestEnv::new();
    let emails = [
        "ada.lovelace@analytical-engine.example.org",
        "grace.hopper@navy.example.mil",
    ];
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
    for email in emails {
        env.create_user(
            email,
            &[
                "--first-name",
                "Augusta Ada",
                "--last-name",
                "King-Noel",
                "--group",
                "writers",
            ],
        );
    }
    env.cmd(&[
        "issue-token",
        emails[0],
        "--name",
        "deploy-bot",
        "--scope",
        "blog.add_post",
        "--scope",
        "blog.change_post",
    ])
    .assert()
    .success();
    env.create_user("off@example.com", &["--inactive"]);
    env.cmd(&["issue-token", emails[1], "--name", "old"])
        .assert()
        .success();
    env.cmd(&["revoke-token", "2"]).assert().success();

    let whole_in = |table: &str, word: &str| table.lines().any(|line| line.contains(word));
    for width in ["80", "100"] {
        let run = |args: &[&str]| {
            let out = env.cmd(args).env("COLUMNS", width).output().unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
            text(&out.stdout)
        };
        let users = run(&["list-users"]);
        let tokens = run(&["list-tokens"]);
        for email in emails {
            assert!(whole_in(&users, email), "{width}:\n{users}");
        }
        // Names and flags wrap between words, never inside one.
        for word in ["2026-01-02", "03:04:05", "Augusta", "King-Noel", "inactive"] {
            assert!(whole_in(&users, word), "{word} at {width}:\n{users}");
        }
        // At 100 columns the table fits beside the 42-character address.
        if width == "100" {
            let widest = users.lines().map(|l| l.chars().count()).max().unwrap();
            assert!(widest <= 100, "list-users is {widest} wide:\n{users}");
        }
        for word in [
            emails[0],
            emails[1],
            "blog.add_post,",
            "blog.change_post",
            "2026-01-02",
            "03:04:05",
        ] {
            assert!(whole_in(&tokens, word), "{word} at {width}:\n{tokens}");
        }

        let config = run(&["config"]);
        for key in [
            "registration.reset_revokes_tokens",
            "USERDB_REGISTRATION_RESET_REVOKES_TOKENS",
            "USERDB_DB",
            "password.must_change_on_create",
        ] {
            assert!(whole_in(&config, key), "{key} at {width}:\n{config}");
        }
        // The table's lines (the paths above it are as long as they are).
        let widest = config
            .lines()
            .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
            .map(|l| l.chars().count())
            .max()
            .unwrap();
        // Unless the test's database path, whole too, needs more: the borders
        // (10), the widest variable (40), "default" (7) and the path.
        let fits = width
            .parse::<usize>()
            .unwrap()
            .max(57 + env.database().chars().count());
        assert!(
            widest <= fits,
            "config is {widest} columns wide at {width}:\n{config}"
        );
    }
}

/// `scripts/test`'s set-up, on a machine without PostgreSQL, openssl or PgBouncer: a fake
/// root (`USERDB_TEST_ROOT`) and a PATH holding only the tools it uses, with an
/// `apt-get` that records its calls and "installs" by making the files the
/// script looks for, an `id` that says which account runs it, and a `sudo`.
mod scripts_test {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::process::Output;

    fn script(path: &Path, body: &str) {
        std::fs::write(path, format!("#!/bin/bash\n{body}\n")).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A machine: `debian` gives it /etc/debian_version and apt-get; `uid` is
    /// what `id -u` says; `sudo` puts a sudo on PATH.
    fn machine(dir: &Path, debian: bool, uid: u32, sudo: bool) -> (String, String) {
        let root = dir.join("root");
        let bin = dir.join("bin");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        for tool in [
            "bash", "grep", "dirname", "env", "cat", "mkdir", "touch", "chmod",
        ] {
            let found = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(tool))
                .find(|p| p.exists())
                .unwrap();
            std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
        }
        script(&bin.join("id"), &format!("echo {uid}"));
        let log = dir.join("log");
        if debian {
            std::fs::write(root.join("etc/debian_version"), "12\n").unwrap();
            script(
                &bin.join("apt-get"),
                &format!(
                    "echo \"apt-get $* DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}}\" >> {log}\n\
                     [ \"$1\" = install ] || exit 0\n\
                     for p in \"$@\"; do case $p in\n\
                       postgresql) mkdir -p {root}/usr/lib/postgresql/15/bin; touch {root}/usr/lib/postgresql/15/bin/initdb;\n\
                                   echo 'postgres:x:100:100::/:/bin/false' >> {root}/etc/passwd;;\n\
                       openssl) printf '#!/bin/bash\\n' > {bin}/openssl; chmod +x {bin}/openssl;;\n\
                       pgbouncer) mkdir -p {root}/usr/sbin; printf '#!/bin/bash\\n' > {root}/usr/sbin/pgbouncer; chmod +x {root}/usr/sbin/pgbouncer;;\n\
                     esac; done",
                    log = log.display(),
                    root = root.display(),
                    bin = bin.display()
                ),
            );
        }
        if sudo {
            script(
                &bin.join("sudo"),
                &format!("echo \"sudo $*\" >> {}\nexec \"$@\"", log.display()),
            );
        }
        (root.display().to_string(), bin.display().to_string())
    }

    fn set_up(root: &str, bin: &str) -> Output {
        std::process::Command::new(format!("{bin}/bash"))
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test"))
            .arg("--setup-only")
            .env_clear()
            .env("PATH", bin)
            .env("USERDB_TEST_ROOT", root)
            .output()
            .unwrap()
    }

    fn log(dir: &Path) -> String {
        std::fs::read_to_string(dir.join("log")).unwrap_or_default()
    }

    #[test]
    fn on_debian_as_root_it_installs_postgresql_and_openssl_then_has_nothing_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let (root, bin) = machine(dir.path(), true, 0, false);
        let out = set_up(&root, &bin);
        assert!(out.status.success(), "{out:?}");
        assert_eq!(
            log(dir.path()),
            "apt-get update DEBIAN_FRONTEND=\n\
             apt-get install -y postgresql openssl pgbouncer DEBIAN_FRONTEND=noninteractive\n"
        );
        std::fs::remove_file(dir.path().join("log")).unwrap();
        let again = set_up(&root, &bin);
        assert!(again.status.success(), "{again:?}");
        assert_eq!(log(dir.path()), "");
    }

    #[test]
    fn on_debian_as_another_account_it_installs_through_sudo_or_says_to() {
        let dir = tempfile::tempdir().unwrap();
        let (root, bin) = machine(dir.path(), true, 1000, true);
        let out = set_up(&root, &bin);
        assert!(out.status.success(), "{out:?}");
        assert!(
            log(dir.path()).starts_with(
                "sudo apt-get update\napt-get update DEBIAN_FRONTEND=\n\
                 sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql openssl pgbouncer\n"
            ),
            "{}",
            log(dir.path())
        );

        let dir = tempfile::tempdir().unwrap();
        let (root, bin) = machine(dir.path(), true, 1000, false);
        let out = set_up(&root, &bin);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("run as root, or install sudo, to install postgresql openssl pgbouncer"),
            "{out:?}"
        );
        assert_eq!(log(dir.path()), "");
    }

    #[test]
    fn elsewhere_it_names_what_to_install_and_stops() {
        let dir = tempfile::tempdir().unwrap();
        let (root, bin) = machine(dir.path(), false, 0, false);
        let out = set_up(&root, &bin);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(
                "the tests need what is not installed here: postgresql openssl pgbouncer"
            ),
            "{said}"
        );
        assert!(said.contains("then run scripts/test again"), "{said}");
        script(&Path::new(&bin).join("dnf"), "exit 0");
        let out = set_up(&root, &bin);
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("install them with `dnf install postgresql-server openssl pgbouncer`"),
            "{out:?}"
        );
    }
}
