//! `smtp`: lettre over rustls. STARTTLS (required) by default, implicit TLS for
//! port 465, and plain text only towards a loopback host. Every failure becomes
//! one line that says what went wrong and where.

use std::error::Error as StdError;
use std::net::IpAddr;
use std::time::Duration;

use lettre::Transport;
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use secrecy::ExposeSecret;

use super::{EmailBackend, EmailSettings, Message, Security};
use crate::duration::format_duration;
use crate::error::{Error, Result};

pub struct SmtpBackend {
    transport: SmtpTransport,
    endpoint: String,
    username: Option<String>,
    timeout: Duration,
    has_extra_ca: bool,
    /// The certificates of `ca_file`, for a server whose own certificate is one
    /// of them (self-signed): see [`Pinned`].
    pinned: Option<Pinned>,
}

/// The internal relay made with `openssl req -x509`: a self-signed certificate
/// with CA:TRUE, which webpki refuses as a server's own certificate
/// ("CaUsedAsEndEntity") even when it is a trust anchor. Named in `ca_file`, it
/// is trusted as exactly that server's certificate: the handshake's signature is
/// still checked against it, its bytes must equal a certificate of the file, and
/// its names must cover the host, all before AUTH or any message is sent.
#[derive(Clone)]
struct Pinned {
    certificates: Vec<Vec<u8>>,
    host: String,
    port: u16,
    implicit_tls: bool,
    credentials: Option<Credentials>,
    timeout: Duration,
}

/// Why a send failed: lettre's error, or the pinned certificate did not match.
enum SendFailure {
    Smtp(lettre::transport::smtp::Error),
    NotPinned,
    WrongName,
}

impl From<lettre::transport::smtp::Error> for SendFailure {
    fn from(err: lettre::transport::smtp::Error) -> Self {
        SendFailure::Smtp(err)
    }
}

impl Pinned {
    fn send(&self, email: &lettre::Message) -> std::result::Result<(), SendFailure> {
        // Chain and name checks are left to us, not the handshake signature: the
        // peer must hold the key of the certificate it shows, which is then
        // compared byte for byte and its names checked against the host.
        let tls = TlsParameters::builder(self.host.clone())
            .dangerous_accept_invalid_certs(true)
            .dangerous_accept_invalid_hostnames(true)
            .build_rustls()?;
        let hello = ClientId::default();
        let server = (self.host.as_str(), self.port);
        let mut conn = if self.implicit_tls {
            SmtpConnection::connect(server, Some(self.timeout), &hello, Some(&tls), None)?
        } else {
            let mut conn = SmtpConnection::connect(server, Some(self.timeout), &hello, None, None)?;
            conn.starttls(&tls, &hello)?;
            conn
        };
        let presented = conn.peer_certificate()?;
        let failure = if !self.certificates.contains(&presented) {
            Some(SendFailure::NotPinned)
        } else if !names_host(&presented, &self.host) {
            Some(SendFailure::WrongName)
        } else {
            None
        };
        if let Some(failure) = failure {
            conn.abort();
            return Err(failure);
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)?;
        }
        conn.send(email.envelope(), &email.formatted())?;
        let _ = conn.quit();
        Ok(())
    }
}

/// True when the certificate's names (its SANs) cover `host`.
fn names_host(der: &[u8], host: &str) -> bool {
    let der = CertificateDer::from(der);
    let Ok(cert) = webpki::EndEntityCert::try_from(&der) else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare)
        .is_ok_and(|name| cert.verify_is_valid_for_subject_name(&name).is_ok())
}

/// A certificate error from the normal path, which the pinned path may answer.
fn is_certificate_error(err: &lettre::transport::smtp::Error) -> bool {
    let cause = root_cause(err);
    err.is_tls() || cause.contains("certificate") || cause.contains("Certificate")
}

/// The whole send: the normal path, then, for a certificate it refused, the
/// pinned one when `ca_file` names certificates.
fn deliver(
    transport: &SmtpTransport,
    pinned: Option<&Pinned>,
    email: &lettre::Message,
) -> std::result::Result<(), SendFailure> {
    match transport.send(email) {
        Ok(_) => Ok(()),
        Err(err) if is_certificate_error(&err) => match pinned {
            Some(pinned) => match pinned.send(email) {
                // Not the pinned certificate: the normal path's reason stands.
                Err(SendFailure::NotPinned) => Err(SendFailure::Smtp(err)),
                other => other,
            },
            None => Err(SendFailure::Smtp(err)),
        },
        Err(err) => Err(SendFailure::Smtp(err)),
    }
}

impl std::fmt::Debug for SmtpBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpBackend")
            .field("endpoint", &self.endpoint)
            .field("username", &self.username)
            .finish()
    }
}

