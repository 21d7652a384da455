//! `tuneup tune EXP.toml [--trials N] [--timeout D] [--study NAME] [--workers N]`: a
//! hyperparameter study over the experiment's `[search]`, recorded in the store beside the runs.
//!
//! Resumable: trials live in the store; rerunning the command continues the study. A trial whose
//! worker process is gone (killed, crashed) is marked failed ("interrupted") before new trials
//! are asked for, and does not count towards --trials. Several processes (or --workers) share a
//! study: each trial is taken in one immediate transaction.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::search::{parse_duration, trial_experiment};
use tuneup_core::tune::{Direction, Sampler, Search, Trial, TrialState};
use tuneup_store::{Store, StoredTrial, Study};

/// Trials failed because their worker vanished start with this.
const INTERRUPTED: &str = "interrupted";

pub struct Args<'a> {
    pub experiment: &'a Path,
    pub store: &'a Path,
    pub trials: Option<usize>,
    pub timeout: Option<&'a str>,
    pub study: Option<&'a str>,
    pub workers: usize,
    pub json: bool,
}

/// The study's direction: the search's, else the metric's.
pub fn direction(exp: &Experiment, search: &Search) -> Direction {
    search.direction.unwrap_or(
        if exp.metric().direction() == tuneup_core::metrics::Direction::HigherIsBetter {
            Direction::Maximize
        } else {
            Direction::Minimize
        },
    )
}

/// This process as a worker: `host:pid:start`, where start is the process's start time in
/// clock ticks since boot (so a reused pid is told apart).
pub(crate) fn worker_id() -> String {
    format!(
        "{}:{}:{}",
        host(),
        std::process::id(),
        start_ticks(std::process::id()).unwrap_or(0)
    )
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

fn start_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 22 (starttime); the command name (field 2) may hold spaces, so count after ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the worker that wrote `id` is still running (on this host; a worker on another host
/// is assumed alive).
pub(crate) fn alive(id: &str) -> bool {
    let mut parts = id.rsplitn(3, ':');
    let (Some(start), Some(pid), Some(h)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if h != host() {
        return true;
    }
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return false;
    };
    start_ticks(pid) == Some(start)
}

fn interrupted(t: &Trial, failure: &Option<String>) -> bool {
    t.state == TrialState::Failed
        && failure
            .as_deref()
            .is_some_and(|f| f.starts_with(INTERRUPTED))
}

/// Trials that count towards --trials: all but those lost to an interruption.
fn counted(history: &[Trial], failures: &[Option<String>]) -> usize {
    history
        .iter()
        .zip(failures)
        .filter(|(t, f)| !interrupted(t, f))
        .count()
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(a.experiment)
        .map_err(|e| InputError::in_file(a.experiment, format!("cannot read: {e}")))?;
    let base = Experiment::load(a.experiment)?;
    let Some(search) = base.search.clone() else {
        return Err(InputError::in_file(
            a.experiment,
            "no [search] table: add [search.space] with the keys to search, e.g. \"optimizer.lr\" = { float = [1e-4, 1e-1], log = true }",
        )
        .key("search")
        .into());
    };
    let dir = a.experiment.parent().unwrap_or(Path::new(""));
    let trials_wanted = a.trials.or(search.trials).unwrap_or(20);
    let timeout = match a.timeout.or(search.timeout.as_deref()) {
        None => None,
        Some(t) => Some(parse_duration(t).ok_or_else(|| {
            InputError::new(format!(
                "--timeout: expected a duration such as 90s, 10m or 1h, found `{t}`"
            ))
        })?),
    };
    if a.workers == 0 {
        return Err(InputError::new("--workers: expected at least 1").into());
    }
    // Every searched key must be one the experiment file takes: try a few points of the space.
    let probe = Sampler::new(
        tuneup_core::tune::SamplerSpec::Random,
        search.space.clone(),
        Direction::Minimize,
        0,
    );
    let mut last_err = None;
    let mut any_ok = false;
    for n in 0..5 {
        let p = probe.ask(&[], n).unwrap_or_default();
        match trial_experiment(&text, dir, &p) {
            Ok(_) => any_ok = true,
            Err(e) => last_err = Some(e),
        }
    }
    if !any_ok {
        let e = last_err.expect("five failed probes");
        return Err(InputError::in_file(
            a.experiment,
            format!(
                "the search space does not make valid experiments: {}{}",
                e.key.map(|k| format!("{k}: ")).unwrap_or_default(),
                e.message
            ),
        )
        .key("search.space")
        .into());
    }
    let data = tuneup_core::data::prepare(&base)?;
    super::train::check_model(&base, &data, a.experiment)?;
    let name = a.study.map(str::to_string).unwrap_or_else(|| {
        a.experiment
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "study".into())
    });
    let store = Store::open(a.store).context("opening the run store")?;
    let search_json = serde_json::to_value(&search)?;
    let (study, created) = store.open_study(
        &name,
        &a.experiment.display().to_string(),
        &json!({ "text": text }),
        &search_json,
    )?;
    if !created && study.search != search_json {
        return Err(InputError::new(format!(
            "study `{name}` exists with another search space or sampler; give another --study name (or restore the experiment's [search])"
        ))
        .key("--study")
        .into());
    }
    if a.workers > 1 {
        return spawn_workers(&a, &name, trials_wanted, &study, &store);
    }
    // Interrupted trials: running, but their worker is gone.
    for t in store.trials(study.id)? {
        if t.trial.state == TrialState::Running && !alive(&t.worker) {
            store.finish_trial(
                study.id,
                t.trial.number,
                TrialState::Failed,
                None,
                Some(&format!(
                    "{INTERRUPTED}: worker {} exited during the trial",
                    t.worker
                )),
            )?;
            eprintln!("trial {}: marked failed (interrupted)", t.trial.number);
        }
    }
    let direction = direction(&base, &search);
    eprintln!(
        "study {name}: {} sampler, {} pruner, {} the validation {}; {} trials{}",
        search.sampler.name(),
        search.pruner.name(),
        if direction == Direction::Maximize {
            "maximising"
        } else {
            "minimising"
        },
        base.metric().name(),
        trials_wanted,
        timeout
            .map(|t| format!(", timeout {t:.0} s"))
            .unwrap_or_default()
    );
    run_trials(&Trials {
        store: &store,
        study: &study,
        text: &text,
        dir,
        base: &base,
        data: &data,
        search: &search,
        trials: trials_wanted,
        deadline: timeout.map(|t| Instant::now() + std::time::Duration::from_secs_f64(t)),
        parent: None,
    })?;
    summary(&store, &study, direction, a.json)
}

/// What a study's trials need: the study, the experiment text the trials are made from, the
/// prepared data of the base experiment, how many trials (counted over the whole study) and
/// until when.
pub(crate) struct Trials<'a> {
    pub store: &'a Store,
    pub study: &'a Study,
    pub text: &'a str,
    pub dir: &'a Path,
    pub base: &'a Experiment,
    pub data: &'a tuneup_core::data::Prepared,
    pub search: &'a Search,
    pub trials: usize,
    /// No trial starts after it, and each trial's time budget ends there.
    pub deadline: Option<Instant>,
    /// The parent run of every trial's run.
    pub parent: Option<i64>,
}

