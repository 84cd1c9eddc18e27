//! Files that hold a secret userdb reads, all read by [`read_password`] or
//! [`read_text`]: `--password-file` (and `--new-password-file`), apply's
//! `password_file`, `[email] password_file`, `[database] password_file` and the
//! one-time codes' key file. One rule for all of them:
//!
//! - **What it is.** A regular file, or a pipe: a FIFO, or the pipe of a
//!   process substitution (`--password-file <(pass show x)`, a `/dev/fd/N`).
//!   A directory, a device (`/dev/zero`, `/dev/urandom`, a terminal), a socket,
//!   and anything under /proc or /sys (`/proc/self/environ` is not a password)
//!   are refused before a byte is read. Symlinks are followed: mounted secrets
//!   (Kubernetes, Docker) are links to the real file, which is what is judged.
//! - **Whose it is.** Private to the account running userdb: no access for
//!   group or others (mode 0600 or stricter), owned by that account or by root
//!   (a root-owned 0600 file is readable by root alone anyway). Anyone else who
//!   can read the file has the secret. A process substitution's pipe is 0600
//!   and the caller's already; a FIFO from `mkfifo` needs `chmod 600`.
//! - **How much.** A password is the first line, at most
//!   [`MAX_PASSWORD_CHARS`](crate::password::MAX_PASSWORD_CHARS) characters; a
//!   key file at most [`MAX_KEY_FILE_BYTES`]. Nothing past the bound is read.
//! - **How long.** The read must finish within [`READ_DEADLINE`]: a FIFO
//!   nobody writes, or a writer that stalls, is an error naming the file, not
//!   a command that hangs.

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::password::{MAX_PASSWORD_BYTES, MAX_PASSWORD_CHARS, check_password_length};

/// How long reading a secret file may take, from opening it to its last byte.
/// Long enough for `<(pass show x)` to ask gpg-agent for a cached key; a
/// passphrase typed into pinentry can take longer (then `pass show x |
/// userdb … --password-stdin`, which has no deadline).
pub const READ_DEADLINE: Duration = Duration::from_secs(10);

/// The largest key file read (the key userdb creates is 65 bytes).
pub const MAX_KEY_FILE_BYTES: usize = 4096;

/// A secret file that could not be used: what it was for, its path, and why.
/// The message never holds a byte of the file.
#[derive(Debug)]
pub struct SecretFileError {
    /// What the file was named as, e.g. `[email] password_file`.
    pub what: String,
    pub path: PathBuf,
    pub problem: Problem,
}

/// Why a secret file was refused.
#[derive(Debug)]
pub enum Problem {
    /// It could not be opened or read (missing, no permission).
    Io(std::io::Error),
    /// A directory, a device or a socket (what it is).
    NotAFile(&'static str),
    /// A file of /proc or /sys (which).
    PseudoFile(&'static str),
    /// Group or others have access (the permission bits).
    Shared(u32),
    /// Another account owns it (its uid).
    Owner(u32),
    /// The read did not finish within [`READ_DEADLINE`].
    Timeout,
    /// The first line is longer than a password can be.
    PasswordTooLong,
    /// A key file larger than the bound (the bound).
    TooLarge(usize),
    Empty,
    NotText,
}

impl std::fmt::Display for SecretFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.path.display();
        write!(f, "{} {path}: ", self.what)?;
        match &self.problem {
            Problem::Io(e) => write!(f, "cannot read it: {e}"),
            Problem::NotAFile(kind) => write!(
                f,
                "is {kind}, not a file; name a regular file, or a pipe such as <(pass show NAME)"
            ),
            Problem::PseudoFile(root) => write!(
                f,
                "is under {root}, which holds no secret file; put the secret in a file of its own"
            ),
            Problem::Shared(mode) => write!(
                f,
                "can be read by others (mode {mode:o}); run `chmod 600 {path}`"
            ),
            Problem::Owner(uid) => write!(
                f,
                "belongs to another account (uid {uid}); run `chown {} {path}`",
                effective_uid()
            ),
            Problem::Timeout => write!(
                f,
                "not read within {} seconds (a FIFO nobody writes, or a writer that stalled)",
                READ_DEADLINE.as_secs()
            ),
            Problem::PasswordTooLong => write!(
                f,
                "the password is longer than {MAX_PASSWORD_CHARS} characters"
            ),
            Problem::TooLarge(max) => write!(f, "is larger than {max} bytes"),
            Problem::Empty => write!(f, "is empty"),
            Problem::NotText => write!(f, "is not UTF-8 text"),
        }
    }
}