fn config(message: impl Into<String>) -> Error {
    Error::Config(message.into())
}

/// `localhost`, or an address in 127.0.0.0/8 or `::1`.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl SmtpBackend {
    pub fn new(settings: &EmailSettings) -> Result<Self> {
        let host = settings
            .host
            .clone()
            .filter(|h| !h.trim().is_empty())
            .ok_or_else(|| config("[email] backend = \"smtp\" needs [email] host"))?;
        let security = settings.security;
        let port = settings.port.unwrap_or(security.default_port());
        if security == Security::None && !is_loopback(&host) {
            return Err(config(format!(
                "[email] security = \"none\" would send the password and codes in clear text to {host}; \
                 it is only allowed towards localhost (use starttls or tls)"
            )));
        }
        let mut tls = TlsParameters::builder(host.clone());
        let has_extra_ca = settings.ca_file.is_some();
        let mut pinned_certificates = Vec::new();
        if let Some(path) = &settings.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                config(format!(
                    "[email] ca_file {}: cannot read it: {e}",
                    path.display()
                ))
            })?;
            let looks_pem = String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----");
            let cert = Certificate::from_pem(&pem)
                .ok()
                .filter(|_| looks_pem)
                .ok_or_else(|| {
                    config(format!(
                        "[email] ca_file {}: not PEM certificates",
                        path.display()
                    ))
                })?;
            tls = tls.add_root_certificate(cert);
            pinned_certificates = CertificateDer::pem_slice_iter(&pem)
                .filter_map(|c| c.ok())
                .map(|c| c.as_ref().to_vec())
                .collect();
        }
        let tls = tls
            .build_rustls()
            .map_err(|e| config(format!("[email] TLS settings: {e}")))?;
        let tls = match security {
            Security::StartTls => Tls::Required(tls),
            Security::Tls => Tls::Wrapper(tls),
            Security::None => Tls::None,
        };
        let mut builder = SmtpTransport::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        let password = match (&settings.password, &settings.password_file) {
            (Some(p), _) => Some(p.0.clone()),
            (None, Some(path)) => Some(read_password_file(path)?),
            (None, None) => None,
        };
        let mut credentials = None;
        match (&settings.username, password) {
            (Some(user), Some(password)) => {
                let given = Credentials::new(user.clone(), password.expose_secret().to_string());
                builder = builder.credentials(given.clone());
                credentials = Some(given);
            }
            (Some(_), None) => {
                return Err(config(
                    "[email] username is set but no password: set USERDB_EMAIL_PASSWORD or [email] password_file",
                ));
            }
            (None, Some(_)) => {
                return Err(config(
                    "[email] a password is set but no username: set [email] username",
                ));
            }
            (None, None) => {}
        }
        let endpoint = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let pinned =
            (!pinned_certificates.is_empty() && security != Security::None).then(|| Pinned {
                certificates: pinned_certificates,
                host: host.clone(),
                port,
                implicit_tls: security == Security::Tls,
                credentials,
                timeout: settings.timeout,
            });
        Ok(SmtpBackend {
            transport: builder.build(),
            endpoint,
            username: settings.username.clone(),
            timeout: settings.timeout,
            has_extra_ca,
            pinned,
        })
    }

    /// The deadline passed, whether a read timed out or the whole send did.
    fn deadline_passed(&self) -> String {
        format!(
            "SMTP server {} did not finish the send within {} ([email] timeout)",
            self.endpoint,
            format_duration(self.timeout)
        )
    }

    /// One line for a failed send: what, where, and what to check.
    fn explain(&self, err: &lettre::transport::smtp::Error) -> String {
        let endpoint = &self.endpoint;
        let cause = root_cause(err);
        if err.is_timeout()
            || cause.contains("timed out")
            || cause.contains("Resource temporarily unavailable")
        {
            return self.deadline_passed();
        }
        if let Some(code) = err.status() {
            let code = code.to_string();
            match (code.as_str(), self.username.as_deref()) {
                ("530" | "534" | "535", None) => {
                    return format!(
                        "SMTP server {endpoint} requires authentication ({code}); set [email] username and a password"
                    );
                }
                ("530" | "534" | "535", Some(user)) => {
                    return format!(
                        "SMTP server {endpoint} rejected the credentials of {user} ({code}); check [email] username and the password"
                    );
                }
                _ => {}
            }
            return format!("SMTP server {endpoint} refused the message: {code} {cause}");
        }
        if cause.contains("certificate") || cause.contains("Certificate") || err.is_tls() {
            let advice = if self.has_extra_ca {
                "check that [email] ca_file holds the CA that signed the server's certificate"
            } else {
                "if the server uses a private CA, set [email] ca_file to its PEM certificate"
            };
            return format!("TLS with SMTP server {endpoint} failed: {cause}; {advice}");
        }
        if cause.contains("Connection refused") {
            return format!(
                "cannot connect to SMTP server {endpoint}: connection refused; check [email] host and port"
            );
        }
        if cause.contains("lookup address") {
            return format!("cannot find SMTP server {endpoint}: {cause}; check [email] host");
        }
        format!("sending through SMTP server {endpoint} failed: {cause}")
    }
}

