//! Bulk provisioning: import users from, and export them to, CSV, JSON Lines and
//! Django's `dumpdata` fixtures. Streaming both ways: memory does not grow with
//! the number of users (beyond a 128-bit digest per imported email).

mod export;
mod formats;
mod groups;
mod import;
mod spreadsheet;

pub use crate::storage::OnConflict;
pub(crate) use export::export;
pub use export::{EXPORT_COLUMNS, ExportOptions, ExportSummary};
pub use formats::{
    COLUMNS, Format, MAX_RECORD_BYTES, join_list, parse_datetime, split_list, validate_model_label,
};
pub(crate) use import::CheckedImport;
pub use import::{
    ImportFailure, ImportInput, ImportOptions, ImportProblems, ImportSummary, MAX_PASSWORD_LEN,
    MAX_REPORTED_PROBLEMS, NoProgress, Progress, RowProblem, Stage,
};
pub use spreadsheet::{escape_cell, unescape_cell};
