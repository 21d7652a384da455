#![cfg(feature = "tls")]
//! TLS to a PostgreSQL server that takes TCP connections over TLS only: `sslmode=require` with
//! the server's CA in `TUNEUP_PG_CA` connects and works; without that CA the certificate is
//! refused with an error that says what to do; without `sslmode=require` the server refuses the
//! plain connection. (One test in its own binary: it sets an environment variable.)

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use tuneup_store::postgres::test_server::Private;
use tuneup_store::{PgStore, StoreError};

#[test]
fn tls_when_the_url_asks_for_it() {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let server = Private::start_tls_only("tls", &cert.pem(), &key.serialize_pem());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/postgres?sslmode=require", server.url);

    // Without the CA: the certificate is refused, and the error says how to trust it.
    let e = PgStore::open(&url, Some(dir.path()))
        .err()
        .expect("an unknown CA");
    assert!(matches!(e, StoreError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("TUNEUP_PG_CA"), "{e}");

    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    unsafe {
        std::env::set_var("TUNEUP_PG_CA", &ca_file);
    }
    // A process builds its TLS settings once; the first try above had none: a new process
    // would, so this test checks the plain refusal first and TLS in a child process.
    let plain = format!("{}/postgres", server.url);
    let e = PgStore::open(&plain, Some(dir.path()))
        .err()
        .expect("TLS only");
    assert!(
        e.to_string().contains("no pg_hba.conf entry") || e.to_string().contains("SSL"),
        "{e}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_store-worker"))
        .args([url.as_str(), "concurrent", "tls", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The worker's trials are in the store, read back over TLS by another process.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_store-worker"))
        .args([url.as_str(), "concurrent", "tls", "1"])
        .output()
        .unwrap();
    assert!(check.status.success());
}
