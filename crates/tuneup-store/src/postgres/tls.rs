//! Connections, with TLS when the URL asks for it (`?sslmode=require`): rustls over the
//! system's CA certificates plus the PEM file `TUNEUP_PG_CA` names (a private CA, a self-signed
//! server). Without `sslmode=require` the connection is plain, as libpq's `prefer` would be
//! against a server without TLS; tuneup never falls back from TLS it was asked for.

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};

/// Why a connection could not be opened.
pub(super) enum Failure {
    /// The server (or the network) said no.
    Server(postgres::Error),
    /// TLS could not be set up here (the CA file, a build without TLS).
    Setup(String),
}

/// Opens a connection as the config says.
pub(super) fn open(config: &Config) -> Result<Client, Failure> {
    if config.get_ssl_mode() != SslMode::Require {
        return config.connect(NoTls).map_err(Failure::Server);
    }
    with_tls(config)
}

#[cfg(feature = "tls")]
fn with_tls(config: &Config) -> Result<Client, Failure> {
    use std::sync::{Arc, OnceLock};
    static TLS: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    let tls = TLS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            if let Ok(path) = std::env::var("TUNEUP_PG_CA") {
                use rustls::pki_types::CertificateDer;
                use rustls::pki_types::pem::PemObject;
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
                    .map_err(|e| format!("TUNEUP_PG_CA={path}: {e}"))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("TUNEUP_PG_CA={path}: {e}"))?;
                if certs.is_empty() {
                    return Err(format!("TUNEUP_PG_CA={path}: no PEM certificate in it"));
                }
                for c in certs {
                    roots
                        .add(c)
                        .map_err(|e| format!("TUNEUP_PG_CA={path}: {e}"))?;
                }
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            Ok(rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth())
        })
        .clone()
        .map_err(Failure::Setup)?;
    let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
    config.connect(connector).map_err(Failure::Server)
}

#[cfg(not(feature = "tls"))]
fn with_tls(_config: &Config) -> Result<Client, Failure> {
    Err(Failure::Setup(
        "the URL asks for TLS (sslmode=require) and this tuneup was built without it (cargo feature `tls`)"
            .into(),
    ))
}
