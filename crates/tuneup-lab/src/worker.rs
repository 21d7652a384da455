//! Who is working on a study or a chain, and whether they still are: workers keep their
//! running records alive with heartbeats on the store's clock (the store's own thread beats for
//! them); a running record whose heartbeat is older than the grace period, or whose worker was on
//! this host and is gone, is stale, and whoever finds it first ends it (one conditional update:
//! two processes never both claim it).

use tuneup_store::{Live, Storage};

pub use tuneup_store::worker_id;

/// A running record as its reader saw it.
pub struct Seen<'a> {
    pub item: Live<'a>,
    pub worker: &'a str,
    pub heartbeat: Option<f64>,
    pub started_at: f64,
}

/// Whether `seen` is stale now.
pub fn stale(store: &dyn Storage, seen: &Seen) -> anyhow::Result<bool> {
    let now = store.clock()?;
    Ok(tuneup_store::is_stale(
        seen.worker,
        seen.heartbeat,
        seen.started_at,
        now,
    ))
}

/// Ends `seen` as interrupted with `why` when it is stale and still as it was read; whether
/// this process ended it.
pub fn reap(store: &dyn Storage, seen: &Seen, why: &str) -> anyhow::Result<bool> {
    if !stale(store, seen)? {
        return Ok(false);
    }
    Ok(store.interrupt(seen.item, seen.heartbeat, why)?)
}

/// Ends the run `run_id` as failed when it is still running and stale (its worker stopped).
pub fn reap_run(store: &dyn Storage, run_id: i64) -> anyhow::Result<bool> {
    let run = store.run(run_id)?;
    if run.state != tuneup_core::run::RunState::Running {
        return Ok(false);
    }
    let worker = run.worker.clone().unwrap_or_default();
    let seen = Seen {
        item: Live::Run(run_id),
        worker: &worker,
        heartbeat: run.heartbeat,
        started_at: run.created_at,
    };
    let why = format!("interrupted: worker {worker} stopped during the run");
    reap(store, &seen, &why)
}

/// Ends every run still recorded as running whose worker stopped (a command killed on this
/// host, or silent past the grace period elsewhere), saying so: what a command that records
/// runs does first, so a killed run is never left `running`.
pub fn reap_runs(lab: crate::Lab) -> anyhow::Result<usize> {
    let mut n = 0;
    for run in lab.store.runs()? {
        if run.state == tuneup_core::run::RunState::Running && reap_run(lab.store, run.id)? {
            lab.say(format!(
                "run {}: marked failed (interrupted: its worker stopped)",
                run.id
            ));
            n += 1;
        }
    }
    Ok(n)
}

/// Ends as interrupted, with `why`, every run, trial and step this process still has running:
/// what a command stopped by Ctrl-C or SIGTERM does before it exits, so that nothing it leaves
/// waits for a heartbeat to go stale. Returns how many.
pub fn interrupt_mine(store: &dyn Storage, why: &str) -> anyhow::Result<usize> {
    let me = worker_id();
    let mut n = 0;
    for r in store.runs()? {
        if r.state == tuneup_core::run::RunState::Running && r.worker.as_deref() == Some(&me) {
            n += usize::from(store.interrupt(Live::Run(r.id), r.heartbeat, why)?);
        }
    }
    for (name, _) in store.studies()? {
        let Some(s) = store.study(&name)? else {
            continue;
        };
        for t in store.trials(s.id)? {
            if t.trial.state == tuneup_core::tune::TrialState::Running && t.worker == me {
                let item = Live::Trial {
                    study_id: s.id,
                    number: t.trial.number,
                };
                n += usize::from(store.interrupt(item, t.heartbeat, why)?);
            }
        }
    }
    for (chain, _) in store.chains()? {
        for s in store.ledger(&chain)? {
            if s.state == tuneup_store::StepState::Running && s.worker == me {
                let item = Live::Step {
                    chain: &chain,
                    step: s.step,
                };
                n += usize::from(store.interrupt(item, s.heartbeat, why)?);
            }
        }
    }
    Ok(n)
}
