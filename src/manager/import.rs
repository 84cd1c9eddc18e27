//! Import in the manager: the pipeline of `provisioning` checks and writes the
//! rows; the manager gives it its rules (password policy, hasher, custom
//! fields), its store, and the audit record of the write.

use super::UserManager;
use crate::audit::AuditEvent;
use crate::error::Result;
use crate::provisioning::{CheckedImport, ImportInput, ImportOptions, ImportSummary, Progress};
use crate::storage::{BulkAudit, BulkStore, UserStore};

impl<S: UserStore + BulkStore> UserManager<S> {
    /// Imports users: every row is checked first, then all of them are written in
    /// one transaction, or none. Rows that stop it (bad rows; with
    /// [`crate::storage::OnConflict::Fail`], existing users; values of unique
    /// fields other users hold) are one [`crate::Error::Import`].
    pub fn import_users(
        &mut self,
        input: ImportInput,
        options: &ImportOptions,
        progress: &mut dyn Progress,
    ) -> Result<ImportSummary> {
        let checked = CheckedImport::check(
            input,
            options,
            &self.policy,
            &self.hasher,
            &self.fields,
            &self.store,
            progress,
        )?;
        if options.dry_run {
            return Ok(checked.summary(options));
        }
        let audit = BulkAudit {
            at: self.now(),
            actor: self.actor.clone(),
            created_event: AuditEvent::UserImported,
            updated_event: AuditEvent::UserUpdated,
            group_created_event: AuditEvent::GroupCreated,
            group_updated_event: AuditEvent::GroupUpdated,
            detail: format!("import of {} ({})", options.source, options.format),
        };
        checked.write(
            options,
            &self.fields,
            &self.hasher,
            &mut self.store,
            &audit,
            progress,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::Validation;
    use crate::clock::FixedClock;
    use crate::error::Error;
    use crate::provisioning::{
        Format, ImportFailure, ImportProblems, NoProgress, OnConflict, Stage,
    };
    use crate::storage::SqliteStore;
    use crate::user::UserFilter;

    fn manager(dir: &tempfile::TempDir) -> UserManager<SqliteStore> {
        let clock = Arc::new(FixedClock("2026-01-02T03:04:05Z".parse().unwrap()));
        crate::manager::test_manager(dir.path(), clock)
    }

    fn options(format: Format, on_conflict: OnConflict) -> ImportOptions {
        ImportOptions {
            format,
            on_conflict,
            dry_run: false,
            validation: Validation::Enforce,
            jobs: 2,
            source: "test".into(),
            protect_last_superuser: true,
            create_groups: false,
        }
    }

    fn reader(text: &str) -> ImportInput {
        ImportInput::Reader(Box::new(io::Cursor::new(text.as_bytes().to_vec())))
    }

    #[test]
    fn an_import_is_all_or_nothing_and_counts_what_it_did() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(&dir);
        let text = "email,password\na@example.com,correct horse battery staple\nb@example.com,\n";
        let summary = m
            .import_users(
                reader(text),
                &options(Format::Csv, OnConflict::Fail),
                &mut NoProgress,
            )
            .unwrap();
        assert_eq!(
            summary,
            ImportSummary {
                rows: 2,
                created: 2,
                hashed: 1,
                ..ImportSummary::default()
            }
        );
        let text = "email\nc@example.com\nA@example.com\n";
        let err = m
            .import_users(
                reader(text),
                &options(Format::Csv, OnConflict::Fail),
                &mut NoProgress,
            )
            .unwrap_err();
        assert!(matches!(
            &err,
            Error::Import(ImportFailure { problems: ImportProblems::Conflicts(emails), summary })
                if emails == &["a@example.com"] && summary.failed == 1
        ));
        assert_eq!(m.list_users(&UserFilter::default()).unwrap().len(), 2);
        let summary = m
            .import_users(
                reader(text),
                &options(Format::Csv, OnConflict::Skip),
                &mut NoProgress,
            )
            .unwrap();
        assert_eq!((summary.created, summary.skipped), (1, 1));
    }

    /// Rewrites the file when the first pass ends, as an editor saving it would.
    struct ChangeFileAfterCheck(PathBuf, bool);

    impl Progress for ChangeFileAfterCheck {
        fn start(&mut self, _: Stage, _: Option<u64>) {}
        fn advance(&mut self, _: u64) {}
        fn finish(&mut self) {
            if !self.1 {
                self.1 = true;
                std::fs::write(&self.0, "email\na@example.com\nz@example.com\n").unwrap();
            }
        }
    }

    #[test]
    fn a_file_changed_between_the_passes_imports_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(&dir);
        let path = dir.path().join("users.csv");
        std::fs::write(&path, "email\na@example.com\nb@example.com\n").unwrap();
        let mut progress = ChangeFileAfterCheck(path.clone(), false);
        let err = m
            .import_users(
                ImportInput::File(path),
                &options(Format::Csv, OnConflict::Fail),
                &mut progress,
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the input changed while it was being imported")
        );
        assert!(m.list_users(&UserFilter::default()).unwrap().is_empty());
    }
}
