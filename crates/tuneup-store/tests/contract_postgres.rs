//! The storage contract (`tuneup_store::contract`) on a real PostgreSQL server: the one
//! `TUNEUP_TEST_PG` names (`.ci/run` starts one), else one started for this test process. Each
//! test takes a fresh database.

use std::path::PathBuf;

use tuneup_store::contract::{self, Backend};
use tuneup_store::postgres::test_server;
use tuneup_store::{Storage, StoreError};

struct Postgres {
    artifacts: tempfile::TempDir,
}

impl Postgres {
    fn new() -> Postgres {
        Postgres {
            artifacts: tempfile::tempdir().unwrap(),
        }
    }
}

impl Backend for Postgres {
    fn name(&self) -> &str {
        "postgres"
    }
    fn fresh(&self) -> String {
        test_server::fresh_db()
    }
    fn open(&self, location: &str) -> Result<Box<dyn Storage>, StoreError> {
        tuneup_store::open_with(location, Some(self.artifacts.path()))
    }
    fn worker_exe(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_store-worker"))
    }
}

#[test]
fn runs_round_trip() {
    contract::runs_round_trip(&Postgres::new());
}

#[test]
fn run_kinds_and_extras() {
    contract::run_kinds_and_extras(&Postgres::new());
}

#[test]
fn studies_and_trials() {
    contract::studies_and_trials(&Postgres::new());
}

#[test]
fn ledger_steps() {
    contract::ledger_steps(&Postgres::new());
}

#[test]
fn concurrent_workers() {
    contract::concurrent_workers(&Postgres::new());
}

#[test]
fn reopen_after_kill() {
    contract::reopen_after_kill(&Postgres::new());
}

#[test]
fn readers() {
    contract::readers(&Postgres::new());
}
