//! TLS on the listener: `aws-sdk-kms` over HTTPS trusting a private root, nothing for a
//! plain-HTTP client, a certificate reload that new connections see while an open one keeps
//! working, client-certificate authentication, and `aws:SecureTransport` in policies.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trent_server::{RawConfig, RawTls};

use crate::common::{TestServer, blob, code};

/// A private CA and what it issued, as PEM text.
pub(crate) struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    pub(crate) fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().unwrap();
        Ca { cert: params.self_signed(&key).unwrap(), key }
    }

    pub(crate) fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A leaf certificate for `names` (the chain: leaf, then this CA) and its key.
    pub(crate) fn issue(&self, names: &[&str]) -> (String, String) {
        let params = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (format!("{}{}", leaf.pem(), self.pem()), key.serialize_pem())
    }
}

/// Writes a server certificate from `ca` into `dir`; returns the `[tls]` settings.
fn server_files(dir: &Path, ca: &Ca, client_ca: Option<&Ca>) -> RawTls {
    let (chain, key) = ca.issue(&["localhost", "127.0.0.1"]);
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
    let client_ca_file = client_ca.map(|c| {
        std::fs::write(dir.join("clients.pem"), c.pem()).unwrap();
        dir.join("clients.pem")
    });
    RawTls { cert_file: Some(dir.join("chain.pem")), key_file: Some(dir.join("key.pem")), client_ca_file }
}

async fn tls_server(tls: RawTls) -> TestServer {
    TestServer::start_with(RawConfig { tls: Some(tls), ..RawConfig::default() }).await
}

/// The SDK's own HTTPS client trusting only `ca`.
pub(crate) fn sdk_https(ca: &Ca) -> aws_sdk_kms::config::SharedHttpClient {
    let trust = TrustStore::empty().with_native_roots(false).with_pem_certificate(ca.pem().into_bytes());
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .tls_context(TlsContext::builder().with_trust_store(trust).build().unwrap())
        .build_https()
}

pub(crate) fn client_config(
    ca: &Ca,
    client: Option<&(String, String)>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).unwrap()).unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    match client {
        None => builder.with_no_client_auth(),
        Some((chain, key)) => {
            let chain = CertificateDer::pem_slice_iter(chain.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap();
            builder.with_client_auth_cert(chain, PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap()).unwrap()
        }
    }
}

/// An open TLS connection to the server, or the handshake's error.
pub(crate) async fn connect(
    server: &TestServer,
    config: rustls::ClientConfig,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let tcp = tokio::net::TcpStream::connect(server.addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await
}

/// `GET /health` on an open connection (kept alive); the response's head and body, or what
/// the connection gave before it failed or closed.
pub(crate) async fn health<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: &mut S) -> String {
    let request = "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if stream.write_all(request.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    // The answer is small; read until its body ("ok") arrives or the connection ends.
    while !got.ends_with(b"ok") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// Regression guard: the official SDK, trusting only a private root, talks to Trent over HTTPS.
#[tokio::test]
async fn the_sdk_talks_https_with_a_private_root() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Trent test root");
    let server = tls_server(server_files(dir.path(), &ca, None)).await;
    let endpoint = format!("https://localhost:{}", server.addr.port());
    let client = server.client_at(&endpoint, sdk_https(&ca));
    let key = client.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_owned();
    let sealed = client.encrypt().key_id(&key).plaintext(blob(b"over tls")).send().await.unwrap();
    let opened = client.decrypt().ciphertext_blob(sealed.ciphertext_blob().unwrap().clone()).send().await.unwrap();
    assert_eq!(opened.plaintext().unwrap().as_ref(), b"over tls");

    // A client that does not trust the root gets no answer.
    let stranger = server.client_at(&endpoint, sdk_https(&Ca::new("another root")));
    let e = stranger.list_keys().send().await.unwrap_err();
    assert!(matches!(e, aws_sdk_kms::error::SdkError::DispatchFailure(_)), "{e:?}");

    // TLS 1.2 is served as well as 1.3.
    let mut tls12 = connect(&server, client_config(&ca, None, &[&rustls::version::TLS12])).await.unwrap();
    assert_eq!(tls12.get_ref().1.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_2));
    assert!(health(&mut tls12).await.starts_with("HTTP/1.1 200"));
}

/// Regression guard: a plain-HTTP request to the TLS port gets no HTTP answer.
#[tokio::test]
async fn plain_http_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(server_files(dir.path(), &Ca::new("root"), None)).await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let answer = health(&mut tcp).await;
    assert!(!answer.contains("HTTP/"), "plain HTTP was answered: {answer:?}");
    // The SDK pointed at http:// fails too.
    let e = server.client().list_keys().send().await.unwrap_err();
    assert!(
        matches!(e, aws_sdk_kms::error::SdkError::DispatchFailure(_) | aws_sdk_kms::error::SdkError::ResponseError(_)),
        "{e:?}"
    );
}

