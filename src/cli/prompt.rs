//! Asking the operator. Commands talk to a [`Prompter`]: the terminal one (dialoguer,
//! on stderr) or none at all when there is no terminal, so flows are testable and a
//! script never hangs waiting for a prompt nobody sees.

use std::io::IsTerminal;

use userdb::SecretString;

use super::exit::CliError;

pub trait Prompter {
    /// Asks for a line of text.
    fn input(&mut self, prompt: &str) -> Result<String, CliError>;
    /// Asks for a secret without echo.
    fn password(&mut self, prompt: &str) -> Result<SecretString, CliError>;
    /// Asks a yes/no question whose default is no.
    fn confirm(&mut self, prompt: &str) -> Result<bool, CliError>;
    /// Tells the operator something between questions (on stderr).
    fn say(&mut self, line: &str);
}

/// True when there is an operator to ask: stdin and stderr are terminals.
pub fn terminal_attached() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The real terminal, through dialoguer.
pub struct TerminalPrompter;

impl TerminalPrompter {
    pub fn new() -> Self {
        restore_terminal_on_interrupt();
        TerminalPrompter
    }
}

fn from_dialoguer(err: dialoguer::Error) -> CliError {
    let dialoguer::Error::IO(io) = err;
    if io.kind() == std::io::ErrorKind::Interrupted {
        CliError::Interrupted
    } else {
        CliError::usage(format!("cannot read from the terminal: {io}"), "")
    }
}

impl Prompter for TerminalPrompter {
    fn input(&mut self, prompt: &str) -> Result<String, CliError> {
        dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .allow_empty(true)
            .interact_text()
            .map_err(from_dialoguer)
    }

    fn password(&mut self, prompt: &str) -> Result<SecretString, CliError> {
        read_hidden(prompt)
    }

    fn confirm(&mut self, prompt: &str) -> Result<bool, CliError> {
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(false)
            .wait_for_newline(true)
            .interact()
            .map_err(from_dialoguer)
    }

    fn say(&mut self, line: &str) {
        eprintln!("{line}");
    }
}

/// Reads a line without echo. Unlike dialoguer's password prompt, echo is turned
/// off *before* the prompt is shown and without flushing pending input
/// (TCSANOW, not TCSAFLUSH): what is typed (or pasted) as soon as the prompt
/// appears is never thrown away.
fn read_hidden(prompt: &str) -> Result<SecretString, CliError> {
    use std::io::Write;
    use std::os::fd::AsRawFd;

    let stdin = std::io::stdin();
    let fd = stdin.as_raw_fd();
    let tty_error =
        |e: std::io::Error| CliError::usage(format!("cannot read from the terminal: {e}"), "");
    let mut original = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills the struct when it returns 0; we only use it then.
    if unsafe { libc::tcgetattr(fd, original.as_mut_ptr()) } != 0 {
        return Err(tty_error(std::io::Error::last_os_error()));
    }
    // SAFETY: initialised by the successful tcgetattr above.
    let original = unsafe { original.assume_init() };
    let mut hidden = original;
    hidden.c_lflag &= !libc::ECHO;
    hidden.c_lflag |= libc::ECHONL;
    // SAFETY: setting attributes derived from the descriptor's own.
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &hidden) } != 0 {
        return Err(tty_error(std::io::Error::last_os_error()));
    }
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{prompt}: ");
    let _ = stderr.flush();
    let read = super::password_input::read_password_line(stdin.lock());
    // SAFETY: restoring the attributes read above.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &original) };
    use super::password_input::LineError;
    match read {
        Ok(None) => Err(CliError::Interrupted),
        Ok(Some(line)) => Ok(SecretString::from(line)),
        Err(LineError::TooLong) => Err(CliError::Lib(userdb::Error::PasswordTooLong)),
        Err(LineError::Io(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            Err(CliError::Interrupted)
        }
        Err(LineError::Io(e)) => Err(tty_error(e)),
    }
}

/// A password prompt turns echo off and Ctrl-C then kills the process by SIGINT,
/// which would leave the operator's terminal without echo. Catch SIGINT, put the
/// terminal back as it was when we started, and exit as the signal would have.
fn restore_terminal_on_interrupt() {
    use std::os::fd::AsRawFd;
    let fd = std::io::stdin().as_raw_fd();
    let mut saved = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills the struct when it returns 0; we only use it then.
    if unsafe { libc::tcgetattr(fd, saved.as_mut_ptr()) } != 0 {
        return;
    }
    // SAFETY: initialised by the successful tcgetattr above.
    let saved = unsafe { saved.assume_init() };
    // Only the first handler can be set; a second call is harmless to ignore.
    let _ = ctrlc::set_handler(move || {
        // SAFETY: restoring attributes read from the same descriptor.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
        eprintln!();
        // This is the one place that exits directly: the main thread is blocked in
        // a terminal read that a signal will not end.
        std::process::exit(i32::from(super::exit::INTERRUPTED));
    });
}

/// No one to ask: every question is an error that says which flag to use instead.
pub struct NoPrompter {
    pub hint: String,
}

impl Prompter for NoPrompter {
    fn input(&mut self, prompt: &str) -> Result<String, CliError> {
        Err(CliError::needs_input(
            format!("{} is needed", prompt.to_lowercase()),
            self.hint.clone(),
        ))
    }

    fn password(&mut self, _prompt: &str) -> Result<SecretString, CliError> {
        Err(CliError::needs_input(
            "a password is needed",
            self.hint.clone(),
        ))
    }

    fn confirm(&mut self, prompt: &str) -> Result<bool, CliError> {
        Err(CliError::needs_input(
            format!("confirmation is needed ({prompt})"),
            self.hint.clone(),
        ))
    }

    fn say(&mut self, line: &str) {
        eprintln!("{line}");
    }
}

#[cfg(test)]
pub mod scripted {
    //! A prompter that replays answers: the unit tests' operator.
    use super::*;
    use std::collections::VecDeque;

    #[derive(Default)]
    pub struct Scripted {
        pub answers: VecDeque<String>,
        pub said: Vec<String>,
        pub asked: Vec<String>,
    }

    impl Scripted {
        pub fn new(answers: &[&str]) -> Self {
            Scripted {
                answers: answers.iter().map(|a| a.to_string()).collect(),
                ..Scripted::default()
            }
        }

        fn next(&mut self, prompt: &str) -> Result<String, CliError> {
            self.asked.push(prompt.to_string());
            self.answers.pop_front().ok_or(CliError::Interrupted)
        }
    }

    impl Prompter for Scripted {
        fn input(&mut self, prompt: &str) -> Result<String, CliError> {
            self.next(prompt)
        }
        fn password(&mut self, prompt: &str) -> Result<SecretString, CliError> {
            self.next(prompt).map(SecretString::from)
        }
        fn confirm(&mut self, prompt: &str) -> Result<bool, CliError> {
            Ok(self.next(prompt)? == "y")
        }
        fn say(&mut self, line: &str) {
            self.said.push(line.to_string());
        }
    }
}
