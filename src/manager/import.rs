//! Import in the manager: the pipeline of `provisioning` checks and writes the
//! rows; the manager gives it its rules (password policy, hasher, custom
//! fields), its store, and the audit record of the write.

use super::{SecondFactor, UserManager};
use crate::audit::AuditEvent;
use crate::error::Error;
use crate::provisioning::{CheckedImport, ImportInput, ImportOptions, ImportSummary, Progress};
use crate::storage::{BulkAudit, BulkStore, UserStore};

impl<S: UserStore + BulkStore> UserManager<S> {
    /// Imports users: every row is checked first, then all of them are written in
    /// one transaction, or none. Rows that stop it (bad rows; with
    /// [`crate::storage::OnConflict::Fail`], existing users; values of unique
    /// fields other users hold) are one [`crate::Error::Import`].
    ///
    /// A row's `totp_uri` becomes the user's confirmed TOTP secret, sealed by
    /// what `mfa` gives: it is called (the key loaded) only when a row
    /// carries one, and not for a dry run.
    pub fn import_users<E: From<Error>>(
        &mut self,
        input: ImportInput,
        options: &ImportOptions,
        progress: &mut dyn Progress,
        mfa: impl FnOnce() -> std::result::Result<SecondFactor, E>,
    ) -> std::result::Result<ImportSummary, E> {
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
        let mfa = checked.imports_totp().then(mfa).transpose()?;
        let audit = BulkAudit {
            at: self.now(),
            actor: self.actor.clone(),
            created_event: AuditEvent::UserImported,
            updated_event: AuditEvent::UserUpdated,
            group_created_event: AuditEvent::GroupCreated,
            group_updated_event: AuditEvent::GroupUpdated,
            detail: format!("import of {} ({})", options.source, options.format),
        };
        Ok(checked.write(
            options,
            &self.fields,
            &self.hasher,
            mfa.as_ref().map(|m| m as &dyn crate::storage::TotpSealer),
            &mut self.store,
            &audit,
            progress,
        )?)
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

    /// For imports without a second factor: the key is never loaded.
    fn no_key() -> Result<SecondFactor, Error> {
        panic!("the secret key was loaded for an import without a totp_uri")
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
                no_key,
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
                no_key,
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
                no_key,
            )
            .unwrap();
        assert_eq!((summary.created, summary.skipped), (1, 1));
    }

    fn sealing() -> SecondFactor {
        let key = crate::otp::SecretKey::new(&"k".repeat(40), "test").unwrap();
        SecondFactor::new(crate::manager::SecondFactorSettings::default(), key)
    }

    /// The current code of a base32 secret, at the manager's fixed clock.
    fn code(base32: &str) -> secrecy::SecretString {
        let secret = crate::totp::TotpSecret::from_base32(base32).unwrap();
        let now: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let code = crate::totp::code_at_step(&secret, crate::totp::step_at(now));
        secrecy::SecretString::from(code.as_str())
    }

    const OLD: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const NEW: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn a_totp_uri_becomes_a_confirmed_secret_sealed_to_its_user() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(&dir);
        let mfa = sealing();
        // A plain password sends the rows through the hashed spool as well.
        let text = format!(
            "email,password,totp_uri\n\
             a@example.com,correct horse battery staple,otpauth://totp/Old:a@example.com?secret={OLD}&issuer=Old\n\
             b@example.com,,\n"
        );
        let mut loaded = 0;
        m.import_users(
            reader(&text),
            &options(Format::Csv, OnConflict::Fail),
            &mut NoProgress,
            || {
                loaded += 1;
                Ok::<_, Error>(sealing())
            },
        )
        .unwrap();
        assert_eq!(loaded, 1, "the key is loaded once");
        let a = m.get_user("a@example.com").unwrap();
        assert_eq!(
            m.second_factor_status(&a).unwrap(),
            crate::manager::SecondFactorStatus::Totp {
                recovery_codes_left: 0
            }
        );
        let b = m.get_user("b@example.com").unwrap();
        assert_eq!(
            m.second_factor_status(&b).unwrap(),
            crate::manager::SecondFactorStatus::None
        );
        // The sign-in check opens it: sealed to a's id, under the key.
        m.check_second_factor(&a, &code(OLD), &mfa).unwrap();

        // An update with a new URI replaces it; an empty cell leaves b alone.
        let text = format!(
            "email,totp_uri\na@example.com,otpauth://totp/a?secret={NEW}\nb@example.com,\n"
        );
        m.import_users(
            reader(&text),
            &options(Format::Csv, OnConflict::Update),
            &mut NoProgress,
            || Ok::<_, Error>(sealing()),
        )
        .unwrap();
        assert!(matches!(
            m.check_second_factor(&a, &code(OLD), &mfa),
            Err(Error::WrongSecondFactor(_))
        ));
        m.check_second_factor(&a, &code(NEW), &mfa).unwrap();
        assert_eq!(
            m.second_factor_status(&b).unwrap(),
            crate::manager::SecondFactorStatus::None
        );
    }

    #[test]
    fn a_totp_uri_sign_ins_cannot_verify_is_a_row_problem_that_never_shows_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut m = manager(&dir);
        let uri = |extra: &str| format!("otpauth://totp/X:a@b.c?secret={OLD}{extra}");
        let text = format!(
            "email,totp_uri\n\
             a@example.com,{}\n\
             b@example.com,{}\n\
             c@example.com,otpauth://totp/X?secret=JBSWY3DPEHPK3PXP\n\
             d@example.com,{OLD}\n\
             e@example.com,{}\n",
            uri("&algorithm=SHA256"),
            uri("&digits=8"),
            uri("&period=60"),
        );
        let err = m
            .import_users(
                reader(&text),
                &options(Format::Csv, OnConflict::Fail),
                &mut NoProgress,
                no_key,
            )
            .unwrap_err();
        let Error::Import(ImportFailure {
            problems: ImportProblems::InvalidRows(problems),
            ..
        }) = &err
        else {
            panic!("{err:?}");
        };
        let reasons: Vec<(u64, &str)> = problems
            .iter()
            .map(|p| (p.line, p.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    2,
                    "totp_uri: algorithm SHA256 is not supported: only SHA1 works in every authenticator app"
                ),
                (3, "totp_uri: 8 digits are not supported: only 6"),
                (
                    4,
                    "totp_uri: the secret has 80 bits; at least 128 are needed (RFC 4226)"
                ),
                (5, "totp_uri: not an otpauth://totp/ URI"),
                (
                    6,
                    "totp_uri: a period of 60 seconds is not supported: only 30"
                ),
            ]
        );
        assert!(!format!("{err:?}").contains(OLD));
        assert!(m.list_users(&UserFilter::default()).unwrap().is_empty());
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
                no_key,
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("the input changed while it was being imported")
        );
        assert!(m.list_users(&UserFilter::default()).unwrap().is_empty());
    }
}
