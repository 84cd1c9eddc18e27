//! Every file userdb writes (an export, a backup, an email of the file backend, the
//! secret key file) goes through [`OutputFile`], which keeps one promise: no file
//! userdb writes replaces anything but a regular file of its own.
//!
//! - The database's own files (main, `-wal`, `-shm`, `-journal`) are refused, also
//!   when reached by another name (a hard link: compared by device and inode).
//! - A symbolic link is never followed to replace its target, nor replaced.
//! - A FIFO (a named pipe, or a shell's `>(…)`) is written through: there is
//!   nothing in it to destroy. Devices, directories and sockets are refused.
//! - A regular file is written as a private (0600) temporary file in the same
//!   folder and moved into place only when complete, so a reader never sees half a
//!   file and a failure leaves the old one as it was. Only a regular file owned by
//!   the user running userdb is replaced, and only when the caller allows it.
//! - SIGINT, SIGTERM, SIGHUP or SIGQUIT while the temporary file exists remove it
//!   before the process dies of the signal: it may hold password hashes.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};

use rand::RngExt;

use crate::error::{Error, Result};

/// What to do when the target is an existing regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Fail with [`Error::OutputExists`].
    Refuse,
    /// Replace it once the new content is complete (if it is the user's own).
    Replace,
}

/// A file being written; [`OutputFile::commit`] puts it in place. Dropped without a
/// commit, it leaves the target as it was.
#[derive(Debug)]
pub struct OutputFile {
    file: File,
    target: PathBuf,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// A FIFO, written through.
    Pipe,
    /// A temporary file beside the target; `replaces` is the (device, inode) of the
    /// regular file it is allowed to replace.
    Temp {
        temp: PathBuf,
        replaces: Option<(u64, u64)>,
        _guard: SignalGuard,
    },
}

