//! Sending email, as Django's `EMAIL_BACKEND`: one [`EmailBackend`] trait and its
//! backends: `smtp` (lettre over rustls), `console` (prints the message), `file`
//! (writes `.eml` files) and `memory` (keeps messages, for tests and library users).

mod console;
mod file;
mod memory;
mod smtp;

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use rand::RngExt;
use secrecy::SecretString;

use crate::error::{Error, Result};

pub use console::{ConsoleBackend, ConsoleStream};
pub use file::FileBackend;
pub use memory::MemoryBackend;
pub use smtp::SmtpBackend;

/// Django's `DEFAULT_FROM_EMAIL`.
pub const DEFAULT_FROM: &str = "webmaster@localhost";

/// One plain-text message, as the backends receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub date: Timestamp,
    /// `<random@domain-of-from>`.
    pub message_id: String,
}

impl Message {
    /// A message dated `date` with a fresh Message-ID in the sender's domain.
    pub fn new(
        from: &str,
        to: &str,
        subject: impl Into<String>,
        body: impl Into<String>,
        date: Timestamp,
    ) -> Self {
        let mut id = [0u8; 16];
        rand::rng().fill(&mut id[..]);
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let domain = from
            .trim_end_matches('>')
            .rsplit_once('@')
            .map_or("localhost", |(_, d)| d)
            .trim();
        Message {
            from: from.to_string(),
            to: to.to_string(),
            subject: subject.into(),
            body: body.into(),
            date,
            message_id: format!("<{id}@{domain}>"),
        }
    }

    /// The message in lettre's form: From, To, Subject (RFC 2047 when not ASCII),
    /// Date, Message-ID, and a UTF-8 text body in the lightest valid encoding.
    pub fn to_lettre(&self) -> Result<lettre::Message> {
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| Error::Config(format!("[email] from {:?}: {e}", self.from)))?;
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| Error::invalid("recipient address", format!("{:?}: {e}", self.to)))?;
        lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(self.subject.clone())
            .date(system_time(self.date))
            .message_id(Some(self.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(self.body.clone())
            .map_err(|e| Error::invalid("email message", e.to_string()))
    }

    /// The message as RFC 5322 bytes (what `console` prints and `file` writes).
    pub fn formatted(&self) -> Result<Vec<u8>> {
        Ok(self.to_lettre()?.formatted())
    }
}

/// Whole seconds are all a Date header carries.
fn system_time(ts: Timestamp) -> std::time::SystemTime {
    let secs = u64::try_from(ts.as_second()).unwrap_or(0);
    std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// Something that delivers messages. `send` returns once the message has been
/// accepted (by the SMTP server, the terminal or the file system).
pub trait EmailBackend {
    fn send(&self, message: &Message) -> Result<()>;
    /// Where messages go, for status lines ("smtp://mail.example.com:587").
    fn describe(&self) -> String;
}

/// `[email] backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Smtp,
    Console,
    File,
}

impl std::str::FromStr for BackendKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a backend ({})", Self::NAMES.join(", ")))
    }
}

impl BackendKind {
    /// Every variant: parsing looks the name up here.
    pub const ALL: [BackendKind; 3] = [BackendKind::Smtp, BackendKind::Console, BackendKind::File];
    /// What `[email] backend` accepts (the config reference lists them).
    pub const NAMES: [&'static str; 3] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            BackendKind::Smtp => "smtp",
            BackendKind::Console => "console",
            BackendKind::File => "file",
        }
    }
}

/// `[email] security`: how the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Security {
    /// Plain connection upgraded by STARTTLS, which is required (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only towards a loopback host.
    None,
}

impl std::str::FromStr for Security {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a security mode ({})", Self::NAMES.join(", ")))
    }
}

impl Security {
    /// Every variant: parsing looks the name up here.
    pub const ALL: [Security; 3] = [Security::StartTls, Security::Tls, Security::None];
    /// What `[email] security` accepts (the config reference lists them).
    pub const NAMES: [&'static str; 3] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// A password from the environment or the config file: compared and cloned like
/// any setting, never printed.
#[derive(Clone)]
pub struct ConfigSecret(pub SecretString);

impl std::fmt::Debug for ConfigSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConfigSecret(..)")
    }
}

impl PartialEq for ConfigSecret {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        self.0
            .expose_secret()
            .as_bytes()
            .ct_eq(other.0.expose_secret().as_bytes())
            .into()
    }
}

/// `[email]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailSettings {
    /// `None`: `smtp` when a host is set, else `console`.
    pub backend: Option<BackendKind>,
    pub host: Option<String>,
    /// `None`: 587 for starttls, 465 for tls, 25 for none.
    pub port: Option<u16>,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<ConfigSecret>,
    pub password_file: Option<PathBuf>,
    pub from: String,
    /// Extra trusted CA certificates (PEM), besides the system's.
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    /// The folder of the `file` backend.
    pub file_path: Option<PathBuf>,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            backend: None,
            host: None,
            port: None,
            security: Security::default(),
            username: None,
            password: None,
            password_file: None,
            from: DEFAULT_FROM.to_string(),
            ca_file: None,
            timeout: Duration::from_secs(30),
            file_path: None,
        }
    }
}

