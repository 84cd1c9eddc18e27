//! Text an attacker controls — look-alike addresses, invisible and control
//! characters, escape sequences — never makes two accounts of one address, and
//! never reaches a terminal raw.

use crate::support::{TestEnv, stderr_text};

#[test]
fn a_fullwidth_look_alike_of_an_address_is_the_same_account() {
    let env = TestEnv::new();
    env.cmd(&["createuser", "user@example.com", "--no-password"])
        .assert()
        .success();
    // `ｅxample.com` with a fullwidth e (U+FF45), and a fullwidth at sign.
    for look_alike in ["user@\u{ff45}xample.com", "user\u{ff20}example.com"] {
        let out = env
            .cmd(&["createuser", look_alike, "--no-password"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(4),
            "{look_alike:?}: {}",
            stderr_text(&out)
        );
        env.cmd(&["show-user", look_alike]).assert().success();
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "1");
}

#[test]
fn invisible_and_text_direction_characters_in_an_address_are_refused() {
    let env = TestEnv::new();
    for hostile in [
        "us\u{200b}er@example.com",
        "user\u{202e}@example.com",
        "\"a\u{1b}[2J\"@example.com",
    ] {
        let out = env
            .cmd(&["createuser", hostile, "--no-password"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{hostile:?}");
        let err = stderr_text(&out);
        assert!(
            err.contains("invisible, control or text-direction character"),
            "{err}"
        );
        assert!(
            !err.contains('\u{1b}') && !err.contains('\u{202e}'),
            "{err:?}"
        );
    }
    assert_eq!(env.query_one("SELECT count(*) FROM users"), "0");
}

#[test]
fn a_unique_text_field_holds_one_value_however_it_is_composed() {
    let env = TestEnv::with_config("[fields.handle]\ntype = \"text\"\nunique = true\n");
    // "é" precomposed (U+00E9), then as e + combining acute (U+0301).
    env.cmd(&[
        "createuser",
        "a@example.com",
        "--no-password",
        "--set",
        "handle=caf\u{e9}",
    ])
    .assert()
    .success();
    let out = env
        .cmd(&[
            "createuser",
            "b@example.com",
            "--no-password",
            "--set",
            "handle=cafe\u{301}",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr_text(&out));
}