/// The database's own files for `protected`: the main file and its companions.
pub fn database_files(db: &Path) -> Vec<PathBuf> {
    let mut files = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

impl OutputFile {
    /// Prepares to write `target`; `protected` are files it must never be (the
    /// database's, see [`database_files`]).
    pub fn create(target: &Path, existing: Existing, protected: &[PathBuf]) -> Result<Self> {
        let refuse = |reason: &str| Error::UnsafeOutput {
            path: target.to_path_buf(),
            reason: reason.to_string(),
        };
        if target.as_os_str().is_empty() || target.file_name().is_none() {
            return Err(refuse("it does not name a file"));
        }
        let io_err = |e| Error::io(format!("cannot write {}", target.display()), e);
        let replaces = match std::fs::symlink_metadata(target) {
            Ok(meta) => {
                let kind = meta.file_type();
                if kind.is_symlink() {
                    // A shell's `>(…)` is /dev/fd/N, a link to a pipe: written through.
                    if std::fs::metadata(target).is_ok_and(|m| m.file_type().is_fifo()) {
                        return Self::pipe(target);
                    }
                    return Err(refuse(
                        "it is a symbolic link, which userdb neither follows to replace its target nor replaces; give the real path",
                    ));
                }
                if kind.is_fifo() {
                    return Self::pipe(target);
                }
                if kind.is_dir() {
                    return Err(refuse("it is a directory; give a file name"));
                }
                if !kind.is_file() {
                    return Err(refuse(
                        "it is a device or a socket, not a regular file; to write to stdout, leave out the file",
                    ));
                }
                if is_protected(&meta, target, protected) {
                    return Err(refuse("it is one of the database's own files"));
                }
                if existing == Existing::Refuse {
                    return Err(Error::OutputExists(target.to_path_buf()));
                }
                if meta.uid() != crate::private_file::effective_uid() {
                    return Err(refuse("it belongs to another user"));
                }
                Some((meta.dev(), meta.ino()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if same_name_as_any(target, protected) {
                    return Err(refuse("it is one of the database's own files"));
                }
                None
            }
            Err(e) => return Err(io_err(e)),
        };
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        // The guard is armed before the file exists, so no signal can leave it.
        let (temp, guard) = loop {
            let suffix: u64 = rand::rng().random();
            let temp = dir.join(format!(".{name}.userdb-{suffix:016x}.tmp"));
            let guard = SignalGuard::arm(&temp);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(&temp)
            {
                Ok(file) => break ((temp, file), guard),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_err(e)),
            }
        };
        let (temp, file) = temp;
        Ok(OutputFile {
            file,
            target: target.to_path_buf(),
            kind: Kind::Temp {
                temp,
                replaces,
                _guard: guard,
            },
        })
    }

    fn pipe(target: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(target)
            .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
        // What was opened is what was checked: a pipe, not something swapped in.
        let is_fifo = file.metadata().is_ok_and(|m| m.file_type().is_fifo());
        if !is_fifo {
            return Err(Error::UnsafeOutput {
                path: target.to_path_buf(),
                reason: "it changed while being opened".into(),
            });
        }
        Ok(OutputFile {
            file,
            target: target.to_path_buf(),
            kind: Kind::Pipe,
        })
    }

    /// Where the content goes.
    pub fn file_mut(&mut self) -> &mut File {
        &mut self.file
    }

    /// The temporary file's path, for a writer that needs a name (SQLite's `VACUUM
    /// INTO`); `None` for a pipe.
    pub fn temp_path(&self) -> Option<&Path> {
        match &self.kind {
            Kind::Pipe => None,
            Kind::Temp { temp, .. } => Some(temp),
        }
    }

    /// Makes the content durable and puts it in place.
    pub fn commit(mut self) -> Result<()> {
        let target = self.target.clone();
        let io_err = |e| Error::io(format!("cannot write {}", target.display()), e);
        self.file.flush().map_err(io_err)?;
        let Kind::Temp { temp, replaces, .. } = &self.kind else {
            return Ok(());
        };
        self.file.sync_all().map_err(io_err)?;
        match replaces {
            // link() never replaces: if something appeared meanwhile, it stays.
            None => match std::fs::hard_link(temp, &target) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::OutputExists(target));
                }
                other => other.map_err(io_err)?,
            },
            Some((dev, ino)) => {
                // Still the regular file that was checked (rename would replace a
                // link or a node swapped in meanwhile, not write through it).
                let same = std::fs::symlink_metadata(&target)
                    .is_ok_and(|m| m.file_type().is_file() && m.dev() == *dev && m.ino() == *ino);
                if !same {
                    return Err(Error::UnsafeOutput {
                        path: target,
                        reason: "it changed while the output was written".into(),
                    });
                }
                std::fs::rename(temp, &target).map_err(io_err)?;
            }
        }
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            // The new name survives a power cut only once its folder is synced.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        // After a commit by rename the name is gone; after a link, or without a
        // commit, this removes it. Removing a missing name is harmless.
        if let Kind::Temp { temp, .. } = &self.kind {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// True when `meta` (of `target`) is one of the `protected` files, by device and
/// inode: also through a hard link or another spelling of the path.
fn is_protected(meta: &std::fs::Metadata, target: &Path, protected: &[PathBuf]) -> bool {
    protected
        .iter()
        .any(|p| std::fs::metadata(p).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino()))
        || same_name_as_any(target, protected)
}

/// True when `target` names the same directory entry as one of `protected` (for
/// files that do not exist yet, such as a `-wal` that will).
fn same_name_as_any(target: &Path, protected: &[PathBuf]) -> bool {
    let Some(target) = resolved_name(target) else {
        return false;
    };
    protected
        .iter()
        .filter_map(|p| resolved_name(p))
        .any(|p| p == target)
}

/// The path with its folder resolved (links and `..`), its file name as given.
fn resolved_name(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(dir).ok()?.join(name))
}

