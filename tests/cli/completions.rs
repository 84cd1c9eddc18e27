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

/// The man pages (`doc/man/`) and the Markdown reference in `doc/` are the
/// binary's own output; `SNAPSHOTS=overwrite cargo test --test cli reference`
/// rewrites them.
#[test]
fn the_shipped_reference_is_current() {
    let env = TestEnv::new();
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("doc");
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let stale = "is stale: run `SNAPSHOTS=overwrite cargo test --test cli reference`";

    let generated = env.path().join("man1");
    env.cmd(&["reference", "man", "--dir", generated.to_str().unwrap()])
        .assert()
        .success();
    let man = doc.join("man");
    if overwrite {
        let _ = std::fs::remove_dir_all(&man);
        std::fs::create_dir_all(&man).unwrap();
        for page in pages(&generated) {
            std::fs::copy(generated.join(&page), man.join(&page)).unwrap();
        }
    }
    assert_eq!(pages(&man), pages(&generated), "doc/man {stale}");
    for page in pages(&generated) {
        assert!(
            std::fs::read(man.join(&page)).unwrap()
                == std::fs::read(generated.join(&page)).unwrap(),
            "doc/man/{page} {stale}"
        );
    }

    let markdown = env
        .cmd(&["reference", "markdown"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let path = doc.join("cli-reference.md");
    if overwrite {
        std::fs::write(&path, &markdown).unwrap();
    }
    assert!(
        std::fs::read(&path).unwrap_or_default() == markdown,
        "{} {stale}",
        path.display()
    );
}

fn pages(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Every page `userdb.1` sends a reader to (`userdb-createuser(1)`) is one of the
/// pages `reference man --dir` writes, one per command, readable by everyone;
/// and neither reference lists the help subcommand's made-up commands
/// (`userdb help userdb-help-migrate`).
#[test]
fn each_man_page_the_main_page_names_exists() {
    let env = TestEnv::new();
    let dir = env.path().join("share/man/man1");
    let out = env
        .cmd(&["reference", "man", "--dir", dir.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(" man pages into "),
        "{out:?}"
    );
    let main = std::fs::read_to_string(dir.join("userdb.1")).unwrap();
    let named: Vec<&str> = main
        .match_indices("userdb\\-")
        .map(|(at, _)| {
            let rest = &main[at + "userdb\\-".len()..];
            &rest[..rest.find("(1)").unwrap()]
        })
        .collect();
    assert!(named.len() > 30, "{named:?}");
    for command in &named {
        let page = dir.join(format!("userdb-{}.1", command.replace("\\-", "-")));
        let text = std::fs::read_to_string(&page)
            .unwrap_or_else(|_| panic!("userdb.1 names {command}(1), which is not written"));
        assert!(text.contains(".SH NAME"), "{}", page.display());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&page).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }
    assert!(!main.contains("userdb\\-help"));
    assert_eq!(pages(&dir).len(), named.len() + 1);
    let markdown = env
        .cmd(&["reference", "markdown"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let markdown = String::from_utf8(markdown).unwrap();
    assert!(markdown.contains("## `userdb createuser`"), "{markdown}");
    assert!(!markdown.contains("userdb help"), "{markdown}");
}

/// The README's table of configuration keys is `config::reference_markdown()`
/// between two marker comments; `SNAPSHOTS=overwrite cargo test --test cli readme`
/// rewrites it.
#[test]
fn the_readme_config_table_is_current() {
    readme_table_is_current("config-keys", &userdb::config::reference_markdown());
}

/// The README's exit-code table is `exit_code::reference_markdown()`, kept the
/// same way as the configuration table.
#[test]
fn the_readme_exit_code_table_is_current() {
    readme_table_is_current("exit-codes", &userdb::exit_code::reference_markdown());
}

/// Checks (or with `SNAPSHOTS=overwrite`, writes) the README's text between
/// `<!-- NAME:start -->` and `<!-- NAME:end -->`.
fn readme_table_is_current(name: &str, generated: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = (
        format!("<!-- {name}:start -->\n"),
        format!("<!-- {name}:end -->"),
    );
    let from = readme.find(&start).expect("README.md has the start marker") + start.len();
    let to = from
        + readme[from..]
            .find(&end)
            .expect("README.md has the end marker");
    // Blank lines keep the table a block of its own, apart from the markers.
    let table = format!("\n{generated}\n");
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
        "README.md's {name} table is stale: run `SNAPSHOTS=overwrite cargo test --test cli readme`"
    );
}

/// The README's completion examples work on a fresh home: each folder a script
/// is redirected into is made (`mkdir -p`) before it.
#[test]
fn the_readme_makes_each_completions_folder_first() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let mut made = Vec::new();
    let mut redirects = 0;
    for line in readme.lines() {
        if let Some(dir) = line.strip_prefix("mkdir -p ") {
            made.push(dir.split_whitespace().next().unwrap().to_string());
        }
        if let Some((_, target)) = line
            .strip_prefix("userdb completions ")
            .and_then(|l| l.split_once(" > "))
        {
            let target = target.split_whitespace().next().unwrap();
            let folder = &target[..target.rfind('/').unwrap()];
            assert!(
                made.iter().any(|d| d == folder),
                "no `mkdir -p {folder}` before: {line}"
            );
            redirects += 1;
        }
    }
    assert_eq!(redirects, 3);
}
