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
            errors.push(format!("The password is too similar to the {verbose_name}."));
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
    if count == 1 { "character" } else { "characters" }
}

/// UserAttributeSimilarityValidator: the verbose name of the first attribute
/// (in Django's order) the password is too similar to.
fn too_similar(password: &str, user: &UserAttributes<'_>, max_similarity: f64) -> Option<&'static str> {
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

/// NumericPasswordValidator (`str.isdigit()`): non-empty and all numeric.
fn is_numeric(password: &str) -> bool {
    !password.is_empty() && password.chars().all(char::is_numeric)
}

/// Python's `str.strip()`: Unicode whitespace plus the ASCII separators
/// U+001C..U+001F, which Python also treats as space.
fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}
