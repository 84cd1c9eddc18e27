//! Django's four default password validators, with Django's messages.
//!
//! They run in the order of Django's default `AUTH_PASSWORD_VALIDATORS`:
//! UserAttributeSimilarity, MinimumLength, CommonPassword, Numeric.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The 19,640 lower-cased common passwords Django 6.1 ships for its
/// `CommonPasswordValidator` (django/contrib/auth/common-passwords.txt.gz),
/// compiled by Royce Williams. Django is BSD-3-Clause licensed; see NOTICE.
const COMMON_PASSWORDS_TXT: &str = include_str!("common-passwords.txt");

/// Built on first use: most commands never validate a password.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON_PASSWORDS_TXT.lines().map(python_strip).collect());

/// Which of Django's validators apply, and their settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PasswordPolicy {
    /// MinimumLengthValidator: least number of characters; 0 turns it off.
    pub min_length: usize,
    /// UserAttributeSimilarityValidator: similarity ratio at which a password
    /// is rejected; 0 turns it off.
    pub max_similarity: f64,
    /// CommonPasswordValidator.
    pub reject_common: bool,
    /// NumericPasswordValidator.
    pub reject_numeric: bool,
}

impl Default for PasswordPolicy {
    /// Django's defaults.
    fn default() -> Self {
        Self {
            min_length: 8,
            max_similarity: 0.7,
            reject_common: true,
            reject_numeric: true,
        }
    }
}

/// The user fields the similarity check compares against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserAttributes<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
}

impl PasswordPolicy {
    /// The message of every rule `password` fails, in Django's order; empty if
    /// it passes.
    pub fn validate(&self, password: &str, user: &UserAttributes<'_>) -> Vec<String> {
        let mut errors = Vec::new();
        if self.similarity_enabled()
            && let Some(verbose_name) = too_similar(password, user, self.max_similarity)
        {
            errors.push(format!(
                "The password is too similar to the {verbose_name}."
            ));
        }
        if password.chars().count() < self.min_length {
            errors.push(format!(
                "This password is too short. It must contain at least {} {}.",
                self.min_length,
                characters(self.min_length)
            ));
        }
        if self.reject_common && is_common(password) {
            errors.push("This password is too common.".to_owned());
        }
        if self.reject_numeric && is_numeric(password) {
            errors.push("This password is entirely numeric.".to_owned());
        }
        errors
    }

    /// Django's help text of each enabled rule, in the same order.
    pub fn help_texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        if self.similarity_enabled() {
            texts.push(
                "Your password can\u{2019}t be too similar to your other personal information."
                    .to_owned(),
            );
        }
        if self.min_length > 0 {
            texts.push(format!(
                "Your password must contain at least {} {}.",
                self.min_length,
                characters(self.min_length)
            ));
        }
        if self.reject_common {
            texts.push("Your password can\u{2019}t be a commonly used password.".to_owned());
        }
        if self.reject_numeric {
            texts.push("Your password can\u{2019}t be entirely numeric.".to_owned());
        }
        texts
    }

    fn similarity_enabled(&self) -> bool {
        // Written so that NaN also means off.
        self.max_similarity > 0.0
    }
}

/// English ngettext: singular only for exactly one.
fn characters(count: usize) -> &'static str {
    if count == 1 {
        "character"
    } else {
        "characters"
    }
}

/// UserAttributeSimilarityValidator: the verbose name of the first attribute
/// (in Django's order) the password is too similar to.
fn too_similar(
    password: &str,
    user: &UserAttributes<'_>,
    max_similarity: f64,
) -> Option<&'static str> {
    let password = password.to_lowercase();
    let attributes = [
        (user.first_name, "first name"),
        (user.last_name, "last name"),
        (user.email, "email address"),
    ];
    for (value, verbose_name) in attributes {
        if value.is_empty() {
            continue;
        }
        let value = value.to_lowercase();
        let mut parts = split_non_word(&value);
        parts.push(&value);
        for part in parts {
            if exceeds_maximum_length_ratio(&password, max_similarity, part) {
                continue;
            }
            if quick_ratio(&password, part) >= max_similarity {
                return Some(verbose_name);
            }
        }
    }
    None
}

/// Django's shortcut: a part far shorter than the password can never reach
/// the similarity bound, so the comparison is skipped.
fn exceeds_maximum_length_ratio(password: &str, max_similarity: f64, value: &str) -> bool {
    let pwd_len = password.chars().count();
    let length_bound_similarity = max_similarity / 2.0 * pwd_len as f64;
    let value_len = value.chars().count();
    pwd_len >= 10 * value_len && (value_len as f64) < length_bound_similarity
}

