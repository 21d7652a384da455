//! Tuning studies: the ask / tell loop over the store (each trial asked for in one atomic step,
//! so processes sharing a store take distinct trials and see each other's running ones), the
//! pruner asked after every epoch, and interrupted trials (their worker gone) marked as such
//! before new ones are asked for. Resumable: rerunning continues the study.

mod pruning;
mod retry;
pub mod setup;
pub mod view;

use std::path::Path;
use std::time::Instant;

use tuneup_core::data::Prepared;
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::search::trial_experiment;
use tuneup_core::tune::{Direction, Params, Sampler, Search, Trial, TrialState};
use tuneup_store::{StoredTrial, Study, StudyPlan, TrialEnd};

use crate::Lab;
use crate::record::{Request, With, record_and_train};
use crate::worker::{Seen, reap, reap_run, worker_id};

/// The study's direction: the search's, else the metric's.
pub fn direction(exp: &Experiment, search: &Search) -> Direction {
    search.direction.unwrap_or(exp.metric().direction())
}

/// The best complete trial (the lowest number among equals).
pub fn best(trials: &[StoredTrial], direction: Direction) -> Option<&StoredTrial> {
    trials
        .iter()
        .filter(|t| t.trial.state == TrialState::Complete)
        .filter(|t| t.trial.value.is_some_and(f64::is_finite))
        .min_by(|a, b| {
            direction
                .loss(a.trial.value.unwrap_or(0.0))
                .total_cmp(&direction.loss(b.trial.value.unwrap_or(0.0)))
                .then(a.trial.number.cmp(&b.trial.number))
        })
}

/// Trials by state.
pub fn count(trials: &[StoredTrial], state: TrialState) -> usize {
    trials.iter().filter(|t| t.trial.state == state).count()
}

/// Marks the study's stale running trials (their worker stopped beating, or is gone from this
/// host) as interrupted, and their runs as failed; returns the trials' numbers.
pub fn mark_interrupted(lab: Lab, study: &Study) -> anyhow::Result<Vec<usize>> {
    let mut marked = Vec::new();
    for t in lab.store.trials(study.id)? {
        if t.trial.state != TrialState::Running {
            continue;
        }
        let seen = Seen {
            item: tuneup_store::Live::Trial {
                study_id: study.id,
                number: t.trial.number,
            },
            worker: &t.worker,
            heartbeat: t.heartbeat,
            started_at: t.started_at,
        };
        let why = format!("interrupted: worker {} stopped during the trial", t.worker);
        if reap(lab.store, &seen, &why)? {
            lab.say(format!("trial {}: marked interrupted", t.trial.number));
            marked.push(t.trial.number);
            if let Some(run) = t.run_id {
                reap_run(lab.store, run)?;
            }
        }
    }
    Ok(marked)
}

/// What a study's trials need: the study, the experiment text the trials are made from, the
/// prepared data of the base experiment, how many trials (counted over the whole study, those
/// lost to an interruption left out) and until when.
pub struct Trials<'a> {
    pub study: &'a Study,
    pub dir: &'a Path,
    pub base: &'a Experiment,
    pub data: &'a Prepared,
    pub trials: usize,
    /// No trial starts after it, and each trial's time budget ends there.
    pub deadline: Option<Instant>,
    /// The parent run of every trial's run.
    pub parent: Option<i64>,
    /// Whether this process owns the study (its `tune` or `improve`): it records the plan
    /// (trials, deadline) for workers that join; a joining worker does not.
    pub owner: bool,
}

/// Records the study's plan for workers that join it (`tuneup worker`).
fn publish(lab: Lab, t: &Trials) -> anyhow::Result<()> {
    let deadline = match t.deadline {
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now()).as_secs_f64();
            Some(lab.store.clock()? + left)
        }
        None => None,
    };
    let here = if t.dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        t.dir
    };
    let dir = std::path::absolute(here).unwrap_or_else(|_| t.dir.to_path_buf());
    let plan = StudyPlan {
        trials: t.trials,
        deadline,
        dir: dir.display().to_string(),
        parent: t.parent,
    };
    lab.store.set_study_plan(t.study.id, &plan)?;
    Ok(())
}

/// Whether a worker can take trials of `study` now: it has a plan, its deadline has not passed
/// and it wants more trials than it has (interrupted ones left out).
pub fn is_open(lab: Lab, study: &Study) -> anyhow::Result<bool> {
    let Some(plan) = &study.plan else {
        return Ok(false);
    };
    if plan
        .deadline
        .is_some_and(|d| d <= lab.store.clock().unwrap_or(f64::MAX))
    {
        return Ok(false);
    }
    let taken = lab
        .store
        .trials(study.id)?
        .iter()
        .filter(|t| t.trial.state != TrialState::Interrupted)
        .count();
    Ok(taken < plan.trials)
}