/// Asks for and runs trials until the study has `trials` (not counting interrupted ones) or
/// the deadline passes.
pub(crate) fn run_trials(t: &Trials) -> anyhow::Result<()> {
    let direction = direction(t.base, t.search);
    let sampler = Sampler::new(
        t.search.sampler.clone(),
        t.search.space.clone(),
        direction,
        t.search.seed.unwrap_or(t.base.seed),
    );
    let me = worker_id();
    loop {
        if t.deadline.is_some_and(|d| Instant::now() >= d) {
            eprintln!("study {}: timeout reached", t.study.name);
            break;
        }
        let asked = t.store.ask_trial(t.study.id, &me, |stored, number| {
            let history: Vec<Trial> = stored.iter().map(|t| t.trial.clone()).collect();
            let failures: Vec<Option<String>> = stored.iter().map(|t| t.failure.clone()).collect();
            if counted(&history, &failures) >= t.trials {
                return None;
            }
            // Trials lost to an interruption are left out: their point may be tried again.
            let seen: Vec<Trial> = history
                .into_iter()
                .zip(&failures)
                .filter(|(t, f)| !interrupted(t, f))
                .map(|(t, _)| t)
                .collect();
            sampler.ask(&seen, number)
        })?;
        let Some((number, params)) = asked else {
            break;
        };
        run_trial(t, direction, number, &params)?;
    }
    Ok(())
}

