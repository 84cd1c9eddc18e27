//! Text made safe for a terminal. Stored values come from whoever wrote the
//! database or the import file; printed raw, an ESC or a bidi control in a name
//! could clear the screen, retitle the window, or make one address read as
//! another. Every human-readable output escapes them; `--json` and `--csv` keep
//! values exact (JSON escapes controls itself).

use std::borrow::Cow;
use std::fmt::Write;

/// A character that shows as nothing or changes how the text around it is laid
/// out: controls (C0, C1), zero-width and other format characters (bidi
/// controls U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C; zero-width
/// U+200B..U+200D, U+2060, U+FEFF; the soft hyphen U+00AD), and fillers that
/// render blank (Hangul fillers, variation selectors, tag characters).
pub fn is_invisible_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// One line of text for a terminal: every invisible or control character,
/// newlines included, shown as `\u{…}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, |_| false)
}

/// Several lines for a terminal: the same, but `\n` (and a tab) kept.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    escape_except(text, |c| c == '\n' || c == '\t')
}

fn escape_except(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_invisible_or_control(c) && !keep(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escape_sequences_and_bidi_controls_are_shown_not_obeyed() {
        assert_eq!(escape("Ada"), "Ada");
        assert_eq!(escape("\u{1b}[2Jx\u{7}"), "\\u{1b}[2Jx\\u{7}");
        assert_eq!(
            escape("evil\u{202e}moc.elpmaxe"),
            "evil\\u{202e}moc.elpmaxe"
        );
        assert_eq!(escape("a\u{9b}31m"), "a\\u{9b}31m");
        assert_eq!(escape("two\nlines\r"), "two\\u{a}lines\\u{d}");
        assert_eq!(escape_lines("two\nlines\r"), "two\nlines\\u{d}");
        assert_eq!(escape("bücher ｅ 東京"), "bücher ｅ 東京");
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_invisible_or_control_character(text in "\\PC{0,30}|[\\u{0}-\\u{9f}\\u{200b}-\\u{202e}]{0,30}") {
            prop_assert!(!escape(&text).chars().any(is_invisible_or_control));
            prop_assert!(!escape_lines(&text).chars().any(|c| is_invisible_or_control(c) && c != '\n' && c != '\t'));
        }
    }
}
