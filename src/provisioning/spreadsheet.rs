//! CSV cells that a spreadsheet would run as a formula (OWASP's "CSV injection"):
//! a name such as `=HYPERLINK(…)` must reach Excel or LibreOffice as text.
//!
//! The choice: OWASP's prefix, made reversible. A cell that starts with one of
//! `= + - @`, a tab or a carriage return gets a leading `'` (which spreadsheets
//! show as text and do not display); so that the prefix can be told from data,
//! a cell that starts with `'` gets one too. Import removes exactly one leading
//! `'` from a cell that starts with `'` and then one of those characters, so an
//! export imports back to the same values.

/// The first characters that make a spreadsheet read a cell as a formula
/// (OWASP), and the escape character itself.
const TRIGGERS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// The cell as written to a CSV file: `'` before a formula trigger.
pub fn escape_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(TRIGGERS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The cell as read from a CSV file: the `'` that [`escape_cell`] added removed.
pub fn unescape_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(TRIGGERS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formula_triggers_are_prefixed_and_other_cells_kept() {
        for (cell, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("'", "''"),
            ("Ada", "Ada"),
            ("O'Brien", "O'Brien"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(escape_cell(cell), written, "{cell:?}");
            assert_eq!(unescape_cell(written), cell, "{written:?}");
        }
    }

    #[test]
    fn a_hand_written_apostrophe_is_kept_unless_a_trigger_follows() {
        assert_eq!(unescape_cell("'Ada"), "'Ada");
        assert_eq!(unescape_cell("'=1+1"), "=1+1");
    }

    proptest! {
        #[test]
        fn every_cell_reads_back_as_it_was_written(cell in ".*") {
            let written = escape_cell(&cell);
            prop_assert_eq!(unescape_cell(&written), cell.as_str());
        }

        #[test]
        fn no_written_cell_starts_a_formula(cell in ".*") {
            let written = escape_cell(&cell);
            prop_assert!(!written.starts_with(['=', '+', '-', '@', '\t', '\r']));
        }
    }
}
