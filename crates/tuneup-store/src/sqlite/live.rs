//! Heartbeats in the SQLite store: a second connection on a background thread refreshes this
//! process's running records; stale ones are ended by one conditional update each. The clock is
//! this host's (every process sharing an SQLite file is on one host).

use rusqlite::{Connection, params};

use super::{SqliteStore, now};
use crate::StoreError;
use crate::live::{Beater, Workers, note_worker, workers_now};
use crate::records::Live;
use crate::storage::Liveness;

/// The heartbeat's statements: every running run, trial and step of `workers`.
fn beat_on(conn: &Connection, workers: &[String]) -> rusqlite::Result<usize> {
    let t = now();
    let mut n = 0;
    for w in workers {
        for table in ["runs", "trials", "ledger"] {
            n += conn.execute(
                &format!(
                    "UPDATE {table} SET heartbeat = ?1 WHERE worker = ?2 AND state = 'running'"
                ),
                params![t, w],
            )?;
        }
    }
    Ok(n)
}

impl SqliteStore {
    /// Notes that `worker` records running records here and starts the heartbeat thread (once).
    pub(super) fn beating(&self, worker: &str) {
        note_worker(&self.beats_for, worker);
        self.beater.get_or_init(|| {
            let path = self.path.clone();
            let workers: Workers = self.beats_for.clone();
            Beater::start(move || {
                let conn = Connection::open(&path).ok()?;
                conn.busy_timeout(std::time::Duration::from_secs(30)).ok()?;
                Some(move || {
                    beat_on(&conn, &workers_now(&workers)).map_err(|source| StoreError::Sqlite {
                        path: path.clone(),
                        source,
                    })
                })
            })
        });
    }

    /// This process's worker id.
    pub(super) fn me(&self) -> &str {
        &self.worker
    }
}

impl Liveness for SqliteStore {
    fn clock(&self) -> Result<f64, StoreError> {
        Ok(now())
    }

    fn revision(&self) -> Result<u64, StoreError> {
        // SQLite's own counter: it changes when another connection commits.
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
            .map(|v| v as u64)
            .map_err(|e| self.err(e))
    }

    fn beat(&self) -> Result<usize, StoreError> {
        beat_on(&self.conn, &workers_now(&self.beats_for)).map_err(|e| self.err(e))
    }

    fn interrupt(&self, item: Live<'_>, seen: Option<f64>, why: &str) -> Result<bool, StoreError> {
        // `heartbeat IS ?` matches NULL to NULL, so a record that never beat is claimed once too.
        let t = now();
        let n = match item {
            Live::Run(id) => self.conn.execute(
                "UPDATE runs SET state = 'failed', failure = ?2, finished_at = ?3
                 WHERE id = ?1 AND state = 'running' AND heartbeat IS ?4",
                params![id, why, t, seen],
            ),
            Live::Trial { study_id, number } => self.conn.execute(
                "UPDATE trials SET state = 'interrupted', failure = ?3, finished_at = ?4
                 WHERE study_id = ?1 AND number = ?2 AND state = 'running' AND heartbeat IS ?5",
                params![study_id, number as i64, why, t, seen],
            ),
            Live::Step { chain, step } => self.conn.execute(
                "UPDATE ledger SET state = 'interrupted', reason = ?3, finished_at = ?4
                 WHERE chain = ?1 AND step = ?2 AND state = 'running' AND heartbeat IS ?5",
                params![chain, step as i64, why, t, seen],
            ),
        }
        .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }
}
