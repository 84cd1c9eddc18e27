//! The rustls client configuration for one connection, over ring (named
//! explicitly: the tests link aws-lc-rs as well, and rustls panics when it has
//! to choose a process default between two).
//!
//! How much of the server's certificate is checked follows libpq's `sslmode`:
//! nothing (`allow`, `prefer`, `require` without a root file: encryption
//! only), the chain up to a trusted root (`verify-ca`, and `require`/`prefer`
//! given a root file), or the chain and the host name (`verify-full`). A
//! certificate of the root file that is the server's own certificate (a
//! self-signed one, as Debian's `ssl-cert-snakeoil` or `openssl req -x509`
//! makes) is trusted as exactly that certificate, as libpq does through
//! OpenSSL; webpki alone would refuse it as a CA used as an end entity.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing: the connection is encrypted, not authenticated.
    Nothing,
    /// The chain up to a trusted root, whatever names it holds.
    Chain,
    /// The chain, and that the certificate names the host.
    ChainAndName,
}

/// The certificates a check trusts, and how messages name them.
#[derive(Debug, Clone)]
pub(crate) struct Roots {
    pub store: Arc<RootCertStore>,
    /// The file's certificates as they are (see the module's doc on
    /// self-signed ones); empty for the system store.
    pub pinned: Vec<CertificateDer<'static>>,
    /// `sslrootcert /path/root.crt`, or `the system trust store`.
    pub source: String,
}

impl Roots {
    /// The PEM certificates of a file.
    pub(crate) fn from_file(path: &std::path::Path, what: &str) -> Result<Roots, String> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("cannot read {what} {}: {}", path.display(), pem_error(&e)))?
            .collect::<Result<_, _>>()
            .map_err(|e| {
                format!(
                    "{what} {} is not PEM certificates: {}",
                    path.display(),
                    pem_error(&e)
                )
            })?;
        if certs.is_empty() {
            return Err(format!(
                "{what} {} holds no PEM certificate",
                path.display()
            ));
        }
        let mut store = RootCertStore::empty();
        // A certificate webpki cannot take as a trust anchor may still be pinned.
        store.add_parsable_certificates(certs.iter().cloned());
        Ok(Roots {
            store: Arc::new(store),
            pinned: certs,
            source: format!("{what} {}", path.display()),
        })
    }

    /// The operating system's trusted CAs.
    pub(crate) fn system() -> Result<Roots, String> {
        let loaded = rustls_native_certs::load_native_certs();
        let mut store = RootCertStore::empty();
        store.add_parsable_certificates(loaded.certs);
        if store.is_empty() {
            return Err(
                "the system trust store holds no certificate: install the ca-certificates \
                 package, or set sslrootcert=PATH in the URL to the CA that signs the \
                 server's certificate"
                    .into(),
            );
        }
        Ok(Roots {
            store: Arc::new(store),
            pinned: Vec::new(),
            source: "the system trust store".into(),
        })
    }
}

fn pem_error(err: &rustls::pki_types::pem::Error) -> String {
    match err {
        rustls::pki_types::pem::Error::Io(e) => e.to_string(),
        other => format!("{other:?}"),
    }
}

/// A client configuration over ring that checks what `check` says against
/// `roots` (needed unless `check` is [`Check::Nothing`]).
pub(crate) fn client_config(check: Check, roots: Option<&Roots>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = match (check, roots) {
        (Check::ChainAndName, Some(roots)) => Some(
            WebPkiServerVerifier::builder_with_provider(roots.store.clone(), provider.clone())
                .build()
                .map_err(|e| format!("cannot use {}: {e}", roots.source))?,
        ),
        _ => None,
    };
    let verifier = Verifier {
        check,
        roots: roots.cloned(),
        webpki,
        provider: provider.clone(),
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

#[derive(Debug)]
struct Verifier {
    check: Check,
    roots: Option<Roots>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    fn pinned(&self, end_entity: &CertificateDer<'_>) -> bool {
        self.roots.as_ref().is_some_and(|roots| {
            roots
                .pinned
                .iter()
                .any(|c| c.as_ref() == end_entity.as_ref())
        })
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(roots) = &self.roots else {
            return match self.check {
                Check::Nothing => Ok(ServerCertVerified::assertion()),
                // Never built so: a check without roots would accept anything.
                _ => Err(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer,
                )),
            };
        };
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        match self.check {
            Check::Nothing => Ok(ServerCertVerified::assertion()),
            Check::Chain | Check::ChainAndName if self.pinned(end_entity) => {
                if self.check == Check::ChainAndName {
                    rustls::client::verify_server_name(&parsed, server_name)?;
                }
                Ok(ServerCertVerified::assertion())
            }
            Check::Chain => {
                rustls::client::verify_server_cert_signed_by_trust_anchor(
                    &parsed,
                    &roots.store,
                    intermediates,
                    now,
                    self.provider.signature_verification_algorithms.all,
                )?;
                Ok(ServerCertVerified::assertion())
            }
            Check::ChainAndName => match &self.webpki {
                Some(webpki) => webpki.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ),
                None => Err(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer,
                )),
            },
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