/// `difflib.SequenceMatcher(a=a, b=b).quick_ratio()`: twice the size of the
/// multiset intersection of the characters, over the total length.
fn quick_ratio(a: &str, b: &str) -> f64 {
    let mut available: HashMap<char, usize> = HashMap::new();
    let mut len_b = 0usize;
    for c in b.chars() {
        *available.entry(c).or_default() += 1;
        len_b += 1;
    }
    let mut matches = 0usize;
    let mut len_a = 0usize;
    for c in a.chars() {
        len_a += 1;
        if let Some(count) = available.get_mut(&c)
            && *count > 0
        {
            *count -= 1;
            matches += 1;
        }
    }
    let total = len_a + len_b;
    if total == 0 {
        1.0
    } else {
        2.0 * matches as f64 / total as f64
    }
}

/// Python's `re.split(r"\W+", s)`: splits at runs of non-word characters,
/// leaving an empty part where `s` starts or ends with one.
fn split_non_word(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_run = false;
    for (i, c) in s.char_indices() {
        let word = is_word_char(c);
        if !word && !in_run {
            parts.push(&s[start..i]);
            in_run = true;
        } else if word && in_run {
            start = i;
            in_run = false;
        }
    }
    if in_run {
        start = s.len();
    }
    parts.push(&s[start..]);
    parts
}

/// Python's Unicode `\w`: alphanumeric or underscore. (Rust counts a few
/// combining vowel signs as alphabetic where Python does not; names made of
/// them are the only place the two could differ.)
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// CommonPasswordValidator: `password.lower().strip() in passwords`.
fn is_common(password: &str) -> bool {
    COMMON_PASSWORDS.contains(python_strip(&password.to_lowercase()))
}

/// NumericPasswordValidator: non-empty and all numeric. (Django uses Python's
/// `isdigit()`; `char::is_numeric` also counts fractions and Roman numerals.)
fn is_numeric(password: &str) -> bool {
    !password.is_empty() && password.chars().all(char::is_numeric)
}