/// Regression guard: a reload (what SIGHUP does) is seen by new connections, and an open
/// connection keeps working; a broken file leaves the previous certificate in force.
#[tokio::test]
async fn a_reload_is_seen_by_new_connections_without_dropping_open_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (old_ca, new_ca) = (Ca::new("old root"), Ca::new("new root"));
    let server = tls_server(server_files(dir.path(), &old_ca, None)).await;
    let tls = server.state.tls.clone().expect("TLS is on");
    let mut open = connect(&server, client_config(&old_ca, None, &[&rustls::version::TLS13])).await.unwrap();
    assert!(health(&mut open).await.starts_with("HTTP/1.1 200"));
    assert!(connect(&server, client_config(&new_ca, None, &[&rustls::version::TLS13])).await.is_err());

    // A key that does not match the certificate is refused and changes nothing.
    let (chain, _) = new_ca.issue(&["localhost"]);
    std::fs::write(dir.path().join("chain.pem"), &chain).unwrap();
    let e = tls.reload().unwrap_err();
    assert!(e.to_string().contains("chain.pem"), "{e}");
    assert!(connect(&server, client_config(&old_ca, None, &[&rustls::version::TLS13])).await.is_ok());

    server_files(dir.path(), &new_ca, None);
    tls.reload().expect("reload");
    let mut fresh = connect(&server, client_config(&new_ca, None, &[&rustls::version::TLS13])).await.unwrap();
    assert!(health(&mut fresh).await.starts_with("HTTP/1.1 200"));
    assert!(connect(&server, client_config(&old_ca, None, &[&rustls::version::TLS13])).await.is_err());
    // The connection opened before the reload still serves requests.
    assert!(health(&mut open).await.starts_with("HTTP/1.1 200"));
}

/// Regression guard: with a client CA bundle, a client without a certificate (or with one
/// from another CA) is refused; one with a certificate the CA issued is served.
#[tokio::test]
async fn mutual_tls_refuses_a_client_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, clients) = (Ca::new("server root"), Ca::new("client root"));
    let server = tls_server(server_files(dir.path(), &ca, Some(&clients))).await;
    for who in [None, Some(Ca::new("stranger root").issue(&["intruder"]))] {
        for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
            // TLS 1.3 clients finish their side first: the refusal shows on the first read.
            let answer = match connect(&server, client_config(&ca, who.as_ref(), &[version])).await {
                Err(_) => String::new(),
                Ok(mut stream) => health(&mut stream).await,
            };
            assert!(!answer.contains("HTTP/"), "served without a trusted client certificate: {answer:?}");
        }
    }
    let member = clients.issue(&["client.example"]);
    let mut stream = connect(&server, client_config(&ca, Some(&member), &[&rustls::version::TLS13])).await.unwrap();
    assert!(health(&mut stream).await.starts_with("HTTP/1.1 200"));
}

/// Regression guard: requests over TLS carry `aws:SecureTransport` = true, so a policy that
/// denies insecure transport lets them through and stops the same calls over plain HTTP.
#[tokio::test]
async fn secure_transport_reaches_policies() {
    let policy = |account: &str| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
                {"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
            ]
        })
        .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("root");
    let secure = tls_server(server_files(dir.path(), &ca, None)).await;
    let client = secure.client_at(&format!("https://localhost:{}", secure.addr.port()), sdk_https(&ca));
    let key = client.create_key().policy(policy(&secure.account().await)).send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_owned();
    client.encrypt().key_id(&key).plaintext(blob(b"x")).send().await.expect("allowed over TLS");

    let plain = TestServer::start().await;
    let key = plain.client().create_key().policy(policy(&plain.account().await)).send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_owned();
    let e = plain.client().encrypt().key_id(&key).plaintext(blob(b"x")).send().await.unwrap_err();
    assert_eq!(code(e.as_service_error().unwrap()), "AccessDeniedException");
}

/// Regression guard: unusable files stop the start with the file named.
#[tokio::test]
async fn unusable_files_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let good = server_files(dir.path(), &Ca::new("root"), None);
    let (good_cert, good_key) = (good.cert_file.clone().unwrap(), good.key_file.clone().unwrap());
    let missing = PathBuf::from("/nonexistent/trent-chain.pem");
    let broken = dir.path().join("broken.pem");
    std::fs::write(&broken, "-----BEGIN CERTIFICATE-----\nnot base64!\n").unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    for (cert, key, named) in [
        (&missing, &good_key, &missing),
        (&broken, &good_key, &broken),
        (&empty, &good_key, &empty),
        (&good_cert, &empty, &empty),
    ] {
        let tls = RawTls { cert_file: Some(cert.clone()), key_file: Some(key.clone()), client_ca_file: None };
        let data = tempfile::tempdir().unwrap();
        let config = RawConfig {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(data.path().join("data")),
            tls: Some(tls),
            ..RawConfig::default()
        }
        .resolve(None)
        .unwrap();
        let clock = Arc::new(trent_core::ManualClock::starting_now());
        let e = match trent_server::bootstrap(config, clock).await {
            Err(e) => e.to_string(),
            Ok(_) => panic!("started with {} and {}", cert.display(), key.display()),
        };
        assert!(e.contains(&*named.to_string_lossy()), "{e}");
        assert!(!data.path().join("data").exists(), "nothing is created before the certificate is checked");
    }
}

/// Regression guard: a client that opens a connection to the TLS port and never completes the
/// handshake is disconnected after the header-read timeout (it holds a connection slot).
#[tokio::test]
async fn a_stalled_handshake_is_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let tls = server_files(dir.path(), &Ca::new("root"), None);
    let raw = RawConfig { tls: Some(tls), header_read_timeout_seconds: Some(1), ..RawConfig::default() };
    let server = TestServer::start_with(raw).await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    // Half a ClientHello record header, then silence.
    tcp.write_all(&[0x16, 0x03]).await.unwrap();
    let mut buf = [0u8; 64];
    // Far longer than the timeout: a connection still open after this was not going to close.
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), tcp.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "the stalled connection stayed open: {read:?}");
}
