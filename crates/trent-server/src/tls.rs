//! TLS on the listener, with rustls: a PEM certificate chain and private key from files, TLS
//! 1.2 and 1.3 only, optional client-certificate authentication against a CA bundle, and a
//! reload (on SIGHUP) that new connections see while open ones keep the configuration they
//! were accepted with.
//!
//! Also the self-signed certificate of `trent server --dev --dev-tls`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::RwLock;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use zeroize::Zeroizing;

/// Where the listener's certificate, key and (for client-certificate authentication) the CA
/// bundle are: the `[tls]` table of `trent.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM certificate chain, the server's certificate first.
    pub cert_file: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// PEM CA certificates; when set, every client must present a certificate they issued.
    pub client_ca_file: Option<PathBuf>,
}

/// Why the TLS configuration could not be loaded. Never carries key bytes.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid PEM, or holds nothing of the expected kind.
    #[error("{path}: no usable PEM {what} ({detail})")]
    Pem {
        /// The file.
        path: PathBuf,
        /// `certificate` or `private key`.
        what: &'static str,
        /// What the PEM parser said.
        detail: String,
    },
    /// The client CA bundle holds a certificate that is not a usable trust anchor.
    #[error("{path}: not a usable CA certificate: {source}")]
    ClientCa {
        /// The bundle.
        path: PathBuf,
        /// Why.
        #[source]
        source: rustls::Error,
    },
    /// The client-certificate verifier could not be built from the bundle.
    #[error("{path}: {source}")]
    Verifier {
        /// The bundle.
        path: PathBuf,
        /// Why.
        #[source]
        source: rustls::server::VerifierBuilderError,
    },
    /// rustls refused the certificate chain and key (a key that does not match the
    /// certificate, an unsupported key type).
    #[error("certificate {cert} with key {key}: {source}")]
    Config {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// Why.
        #[source]
        source: rustls::Error,
    },
    /// A self-signed development certificate could not be made or written.
    #[error("development certificate: {0}")]
    DevCertificate(String),
}

/// The listener's TLS configuration, reloadable.
pub struct ServerTls {
    settings: TlsSettings,
    current: RwLock<Arc<ServerConfig>>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads the files `settings` names.
    ///
    /// # Errors
    /// [`TlsError`] naming the file at fault.
    pub fn load(settings: TlsSettings) -> Result<ServerTls, TlsError> {
        let config = build(&settings)?;
        Ok(ServerTls { settings, current: RwLock::new(Arc::new(config)) })
    }

    /// Reads the files again. On success, connections accepted from now on use the new
    /// certificate (open ones keep theirs); on failure the previous configuration stays.
    ///
    /// # Errors
    /// [`TlsError`] naming the file at fault.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = build(&self.settings)?;
        *self.current.write() = Arc::new(config);
        Ok(())
    }

    /// The settings this was loaded from.
    pub fn settings(&self) -> &TlsSettings {
        &self.settings
    }

    /// An acceptor with the configuration in force now.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.current.read().clone())
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, TlsError> {
    std::fs::read(path).map(Zeroizing::new).map_err(|source| TlsError::Read { path: path.to_owned(), source })
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let pem_error = |detail: String| TlsError::Pem { path: path.to_owned(), what: "certificate", detail };
    let certs =
        CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|e| pem_error(e.to_string()))?;
    if certs.is_empty() {
        return Err(pem_error("the file holds no CERTIFICATE section".into()));
    }
    Ok(certs)
}

fn build(settings: &TlsSettings) -> Result<ServerConfig, TlsError> {
    let chain = certificates(&settings.cert_file)?;
    let key_pem = read(&settings.key_file)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Pem {
        path: settings.key_file.clone(),
        what: "private key",
        detail: e.to_string(),
    })?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|source| TlsError::Config {
            cert: settings.cert_file.clone(),
            key: settings.key_file.clone(),
            source,
        })?;
    let builder = match &settings.client_ca_file {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for ca in certificates(path)? {
                roots.add(ca).map_err(|source| TlsError::ClientCa { path: path.clone(), source })?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|source| TlsError::Verifier { path: path.clone(), source })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|source| TlsError::Config {
        cert: settings.cert_file.clone(),
        key: settings.key_file.clone(),
        source,
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Makes a self-signed certificate for `localhost`, `127.0.0.1` and `::1` in `dir`
/// (`dev-cert.pem`, `dev-key.pem`, the key readable by its owner only) and returns the
/// settings that serve it. The certificate is its own CA: it is the `AWS_CA_BUNDLE`.
///
/// # Errors
/// [`TlsError::DevCertificate`] or [`TlsError::Read`].
pub fn dev_certificate(dir: &Path) -> Result<TlsSettings, TlsError> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::DevCertificate(e.to_string()))?;
    let cert_file = dir.join("dev-cert.pem");
    let key_file = dir.join("dev-key.pem");
    let write = |path: &Path, text: &[u8], mode: u32| -> Result<(), TlsError> {
        use std::io::Write as _;
        #[cfg(unix)]
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(mode);
        #[cfg(not(unix))]
        let _ = mode;
        options
            .open(path)
            .and_then(|mut f| f.write_all(text))
            .map_err(|source| TlsError::Read { path: path.to_owned(), source })
    };
    write(&cert_file, certified.cert.pem().as_bytes(), 0o644)?;
    let key_pem = Zeroizing::new(certified.key_pair.serialize_pem());
    write(&key_file, key_pem.as_bytes(), 0o600)?;
    Ok(TlsSettings { cert_file, key_file, client_ca_file: None })
}
