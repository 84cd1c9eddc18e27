//! A real SMTP server in the test process on a loopback port, with STARTTLS (a
//! certificate from a CA made by rcgen for this server alone) and AUTH
//! PLAIN/LOGIN. It keeps every message it accepts.
//!
//! The protocol is `mailin`'s (the state machine behind mailin-embedded); the
//! socket loop and the TLS upgrade are here, over rustls with ring, the provider
//! userdb itself links. mailin-embedded would bring rustls's default provider,
//! aws-lc-rs, a large C build the product does not use (issue 27).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mailin::response::{AUTH_OK, INVALID_CREDENTIALS, OK};
use mailin::{Action, AuthMechanism, Handler, Response, Session, SessionBuilder};

pub const USERNAME: &str = "mailer";
pub const PASSWORD: &str = "smtp password for tests";

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// The one-time code: the line of the body that is only digits.
    pub fn code(&self) -> String {
        crate::support::code_in(&self.data)
    }
}

/// `userdb ARGS…` in `env`, configured to send through `server`.
pub fn with_server(
    env: &crate::support::TestEnv,
    server: &SmtpServer,
    args: &[&str],
) -> assert_cmd::Command {
    let mut cmd = env.cmd(args);
    cmd.envs(server.env());
    cmd
}

#[derive(Clone)]
struct Recorder {
    received: Arc<Mutex<Vec<Received>>>,
    current: Option<Received>,
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            from: from.to_string(),
            to: to.to_vec(),
            data: String::new(),
        });
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(message) = self.current.take() {
            self.received.lock().unwrap().push(message);
        }
        OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        if user == USERNAME && password == PASSWORD {
            AUTH_OK
        } else {
            INVALID_CREDENTIALS
        }
    }

    fn auth_login(&mut self, user: &str, password: &str) -> Response {
        self.auth_plain("", user, password)
    }
}

/// Certificates made for one test: a CA and a server certificate it signed for
/// `localhost` and `127.0.0.1`, written as PEM files.
struct TestPki {
    dir: tempfile::TempDir,
    cert_der: rustls::pki_types::CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl TestPki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "userdb test CA");
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
                .unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        TestPki {
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
            dir,
        }
    }

    /// What `openssl req -x509 -newkey … -addext subjectAltName=…` makes for an
    /// internal relay: one self-signed certificate with CA:TRUE, which the server
    /// presents as its own. `ca.pem` is that same certificate.
    fn self_signed(names: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, names[0]);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        TestPki {
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub struct SmtpServer {
    pub port: u16,
    /// The PEM certificate of the CA that signed the server's certificate.
    pub ca_file: PathBuf,
    received: Arc<Mutex<Vec<Received>>>,
    _pki: TestPki,
}

/// The server's TLS settings: the test PKI's certificate, rustls with ring.
fn server_tls(pki: &TestPki) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.cert_der.clone()],
            rustls::pki_types::PrivateKeyDer::try_from(pki.key_der.clone()).unwrap(),
        )
        .unwrap();
    Arc::new(config)
}

/// One client's session: plain text until STARTTLS, then the rest over TLS.
fn serve_session(
    tcp: TcpStream,
    builder: &SessionBuilder,
    handler: Recorder,
    config: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    let timeout = Some(std::time::Duration::from_secs(60));
    tcp.set_read_timeout(timeout)?;
    tcp.set_write_timeout(timeout)?;
    let remote = tcp.peer_addr()?.ip();
    let mut session = builder.build(remote, handler);
    let mut plain = BufReader::new(tcp);
    session.greeting().write_to(plain.get_mut())?;
    if !converse(&mut session, &mut plain)? {
        return Ok(());
    }
    // STARTTLS was answered: nothing the client sent before it may be kept.
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, plain.into_inner()));
    session.tls_active();
    converse(&mut session, &mut tls)?;
    Ok(())
}

