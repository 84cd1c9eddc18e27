//! `console`: prints each message, as Django's console backend does.

use std::io::Write;

use super::{EmailBackend, Message};
use crate::error::{Error, Result};
use crate::terminal_text::escape_lines;

/// Where the console backend prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleStream {
    Stdout,
    /// Used when stdout carries `--json` output.
    Stderr,
}

#[derive(Debug)]
pub struct ConsoleBackend {
    stream: ConsoleStream,
}

impl ConsoleBackend {
    pub fn new(stream: ConsoleStream) -> Self {
        ConsoleBackend { stream }
    }
}

impl EmailBackend for ConsoleBackend {
    fn send(&self, message: &Message) -> Result<()> {
        // The wire format ends lines with CRLF; a terminal or a pipe wants LF
        // (`grep '^ *[0-9]*$'` finds the code line), and nothing in the message
        // may steer the terminal.
        let wire = message.formatted()?;
        let lines = String::from_utf8_lossy(&wire).replace("\r\n", "\n");
        let mut text = escape_lines(&lines).into_owned().into_bytes();
        text.extend_from_slice(b"\n");
        text.extend_from_slice("-".repeat(79).as_bytes());
        text.extend_from_slice(b"\n");
        let written = match self.stream {
            ConsoleStream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(&text).and_then(|_| out.flush())
            }
            ConsoleStream::Stderr => std::io::stderr().lock().write_all(&text),
        };
        written.map_err(|e| Error::Delivery(format!("cannot print the message: {e}")))
    }

    fn describe(&self) -> String {
        "the console".to_string()
    }
}
