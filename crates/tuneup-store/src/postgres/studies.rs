//! Studies and trials on the server. Taking a trial is one transaction that starts by bumping
//! the study's counter (`UPDATE … RETURNING`): the study's row stays locked until the trial is
//! inserted, so workers on any host get distinct numbers and each sampler sees every earlier
//! trial, running ones included, without a table lock. Every trial write bumps the study's change
//! sequence in the same statement, so the sampler's history is read incrementally: only what
//! changed since this process last looked.

use std::collections::BTreeMap;

use postgres::Row;
use tuneup_core::tune::{Params, Trial};

use super::schema::NOW;
use super::{PgStore, parse_json, to_json};
use crate::StoreError;
use crate::records::*;
use crate::storage::StudyStore;

/// A study's trials as this process has read them (in number order: numbers have no gaps, a
/// number is only taken by an ask that commits), and up to which change.
#[derive(Default)]
pub(super) struct Cache {
    seq: i64,
    trials: Vec<StoredTrial>,
}

const TRIAL_COLUMNS: &str = "number, state, params_json, value, run_id, failure, worker, started_at, finished_at, heartbeat";

fn to_trial(r: &Row) -> StoredTrial {
    let state: String = r.get(1);
    let params: String = r.get(2);
    StoredTrial {
        trial: Trial {
            number: r.get::<_, i64>(0) as usize,
            state: TrialState::parse(&state).unwrap_or(TrialState::Failed),
            params: serde_json::from_str(&params).unwrap_or_default(),
            value: r.get(3),
            intermediate: Vec::new(),
        },
        run_id: r.get(4),
        failure: r.get(5),
        worker: r.get(6),
        started_at: r.get(7),
        finished_at: r.get(8),
        heartbeat: r.get(9),
    }
}

/// Reads the study's trials and values changed after `since` into `into`.
fn read_changes(
    c: &mut impl postgres::GenericClient,
    study_id: i64,
    since: i64,
    into: &mut BTreeMap<usize, StoredTrial>,
) -> Result<(), postgres::Error> {
    for r in c.query(
        &format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND seq > $2"),
        &[&study_id, &since],
    )? {
        let mut t = to_trial(&r);
        if let Some(old) = into.remove(&t.trial.number) {
            t.trial.intermediate = old.trial.intermediate;
        }
        into.insert(t.trial.number, t);
    }
    read_values(c, study_id, since, into)
}

/// The changed trials merged into a cache in number order.
fn merge(cache: &mut Vec<StoredTrial>, changed: BTreeMap<usize, StoredTrial>) {
    for (n, t) in changed {
        if n < cache.len() {
            cache[n] = t;
        } else {
            cache.push(t);
        }
    }
}

/// Reads the values reported after `since` into the trials of `into`.
fn read_values(
    c: &mut impl postgres::GenericClient,
    study_id: i64,
    since: i64,
    into: &mut BTreeMap<usize, StoredTrial>,
) -> Result<(), postgres::Error> {
    for r in c.query(
        "SELECT number, step, value FROM trial_values WHERE study_id = $1 AND seq > $2 ORDER BY number, step",
        &[&study_id, &since],
    )? {
        let number = r.get::<_, i64>(0) as usize;
        let step = r.get::<_, i64>(1) as usize;
        let value = r.get::<_, Option<f64>>(2).unwrap_or(f64::NAN);
        if let Some(t) = into.get_mut(&number) {
            let iv = &mut t.trial.intermediate;
            match iv.iter_mut().find(|(s, _)| *s == step) {
                Some(slot) => slot.1 = value,
                None => {
                    iv.push((step, value));
                    iv.sort_by_key(|(s, _)| *s);
                }
            }
        }
    }
    Ok(())
}