/// Takes trials of a study another process owns, under its plan, until it wants no more;
/// whether this process ran any.
pub fn serve(lab: Lab, study: &Study) -> anyhow::Result<bool> {
    let Some(plan) = study.plan.clone() else {
        return Ok(false);
    };
    if !is_open(lab, study)? {
        return Ok(false);
    }
    let dir = std::path::PathBuf::from(&plan.dir);
    let base = Experiment::parse(&study.text, &dir)
        .map_err(|e| anyhow::anyhow!("study {}: its experiment: {e}", study.name))?;
    let data = tuneup_core::data::prepare(&base)?;
    let deadline = match plan.deadline {
        Some(d) => {
            let left = (d - lab.store.clock()?).max(0.0);
            Some(Instant::now() + std::time::Duration::from_secs_f64(left))
        }
        None => None,
    };
    lab.say(format!(
        "study {}: joining ({} trials wanted{})",
        study.name,
        plan.trials,
        deadline
            .map(|d| format!(
                ", {:.0} s left",
                d.saturating_duration_since(Instant::now()).as_secs_f64()
            ))
            .unwrap_or_default()
    ));
    let before = count_mine(lab, study)?;
    run_trials(
        lab,
        &Trials {
            study,
            dir: &dir,
            base: &base,
            data: &data,
            trials: plan.trials,
            deadline,
            parent: plan.parent,
            owner: false,
        },
    )?;
    Ok(count_mine(lab, study)? > before)
}

fn count_mine(lab: Lab, study: &Study) -> anyhow::Result<usize> {
    let me = worker_id();
    Ok(lab
        .store
        .trials(study.id)?
        .iter()
        .filter(|t| t.worker == me)
        .count())
}