/// Python's `str.strip()`: Unicode whitespace plus the ASCII separators
/// U+001C..U+001F, which Python also treats as space.
fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOBODY: UserAttributes<'static> = UserAttributes {
        email: "",
        first_name: "",
        last_name: "",
    };

    const JOHN: UserAttributes<'static> = UserAttributes {
        email: "john.smith@example.com",
        first_name: "John",
        last_name: "Smith",
    };

    const TOO_SHORT: &str = "This password is too short. It must contain at least 8 characters.";
    const TOO_COMMON: &str = "This password is too common.";
    const NUMERIC: &str = "This password is entirely numeric.";

    fn validate(password: &str, user: &UserAttributes<'_>) -> Vec<String> {
        PasswordPolicy::default().validate(password, user)
    }

    #[test]
    fn defaults_are_djangos() {
        assert_eq!(
            PasswordPolicy::default(),
            PasswordPolicy {
                min_length: 8,
                max_similarity: 0.7,
                reject_common: true,
                reject_numeric: true,
            }
        );
    }

    #[test]
    fn password_is_too_common() {
        assert_eq!(validate("password", &NOBODY), [TOO_COMMON]);
    }

    #[test]
    fn common_check_lower_cases_and_strips_like_django() {
        assert_eq!(validate(" PassWord\t", &NOBODY), [TOO_COMMON]);
        assert_eq!(validate("\u{1f}password\u{3000}", &NOBODY), [TOO_COMMON]);
        // Inner whitespace is kept, so this is not on the list.
        assert_eq!(validate("pass word", &NOBODY), Vec::<String>::new());
    }

    #[test]
    fn digits_only_are_numeric_and_common() {
        assert_eq!(validate("12345678", &NOBODY), [TOO_COMMON, NUMERIC]);
        assert_eq!(validate("90817263544", &NOBODY), [NUMERIC]);
        // Python's isdigit() counts other scripts' digits too.
        assert_eq!(validate("١٢٣٤٥٦٧٨٩", &NOBODY), [NUMERIC]);
        assert_eq!(validate("90817a63", &NOBODY), Vec::<String>::new());
    }

    #[test]
    fn short_password_is_too_short() {
        assert_eq!(validate("xq7", &NOBODY), [TOO_SHORT]);
        // Django's list has "abc" too.
        assert_eq!(validate("abc", &NOBODY), [TOO_SHORT, TOO_COMMON]);
    }

    #[test]
    fn minimum_length_message_is_singular_for_one() {
        let policy = PasswordPolicy {
            min_length: 1,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy.validate("", &NOBODY),
            ["This password is too short. It must contain at least 1 character."]
        );
        assert_eq!(
            policy.help_texts()[1],
            "Your password must contain at least 1 character."
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 8 characters, 11 bytes.
        assert_eq!(validate("pässwörd✓", &NOBODY), Vec::<String>::new());
        assert_eq!(validate("日本語のパス", &NOBODY), [TOO_SHORT]);
    }

    #[test]
    fn password_like_a_part_of_the_email_is_too_similar() {
        let user = UserAttributes {
            email: "john.smith@example.com",
            ..NOBODY
        };
        // quick_ratio("johnsmith", "smith") = 10/14 ≈ 0.71 ≥ 0.7.
        assert_eq!(
            validate("johnsmith", &user),
            ["The password is too similar to the email address."]
        );
        // Django lets "johnsmith1" through: against "smith" it is 10/15 ≈ 0.67,
        // against the whole address 18/32 ≈ 0.56.
        assert_eq!(validate("johnsmith1", &user), Vec::<String>::new());
    }

    #[test]
    fn similarity_reports_the_first_matching_attribute_only() {
        let user = UserAttributes {
            email: "marianne@example.com",
            first_name: "Marianne",
            last_name: "Dupont",
        };
        assert_eq!(
            validate("Marianne1", &user),
            ["The password is too similar to the first name."]
        );
        assert_eq!(
            validate("dupont!!", &user),
            ["The password is too similar to the last name."]
        );
        // Similarity comes first, before the other rules' messages.
        assert_eq!(
            validate("Dupon7", &user),
            ["The password is too similar to the last name.", TOO_SHORT]
        );
    }

    #[test]
    fn a_long_random_password_passes() {
        assert_eq!(
            validate("q7Vn2LpX9sKd4RwTz8YbHc3M", &JOHN),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_rule_can_be_switched_off() {
        let off = |change: fn(&mut PasswordPolicy)| {
            let mut policy = PasswordPolicy::default();
            change(&mut policy);
            policy
        };
        let user = UserAttributes {
            email: "john.smith@example.com",
            ..NOBODY
        };
        assert!(
            off(|p| p.min_length = 0)
                .validate("xq7", &NOBODY)
                .is_empty()
        );
        assert!(
            off(|p| p.max_similarity = 0.0)
                .validate("johnsmith", &user)
                .is_empty()
        );
        assert!(
            off(|p| p.reject_common = false)
                .validate("password", &NOBODY)
                .is_empty()
        );
        assert_eq!(
            off(|p| p.reject_numeric = false).validate("12345678", &NOBODY),
            [TOO_COMMON]
        );
        let nothing = PasswordPolicy {
            min_length: 0,
            max_similarity: 0.0,
            reject_common: false,
            reject_numeric: false,
        };
        assert!(nothing.validate("1", &JOHN).is_empty());
        assert!(nothing.help_texts().is_empty());
    }

    #[test]
    fn help_texts_are_djangos_in_order() {
        assert_eq!(
            PasswordPolicy::default().help_texts(),
            [
                "Your password can’t be too similar to your other personal information.",
                "Your password must contain at least 8 characters.",
                "Your password can’t be a commonly used password.",
                "Your password can’t be entirely numeric.",
            ]
        );
    }

    #[test]
    fn quick_ratio_is_difflibs() {
        assert_eq!(quick_ratio("", ""), 1.0);
        assert_eq!(quick_ratio("abc", ""), 0.0);
        assert_eq!(quick_ratio("abc", "cba"), 1.0);
        assert_eq!(quick_ratio("aab", "abb"), 2.0 * 2.0 / 6.0);
        assert_eq!(quick_ratio("johnsmith1", "smith"), 10.0 / 15.0);
    }

    #[test]
    fn split_is_pythons_re_split_on_non_word_runs() {
        assert_eq!(
            split_non_word("john.smith@example.com"),
            ["john", "smith", "example", "com"]
        );
        assert_eq!(split_non_word(".a..b."), ["", "a", "b", ""]);
        assert_eq!(
            split_non_word("jean_luc o'brien"),
            ["jean_luc", "o", "brien"]
        );
        assert_eq!(split_non_word("zoë-ångström"), ["zoë", "ångström"]);
        assert_eq!(split_non_word("-"), ["", ""]);
    }

    #[test]
    fn parts_much_shorter_than_the_password_are_skipped() {
        // 20 characters against a 2-character part: never similar enough.
        assert!(exceeds_maximum_length_ratio(&"x".repeat(20), 0.7, "al"));
        assert!(!exceeds_maximum_length_ratio(&"x".repeat(19), 0.7, "al"));
        let user = UserAttributes {
            first_name: "Al",
            ..NOBODY
        };
        assert!(
            validate("al", &user)
                .contains(&"The password is too similar to the first name.".to_owned())
        );
    }

    #[test]
    fn empty_password_mirrors_djangos_quirk_with_empty_parts() {
        // re.split gives an empty part for a leading separator, and
        // quick_ratio("", "") is 1.0, so Django calls "" too similar.
        let user = UserAttributes {
            email: "@example.com",
            ..NOBODY
        };
        assert_eq!(
            validate("", &user),
            [
                "The password is too similar to the email address.",
                TOO_SHORT
            ]
        );
        assert_eq!(validate("", &NOBODY), [TOO_SHORT]);
    }

    #[test]
    fn common_list_is_djangos_lower_cased_list() {
        assert_eq!(COMMON_PASSWORDS.len(), 19_640);
        assert!(
            COMMON_PASSWORDS
                .iter()
                .all(|p| !p.is_empty() && *p == p.to_lowercase() && *p == python_strip(p))
        );
        for common in ["123456", "qwerty", "password", "iloveyou"] {
            assert!(is_common(common), "{common}");
        }
    }
}
