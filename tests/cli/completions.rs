//! The files we ship that are generated (the scripts in `completions/`, the
//! reference in `doc/`, the README's table of configuration keys); this keeps them
//! current. `SNAPSHOTS=overwrite cargo test --test cli completions` rewrites them.

use clap_complete::{Generator, Shell};

use crate::support::TestEnv;

#[test]
fn the_shipped_completion_scripts_are_current() {
    let env = TestEnv::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let out = env
            .cmd(&["completions", &shell.to_string()])
            .assert()
            .success()
            .get_output()
            .clone();
        let path = dir.join(shell.file_name("userdb"));
        if overwrite {
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let shipped = std::fs::read(&path).unwrap_or_default();
        assert!(
            shipped == out.stdout,
            "{} is stale: run `SNAPSHOTS=overwrite cargo test --test cli completions`",
            path.display()
        );
    }
}

#[test]
fn completions_mention_every_command() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .clone();
    let script = String::from_utf8(out.stdout).unwrap();
    for command in [
        "createsuperuser",
        "changepassword",
        "list-users",
        "delete-user",
        "migrate",
    ] {
        assert!(script.contains(command), "{command}");
    }
}

/// The man page and the Markdown reference in `doc/` are the binary's own
/// output; `SNAPSHOTS=overwrite cargo test --test cli reference` rewrites them.
#[test]
fn the_shipped_reference_is_current() {
    let env = TestEnv::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("doc");
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    for (format, file) in [("man", "userdb.1"), ("markdown", "cli-reference.md")] {
        let out = env
            .cmd(&["reference", format])
            .assert()
            .success()
            .get_output()
            .clone();
        let path = dir.join(file);
        if overwrite {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let shipped = std::fs::read(&path).unwrap_or_default();
        assert!(
            shipped == out.stdout,
            "{} is stale: run `SNAPSHOTS=overwrite cargo test --test cli reference`",
            path.display()
        );
    }
}

/// The README's table of configuration keys is `config::reference_markdown()`
/// between two marker comments; `SNAPSHOTS=overwrite cargo test --test cli readme`
/// rewrites it.
#[test]
fn the_readme_config_table_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- config-keys:start -->\n", "<!-- config-keys:end -->");
    let from = readme.find(start).expect("README.md has the start marker") + start.len();
    let to = from
        + readme[from..]
            .find(end)
            .expect("README.md has the end marker");
    // Blank lines keep the table a block of its own, apart from the markers.
    let table = format!("\n{}\n", userdb::config::reference_markdown());
    if std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite") {
        std::fs::write(
            &path,
            format!("{}{table}{}", &readme[..from], &readme[to..]),
        )
        .unwrap();
        return;
    }
    assert!(
        readme[from..to] == table,
        "README.md's configuration table is stale: run `SNAPSHOTS=overwrite cargo test --test cli readme`"
    );
}
