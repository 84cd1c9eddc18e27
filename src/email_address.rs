//! Email addresses as Django's `BaseUserManager` and `EmailValidator` treat them.
//!
//! The address is the login. It is stored as typed (after normalisation) and compared
//! through [`email_key`], its full lower-case form, which the database keeps unique.
//!
//! Look-alikes are one login: an address is NFKC-normalised before anything else
//! (`ｅxample.com` in fullwidth letters is `example.com`), and characters that
//! render as nothing or reorder text (zero-width, bidi controls, other controls)
//! are refused outright rather than stripped, so what an operator sees is what
//! is stored.

use std::net::{Ipv4Addr, Ipv6Addr};

use unicode_normalization::UnicodeNormalization;

use crate::terminal_text::is_invisible_or_control;

/// The longest address accepted, in characters (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid email address {shown:?}: {reason}")]
pub struct EmailError {
    shown: String,
    pub reason: &'static str,
}

impl EmailError {
    fn new(email: &str, reason: &'static str) -> Self {
        // Cap what is echoed back so a hostile argument cannot flood the terminal.
        let shown: String = email.chars().take(80).collect();
        EmailError { shown, reason }
    }
}

/// Django's `normalize_email` after NFKC: trim, and lower-case the domain part
/// only (the local part keeps its case for display).
pub fn normalize_email(raw: &str) -> String {
    // ASCII is already in NFKC, and stays so lower-cased: the common case skips
    // both passes (a fifth of an import's time was spent here).
    if raw.is_ascii() {
        let email = raw.trim();
        return match email.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
            None => email.to_string(),
        };
    }
    normalize_unicode(raw)
}

fn normalize_unicode(raw: &str) -> String {
    let compatible: String = raw.nfkc().collect();
    let email = compatible.trim();
    let lowered = match email.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_lowercase()),
        None => email.to_string(),
    };
    // Lower-casing can leave a string that is not in NFKC form (a rare few
    // letters decompose); one more pass keeps normalising idempotent.
    lowered.nfkc().collect()
}

/// The form two addresses are compared in: equal keys are the same login.
pub fn email_key(normalized: &str) -> String {
    normalized.to_lowercase()
}

/// Normalise and validate in one step: what every entry point does with an address.
pub fn parse_email(raw: &str) -> Result<String, EmailError> {
    let email = normalize_email(raw);
    validate_email(&email)?;
    Ok(email)
}

/// Validation close to Django's `EmailValidator`: a dot-atom or quoted local part,
/// and a domain that is `localhost`, an address literal, or a host name whose
/// labels may be internationalised (U+00A1..U+FFFF, as Django's regex allows).
pub fn validate_email(email: &str) -> Result<(), EmailError> {
    let fail = |reason| Err(EmailError::new(email, reason));
    if email.is_empty() {
        return fail("it is empty");
    }
    if email.chars().any(is_invisible_or_control) {
        return fail("it contains an invisible, control or text-direction character");
    }
    if email.chars().count() > MAX_EMAIL_LEN {
        return fail("it is longer than 254 characters");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return fail("it has no @");
    };
    if local.is_empty() {
        return fail("the part before @ is empty");
    }
    if domain.is_empty() {
        return fail("the domain after @ is empty");
    }
    if !valid_local_part(local) {
        return fail("the part before @ has characters an address cannot have");
    }
    if !valid_domain(domain) {
        return fail("the domain after @ is not a valid host name");
    }
    // An account whose codes can never be mailed is no use: what the mailer
    // refuses (found by fuzzing: a domain label that starts with a combining
    // mark passes the rules above, and IDNA refuses it) is refused here too.
    if !domain.is_ascii() && format!("x@{domain}").parse::<lettre::Address>().is_err() {
        return fail(
            "mail cannot be addressed to it (the domain is not a valid international name)",
        );
    }
    Ok(())
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c)
}

