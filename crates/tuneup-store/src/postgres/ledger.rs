//! The improve ledger on the server. A chain's next step number is taken under a transaction
//! lock on the chain's name (an advisory lock: other chains are not held up).

use super::schema::NOW;
use super::{PgStore, parse_json, to_json};
use crate::StoreError;
use crate::records::*;
use crate::storage::LedgerStore;

impl LedgerStore for PgStore {
    fn begin_step(&self, s: &NewStep) -> Result<usize, StoreError> {
        let kind = s.kind.as_str();
        let changes = s.changes.map(to_json);
        let diagnosis = s.diagnosis.map(to_json);
        let step: i64 = self.with(|c| {
            let mut tx = c.transaction()?;
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('tuneup-chain'), hashtext($1))",
                &[&s.chain],
            )?;
            let next: i64 = tx
                .query_one(
                    "SELECT coalesce(max(step) + 1, 0) FROM ledger WHERE chain = $1",
                    &[&s.chain],
                )?
                .get(0);
            tx.execute(
                &format!(
                    "INSERT INTO ledger (chain, step, kind, state, parent_run, remedy, title, changes_json, diagnosis_json, best_before, worker, started_at, heartbeat)
                     VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10, {NOW}, {NOW})"
                ),
                &[
                    &s.chain,
                    &next,
                    &kind,
                    &s.parent_run,
                    &s.remedy,
                    &s.title,
                    &changes,
                    &diagnosis,
                    &s.best_before,
                    &s.worker,
                ],
            )?;
            tx.commit()?;
            Ok(next)
        })?;
        self.beating(s.worker);
        Ok(step as usize)
    }

    fn set_step_run(&self, chain: &str, step: usize, run_id: i64) -> Result<(), StoreError> {
        let step = step as i64;
        self.with(|c| {
            c.execute(
                "UPDATE ledger SET run_id = $3 WHERE chain = $1 AND step = $2",
                &[&chain, &step, &run_id],
            )
        })?;
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
        let (step, state) = (step as i64, state.as_str());
        let n = self.with(|c| {
            c.execute(
                &format!(
                    "UPDATE ledger SET state = $3, value = $4, reason = $5, finished_at = {NOW}
                     WHERE chain = $1 AND step = $2 AND state = 'running'"
                ),
                &[&chain, &step, &state, &value, &reason],
            )
        })?;
        Ok(n == 1)
    }

    fn ledger(&self, chain: &str) -> Result<Vec<Step>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT chain, step, kind, state, parent_run, run_id, remedy, title, changes_json, diagnosis_json,
                        value, best_before, reason, worker, started_at, finished_at, heartbeat
                 FROM ledger WHERE chain = $1 ORDER BY step",
                &[&chain],
            )
        })?;
        rows.iter()
            .map(|r| {
                let step = r.get::<_, i64>(1) as usize;
                let what = |w: &str| format!("chain {chain} step {step}: {w}");
                let kind: String = r.get(2);
                let state: String = r.get(3);
                Ok(Step {
                    chain: r.get(0),
                    step,
                    kind: StepKind::parse(&kind)
                        .ok_or_else(|| self.corrupt(what(&format!("unknown kind `{kind}`"))))?,
                    state: StepState::parse(&state)
                        .ok_or_else(|| self.corrupt(what(&format!("unknown state `{state}`"))))?,
                    parent_run: r.get(4),
                    run_id: r.get(5),
                    remedy: r.get(6),
                    title: r.get(7),
                    changes: parse_json(self, r.get(8), &what("changes"))?,
                    diagnosis: parse_json(self, r.get(9), &what("diagnosis"))?,
                    value: r.get(10),
                    best_before: r.get(11),
                    reason: r.get(12),
                    worker: r.get(13),
                    started_at: r.get(14),
                    finished_at: r.get(15),
                    heartbeat: r.get(16),
                })
            })
            .collect()
    }

    fn chains(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT chain, count(*) FROM ledger GROUP BY chain ORDER BY min(started_at)",
                &[],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as usize))
            .collect())
    }
}