/// Waits until no trial of the study is running (trials of workers that joined it end, or go
/// stale and are marked), or `until` passes; polls every second.
pub fn wait_for_others(lab: Lab, study: &Study, until: Instant) -> anyhow::Result<()> {
    let mut said = false;
    loop {
        mark_interrupted(lab, study)?;
        let running = lab
            .store
            .trials(study.id)?
            .iter()
            .filter(|t| t.trial.state == TrialState::Running)
            .count();
        if running == 0 || Instant::now() >= until {
            return Ok(());
        }
        if !said {
            lab.say(format!(
                "study {}: waiting for {running} trial(s) of other workers",
                study.name
            ));
            said = true;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Asks for and runs trials until the study has `t.trials` or the deadline passes.
pub fn run_trials(lab: Lab, t: &Trials) -> anyhow::Result<()> {
    let search = &t.study.search;
    let direction = direction(t.base, search);
    let sampler = Sampler::new(
        search.sampler.clone(),
        search.space.clone(),
        direction,
        search.seed.unwrap_or(t.base.seed),
    );
    let me = worker_id();
    // Runs a killed worker left (one killed before its trial knew its run, too).
    crate::worker::reap_runs(lab)?;
    if t.owner {
        publish(lab, t)?;
    }
    loop {
        tuneup_core::stop::check()?;
        if t.deadline.is_some_and(|d| Instant::now() >= d) {
            lab.say(format!("study {}: timeout reached", t.study.name));
            break;
        }
        // A trial whose worker died does not count towards the study's total: it is marked
        // before every ask, by whichever worker asks first.
        mark_interrupted(lab, t.study)?;
        let mut retried: Option<(usize, Vec<StoredTrial>)> = None;
        let mut had = 0;
        let asked = lab
            .store
            .ask_trial(t.study.id, &me, &mut |stored, number| {
                // Trials lost to an interruption are left out: they do not count, and their point
                // may be tried again.
                let seen: Vec<Trial> = stored
                    .iter()
                    .filter(|t| t.trial.state != TrialState::Interrupted)
                    .map(|t| t.trial.clone())
                    .collect();
                had = seen.len();
                if seen.len() >= t.trials {
                    return None;
                }
                if let Some(r) = retry::retriable(stored, search.retry_stale) {
                    retried = Some((r.trial.number, stored.to_vec()));
                    return Some(r.trial.params.clone());
                }
                sampler.ask(&seen, number)
            })?;
        let Some((number, params)) = asked else {
            lab.monitor.overall(crate::Overall {
                done: had as f64,
                total: t.trials as f64,
                unit: crate::Unit::Trials,
                doing: "done",
            });
            break;
        };
        lab.monitor.overall(crate::Overall {
            done: had as f64,
            total: t.trials as f64,
            unit: crate::Unit::Trials,
            doing: &format!("trial {number}"),
        });
        let resume = match &retried {
            Some((of, stored)) => {
                let point = retry::resume_point(lab, stored, &params);
                lab.say(format!(
                    "trial {number}: trying trial {of} again (its worker stopped){}",
                    point
                        .as_ref()
                        .map(|(_, e)| format!(", from its checkpoint at epoch {e}"))
                        .unwrap_or_else(|| ", from the start".into())
                ));
                point.map(|(p, _)| p)
            }
            None => None,
        };
        run_trial(lab, t, direction, number, &params, resume.as_deref())?;
    }
    Ok(())
}

/// One trial: its experiment (the study's text with the parameters set), its run with the
/// pruner asked after each epoch, and how it ended. A trial that fails is recorded as failed;
/// the study goes on.
fn run_trial(
    lab: Lab,
    t: &Trials,
    direction: Direction,
    number: usize,
    params: &Params,
    resume: Option<&Path>,
) -> anyhow::Result<()> {
    let study = t.study;
    let shown: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    lab.say(format!("-- trial {number}: {}", shown.join(" ")));
    let fail = |why: &str| -> anyhow::Result<()> {
        lab.say(format!("   trial {number} failed: {why}"));
        let end = TrialEnd {
            state: TrialState::Failed,
            value: None,
            failure: Some(why),
        };
        lab.store.finish_trial(study.id, number, &end)?;
        Ok(())
    };
    let mut exp = match trial_experiment(&study.text, t.dir, params) {
        Ok(e) => e,
        Err(e) => return fail(&e.to_string()),
    };
    exp.search = None;
    exp.name = Some(format!("{} trial {number}", study.name));
    if let Some(d) = t.deadline {
        let left = d
            .saturating_duration_since(Instant::now())
            .as_secs_f64()
            .max(1.0);
        exp.train.time_budget = Some(exp.train.time_budget.map_or(left, |b| b.min(left)));
    }
    let own;
    let data = if tuneup_core::data::same_encoding(&exp, t.base) {
        t.data
    } else {
        own = match tuneup_core::data::prepare(&exp) {
            Ok(d) => d,
            Err(e) => return fail(&e.to_string()),
        };
        &own
    };
    // With retries on a server store, the run's resume point is copied into the store after
    // every epoch, so that a worker on another host can go on from it.
    let share_each_epoch =
        study.search.retry_stale > 0 && tuneup_store::is_server(&lab.store.location());
    let run_id = std::rc::Rc::new(std::cell::Cell::new(None::<i64>));
    let mut prune = pruning::stopper(lab, study, number, direction, exp.train.epochs);
    let seen_run = run_id.clone();
    let with = With {
        stopper: Some(Box::new(move |e: &tuneup_core::run::EpochRecord| {
            let stop = prune(e);
            if let (true, Some(id)) = (share_each_epoch, seen_run.get())
                && let Err(err) = crate::artifacts::share(lab.store, id)
            {
                lab.say(format!(
                    "   trial {number}: its checkpoint not shared: {err:#}"
                ));
            }
            stop
        })),
        on_start: Some(Box::new(move |id: i64| {
            run_id.set(Some(id));
            let _ = lab.store.set_trial_run(study.id, number, id);
        })),
        ..Default::default()
    };
    let req = Request {
        exp: &exp,
        data,
        display: &study.experiment_path,
        parent: t.parent,
        resume,
    };
    let trained = record_and_train(lab, req, with)?;
    let (RunState::Complete, Some(o)) = (trained.state, trained.outcome) else {
        return fail(&trained.failure.unwrap_or_else(|| "training failed".into()));
    };
    let end = match (o.pruned, o.val.map(|s| s.metric).filter(|v| v.is_finite())) {
        (Some(e), _) => {
            lab.say(format!("   trial {number} pruned after epoch {e}"));
            let why = format!("pruned at epoch {e}");
            let last = o.epochs.last().map(|r| r.val_metric);
            lab.store.finish_trial(
                study.id,
                number,
                &TrialEnd {
                    state: TrialState::Pruned,
                    value: last,
                    failure: Some(&why),
                },
            )?;
            return Ok(());
        }
        (None, Some(v)) => v,
        (None, None) => return fail("no finite validation value"),
    };
    lab.say(format!("   trial {number}: {end:.4}"));
    lab.store.finish_trial(
        study.id,
        number,
        &TrialEnd {
            state: TrialState::Complete,
            value: Some(end),
            failure: None,
        },
    )?;
    Ok(())
}