impl std::error::Error for SecretFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            Problem::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// The password a secret file holds: its first line, without its line ending.
/// `what` names the file in errors (`the password file`, `[email] password_file`).
pub fn read_password(path: &Path, what: &str) -> Result<SecretString, SecretFileError> {
    let fail = |problem| error(path, what, problem);
    let bytes = read_bounded(path, MAX_PASSWORD_BYTES, true).map_err(fail)?;
    match password_line(&bytes) {
        Ok(Some(line)) if !line.is_empty() => Ok(SecretString::from(line.to_string())),
        Ok(_) => Err(fail(Problem::Empty)),
        Err(LineProblem::TooLong) => Err(fail(Problem::PasswordTooLong)),
        Err(LineProblem::NotText) => Err(fail(Problem::NotText)),
    }
}

/// The whole text of a secret file of at most `max_bytes` (a key file).
pub fn read_text(
    path: &Path,
    what: &str,
    max_bytes: usize,
) -> Result<Zeroizing<String>, SecretFileError> {
    let fail = |problem| error(path, what, problem);
    let bytes = read_bounded(path, max_bytes, false).map_err(fail)?;
    if bytes.len() > max_bytes {
        return Err(fail(Problem::TooLarge(max_bytes)));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| fail(Problem::NotText))?;
    Ok(Zeroizing::new(text.to_string()))
}

/// Why [`password_line`] refused a line.
#[derive(Debug, PartialEq, Eq)]
pub enum LineProblem {
    /// Longer than [`MAX_PASSWORD_CHARS`].
    TooLong,
    NotText,
}

/// The first line of what a password reader read (at most
/// [`MAX_PASSWORD_BYTES`] and a newline), without its line ending; `None` when
/// nothing was read. Every password reader (a file, standard input) ends here.
pub fn password_line(bytes: &[u8]) -> Result<Option<&str>, LineProblem> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let line = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => &bytes[..end],
        None if bytes.len() > MAX_PASSWORD_BYTES => return Err(LineProblem::TooLong),
        None => bytes,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = std::str::from_utf8(line).map_err(|_| LineProblem::NotText)?;
    check_password_length(text).map_err(|_| LineProblem::TooLong)?;
    Ok(Some(text))
}

fn error(path: &Path, what: &str, problem: Problem) -> SecretFileError {
    SecretFileError {
        what: what.to_string(),
        path: path.to_path_buf(),
        problem,
    }
}

/// At most `limit + 1` bytes of the file (one more than allowed tells "too
/// large" from "just fits"), stopping at the first newline when `first_line`.
fn read_bounded(
    path: &Path,
    limit: usize,
    first_line: bool,
) -> Result<Zeroizing<Vec<u8>>, Problem> {
    // Judged before opening, since opening a device can do something of its
    // own (a tape rewinds, a terminal becomes the controlling one).
    let meta = std::fs::metadata(path).map_err(Problem::Io)?;
    refuse_kind(&meta)?;
    // Non-blocking: opening a FIFO for reading otherwise waits for a writer,
    // for ever if none comes.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(Problem::Io)?;
    // Judged again on what was opened: the path may name another file by now.
    let meta = file.metadata().map_err(Problem::Io)?;
    refuse_kind(&meta)?;
    let filesystem = filesystem(&file);
    if let Some(root) = filesystem.pseudo() {
        return Err(Problem::PseudoFile(root));
    }
    refuse_shared(&meta)?;

    let pipe = meta.file_type().is_fifo();
    let deadline = Instant::now() + READ_DEADLINE;
    let mut bytes = Zeroizing::new(Vec::new());
    let mut chunk = Zeroizing::new([0u8; 4096]);
    // A writer has come and gone since the file was opened.
    let mut hung_up = false;
    while bytes.len() <= limit {
        let room = (limit + 1 - bytes.len()).min(chunk.len());
        match (&file).read(&mut chunk[..room]) {
            // The end, except on a FIFO that nothing was written to yet: a
            // FIFO without a writer reads as empty until one opens it.
            Ok(0) if pipe && bytes.is_empty() && !hung_up && !filesystem.anonymous_pipe() => {
                hung_up = wait(&file, deadline)?;
            }
            Ok(0) => break,
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                if first_line && chunk[..n].contains(&b'\n') {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                hung_up = wait(&file, deadline)? || hung_up;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Problem::Io(e)),
        }
    }
    Ok(bytes)
}