impl EmailSettings {
    /// The backend in effect: the configured one, else smtp when a host is set.
    pub fn backend_kind(&self) -> BackendKind {
        self.backend.unwrap_or(if self.host.is_some() {
            BackendKind::Smtp
        } else {
            BackendKind::Console
        })
    }

    /// Builds the configured backend; `console` writes to `console_stream`.
    pub fn backend(&self, console_stream: ConsoleStream) -> Result<Box<dyn EmailBackend>> {
        Ok(match self.backend_kind() {
            BackendKind::Smtp => Box::new(SmtpBackend::new(self)?),
            BackendKind::Console => Box::new(ConsoleBackend::new(console_stream)),
            BackendKind::File => {
                let dir = self.file_path.clone().ok_or_else(|| {
                    Error::Config(
                        "[email] backend = \"file\" needs [email] file_path (a folder)".into(),
                    )
                })?;
                Box::new(FileBackend::new(dir))
            }
        })
    }
}

/// A backend and the sender address: what the manager sends through.
pub struct Mailer {
    pub backend: Box<dyn EmailBackend>,
    pub from: String,
}

impl Mailer {
    pub fn new(backend: Box<dyn EmailBackend>, from: impl Into<String>) -> Self {
        Mailer {
            backend,
            from: from.into(),
        }
    }

    /// Builds and sends one message; returns it.
    pub fn send(&self, to: &str, subject: &str, body: &str, date: Timestamp) -> Result<Message> {
        let message = Message::new(&self.from, to, subject, body, date);
        // Fail on a bad address before any connection is made.
        message.to_lettre()?;
        self.backend.send(&message)?;
        Ok(message)
    }

    /// Django's `sendtestemail`: one message that says it worked.
    pub fn send_test(&self, to: &str, date: Timestamp) -> Result<Message> {
        let when = date.strftime("%Y-%m-%d %H:%M:%S UTC");
        self.send(
            to,
            &format!("Test email from userdb on {when}"),
            "If you're reading this, it was successful.\n",
            date,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> Timestamp {
        "2026-01-02T03:04:05Z".parse().unwrap()
    }

    #[test]
    fn messages_have_the_headers_mail_clients_expect() {
        let message = Message::new(
            "Userdb <noreply@example.com>",
            "zoë@example.com",
            "Votre code à usage unique",
            "Code : 123456 — valable 10 minutes\n",
            date(),
        );
        assert!(message.message_id.ends_with("@example.com>"));
        let text = String::from_utf8(message.formatted().unwrap()).unwrap();
        for header in [
            "From: Userdb <noreply@example.com>\r\n",
            "Date: Fri, 02 Jan 2026 03:04:05 +0000\r\n",
            "Subject: Votre code =?utf-8?b?w6A=?= usage unique\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
        ] {
            assert!(text.contains(header), "{header:?} in\n{text}");
        }
        assert!(text.contains(&format!("Message-ID: {}\r\n", message.message_id)));
        assert!(text.contains("To: "), "{text}");
    }

    #[test]
    fn message_ids_are_unique() {
        let a = Message::new(DEFAULT_FROM, "a@example.com", "s", "b", date());
        let b = Message::new(DEFAULT_FROM, "a@example.com", "s", "b", date());
        assert_ne!(a.message_id, b.message_id);
        assert!(a.message_id.ends_with("@localhost>"));
    }

    #[test]
    fn the_default_backend_is_console_until_a_host_is_set() {
        let mut settings = EmailSettings::default();
        assert_eq!(settings.backend_kind(), BackendKind::Console);
        settings.host = Some("smtp.example.com".into());
        assert_eq!(settings.backend_kind(), BackendKind::Smtp);
        settings.backend = Some(BackendKind::File);
        assert_eq!(settings.backend_kind(), BackendKind::File);
        let err = settings.backend(ConsoleStream::Stdout).err().unwrap();
        assert!(err.to_string().contains("file_path"), "{err}");
    }

    #[test]
    fn the_memory_backend_keeps_what_the_mailer_sends() {
        let memory = MemoryBackend::default();
        let mailer = Mailer::new(Box::new(memory.clone()), "from@example.com");
        mailer.send_test("to@example.com", date()).unwrap();
        let sent = memory.messages();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].to, "to@example.com");
        assert!(sent[0].subject.starts_with("Test email from userdb"));
    }

    #[test]
    fn a_bad_recipient_is_refused_before_sending() {
        let memory = MemoryBackend::default();
        let mailer = Mailer::new(Box::new(memory.clone()), "from@example.com");
        assert!(mailer.send("not an address", "s", "b", date()).is_err());
        assert!(memory.messages().is_empty());
    }
}
