//! TLS with rustls (ring provider) for the public listeners: one
//! certificate for the WebSocket/HTTP and gRPC ports, read from PEM files
//! and reloaded when they change (Kubernetes updates mounted Secrets in
//! place; cert-manager renews them), so renewals need no restart. A pair
//! that fails to load is logged and the current certificate kept.

use super::TlsOptions;
use super::metrics;
use arc_swap::ArcSwap;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// The loaded certificate, swapped on reload.
#[derive(Debug)]
struct Current(ArcSwap<CertifiedKey>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.load_full())
    }
}

#[derive(Clone)]
pub(crate) struct Tls {
    opts: TlsOptions,
    current: Arc<Current>,
}

/// Reads and checks the certificate chain and key of `opts`.
pub(crate) fn load(opts: &TlsOptions) -> Result<CertifiedKey, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&opts.cert_file)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("cert_file {}: {e}", opts.cert_file.display()))?;
    if certs.is_empty() {
        return Err(format!("cert_file {}: no certificate", opts.cert_file.display()));
    }
    let key = PrivateKeyDer::from_pem_file(&opts.key_file)
        .map_err(|e| format!("key_file {}: {e}", opts.key_file.display()))?;
    let key = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| format!("key_file {}: {e}", opts.key_file.display()))?;
    let certified = CertifiedKey::new(certs, key);
    certified
        .keys_match()
        .map_err(|e| format!("the key does not belong to the certificate: {e}"))?;
    Ok(certified)
}

fn modified(opts: &TlsOptions) -> Option<(SystemTime, SystemTime)> {
    let m = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((m(&opts.cert_file)?, m(&opts.key_file)?))
}

impl Tls {
    pub fn new(opts: &TlsOptions) -> Result<Self, String> {
        let key = load(opts)?;
        Ok(Self {
            opts: opts.clone(),
            current: Arc::new(Current(ArcSwap::from_pointee(key))),
        })
    }

    /// An acceptor offering `alpn` (`h2` for gRPC, `http/1.1` for the
    /// WebSocket port) with the current certificate.
    pub fn acceptor(&self, alpn: &[u8]) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_cert_resolver(self.current.clone());
        config.alpn_protocols = vec![alpn.to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }

    /// Checks the files every `reload_interval_ms` until `stop`, and loads
    /// them when either changed.
    pub fn spawn_reload(&self, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let every = Duration::from_millis(this.opts.reload_interval_ms);
            let mut seen = modified(&this.opts);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                let now = modified(&this.opts);
                if now == seen {
                    continue;
                }
                seen = now;
                this.reload();
            }
        })
    }

    fn reload(&self) {
        match load(&self.opts) {
            Ok(key) => {
                self.current.0.store(Arc::new(key));
                ::metrics::counter!(metrics::TLS_RELOADS, "result" => "ok").increment(1);
                tracing::info!(cert = %self.opts.cert_file.display(), "TLS certificate reloaded");
            }
            Err(e) => {
                ::metrics::counter!(metrics::TLS_RELOADS, "result" => "error").increment(1);
                tracing::error!(error = %e, "TLS certificate not reloaded; keeping the current one");
            }
        }
    }
}
