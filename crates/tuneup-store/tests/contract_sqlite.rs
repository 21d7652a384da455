//! The storage contract (`tuneup_store::contract`) on the SQLite store.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use tuneup_store::contract::{self, Backend};
use tuneup_store::{Storage, StoreError};

struct Sqlite {
    dir: tempfile::TempDir,
    next: AtomicUsize,
}

impl Sqlite {
    fn new() -> Sqlite {
        Sqlite {
            dir: tempfile::tempdir().unwrap(),
            next: AtomicUsize::new(0),
        }
    }
}

impl Backend for Sqlite {
    fn name(&self) -> &str {
        "sqlite"
    }
    fn fresh(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.dir
            .path()
            .join(format!("store-{n}.db"))
            .display()
            .to_string()
    }
    fn open(&self, location: &str) -> Result<Box<dyn Storage>, StoreError> {
        tuneup_store::open(location)
    }
    fn worker_exe(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_store-worker"))
    }
}

#[test]
fn runs_round_trip() {
    contract::runs_round_trip(&Sqlite::new());
}

#[test]
fn run_kinds_and_extras() {
    contract::run_kinds_and_extras(&Sqlite::new());
}

#[test]
fn studies_and_trials() {
    contract::studies_and_trials(&Sqlite::new());
}

#[test]
fn ledger_steps() {
    contract::ledger_steps(&Sqlite::new());
}

#[test]
fn concurrent_workers() {
    contract::concurrent_workers(&Sqlite::new());
}

#[test]
fn reopen_after_kill() {
    contract::reopen_after_kill(&Sqlite::new());
}

#[test]
fn readers() {
    contract::readers(&Sqlite::new());
}