/// The trials changed after the cache's sequence, with their intermediate values: a changed
/// trial keeps the values the cache has; a value reported for an unchanged trial is added to a
/// copy of the cached one.
fn changes_since(
    c: &mut impl postgres::GenericClient,
    study_id: i64,
    cache: &Cache,
) -> Result<BTreeMap<usize, StoredTrial>, postgres::Error> {
    let mut changed = BTreeMap::new();
    for r in c.query(
        &format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE study_id = $1 AND seq > $2"),
        &[&study_id, &cache.seq],
    )? {
        let mut t = to_trial(&r);
        if let Some(old) = cache.trials.get(t.trial.number) {
            t.trial.intermediate = old.trial.intermediate.clone();
        }
        changed.insert(t.trial.number, t);
    }
    let numbers: Vec<i64> = c
        .query(
            "SELECT DISTINCT number FROM trial_values WHERE study_id = $1 AND seq > $2",
            &[&study_id, &cache.seq],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for n in numbers {
        let n = n as usize;
        if let (false, Some(t)) = (changed.contains_key(&n), cache.trials.get(n)) {
            changed.insert(n, t.clone());
        }
    }
    read_values(c, study_id, cache.seq, &mut changed)?;
    Ok(changed)
}

/// The statement prefix that bumps study `$1`'s change sequence; the rest of the statement uses
/// `(SELECT seq FROM s)`.
pub(super) const BUMP: &str =
    "WITH s AS (UPDATE studies SET seq = seq + 1 WHERE id = $1 RETURNING seq)";

impl StudyStore for PgStore {
    fn open_study(&self, s: &NewStudy) -> Result<(Study, bool), StoreError> {
        let config = serde_json::json!({ "text": s.text }).to_string();
        let search = to_json(s.search);
        let created = self.with(|c| {
            c.execute(
                &format!(
                    "INSERT INTO studies (name, experiment_path, config_json, search_json, created_at)
                     VALUES ($1, $2, $3, $4, {NOW}) ON CONFLICT (name) DO NOTHING"
                ),
                &[&s.name, &s.experiment_path, &config, &search],
            )
        })? == 1;
        let study = self
            .study(s.name)?
            .ok_or_else(|| self.corrupt(format!("study {} vanished as it was opened", s.name)))?;
        Ok((study, created))
    }

    fn study(&self, name: &str) -> Result<Option<Study>, StoreError> {
        let Some(r) = self.with(|c| {
            c.query_opt(
                "SELECT id, name, experiment_path, config_json, search_json, created_at, plan_json FROM studies WHERE name = $1",
                &[&name],
            )
        })?
        else {
            return Ok(None);
        };
        let name: String = r.get(1);
        let config: serde_json::Value =
            parse_json(self, Some(r.get(3)), &format!("study {name}: config"))?.unwrap_or_default();
        let search = parse_json(self, Some(r.get(4)), &format!("study {name}: search"))?
            .ok_or_else(|| self.corrupt(format!("study {name}: no search")))?;
        let plan = parse_json(self, r.get(6), &format!("study {name}: plan"))?;
        Ok(Some(Study {
            plan,
            id: r.get(0),
            text: config["text"].as_str().unwrap_or_default().to_string(),
            search,
            name,
            experiment_path: r.get(2),
            created_at: r.get(5),
        }))
    }

    fn studies(&self) -> Result<Vec<(String, usize)>, StoreError> {
        let rows = self.with(|c| {
            c.query(
                "SELECT s.name, (SELECT count(*) FROM trials t WHERE t.study_id = s.id) FROM studies s ORDER BY s.id",
                &[],
            )
        })?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1) as usize))
            .collect())
    }

    fn trials(&self, study_id: i64) -> Result<Vec<StoredTrial>, StoreError> {
        let mut all = BTreeMap::new();
        self.with(|c| {
            all.clear();
            // One snapshot for both reads.
            let mut tx = c
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            read_changes(&mut tx, study_id, -1, &mut all)?;
            tx.commit()
        })?;
        Ok(all.into_values().collect())
    }

    fn ask_trial(
        &self,
        study_id: i64,
        worker: &str,
        choose: &mut dyn FnMut(&[StoredTrial], usize) -> Option<Params>,
    ) -> Result<Option<(usize, Params)>, StoreError> {
        let mut cache = self.cache.borrow_mut();
        let cached = cache.entry(study_id).or_default();
        let asked = self.with(|c| {
            let mut tx = c.transaction()?;
            let Some(row) = tx.query_opt(
                "UPDATE studies SET next_number = next_number + 1, seq = seq + 1 WHERE id = $1
                 RETURNING next_number - 1, seq",
                &[&study_id],
            )?
            else {
                return Ok(None);
            };
            let (number, seq): (i64, i64) = (row.get(0), row.get(1));
            // Every other change to this study committed before our lock: read what is new.
            let changed = changes_since(&mut tx, study_id, cached)?;
            merge(&mut cached.trials, changed);
            cached.seq = seq - 1;
            if cached.trials.len() != number as usize {
                // Should not happen (numbers have no gaps); read everything again.
                let mut all = BTreeMap::new();
                read_changes(&mut tx, study_id, -1, &mut all)?;
                cached.trials = all.into_values().collect();
            }
            let Some(params) = choose(&cached.trials, number as usize) else {
                // Rolled back: the number is not taken.
                return Ok(None);
            };
            tx.execute(
                &format!(
                    "INSERT INTO trials (study_id, number, state, params_json, worker, started_at, heartbeat, seq)
                     VALUES ($1, $2, 'running', $3, $4, {NOW}, {NOW}, $5)"
                ),
                &[&study_id, &number, &to_json(&params), &worker, &seq],
            )?;
            tx.commit()?;
            Ok(Some((number as usize, params)))
        })?;
        drop(cache);
        if asked.is_some() {
            self.beating(worker);
        }
        Ok(asked)
    }

    fn set_trial_run(&self, study_id: i64, number: usize, run_id: i64) -> Result<(), StoreError> {
        let number = number as i64;
        self.with(|c| {
            c.execute(
                &format!(
                    "{BUMP} UPDATE trials SET run_id = $3, seq = (SELECT seq FROM s)
                     WHERE study_id = $1 AND number = $2"
                ),
                &[&study_id, &number, &run_id],
            )
        })?;
        Ok(())
    }

    fn set_study_plan(&self, study_id: i64, plan: &StudyPlan) -> Result<(), StoreError> {
        let plan = to_json(plan);
        self.with(|c| {
            c.execute(
                "UPDATE studies SET plan_json = $2 WHERE id = $1",
                &[&study_id, &plan],
            )
        })?;
        Ok(())
    }

    fn report_value(
        &self,
        study_id: i64,
        number: usize,
        step: usize,
        value: f64,
    ) -> Result<(), StoreError> {
        let (number, step) = (number as i64, step as i64);
        self.with(|c| {
            c.execute(
                &format!(
                    "{BUMP} INSERT INTO trial_values SELECT $1, $2, $3, $4, seq FROM s
                     ON CONFLICT (study_id, number, step) DO UPDATE SET value = excluded.value, seq = excluded.seq"
                ),
                &[&study_id, &number, &step, &value],
            )
        })?;
        Ok(())
    }

    fn finish_trial(
        &self,
        study_id: i64,
        number: usize,
        end: &TrialEnd,
    ) -> Result<bool, StoreError> {
        if !end.state.is_finished() {
            return Err(self.corrupt(format!("trial {number}: finishing needs a final state")));
        }
        let n = number as i64;
        let state = end.state.as_str();
        let changed = self.with(|c| {
            c.execute(
                &format!(
                    "{BUMP} UPDATE trials SET state = $3, value = $4, failure = $5, finished_at = {NOW},
                        seq = (SELECT seq FROM s)
                     WHERE study_id = $1 AND number = $2 AND state = 'running'"
                ),
                &[&study_id, &n, &state, &end.value, &end.failure],
            )
        })?;
        Ok(changed == 1)
    }
}
