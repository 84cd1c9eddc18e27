//! Files that hold a secret userdb reads are refused unless they are private to
//! the account running it: others could read the secret out of them.

use std::os::unix::fs::PermissionsExt;

use crate::support::{TestEnv, stderr_text};

fn chmod(path: &str, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn an_smtp_password_file_others_can_read_is_refused() {
    let env = TestEnv::new();
    let file = env.write_file("smtp-password", "s3cret\n");
    chmod(&file, 0o644);
    let config = format!(
        "[email]\nhost = \"127.0.0.1\"\nport = 1\nsecurity = \"none\"\nusername = \"mailer\"\npassword_file = \"{file}\"\n"
    );
    env.write_config(&config);
    let out = env
        .cmd(&["sendtestemail", "ops@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_text(&out));
    let err = stderr_text(&out);
    assert!(
        err.contains("[email] password_file") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains("s3cret"));
    // Made private, it is read (and the send then fails to connect: exit 8).
    chmod(&file, 0o600);
    let out = env
        .cmd(&["sendtestemail", "ops@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8), "{}", stderr_text(&out));
}

#[test]
fn a_key_file_of_another_account_is_refused() {
    let env = TestEnv::new();
    env.create_user("ada@example.com", &[]);
    let key = env.path().join("config/userdb/secret.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    std::fs::write(&key, format!("{}\n", "k".repeat(64))).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&key, Some(4242), None).expect("chown: run the tests as root");
    let out = env.cmd(&["send-otp", "ada@example.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr_text(&out));
    assert!(
        stderr_text(&out).contains("belongs to another account"),
        "{}",
        stderr_text(&out)
    );
    assert_eq!(env.query_one("SELECT count(*) FROM otp_codes"), "0");
}