/// [`deliver`] turns a pin mismatch back into the normal path's error; this
/// wording is only a safety net.
fn unreachable_pin(endpoint: &str) -> String {
    format!("TLS with SMTP server {endpoint} failed: its certificate is not one in [email] ca_file")
}

/// The innermost error's text (the useful part of lettre's chain).
fn root_cause(err: &dyn StdError) -> String {
    let mut current: &dyn StdError = err;
    while let Some(next) = current.source() {
        current = next;
    }
    let text = current.to_string();
    if text.is_empty() {
        err.to_string()
    } else {
        text
    }
}

fn read_password_file(path: &std::path::Path) -> Result<secrecy::SecretString> {
    crate::private_file::read_password(path, "[email] password_file")
        .map_err(|e| config(e.to_string()))
}

impl EmailBackend for SmtpBackend {
    /// One deadline, `[email] timeout`, covers the whole send from connect to
    /// QUIT. lettre's timeout applies to each read, so a server that trickles a
    /// line every few seconds would hold the caller (and the user's pending
    /// code) for ever; the send runs on its own thread and is abandoned when the
    /// deadline passes. An abandoned send may still finish later, but the code
    /// it carries has been withdrawn by then (a failed send leaves none live).
    fn send(&self, message: &Message) -> Result<()> {
        let email = message.to_lettre()?;
        let transport = self.transport.clone();
        let pinned = self.pinned.clone();
        let (done, outcome) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("smtp-send".into())
            .spawn(move || {
                let _ = done.send(deliver(&transport, pinned.as_ref(), &email));
            })
            .map_err(|e| Error::Delivery(format!("cannot start the SMTP send: {e}")))?;
        match outcome.recv_timeout(self.timeout) {
            Ok(sent) => sent.map_err(|failure| {
                Error::Delivery(match failure {
                    SendFailure::Smtp(e) => self.explain(&e),
                    SendFailure::NotPinned => unreachable_pin(&self.endpoint),
                    SendFailure::WrongName => format!(
                        "TLS with SMTP server {}: the certificate in [email] ca_file does not name this host; \
                         use the name the certificate was made for in [email] host",
                        self.endpoint
                    ),
                })
            }),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                Err(Error::Delivery(self.deadline_passed()))
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Error::Delivery(format!(
                "sending through SMTP server {} stopped unexpectedly",
                self.endpoint
            ))),
        }
    }

    fn describe(&self) -> String {
        format!("smtp://{}", self.endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(host: &str, security: Security) -> EmailSettings {
        EmailSettings {
            host: Some(host.into()),
            security,
            ..EmailSettings::default()
        }
    }

    #[test]
    fn plain_text_is_only_allowed_towards_loopback() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            assert!(
                SmtpBackend::new(&settings(host, Security::None)).is_ok(),
                "{host}"
            );
        }
        let err = SmtpBackend::new(&settings("smtp.example.com", Security::None)).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(
            err.to_string().contains("only allowed towards localhost"),
            "{err}"
        );
    }

    #[test]
    fn ports_default_by_security() {
        let b = SmtpBackend::new(&settings("smtp.example.com", Security::StartTls)).unwrap();
        assert_eq!(b.describe(), "smtp://smtp.example.com:587");
        let b = SmtpBackend::new(&settings("smtp.example.com", Security::Tls)).unwrap();
        assert_eq!(b.describe(), "smtp://smtp.example.com:465");
    }

    #[test]
    fn credentials_come_in_pairs() {
        let mut s = settings("smtp.example.com", Security::StartTls);
        s.username = Some("me".into());
        let err = SmtpBackend::new(&s).unwrap_err();
        assert!(err.to_string().contains("USERDB_EMAIL_PASSWORD"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        s.password_file = Some(file);
        assert!(SmtpBackend::new(&s).is_ok());
        s.password_file = Some(dir.path().join("missing"));
        assert!(
            SmtpBackend::new(&s)
                .unwrap_err()
                .to_string()
                .contains("password_file")
        );
    }

    #[test]
    fn a_ca_file_must_hold_pem_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "not a certificate").unwrap();
        let mut s = settings("smtp.example.com", Security::StartTls);
        s.ca_file = Some(file);
        let err = SmtpBackend::new(&s).unwrap_err();
        assert!(err.to_string().contains("ca_file"), "{err}");
    }
}