fn valid_local_part(local: &str) -> bool {
    if let Some(inner) = local
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        return valid_quoted(inner);
    }
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// Django's quoted-string rule narrowed to what a terminal shows safely: printable
/// ASCII except `"` and `\`, or a `\` escape of printable ASCII. Django also
/// allows control characters here; they would carry escape sequences to every
/// terminal that lists users, so they are refused.
fn valid_quoted(inner: &str) -> bool {
    let plain = |c: char| matches!(c as u32, 33 | 35..=91 | 93..=126);
    let escaped = |c: char| matches!(c as u32, 32..=126);
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e) if escaped(e) => {}
                _ => return false,
            }
        } else if !plain(c) {
            return false;
        }
    }
    true
}

fn valid_domain(domain: &str) -> bool {
    if domain == "localhost" {
        return true;
    }
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return match literal.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<Ipv6Addr>().is_ok(),
            None => literal.parse::<Ipv4Addr>().is_ok(),
        };
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, hosts)) = labels.split_last() else {
        return false;
    };
    !hosts.is_empty() && hosts.iter().all(|l| valid_label(l)) && valid_tld(tld)
}

fn is_idn_char(c: char) -> bool {
    ('\u{a1}'..='\u{ffff}').contains(&c)
}

fn valid_label(label: &str) -> bool {
    let len = label.chars().count();
    (1..=63).contains(&len)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || is_idn_char(c))
}

