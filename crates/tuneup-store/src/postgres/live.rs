//! Heartbeats on the server: a second connection on a background thread refreshes this
//! process's running records with the server's clock (so hosts whose clocks differ still agree);
//! a stale record is ended by one conditional update, which only one process can win.

use postgres::Client;

use super::PgStore;
use super::schema::NOW;
use crate::StoreError;
use crate::live::{Beater, note_worker, workers_now};
use crate::records::Live;
use crate::storage::Liveness;

fn beat_on(c: &mut Client, workers: &[String]) -> Result<usize, postgres::Error> {
    let mut n = 0;
    for table in ["runs", "trials", "ledger"] {
        n += c.execute(
            &format!(
                "UPDATE {table} SET heartbeat = {NOW} WHERE state = 'running' AND worker = ANY($1)"
            ),
            &[&workers],
        )?;
    }
    Ok(n as usize)
}

impl PgStore {
    /// Notes that `worker` records running records here and starts the heartbeat thread (once).
    pub(super) fn beating(&self, worker: &str) {
        note_worker(&self.beats_for, worker);
        self.beater.get_or_init(|| {
            let config = self.config.clone();
            let location = self.location.clone();
            let workers = self.beats_for.clone();
            Beater::start(move || {
                let mut client: Option<Client> = None;
                Some(move || {
                    // A lost connection is reopened on the next tick.
                    if client.as_ref().is_none_or(|c| c.is_closed()) {
                        client = super::tls::open(&config).ok();
                    }
                    let Some(c) = client.as_mut() else {
                        return Err(StoreError::Unreachable {
                            location: location.clone(),
                            why: "the heartbeat's connection is down".into(),
                        });
                    };
                    beat_on(c, &workers_now(&workers)).map_err(|source| StoreError::Postgres {
                        location: location.clone(),
                        source,
                    })
                })
            })
        });
    }
}

impl Liveness for PgStore {
    fn clock(&self) -> Result<f64, StoreError> {
        self.with(|c| c.query_one(&format!("SELECT {NOW}"), &[]).map(|r| r.get(0)))
    }

    fn revision(&self) -> Result<u64, StoreError> {
        // The next transaction id the server will assign: it moves whenever any transaction
        // writes (read-only ones are not given an id), so a reader sees every commit.
        self.with(|c| {
            c.query_one(
                "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint",
                &[],
            )
            .map(|r| r.get::<_, i64>(0) as u64)
        })
    }

    fn beat(&self) -> Result<usize, StoreError> {
        let workers = workers_now(&self.beats_for);
        self.with(|c| beat_on(c, &workers))
    }

    fn interrupt(&self, item: Live<'_>, seen: Option<f64>, why: &str) -> Result<bool, StoreError> {
        // `IS NOT DISTINCT FROM` matches NULL to NULL: a record that never beat is claimed once.
        let n = match item {
            Live::Run(id) => self.with(|c| {
                c.execute(
                    &format!(
                        "UPDATE runs SET state = 'failed', failure = $2, finished_at = {NOW}
                         WHERE id = $1 AND state = 'running' AND heartbeat IS NOT DISTINCT FROM $3"
                    ),
                    &[&id, &why, &seen],
                )
            })?,
            Live::Trial { study_id, number } => {
                let number = number as i64;
                self.with(|c| {
                    c.execute(
                        &format!(
                            "{} UPDATE trials SET state = 'interrupted', failure = $3, finished_at = {NOW},
                                seq = (SELECT seq FROM s)
                             WHERE study_id = $1 AND number = $2 AND state = 'running'
                                AND heartbeat IS NOT DISTINCT FROM $4",
                            super::studies::BUMP
                        ),
                        &[&study_id, &number, &why, &seen],
                    )
                })?
            }
            Live::Step { chain, step } => {
                let step = step as i64;
                self.with(|c| {
                    c.execute(
                        &format!(
                            "UPDATE ledger SET state = 'interrupted', reason = $3, finished_at = {NOW}
                             WHERE chain = $1 AND step = $2 AND state = 'running'
                                AND heartbeat IS NOT DISTINCT FROM $4"
                        ),
                        &[&chain, &step, &why, &seen],
                    )
                })?
            }
        };
        Ok(n == 1)
    }
}
