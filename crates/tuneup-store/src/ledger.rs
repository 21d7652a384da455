//! The improve loop's ledger: one row per step of a chain (the baseline, each remedy tried,
//! the final evaluation), written as `running` before the step's work starts and ended once,
//! so an interrupted chain resumes without repeating or losing a step.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, now};

pub(crate) const SCHEMA: &str = "
CREATE TABLE ledger (
    chain TEXT NOT NULL,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'kept', 'rejected', 'failed', 'interrupted', 'done')),
    parent_run INTEGER,
    run_id INTEGER,
    remedy TEXT,
    title TEXT,
    changes_json TEXT,
    diagnosis_json TEXT,
    value REAL,
    best_before REAL,
    reason TEXT,
    worker TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (chain, step)
);
";

/// One step of an improve chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub chain: String,
    pub step: usize,
    /// `baseline`, `remedy`, `ensemble` or `final`.
    pub kind: String,
    /// `running`, `kept`, `rejected`, `failed`, `interrupted` or `done`.
    pub state: String,
    /// The best run the step started from.
    pub parent_run: Option<i64>,
    pub run_id: Option<i64>,
    pub remedy: Option<String>,
    pub title: Option<String>,
    /// The exact config changes (JSON list of {key, from, to}).
    pub changes: Option<serde_json::Value>,
    /// The parent's diagnosis in brief: verdict and errors.
    pub diagnosis: Option<serde_json::Value>,
    /// The step's validation metric (the final step: the test metric).
    pub value: Option<f64>,
    pub best_before: Option<f64>,
    /// Why it was kept or rejected, in numbers.
    pub reason: Option<String>,
    pub worker: String,
    pub started_at: f64,
    pub finished_at: Option<f64>,
}

impl Step {
    pub fn seconds(&self) -> Option<f64> {
        self.finished_at.map(|f| f - self.started_at)
    }
}

/// What a new step starts with.
pub struct NewStep<'a> {
    pub chain: &'a str,
    pub kind: &'a str,
    pub parent_run: Option<i64>,
    pub remedy: Option<&'a str>,
    pub title: Option<&'a str>,
    pub changes: Option<&'a serde_json::Value>,
    pub diagnosis: Option<&'a serde_json::Value>,
    pub best_before: Option<f64>,
    pub worker: &'a str,
}

impl Store {
    /// Starts the chain's next step (number = last + 1) as running; returns its number.
    pub fn begin_step(&self, s: &NewStep) -> Result<usize, StoreError> {
        self.immediate(|| {
            let sql = |e| self.err(e);
            let next: i64 = self
                .conn
                .query_row(
                    "SELECT coalesce(max(step) + 1, 0) FROM ledger WHERE chain = ?1",
                    [s.chain],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            self.conn
                .execute(
                    "INSERT INTO ledger (chain, step, kind, state, parent_run, remedy, title, changes_json, diagnosis_json, best_before, worker, started_at)
                     VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        s.chain,
                        next,
                        s.kind,
                        s.parent_run,
                        s.remedy,
                        s.title,
                        s.changes.map(|c| c.to_string()),
                        s.diagnosis.map(|c| c.to_string()),
                        s.best_before,
                        s.worker,
                        now()
                    ],
                )
                .map_err(sql)?;
            Ok(next as usize)
        })
    }

    pub fn set_step_run(&self, chain: &str, step: usize, run_id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE ledger SET run_id = ?3 WHERE chain = ?1 AND step = ?2",
                params![chain, step as i64, run_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Ends a running step; a step that already ended is left alone (returns `false`).
    pub fn end_step(
        &self,
        chain: &str,
        step: usize,
        state: &str,
        value: Option<f64>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE ledger SET state = ?3, value = ?4, reason = ?5, finished_at = ?6
                 WHERE chain = ?1 AND step = ?2 AND state = 'running'",
                params![chain, step as i64, state, value, reason, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// The chain's steps in order.
    pub fn ledger(&self, chain: &str) -> Result<Vec<Step>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT chain, step, kind, state, parent_run, run_id, remedy, title, changes_json, diagnosis_json,
                        value, best_before, reason, worker, started_at, finished_at
                 FROM ledger WHERE chain = ?1 ORDER BY step",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([chain], |r| {
                let js = |i: usize| -> rusqlite::Result<Option<serde_json::Value>> {
                    Ok(r.get::<_, Option<String>>(i)?
                        .and_then(|s| serde_json::from_str(&s).ok()))
                };
                Ok(Step {
                    chain: r.get(0)?,
                    step: r.get::<_, i64>(1)? as usize,
                    kind: r.get(2)?,
                    state: r.get(3)?,
                    parent_run: r.get(4)?,
                    run_id: r.get(5)?,
                    remedy: r.get(6)?,
                    title: r.get(7)?,
                    changes: js(8)?,
                    diagnosis: js(9)?,
                    value: r.get(10)?,
                    best_before: r.get(11)?,
                    reason: r.get(12)?,
                    worker: r.get(13)?,
                    started_at: r.get(14)?,
                    finished_at: r.get(15)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every chain's name and step count.
    pub fn chains(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT chain, count(*) FROM ledger GROUP BY chain ORDER BY min(started_at)")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The last step of a chain, if any.
    pub fn last_step(&self, chain: &str) -> Result<Option<usize>, StoreError> {
        self.conn
            .query_row(
                "SELECT max(step) FROM ledger WHERE chain = ?1",
                [chain],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()
            .map(|v| v.flatten().map(|s| s as usize))
            .map_err(|e| self.err(e))
    }
}