/// Answers lines until the session closes (false) or STARTTLS is accepted (true).
fn converse<S: std::io::Read + Write>(
    session: &mut Session<Recorder>,
    stream: &mut BufReader<S>,
) -> std::io::Result<bool> {
    let mut line = Vec::with_capacity(80);
    loop {
        line.clear();
        if stream.read_until(b'\n', &mut line)? == 0 {
            return Ok(false);
        }
        let response = session.process(&line);
        if response.action != Action::NoReply {
            response.write_to(stream.get_mut())?;
            stream.get_mut().flush()?;
        }
        match response.action {
            Action::Close => return Ok(false),
            Action::UpgradeTls => return Ok(true),
            Action::Reply | Action::NoReply => {}
        }
    }
}

/// The address between `<` and `>` of a MAIL FROM or RCPT TO line.
fn angle(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line.rfind('>').unwrap_or(line.len());
    line.get(start..end).unwrap_or_default().to_string()
}

impl SmtpServer {
    /// Starts a server on 127.0.0.1 (a free port) that runs until the test process
    /// ends.
    pub fn start() -> Self {
        Self::start_with(TestPki::new())
    }

    /// The same server presenting a self-signed CA:TRUE certificate for `names`;
    /// its `ca_file` is that certificate.
    pub fn start_self_signed(names: &[&str]) -> Self {
        Self::start_with(TestPki::self_signed(names))
    }

    fn start_with(pki: TestPki) -> Self {
        let config = server_tls(&pki);
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut builder = SessionBuilder::new("smtp.test");
        builder
            .enable_start_tls()
            .enable_auth(AuthMechanism::Plain)
            .enable_auth(AuthMechanism::Login);
        let handler = Recorder {
            received: received.clone(),
            current: None,
        };
        std::thread::spawn(move || {
            // Runs until the test process ends; an error shows as a failed send.
            for tcp in listener.incoming().flatten() {
                let (builder, handler, config) = (builder.clone(), handler.clone(), config.clone());
                std::thread::spawn(move || {
                    let _ = serve_session(tcp, &builder, handler, config);
                });
            }
        });
        SmtpServer {
            port,
            ca_file: pki.path("ca.pem"),
            received,
            _pki: pki,
        }
    }

    /// A minimal SMTP server behind implicit TLS (port 465 style), which
    /// mailin-embedded does not offer: TLS from the first byte, no AUTH. It answers
    /// one session at a time and keeps each message it accepts.
    pub fn start_implicit_tls() -> Self {
        let pki = TestPki::new();
        let config = server_tls(&pki);
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = received.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                    continue;
                };
                let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
                let say = |tls: &mut BufReader<_>, line: &str| {
                    let stream: &mut rustls::StreamOwned<_, _> = tls.get_mut();
                    stream
                        .write_all(line.as_bytes())
                        .and_then(|_| stream.flush())
                };
                if say(&mut tls, "220 smtp.test ready\r\n").is_err() {
                    continue;
                }
                let mut message = Received {
                    from: String::new(),
                    to: Vec::new(),
                    data: String::new(),
                };
                let mut line = String::new();
                loop {
                    line.clear();
                    if tls.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        "250 smtp.test\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        message.from = angle(&line);
                        "250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        message.to.push(angle(&line));
                        "250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = say(&mut tls, "354 go ahead\r\n");
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if tls.read_line(&mut line).unwrap_or(0) == 0 || line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        message.data = data;
                        sink.lock().unwrap().push(message.clone());
                        "250 OK\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = say(&mut tls, "221 bye\r\n");
                        break;
                    } else {
                        "250 OK\r\n"
                    };
                    if say(&mut tls, reply).is_err() {
                        break;
                    }
                }
            }
        });
        SmtpServer {
            port,
            ca_file: pki.path("ca.pem"),
            received,
            _pki: pki,
        }
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The environment that points userdb at this server (with the CA trusted).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("USERDB_EMAIL_HOST", "127.0.0.1".into()),
            ("USERDB_EMAIL_PORT", self.port.to_string()),
            ("USERDB_EMAIL_USERNAME", USERNAME.into()),
            ("USERDB_EMAIL_PASSWORD", PASSWORD.into()),
            ("USERDB_EMAIL_FROM", "Userdb <noreply@example.com>".into()),
            ("USERDB_EMAIL_CA_FILE", self.ca_file.display().to_string()),
            ("USERDB_EMAIL_TIMEOUT", "10s".into()),
        ]
    }
}