/// Waits until the pipe has something to read or its writer left (true), for
/// what is left of `deadline`.
#[allow(unsafe_code)] // a call into the C library
fn wait(file: &File, deadline: Instant) -> Result<bool, Problem> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Problem::Timeout);
        }
        let mut poll = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = i32::try_from(left.as_millis()).unwrap_or(i32::MAX).max(1);
        // SAFETY: one valid pollfd, for the length given.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        match ready {
            0 => return Err(Problem::Timeout),
            n if n < 0 => {
                let e = std::io::Error::last_os_error();
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return Err(Problem::Io(e));
                }
            }
            _ => return Ok(poll.revents & libc::POLLHUP != 0),
        }
    }
}

fn refuse_kind(meta: &Metadata) -> Result<(), Problem> {
    let kind = meta.file_type();
    if kind.is_file() || kind.is_fifo() {
        return Ok(());
    }
    Err(Problem::NotAFile(kind_name(kind)))
}

/// What kind of file `kind` is, as a message names it ("a FIFO").
pub fn kind_name(kind: std::fs::FileType) -> &'static str {
    if kind.is_file() {
        "a regular file"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn refuse_shared(meta: &Metadata) -> Result<(), Problem> {
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Problem::Shared(mode));
    }
    if meta.uid() != effective_uid() && meta.uid() != 0 {
        return Err(Problem::Owner(meta.uid()));
    }
    Ok(())
}

/// The file system a file is on, as far as the rule cares.
#[derive(Debug, PartialEq, Eq)]
enum Filesystem {
    Proc,
    Sys,
    /// The kernel's anonymous pipes (`pipe(2)`, process substitution).
    Pipe,
    Other,
}

impl Filesystem {
    fn pseudo(&self) -> Option<&'static str> {
        match self {
            Filesystem::Proc => Some("/proc"),
            Filesystem::Sys => Some("/sys"),
            _ => None,
        }
    }

    /// An anonymous pipe had its writer from the start, so reading nothing
    /// from it is its end, unlike a FIFO's.
    fn anonymous_pipe(&self) -> bool {
        *self == Filesystem::Pipe
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // a call into the C library
fn filesystem(file: &File) -> Filesystem {
    // The magic numbers of linux/magic.h.
    const PROC_SUPER_MAGIC: i64 = 0x9fa0;
    const SYSFS_MAGIC: i64 = 0x6265_6572;
    const PIPEFS_MAGIC: i64 = 0x5049_5045;
    // SAFETY: statfs is plain data, which fstatfs fills in for a valid descriptor.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(file.as_raw_fd(), &mut stat) } != 0 {
        return Filesystem::Other;
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)] // its type varies by target
    match i64::from(stat.f_type as i64) {
        PROC_SUPER_MAGIC => Filesystem::Proc,
        SYSFS_MAGIC => Filesystem::Sys,
        PIPEFS_MAGIC => Filesystem::Pipe,
        _ => Filesystem::Other,
    }
}

