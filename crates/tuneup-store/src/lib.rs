//! tuneup's store: every run (its resolved experiment, per-epoch curves, final numbers, state,
//! timing and checkpoint), every study and trial, and the improve ledger, as typed records
//! behind the [`Storage`] trait.
//!
//! Owns: the storage contract ([`storage`]), the records ([`records`]), the SQLite
//! implementation ([`sqlite`]), and the contract tests every implementation passes
//! ([`contract`]). The only crate that sees SQL. May import `tuneup-core` only: never burn,
//! never the lab or the binary.

pub mod contract;
mod error;
#[cfg(feature = "failpoints")]
mod failing;
mod json;
pub mod live;
pub mod postgres;
pub mod records;
pub mod sqlite;
pub mod storage;

use std::path::Path;

pub use error::StoreError;
pub use live::{grace, heartbeat_every, is_stale, worker_id};
pub use postgres::PgStore;
pub use records::*;
pub use sqlite::SqliteStore;
pub use storage::{LedgerStore, Liveness, RunStore, Storage, StudyStore};

/// Whether `location` names a PostgreSQL server (`postgres://` or `postgresql://`) rather than
/// an SQLite file.
pub fn is_server(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Opens the store at `location`: a PostgreSQL URL, else an SQLite file path (created when it
/// does not exist). `artifacts` is where a server store's run files are written locally (by
/// default `tuneup-<database>.runs` in the working directory); a file store keeps them beside
/// the file.
pub fn open_with(location: &str, artifacts: Option<&Path>) -> Result<Box<dyn Storage>, StoreError> {
    let store: Box<dyn Storage> = if is_server(location) {
        Box::new(PgStore::open(location, artifacts)?)
    } else {
        Box::new(SqliteStore::open(Path::new(location))?)
    };
    // Test builds: every write passes a crash point (`tuneup_core::failpoint`).
    #[cfg(feature = "failpoints")]
    let store: Box<dyn Storage> = Box::new(failing::Failing(store));
    Ok(store)
}

/// Opens an existing store through a connection that cannot write (the dashboard's): never
/// creates, migrates or locks it for writing, so it cannot slow or block a running study.
pub fn open_read_only(
    location: &str,
    artifacts: Option<&Path>,
) -> Result<Box<dyn Storage>, StoreError> {
    if is_server(location) {
        Ok(Box::new(PgStore::open_read_only(location, artifacts)?))
    } else {
        Ok(Box::new(SqliteStore::open_read_only(Path::new(location))?))
    }
}

/// [`open_with`] with the default artifacts folder.
pub fn open(location: &str) -> Result<Box<dyn Storage>, StoreError> {
    open_with(location, None)
}
