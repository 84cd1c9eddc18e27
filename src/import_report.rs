//! What an import reports: its summary when it wrote, and [`ImportFailure`] when
//! its rows stopped it. Named by the errors, so it lives in a leaf module that
//! depends on nothing in the crate but [`RowProblem`].

use serde::Serialize;

use crate::row_problem::RowProblem;

/// At most this many problems (or conflicting emails) are reported; the count is exact.
pub const MAX_REPORTED_PROBLEMS: usize = 100;

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Plain passwords hashed.
    pub hashed: u64,
    /// Groups a Django fixture defines that were created, and those that
    /// existed and whose permissions changed.
    pub groups_created: u64,
    pub groups_updated: u64,
    pub dry_run: bool,
}

/// An import its rows stopped before anything was written, with all that a
/// report of it shows: the one-line message (its `Display`), the rows to list
/// under it ([`Self::listed`]), and the summary and problems of `--json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct ImportFailure {
    /// `failed` counts every problem, listed or not.
    pub summary: ImportSummary,
    pub problems: ImportProblems,
}

/// Why an import wrote nothing, and the first problems (at most
/// [`MAX_REPORTED_PROBLEMS`]). Serialised as the one key `--json`
/// gives them under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ImportProblems {
    /// Rows that cannot be imported.
    #[serde(rename = "errors")]
    InvalidRows(Vec<RowProblem>),
    /// Emails already taken, with `--on-conflict fail`, in file order.
    #[serde(rename = "conflicts")]
    Conflicts(Vec<String>),
    /// Values of unique custom fields that other stored users hold, as
    /// `line N: FIELD = VALUE (EMAIL has it)`.
    #[serde(rename = "taken")]
    ValuesTaken(Vec<String>),
}

/// Conflicts and taken values the one-line message names before "and N more".
const NAMED_IN_MESSAGE: usize = 10;

impl ImportFailure {
    fn message(&self) -> String {
        let total = self.summary.failed;
        let first_ten = |items: &[String], separator| {
            let named = items.iter().take(NAMED_IN_MESSAGE).cloned();
            let mut text = named.collect::<Vec<_>>().join(separator);
            if total > NAMED_IN_MESSAGE as u64 {
                text.push_str(&format!(" and {} more", total - NAMED_IN_MESSAGE as u64));
            }
            text
        };
        match &self.problems {
            // The rows themselves are listed once, under the message
            // ([`Self::listed`]), or in `--json`'s `errors`.
            ImportProblems::InvalidRows(_) => {
                format!("{total} invalid row(s), nothing was imported")
            }
            ImportProblems::Conflicts(emails) => format!(
                "{total} user(s) of the import already exist, nothing was imported: {}",
                first_ten(emails, ", ")
            ),
            ImportProblems::ValuesTaken(clashes) => format!(
                "{total} value(s) of unique fields in the import belong to other users, \
                 nothing was imported: {}",
                first_ten(clashes, "; ")
            ),
        }
    }

    /// The problems a report lists one per line under the message: every
    /// invalid row (the message shows only the first), and conflicts or taken
    /// values when there are more than the message names.
    pub fn listed(&self) -> Vec<String> {
        let beyond_message = self.summary.failed > NAMED_IN_MESSAGE as u64;
        match &self.problems {
            ImportProblems::InvalidRows(problems) => {
                problems.iter().map(ToString::to_string).collect()
            }
            ImportProblems::Conflicts(emails) if beyond_message => emails
                .iter()
                .map(|email| format!("{email} already exists"))
                .collect(),
            ImportProblems::ValuesTaken(clashes) if beyond_message => clashes.clone(),
            ImportProblems::Conflicts(_) | ImportProblems::ValuesTaken(_) => Vec::new(),
        }
    }

    /// Invalid rows beyond those listed, for a closing "… and N more" (the
    /// message of conflicts and taken values already counts theirs).
    pub fn unlisted(&self) -> u64 {
        match &self.problems {
            ImportProblems::InvalidRows(problems) => {
                self.summary.failed.saturating_sub(problems.len() as u64)
            }
            ImportProblems::Conflicts(_) | ImportProblems::ValuesTaken(_) => 0,
        }
    }
}
