//! Files that hold a secret userdb reads (the OTP key file, the SMTP
//! `password_file`): they must be private to the account that runs userdb, or
//! anyone on the machine who can read them has the secret.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Refuses a secret file that others can read or write (mode wider than 0600)
/// or that belongs to another account (root excepted: a root-owned 0600 file is
/// readable only by root anyway). Symlinks are followed: mounted secrets
/// (Kubernetes, Docker) are links to the real file, whose mode is what counts.
pub fn ensure_private(path: &Path, what: &str) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("cannot read {what} {}", path.display()), e))?;
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::Config(format!(
            "{what} {} can be read by others (mode {mode:o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    let me = effective_uid();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(Error::Config(format!(
            "{what} {} belongs to another account (uid {}); run `chown {me} {}`",
            path.display(),
            meta.uid(),
            path.display()
        )));
    }
    Ok(())
}

/// The effective user id of this process.
#[allow(unsafe_code)] // a call into the C library
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid takes nothing and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_a_file_private_to_its_owner_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        for (mode, ok) in [
            (0o600, true),
            (0o400, true),
            (0o640, false),
            (0o604, false),
            (0o620, false),
        ] {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            let result = ensure_private(&file, "the test file");
            assert_eq!(result.is_ok(), ok, "{mode:o}: {result:?}");
            if let Err(e) = result {
                assert_eq!(e.kind(), crate::ErrorKind::Config);
                assert!(e.to_string().contains("chmod 600"), "{e}");
            }
        }
    }

    #[test]
    fn a_file_of_another_account_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        // Giving a file away takes root, which the test suite runs as (as CI does).
        std::os::unix::fs::chown(&file, Some(4242), None).expect("chown: run the tests as root");
        let err = ensure_private(&file, "the test file").unwrap_err();
        assert!(
            err.to_string()
                .contains("belongs to another account (uid 4242)"),
            "{err}"
        );
    }
}
