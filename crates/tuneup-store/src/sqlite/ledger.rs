//! The improve loop's ledger: one row per step of a chain (the baseline, each remedy tried, the
//! ensemble, the final evaluation), written as `running` before the step's work starts and
//! ended once, so an interrupted chain resumes without repeating or losing a step.

use rusqlite::params;

use super::{SqliteStore, now, to_json};
use crate::StoreError;
use crate::records::*;
use crate::storage::LedgerStore;

impl LedgerStore for SqliteStore {
    fn begin_step(&self, s: &NewStep) -> Result<usize, StoreError> {
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
                    "INSERT INTO ledger (chain, step, kind, state, parent_run, remedy, title, changes_json, diagnosis_json, best_before, worker, started_at, heartbeat)
                     VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                    params![
                        s.chain,
                        next,
                        s.kind.as_str(),
                        s.parent_run,
                        s.remedy,
                        s.title,
                        s.changes.map(to_json),
                        s.diagnosis.map(to_json),
                        s.best_before,
                        s.worker,
                        now()
                    ],
                )
                .map_err(sql)?;
            self.beating(s.worker);
            Ok(next as usize)
        })
    }

    fn set_step_run(&self, chain: &str, step: usize, run_id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE ledger SET run_id = ?3 WHERE chain = ?1 AND step = ?2",
                params![chain, step as i64, run_id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn end_step(
        &self,
        chain: &str,
        step: usize,
        state: StepState,
        value: Option<f64>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        if state == StepState::Running {
            return Err(self.corrupt(format!("step {step}: ending needs a final state")));
        }
        let n = self
            .conn
            .execute(
                "UPDATE ledger SET state = ?3, value = ?4, reason = ?5, finished_at = ?6
                 WHERE chain = ?1 AND step = ?2 AND state = 'running'",
                params![chain, step as i64, state.as_str(), value, reason, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    fn ledger(&self, chain: &str) -> Result<Vec<Step>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT chain, step, kind, state, parent_run, run_id, remedy, title, changes_json, diagnosis_json,
                        value, best_before, reason, worker, started_at, finished_at, heartbeat
                 FROM ledger WHERE chain = ?1 ORDER BY step",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([chain], |r| {
                Ok((
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, Option<String>>(9)?,
                    Step {
                        chain: r.get(0)?,
                        step: r.get::<_, i64>(1)? as usize,
                        kind: StepKind::Baseline,
                        state: StepState::Running,
                        parent_run: r.get(4)?,
                        run_id: r.get(5)?,
                        remedy: r.get(6)?,
                        title: r.get(7)?,
                        changes: None,
                        diagnosis: None,
                        value: r.get(10)?,
                        best_before: r.get(11)?,
                        reason: r.get(12)?,
                        worker: r.get(13)?,
                        started_at: r.get(14)?,
                        finished_at: r.get(15)?,
                        heartbeat: r.get(16)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(kind, state, changes, diagnosis, mut s)| {
                let what = |w: &str| format!("chain {chain} step {}: {w}", s.step);
                s.kind = StepKind::parse(&kind)
                    .ok_or_else(|| self.corrupt(what(&format!("unknown kind `{kind}`"))))?;
                s.state = StepState::parse(&state)
                    .ok_or_else(|| self.corrupt(what(&format!("unknown state `{state}`"))))?;
                s.changes = super::parse_json(self, changes, &what("changes"))?;
                s.diagnosis = super::parse_json(self, diagnosis, &what("diagnosis"))?;
                Ok(s)
            })
            .collect()
    }

    fn chains(&self) -> Result<Vec<(String, usize)>, StoreError> {
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
}