fn run_trial(
    t: &Trials,
    direction: Direction,
    number: usize,
    params: &tuneup_core::tune::Params,
) -> anyhow::Result<()> {
    let Trials {
        store,
        study,
        text,
        dir,
        base,
        data: base_data,
        search,
        ..
    } = *t;
    let shown: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    eprintln!("-- trial {number}: {}", shown.join(" "));
    let fail = |why: &str| -> anyhow::Result<()> {
        eprintln!("   trial {number} failed: {why}");
        store.finish_trial(study.id, number, TrialState::Failed, None, Some(why))?;
        Ok(())
    };
    let mut exp = match trial_experiment(text, dir, params) {
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
    let data = if exp.data == base.data {
        base_data
    } else {
        own = match tuneup_core::data::prepare(&exp) {
            Ok(d) => d,
            Err(e) => return fail(&e.to_string()),
        };
        &own
    };
    let max_steps = exp.train.epochs;
    let pruner = search.pruner.clone();
    let stopper = Box::new(move |rec: &tuneup_core::run::EpochRecord| -> bool {
        let v = rec.val_metric;
        if store.report_value(study.id, number, rec.epoch, v).is_err() {
            return false;
        }
        if pruner == tuneup_core::tune::Pruner::None {
            // Nothing to compare against, so no history read: only a NaN stops the trial (as
            // `Pruner::prune` decides for every pruner).
            return !v.is_finite();
        }
        let Ok(all) = store.trials(study.id) else {
            return false;
        };
        let (mine, others): (Vec<StoredTrial>, Vec<StoredTrial>) =
            all.into_iter().partition(|t| t.trial.number == number);
        let others: Vec<Trial> = others.into_iter().map(|t| t.trial).collect();
        mine.first()
            .is_some_and(|m| pruner.prune(&m.trial, rec.epoch, &others, direction, max_steps))
    });
    let on_start = Box::new(move |run_id: i64| {
        let _ = store.set_trial_run(study.id, number, run_id);
    });
    let t = super::train::record_and_train_with(
        store,
        &exp,
        data,
        &study.experiment_path,
        t.parent,
        None,
        super::train::With {
            stopper: Some(stopper),
            on_start: Some(on_start),
            ..Default::default()
        },
    )?;
    match (t.state, t.outcome) {
        (RunState::Complete, Some(o)) => {
            if let Some(e) = o.pruned {
                let last = o.epochs.last().map(|r| r.val_metric);
                eprintln!("   trial {number} pruned after epoch {e}");
                store.finish_trial(
                    study.id,
                    number,
                    TrialState::Pruned,
                    last,
                    Some(&format!("pruned at epoch {e}")),
                )?;
            } else {
                let v = o.val.map(|s| s.metric).filter(|v| v.is_finite());
                match v {
                    Some(v) => {
                        eprintln!("   trial {number}: {v:.4}");
                        store.finish_trial(
                            study.id,
                            number,
                            TrialState::Complete,
                            Some(v),
                            None,
                        )?;
                    }
                    None => fail("no finite validation value")?,
                }
            }
        }
        _ => fail(&t.failure.unwrap_or_else(|| "training failed".into()))?,
    }
    Ok(())
}

/// `--workers N`: N processes of this command on the same store and study, waited for.
fn spawn_workers(
    a: &Args,
    name: &str,
    trials: usize,
    study: &Study,
    store: &Store,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("finding this executable")?;
    let mut children = Vec::new();
    for w in 0..a.workers {
        let mut cmd = Command::new(&exe);
        cmd.arg("--store")
            .arg(a.store)
            .arg("tune")
            .arg(a.experiment)
            .arg("--study")
            .arg(name)
            .arg("--trials")
            .arg(trials.to_string());
        if let Some(t) = a.timeout {
            cmd.arg("--timeout").arg(t);
        }
        children.push((w, cmd.spawn().context("starting a worker")?));
    }
    let mut failed = 0;
    for (w, mut c) in children {
        let status = c.wait()?;
        if !status.success() {
            eprintln!("worker {w} exited with {status}");
            failed += 1;
        }
    }
    let base = Experiment::load(a.experiment)?;
    let search = base.search.clone().expect("checked");
    summary(store, study, direction(&base, &search), a.json)?;
    if failed > 0 {
        anyhow::bail!("{failed} of {} workers failed", a.workers);
    }
    Ok(())
}

/// The study's state in a few lines (or JSON).
fn summary(
    store: &Store,
    study: &Study,
    direction: Direction,
    json_out: bool,
) -> anyhow::Result<()> {
    let trials = store.trials(study.id)?;
    let count = |s: TrialState| trials.iter().filter(|t| t.trial.state == s).count();
    let best = super::study::best(&trials, direction);
    if json_out {
        println!(
            "{}",
            json!({
                "study": study.name,
                "trials": trials.len(),
                "complete": count(TrialState::Complete),
                "pruned": count(TrialState::Pruned),
                "failed": count(TrialState::Failed),
                "running": count(TrialState::Running),
                "best": best.map(|b| json!({"number": b.trial.number, "value": b.trial.value, "params": b.trial.params, "run_id": b.run_id})),
            })
        );
        return Ok(());
    }
    println!(
        "study {}: {} trials ({} complete, {} pruned, {} failed, {} running)",
        study.name,
        trials.len(),
        count(TrialState::Complete),
        count(TrialState::Pruned),
        count(TrialState::Failed),
        count(TrialState::Running)
    );
    if let Some(b) = best {
        super::study::print_best(b);
    }
    Ok(())
}
