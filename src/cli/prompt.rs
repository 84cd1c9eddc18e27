//! Asking the operator. Commands talk to a [`Prompter`]: the terminal one (dialoguer,
//! on stderr) or none at all when there is no terminal, so flows are testable and a
//! script never hangs waiting for a prompt nobody sees.

use std::io::IsTerminal;

use userdb::ExitCode;
use userdb::SecretString;
use userdb::terminal_text::escape;

use super::exit::CliError;
use super::output::status;

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
        // Ctrl-C in dialoguer's raw mode is a key, not a signal: dialoguer
        // returns with the cursor still hidden and the line open.
        use std::io::Write;
        let _ = std::io::stderr().write_all(SHOW_CURSOR_NEWLINE);
        CliError::Interrupted
    } else {
        CliError::usage(format!("cannot read from the terminal: {io}"), "")
    }
}

impl Prompter for TerminalPrompter {
    fn input(&mut self, prompt: &str) -> Result<String, CliError> {
        dialoguer::Input::<String>::new()
            .with_prompt(escape(prompt))
            .allow_empty(true)
            .interact_text()
            .map_err(from_dialoguer)
    }

    fn password(&mut self, prompt: &str) -> Result<SecretString, CliError> {
        read_hidden(prompt)
    }

    fn confirm(&mut self, prompt: &str) -> Result<bool, CliError> {
        dialoguer::Confirm::new()
            .with_prompt(escape(prompt))
            .default(false)
            .wait_for_newline(true)
            .interact()
            .map_err(from_dialoguer)
    }

    fn say(&mut self, line: &str) {
        status(false, line);
    }
}

/// Reads a line without echo. Unlike dialoguer's password prompt, echo is turned
/// off *before* the prompt is shown and without flushing pending input
/// (TCSANOW, not TCSAFLUSH): what is typed (or pasted) as soon as the prompt
/// appears is never thrown away.
#[allow(unsafe_code)] // tcgetattr and tcsetattr
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
    let _ = write!(stderr, "{}: ", escape(prompt));
    let _ = stderr.flush();
    let read = super::password_line::read_password_line(stdin.lock());
    // SAFETY: restoring the attributes read above.
    unsafe { libc::tcsetattr(fd, libc::TCSANOW, &original) };
    use super::password_line::LineError;
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

/// A password prompt turns echo off, and a confirmation hides the cursor; a
/// signal (Ctrl-C, a `kill`, a closed terminal, Ctrl-\\) would leave the
/// operator's terminal that way. Catch them, put the terminal back as it was
/// when we started, show the cursor, end the prompt's line, and exit as the
/// signal would have (130 for SIGINT, 128 + the signal otherwise).
#[allow(unsafe_code)] // sigaction
fn restore_terminal_on_interrupt() {
    use std::os::fd::AsRawFd;
    let fd = std::io::stdin().as_raw_fd();
    let mut saved = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills the struct when it returns 0; we only use it then.
    if unsafe { libc::tcgetattr(fd, saved.as_mut_ptr()) } != 0 {
        return;
    }
    // SAFETY: initialised by the successful tcgetattr above.
    if SAVED_TERMINAL.set(unsafe { saved.assume_init() }).is_err() {
        return; // already installed
    }
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
        // SAFETY: a zeroed sigaction with a plain handler and an empty mask is
        // valid; the handler only makes async-signal-safe calls.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_terminating_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

static SAVED_TERMINAL: std::sync::OnceLock<libc::termios> = std::sync::OnceLock::new();

/// Shows the cursor again (a confirmation hides it) and ends the prompt's line.
const SHOW_CURSOR_NEWLINE: &[u8] = b"\x1b[?25h\n";

#[allow(unsafe_code)] // tcsetattr and raise, in a signal handler
extern "C" fn on_terminating_signal(signal: libc::c_int) {
    // SAFETY: tcsetattr, write and _exit are async-signal-safe; SAVED_TERMINAL
    // was set before the handler was installed and is never changed.
    unsafe {
        if let Some(saved) = SAVED_TERMINAL.get() {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
        }
        libc::write(
            libc::STDERR_FILENO,
            SHOW_CURSOR_NEWLINE.as_ptr().cast(),
            SHOW_CURSOR_NEWLINE.len(),
        );
        // This is the one place that exits directly: the main thread is blocked
        // in a terminal read that the signal does not end.
        libc::_exit(if signal == libc::SIGINT {
            ExitCode::Interrupted.code()
        } else {
            ExitCode::signalled(signal)
        });
    }
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

    /// Names what the hidden prompt was for: "a password is needed", "a code …".
    fn password(&mut self, prompt: &str) -> Result<SecretString, CliError> {
        Err(CliError::needs_input(
            format!("a {} is needed", prompt.to_lowercase()),
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
        status(false, line);
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