/// A top-level domain is letters (no digits), or a punycode `xn--` label.
fn valid_tld(tld: &str) -> bool {
    let lower = tld.to_ascii_lowercase();
    if let Some(puny) = lower.strip_prefix("xn--") {
        return (1..=59).contains(&puny.len()) && puny.chars().all(|c| c.is_ascii_alphanumeric());
    }
    let len = tld.chars().count();
    (2..=63).contains(&len)
        && !tld.starts_with('-')
        && !tld.ends_with('-')
        && tld
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '-' || is_idn_char(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_the_mailer_cannot_address_is_refused() {
        let err = validate_email("a@\u{312}.om").unwrap_err();
        assert!(
            err.to_string().contains("mail cannot be addressed"),
            "{err}"
        );
        for good in [
            "ada@example.com",
            "ada@bücher.example",
            "\"john\\ doe\"@example.com",
            "a@localhost",
        ] {
            assert!(validate_email(good).is_ok(), "{good}");
        }
    }
    use proptest::prelude::*;

    #[test]
    fn normalising_trims_and_lowercases_only_the_domain() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.COM \n"),
            "Ada.Lovelace@example.com"
        );
        assert_eq!(normalize_email("no-at-sign"), "no-at-sign");
        // The last @ separates the domain, as Django's rsplit does.
        assert_eq!(
            normalize_email("\"a@b\"@EXAMPLE.org"),
            "\"a@b\"@example.org"
        );
    }

    #[test]
    fn addresses_django_accepts_are_accepted() {
        for ok in [
            "ada@example.com",
            "Ada.Lovelace+tag@sub.example.co.uk",
            "root@localhost",
            "x@[127.0.0.1]",
            "x@[IPv6:::1]",
            "user@bücher.de",
            "user@xn--bcher-kva.de",
            "user@example.xn--p1ai",
            "\"john\\ doe\"@example.com",
            "!#$%&'*+/=?^_`{|}~-@example.com",
        ] {
            assert_eq!(validate_email(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_are_rejected_with_the_reason() {
        for (bad, reason) in [
            ("", "it is empty"),
            ("ada", "it has no @"),
            ("@example.com", "the part before @ is empty"),
            ("ada@", "the domain after @ is empty"),
            (
                "ada lovelace@example.com",
                "the part before @ has characters an address cannot have",
            ),
            (
                "a..b@example.com",
                "the part before @ has characters an address cannot have",
            ),
            (
                ".a@example.com",
                "the part before @ has characters an address cannot have",
            ),
            ("ada@example", "the domain after @ is not a valid host name"),
            (
                "ada@example.com.",
                "the domain after @ is not a valid host name",
            ),
            (
                "ada@-example.com",
                "the domain after @ is not a valid host name",
            ),
            (
                "ada@example.c0m",
                "the domain after @ is not a valid host name",
            ),
            (
                "ada@exa_mple.com",
                "the domain after @ is not a valid host name",
            ),
            (
                "ada@[300.1.1.1]",
                "the domain after @ is not a valid host name",
            ),
            (
                "ada@example.com\0",
                "it contains an invisible, control or text-direction character",
            ),
            (
                "ada@exa\u{1F600}mple.com",
                "the domain after @ is not a valid host name",
            ),
        ] {
            assert_eq!(
                validate_email(bad).map_err(|e| e.reason),
                Err(reason),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(
            validate_email(&long).map_err(|e| e.reason),
            Err("it is longer than 254 characters")
        );
    }

    #[test]
    fn look_alike_addresses_normalise_to_one_key() {
        let plain = email_key(&parse_email("user@example.com").unwrap());
        // Fullwidth letters, a fullwidth at sign, a ligature: NFKC folds them.
        for look_alike in [
            "user@\u{ff45}xample.com",
            "user\u{ff20}example.com",
            "\u{ff55}ser@EXAMPLE.com",
        ] {
            assert_eq!(
                email_key(&parse_email(look_alike).unwrap()),
                plain,
                "{look_alike:?}"
            );
        }
        assert_eq!(
            parse_email("\u{fb01}le@example.com").unwrap(),
            "file@example.com"
        );
    }

    #[test]
    fn invisible_bidi_and_control_characters_are_refused() {
        for hostile in [
            "us\u{200b}er@example.com",
            "user@exa\u{200d}mple.com",
            "\u{202e}moc.elpmaxe@resu",
            "user\u{2066}@example.com",
            "\u{feff}user@example.com",
            "us\u{ad}er@example.com",
            "\"a\u{1b}[31m\"@example.com",
            "\"a\u{7}\"@example.com",
            "\"a\\\u{1b}\"@example.com",
        ] {
            assert_eq!(
                parse_email(hostile).map_err(|e| e.reason),
                Err("it contains an invisible, control or text-direction character"),
                "{hostile:?}"
            );
        }
    }

    #[test]
    fn the_error_names_the_address_but_not_all_of_a_huge_one() {
        let huge = "x".repeat(10_000);
        let message = validate_email(&huge).unwrap_err().to_string();
        assert!(message.starts_with("invalid email address \"xxx"));
        assert!(message.len() < 200);
    }

    proptest! {
        #[test]
        fn the_ascii_shortcut_agrees_with_nfkc(raw in "[ -~\t]{0,40}") {
            prop_assert_eq!(normalize_email(&raw), normalize_unicode(&raw));
        }

        #[test]
        fn normalising_is_idempotent(raw in "\\PC{0,40}") {
            let once = normalize_email(&raw);
            prop_assert_eq!(normalize_email(&once), once);
        }

        #[test]
        fn case_variants_of_an_address_share_one_key(
            local in "[a-zA-Z0-9._%+-]{1,20}",
            domain in "[a-zA-Z]{1,10}\\.[a-zA-Z]{2,5}",
            flips in proptest::collection::vec(any::<bool>(), 40),
        ) {
            let email = format!("{local}@{domain}");
            let flipped: String = email.chars().zip(flips.iter().cycle()).map(|(c, &f)| {
                if f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
            }).collect();
            prop_assert_eq!(email_key(&normalize_email(&email)), email_key(&normalize_email(&flipped)));
        }

        #[test]
        fn an_accepted_address_has_no_invisible_or_control_character(raw in "\\PC{0,40}|[\u{0}-\u{7f}\u{200b}\u{202e}]{0,40}") {
            if let Ok(email) = parse_email(&raw) {
                prop_assert!(!email.chars().any(is_invisible_or_control), "{:?}", email);
            }
        }

        #[test]
        fn validation_never_panics(raw in "\\PC{0,300}") {
            let _ = parse_email(&raw);
        }

        #[test]
        fn a_valid_address_stays_valid_after_normalising(
            local in "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,20}",
            domain in "[a-zA-Z0-9]{1,10}\\.[a-zA-Z]{2,6}",
        ) {
            let raw = format!("  {local}@{domain} ");
            let email = parse_email(&raw).unwrap();
            prop_assert_eq!(validate_email(&email), Ok(()));
            prop_assert!(email.starts_with(&local));
        }
    }
}
