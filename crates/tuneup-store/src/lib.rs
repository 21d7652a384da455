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
pub mod records;
pub mod sqlite;
pub mod storage;

use std::path::Path;

pub use error::StoreError;
pub use records::*;
pub use sqlite::SqliteStore;
pub use storage::{LedgerStore, RunStore, Storage, StudyStore};

/// Opens the store at `location` (an SQLite file path), creating it when it does not exist.
pub fn open(location: &Path) -> Result<Box<dyn Storage>, StoreError> {
    Ok(Box::new(SqliteStore::open(location)?))
}
