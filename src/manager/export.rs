//! Export in the manager: its store and custom fields, written by the
//! exporter of `provisioning`.

use std::io::Write;
use std::path::Path;

use super::UserManager;
use crate::error::Result;
use crate::output_file::{Existing, OutputFile};
use crate::provisioning::{ExportOptions, ExportSummary, export};
use crate::storage::{BulkStore, UserStore};
use crate::user::UserFilter;

impl<S: UserStore + BulkStore> UserManager<S> {
    /// Writes every user to `out` (and, in a Django fixture, every group
    /// first). Never a TOTP secret or a recovery code: the summary counts the
    /// users whose second factor the file does not carry.
    pub fn export_users(
        &self,
        options: &ExportOptions,
        out: &mut dyn Write,
    ) -> Result<ExportSummary> {
        let mut summary = export(&self.store, &self.fields, options, out)?;
        let with_second_factor = UserFilter {
            second_factor: Some(true),
            ..UserFilter::default()
        };
        summary.second_factors_left_out = self.store.list_users(&with_second_factor)?.len() as u64;
        Ok(summary)
    }

    /// Writes every user to the file at `path`, created mode 0600 (it carries
    /// password hashes) and put in place only once the export is complete, through
    /// [`OutputFile`]: never over the database's own files, a link or a device; a
    /// FIFO is written through; an existing regular file of the user's is replaced.
    pub fn export_to_path(&self, options: &ExportOptions, path: &Path) -> Result<ExportSummary> {
        let mut out = OutputFile::create(path, Existing::Replace, &self.store.own_files())?;
        let summary = self.export_users(options, out.file_mut())?;
        out.commit()?;
        Ok(summary)
    }
}