#[cfg(not(target_os = "linux"))]
fn filesystem(_file: &File) -> Filesystem {
    Filesystem::Other
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

    fn secret(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let file = dir.join("secret");
        std::fs::write(&file, text).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        file
    }

    fn problem(result: Result<SecretString, SecretFileError>) -> Problem {
        result.expect_err("refused").problem
    }

    #[test]
    fn only_a_file_private_to_its_owner_is_accepted() {
        let dir = tempfile::tempdir().unwrap();
        for (mode, ok) in [
            (0o600, true),
            (0o400, true),
            (0o640, false),
            (0o604, false),
            (0o620, false),
        ] {
            let file = secret(dir.path(), "s3cret\n", mode);
            let result = read_password(&file, "the test file");
            assert_eq!(result.is_ok(), ok, "{mode:o}: {result:?}");
            if let Err(e) = result {
                assert!(e.to_string().contains("chmod 600"), "{e}");
                assert!(!e.to_string().contains("s3cret"), "{e}");
            }
        }
    }

    #[test]
    fn a_file_of_another_account_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = secret(dir.path(), "s3cret\n", 0o600);
        // Giving a file away takes root, which the test suite runs as (as CI does).
        std::os::unix::fs::chown(&file, Some(4242), None).expect("chown: run the tests as root");
        let err = read_password(&file, "the test file").unwrap_err();
        assert!(
            err.to_string()
                .contains("belongs to another account (uid 4242)"),
            "{err}"
        );
    }

    #[test]
    fn the_password_is_the_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = secret(dir.path(), "s3cret\r\nsecond line\n", 0o600);
        let got = read_password(&file, "the test file").unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&got), "s3cret");
        for empty in ["", "\n"] {
            let file = secret(dir.path(), empty, 0o600);
            assert!(matches!(problem(read_password(&file, "f")), Problem::Empty));
        }
    }

    #[test]
    fn devices_directories_and_proc_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (path, kind) in [
            ("/dev/zero", "a character device"),
            ("/dev/urandom", "a character device"),
            ("/dev/null", "a character device"),
        ] {
            match problem(read_password(Path::new(path), "f")) {
                Problem::NotAFile(k) => assert_eq!(k, kind),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(matches!(
            problem(read_password(dir.path(), "f")),
            Problem::NotAFile("a directory")
        ));
        for path in ["/proc/self/environ", "/proc/self/cmdline"] {
            assert!(
                matches!(
                    problem(read_password(Path::new(path), "f")),
                    Problem::PseudoFile("/proc")
                ),
                "{path}"
            );
        }
    }

    #[test]
    fn a_key_file_is_read_whole_up_to_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let file = secret(dir.path(), &"k".repeat(100), 0o600);
        assert_eq!(read_text(&file, "f", 100).unwrap().len(), 100);
        let err = read_text(&file, "f", 99).unwrap_err();
        assert!(matches!(err.problem, Problem::TooLarge(99)));
        assert_eq!(
            err.to_string(),
            format!("f {}: is larger than 99 bytes", file.display())
        );
    }

    #[test]
    fn a_first_line_longer_than_a_password_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let file = secret(dir.path(), &"x".repeat(10 << 20), 0o600);
        assert!(matches!(
            problem(read_password(&file, "f")),
            Problem::PasswordTooLong
        ));
    }

    #[test]
    fn a_fifo_nobody_writes_times_out_and_one_written_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        #[allow(unsafe_code)]
        // SAFETY: a valid C string.
        let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(made, 0);
        std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o600)).unwrap();
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                std::fs::write(&fifo, "from-fifo").unwrap();
            })
        };
        let got = read_password(&fifo, "f").unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&got), "from-fifo");
        writer.join().unwrap();
        let started = Instant::now();
        assert!(matches!(
            problem(read_password(&fifo, "f")),
            Problem::Timeout
        ));
        assert!(started.elapsed() < READ_DEADLINE + Duration::from_secs(5));
    }

    #[test]
    fn password_lines() {
        assert_eq!(password_line(b"s3cret\n"), Ok(Some("s3cret")));
        assert_eq!(password_line(b"s3cret\r\nmore"), Ok(Some("s3cret")));
        assert_eq!(password_line(b" spaced \n"), Ok(Some(" spaced ")));
        assert_eq!(password_line(b""), Ok(None));
        assert_eq!(password_line(b"\xff\n"), Err(LineProblem::NotText));
        let long = "é".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(password_line(long.as_bytes()), Err(LineProblem::TooLong));
    }
}
