//! Transport-level helpers: half-sent requests (slowloris), plain HTTP over
//! any stream, a test certificate authority, and TLS clients (HTTP,
//! WebSocket, gRPC) that trust it.

use super::WAIT;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// A connection that sent the start of a WebSocket upgrade and stops there.
pub async fn half_request(addr: SocketAddr) -> TcpStream {
    let mut tcp = TcpStream::connect(addr).await.expect("tcp connects");
    tcp.write_all(b"GET /ws HTTP/1.1\r\nHost: roomcast\r\nUpgrade: websocket\r\n")
        .await
        .expect("half a request written");
    tcp
}

/// A connection that sent nothing at all.
pub async fn silent(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.expect("tcp connects")
}

/// Whether the server closes `stream` (EOF or reset) within `within`,
/// ignoring whatever it sends first (an error response).
pub async fn closed_within<S: AsyncRead + Unpin>(stream: &mut S, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let closed = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(within, closed).await.is_ok()
}

/// `GET path` with `Connection: close` over `io`: the status and body.
pub async fn http_get_over<S: AsyncRead + AsyncWrite + Unpin>(mut io: S, path: &str) -> (u16, String) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: roomcast\r\nConnection: close\r\n\r\n");
    io.write_all(req.as_bytes()).await.expect("request written");
    let mut response = Vec::new();
    tokio::time::timeout(WAIT, io.read_to_end(&mut response))
        .await
        .expect("response within WAIT")
        .ok();
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A certificate authority made for one test, and a server certificate
/// for `localhost` / 127.0.0.1 it signed, as PEM files in a temporary
/// directory.
pub struct TestCa {
    pub dir: tempfile::TempDir,
    pub ca_pem: String,
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new() -> Self {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "roomcast test CA");
        let issuer = rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap()).unwrap();
        Self {
            dir: tempfile::tempdir().unwrap(),
            ca_pem: issuer.pem(),
            issuer,
        }
    }

    pub fn cert_file(&self) -> PathBuf {
        self.dir.path().join("tls.crt")
    }

    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("tls.key")
    }

    /// Issues a server certificate named `common_name` and writes it and its
    /// key over the files.
    pub fn issue(&self, common_name: &str) {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, common_name);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        write_replacing(&self.cert_file(), &cert.pem());
        write_replacing(&self.key_file(), &key.serialize_pem());
    }

    /// `[server.tls]` of this CA's files, checked every 100 ms.
    pub fn options(&self) -> roomcast_server::listen::TlsOptions {
        roomcast_server::listen::TlsOptions {
            cert_file: self.cert_file(),
            key_file: self.key_file(),
            reload_interval_ms: 100,
        }
    }

    /// A client trusting this CA only, offering `alpn`.
    pub fn connector(&self, alpn: &[u8]) -> TlsConnector {
        use rustls_pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls_pki_types::CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![alpn.to_vec()];
        TlsConnector::from(Arc::new(config))
    }

    /// A TLS connection to `addr` for `localhost`.
    pub async fn connect(&self, addr: SocketAddr, alpn: &[u8]) -> std::io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(addr).await?;
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        tokio::time::timeout(WAIT, self.connector(alpn).connect(name, tcp))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))?
    }

    /// The common name of the certificate `addr` presents now.
    pub async fn served_common_name(&self, addr: SocketAddr) -> String {
        let tls = self.connect(addr, b"http/1.1").await.expect("TLS handshake");
        let (_, session) = tls.get_ref();
        let cert = session.peer_certificates().expect("a certificate")[0].clone();
        common_name_of(cert.as_ref())
    }

    /// A gRPC channel to `addr` over TLS with this CA.
    pub async fn grpc_channel(&self, addr: SocketAddr) -> tonic::transport::Channel {
        let connector = self.connector(b"h2");
        tonic::transport::Endpoint::from_shared(format!("http://localhost:{}", addr.port()))
            .unwrap()
            .connect_with_connector(tower::service_fn(move |_uri| {
                let connector = connector.clone();
                async move {
                    let tcp = TcpStream::connect(addr).await?;
                    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
                    let tls = connector.connect(name, tcp).await?;
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
                }
            }))
            .await
            .expect("gRPC over TLS connects")
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `text` to a new file and renames it over `path`, as Kubernetes
/// does with mounted Secrets: a reader never sees half a file.
pub fn write_replacing(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The CN of a DER certificate, found by its attribute OID (2.5.4.3).
fn common_name_of(der: &[u8]) -> String {
    const CN_OID: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
    let at = der
        .windows(CN_OID.len())
        .rposition(|w| w == CN_OID)
        .expect("a common name");
    // OID, then the string's tag and one-byte length.
    let len = der[at + 6] as usize;
    String::from_utf8_lossy(&der[at + 7..at + 7 + len]).to_string()
}

/// The value of the Prometheus series `name` with `labels` in `text`
/// (0 when absent).
pub fn metric_in(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter(|l| labels.iter().all(|(k, v)| l.contains(&format!("{k}=\"{v}\""))))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
