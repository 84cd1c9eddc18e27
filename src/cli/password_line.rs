//! The first line of a stream as a password (`--password-stdin`, a prompt read
//! with echo off): bounded, so a huge input is never held.

use std::io::BufRead;

use userdb::password::MAX_PASSWORD_BYTES;
use userdb::private_file::{LineProblem, password_line};

/// Why [`read_password_line`] gave up.
pub enum LineError {
    /// The line goes on past what a password can be.
    TooLong,
    Io(std::io::Error),
}

/// The first line of `input` without its line ending (`None` if the input is
/// empty), reading at most [`MAX_PASSWORD_BYTES`] and a newline: a 200 MB
/// stdin is refused after 16 KiB, never held in memory.
pub fn read_password_line(input: impl BufRead) -> Result<Option<String>, LineError> {
    let mut line = zeroize::Zeroizing::new(Vec::new());
    input
        .take(MAX_PASSWORD_BYTES as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(LineError::Io)?;
    match password_line(&line) {
        Ok(line) => Ok(line.map(str::to_string)),
        Err(LineProblem::TooLong) => Err(LineError::TooLong),
        Err(LineProblem::NotText) => Err(LineError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_line(input: &str) -> Option<String> {
        read_password_line(input.as_bytes()).ok().flatten()
    }

    #[test]
    fn only_the_first_line_is_the_password() {
        assert_eq!(first_line("s3cret\n").unwrap(), "s3cret");
        assert_eq!(first_line("s3cret\r\nmore").unwrap(), "s3cret");
        assert_eq!(first_line(" spaced \n").unwrap(), " spaced ");
        assert_eq!(first_line("no newline").unwrap(), "no newline");
        assert_eq!(first_line(""), None);
    }

    #[test]
    fn a_line_is_read_only_as_far_as_a_password_can_go() {
        let fits = format!("{}\nrest", "é".repeat(4096));
        assert_eq!(first_line(&fits).unwrap().chars().count(), 4096);
        for over in [
            "é".repeat(4097),
            format!("{}\n", "é".repeat(4097)),
            "x".repeat(10 << 20),
        ] {
            assert!(matches!(
                read_password_line(over.as_bytes()),
                Err(LineError::TooLong)
            ));
        }
    }
}