/// The signals that end a process which an operator or a service manager stops.
const CLEANUP_SIGNALS: [libc::c_int; 4] =
    [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// The temporary file to remove if one of [`CLEANUP_SIGNALS`] arrives: a leaked
/// `CString`, freed when the guard is dropped. One output at a time.
static PENDING: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

/// While alive, one of [`CLEANUP_SIGNALS`] removes the temporary file, then kills
/// the process by the same signal (its exit status stays the signal's). The
/// handlers in place before (the prompt's) come back when the guard is dropped.
#[derive(Debug)]
struct SignalGuard {
    previous: Vec<(libc::c_int, libc::sigaction)>,
}

#[allow(unsafe_code)] // signal-handler calls into the C library
extern "C" fn remove_pending_and_die(signal: libc::c_int) {
    let path = PENDING.swap(std::ptr::null_mut(), Ordering::SeqCst);
    // SAFETY: unlink, signal and raise are async-signal-safe; `path` is a valid
    // NUL-terminated string the guard keeps alive (it is never freed while set).
    unsafe {
        if !path.is_null() {
            libc::unlink(path);
        }
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

#[allow(unsafe_code)] // installs the handler (sigaction)
impl SignalGuard {
    fn arm(path: &Path) -> Self {
        let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
            return SignalGuard {
                previous: Vec::new(),
            };
        };
        let old = PENDING.swap(c_path.into_raw(), Ordering::SeqCst);
        if !old.is_null() {
            // SAFETY: every non-null value stored is from CString::into_raw.
            drop(unsafe { CString::from_raw(old) });
        }
        let mut previous = Vec::new();
        for signal in CLEANUP_SIGNALS {
            // SAFETY: a zeroed sigaction is valid; we install a plain handler and
            // keep the old action to restore it.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = remove_pending_and_die as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, &action, &mut old) == 0 {
                    previous.push((signal, old));
                }
            }
        }
        SignalGuard { previous }
    }
}

#[allow(unsafe_code)] // restores the handlers (sigaction)
impl Drop for SignalGuard {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: restoring an action that sigaction returned.
            unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
        }
        let path = PENDING.swap(std::ptr::null_mut(), Ordering::SeqCst);
        if !path.is_null() {
            // SAFETY: from CString::into_raw; no handler can see it any more.
            drop(unsafe { CString::from_raw(path) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write(path: &Path, existing: Existing, protected: &[PathBuf], text: &str) -> Result<()> {
        let mut out = OutputFile::create(path, existing, protected)?;
        out.file_mut().write_all(text.as_bytes()).unwrap();
        out.commit()
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".userdb-"))
            .collect()
    }

    #[test]
    fn a_new_file_is_private_and_complete_and_no_temporary_file_remains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write(&path, Existing::Refuse, &[], "hello\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn an_existing_file_is_replaced_only_when_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let err = write(&path, Existing::Refuse, &[], "new").unwrap_err();
        assert!(matches!(err, Error::OutputExists(_)), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write(&path, Existing::Replace, &[], "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn an_uncommitted_output_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let mut out = OutputFile::create(&path, Existing::Replace, &[]).unwrap();
        out.file_mut().write_all(b"half").unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn protected_files_are_refused_by_any_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("users.sqlite3");
        std::fs::write(&db, "data").unwrap();
        let link = dir.path().join("other-name");
        std::fs::hard_link(&db, &link).unwrap();
        let protected = database_files(&db);
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let dotted = sub.join("../users.sqlite3");
        let wal = dir.path().join("users.sqlite3-wal");
        for target in [&db, &link, &dotted, &wal] {
            let err = write(target, Existing::Replace, &protected, "x").unwrap_err();
            assert!(
                matches!(err, Error::UnsafeOutput { .. }),
                "{target:?}: {err}"
            );
        }
        assert_eq!(std::fs::read_to_string(&db).unwrap(), "data");
        assert!(!wal.exists());
    }

    #[test]
    fn symbolic_links_devices_and_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::write(&real, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for target in [
            link.as_path(),
            dangling.as_path(),
            Path::new("/dev/null"),
            dir.path(),
        ] {
            let err = write(target, Existing::Replace, &[], "x").unwrap_err();
            assert!(
                matches!(err, Error::UnsafeOutput { .. }),
                "{target:?}: {err}"
            );
        }
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "keep");
        assert!(!dir.path().join("nowhere").exists());
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
