//! `tuneup improve EXP.toml|DATA [--budget 15m] [--max-runs N] [--target-metric X]
//! [--max-params P] [--chain NAME]`: the development cycle, automated. Train the baseline,
//! diagnose it, try the remedies the diagnosis ranks first as child runs, keep a child only if
//! it beats the current best on the validation set beyond noise (a paired test on the same
//! validation samples), repeat from the new best until the budget, the target or the remedies
//! run out; then evaluate the final model on the test set once. Every step is a ledger row
//! (`tuneup history`), written before the step's work starts, so an interrupted chain resumes
//! where it stopped.
//!
//! When the validation split is small (under [`CV_BELOW`] rows, where one sample moves the
//! metric by more than 0.2%), every candidate is judged by K-fold cross-validation over the
//! training and validation rows instead (`--cv`): a candidate is a CV run whose out-of-fold
//! predictions cover every row, the paired test runs over all of them, and the final model is
//! the best candidate's fold models averaged.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use tuneup_core::InputError;
use tuneup_core::cv::CvSpec;
use tuneup_core::data::{Prepared, Y};
use tuneup_core::diagnose::{Diagnosis, Verdict};
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::search::parse_duration;
use tuneup_store::{NewStep, Step, Store};

/// Steps whose worker vanished are ended with this state.
const INTERRUPTED: &str = "interrupted";

pub struct Args<'a> {
    pub source: &'a Path,
    pub store: &'a Path,
    pub budget: &'a str,
    pub max_runs: Option<usize>,
    pub target_metric: Option<f64>,
    pub max_params: Option<usize>,
    pub chain: Option<&'a str>,
    /// The one-sided z a child's paired gain must reach to be kept.
    pub z: f64,
    /// Ensemble up to this many of the chain's runs at the end (0 or 1: off).
    pub ensemble: usize,
    /// Only these remedy ids.
    pub remedies: Option<&'a [String]>,
    /// `auto`, `off` or a number of folds: judge candidates by cross-validation.
    pub cv: &'a str,
    pub json: bool,
}

/// Under this many validation rows, `--cv auto` judges candidates by cross-validation.
pub const CV_BELOW: usize = 500;

/// The cross-validation the chain judges by, if any: `--cv auto|off|K` against the experiment
/// and its validation split.
fn cv_mode(flag: &str, exp: &Experiment, data: &Prepared) -> Result<Option<CvSpec>, InputError> {
    let spec = exp.cv.clone().unwrap_or_default();
    match flag {
        "off" => Ok(None),
        "auto" => Ok((exp.data.val.is_none() && data.val.len() < CV_BELOW).then_some(spec)),
        k => match k.parse::<usize>() {
            Ok(k) if k >= 2 => {
                if exp.data.val.is_some() {
                    return Err(InputError::new(
                        "--cv: cross-validation splits the training data into folds; this experiment has a validation file (data.val): use --cv off",
                    ).key("--cv"));
                }
                Ok(Some(CvSpec { folds: k, ..spec }))
            }
            _ => Err(InputError::new(format!(
                "--cv: expected auto, off or a number of folds (at least 2), found `{k}`"
            ))
            .key("--cv")),
        },
    }
}

/// Whether a recorded run is a cross-validation run (its fold runs listed).
fn is_cv(run: &tuneup_store::Run) -> bool {
    super::ensemble::fold_runs(run).is_some()
}

/// The share of the budget left that a tuning study may spend.
const STUDY_SHARE: f64 = 0.5;

/// Per validation sample, higher is better: right or wrong (classification), minus the squared
/// error (regression), of a run's best checkpoint, on the rows its experiment holds out.
fn per_sample(store: &Store, run_id: i64) -> anyhow::Result<Vec<f64>> {
    let m = super::ensemble::member(store, run_id, false)?;
    let classes = m.models[0].info.classes.len();
    let (preds, y, _) = super::ensemble::held_out(store, std::slice::from_ref(&m))?;
    Ok(tuneup_core::ensemble::per_sample(&preds[0], &y, classes))
}

/// The paired gain of `child` over `parent` per sample (higher is better in both lists) and its
/// z: mean difference over its standard error (for 0/1 correctness this is McNemar's
/// statistic, (b − c) / √(b + c)).
pub fn paired(parent: &[f64], child: &[f64]) -> (f64, f64) {
    let n = parent.len().min(child.len());
    if n == 0 {
        return (0.0, 0.0);
    }
    let d: Vec<f64> = (0..n).map(|i| child[i] - parent[i]).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let ss: f64 = d.iter().map(|x| x * x).sum();
    // Standard error of the sum under the null of no difference: √(Σ d²).
    let z = if ss > 0.0 {
        d.iter().sum::<f64>() / ss.sqrt()
    } else {
        0.0
    };
    (mean, z)
}

/// The brief of a diagnosis a ledger row keeps.
fn brief(d: &Diagnosis) -> Value {
    json!({
        "verdict": d.verdict,
        "train_error": d.errors.train.as_ref().map(|m| m.value),
        "val_error": d.errors.val.as_ref().map(|m| m.value),
        "target_error": d.errors.target.value,
        "avoidable_bias": d.avoidable_bias.as_ref().map(|a| a.gap.value),
        "variance": d.variance.as_ref().map(|a| a.gap.value),
        "reasons": d.reasons,
    })
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let budget = parse_duration(a.budget).ok_or_else(|| {
        InputError::new(format!(
            "--budget: expected a duration such as 90s, 15m or 1h, found `{}`",
            a.budget
        ))
    })?;
    let mut base = if a.source.extension().is_some_and(|e| e == "toml") {
        Experiment::load(a.source)?
    } else {
        super::init::baseline(a.source, None)?
    };
    base.search = None;
    if let Some(ids) = a.remedies {
        let known = tuneup_core::diagnose::remedies::IDS;
        if let Some(bad) = ids.iter().find(|i| !known.contains(&i.as_str())) {
            return Err(InputError::new(format!(
                "--remedies: unknown remedy `{bad}`; expected some of {}",
                known.join(", ")
            ))
            .key("--remedies")
            .into());
        }
    }
    if let Some(p) = a.max_params {
        base.max_params = Some(p);
    }
    let base_data = tuneup_core::data::prepare(&base)?;
    super::train::check_model(&base, &base_data, a.source)?;
    let cv = cv_mode(a.cv, &base, &base_data)?;
    // Every fold's data and model are checked before anything is recorded.
    let mut base_folds = match &cv {
        Some(spec) => {
            let f = super::cv::Folds::new(&base, spec.clone(), a.source)?;
            let plans = f.plans(&base, a.source)?;
            Some((f, plans))
        }
        None => None,
    };
    let val_word = if cv.is_some() {
        "out-of-fold"
    } else {
        "validation"
    };
    let chain = a.chain.map(str::to_string).unwrap_or_else(|| {
        a.source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "improve".into())
    });
    let store = Store::open(a.store).context("opening the run store")?;
    let me = super::tune::worker_id();
    for s in store.ledger(&chain)? {
        if s.state == "running" {
            if super::tune::alive(&s.worker) && s.worker != me {
                return Err(InputError::new(format!(
                    "chain `{chain}` is being improved by process {} right now",
                    s.worker
                ))
                .into());
            }
            store.end_step(
                &chain,
                s.step,
                INTERRUPTED,
                None,
                &format!(
                    "worker {} exited during the step; the step is tried again",
                    s.worker
                ),
            )?;
            eprintln!("step {}: interrupted; it will be tried again", s.step);
        }
    }
    let metric = base.metric();
    let higher = metric.direction() == tuneup_core::metrics::Direction::HigherIsBetter;
    let session = Instant::now();
    let spent_before: f64 = store
        .ledger(&chain)?
        .iter()
        .filter_map(|s| s.seconds())
        .sum();
    let left = |now: &Instant| budget - spent_before - now.elapsed().as_secs_f64();
    let reserve = if a.ensemble > 1 { 0.05 * budget } else { 0.0 };

    // 1. The baseline (or the one already in the ledger).
    let ledger = store.ledger(&chain)?;
    let mut best: (i64, f64, Experiment) = match ledger
        .iter()
        .rev()
        .find(|s| s.state == "kept" && s.run_id.is_some() && s.kind != "ensemble")
    {
        Some(s) => {
            let run_id = s.run_id.expect("filtered");
            let run = store.run(run_id)?;
            if is_cv(&run) != cv.is_some() {
                return Err(InputError::new(format!(
                    "chain `{chain}` judges its candidates by {}; rerun it with --cv {}, or start another chain (--chain NAME)",
                    if is_cv(&run) { "cross-validation" } else { "the validation split" },
                    if is_cv(&run) { "auto (or the number of folds it used)" } else { "off" },
                ))
                .key("--cv")
                .into());
            }
            let exp: Experiment = serde_json::from_value(run.config.clone())?;
            (run_id, s.value.unwrap_or(f64::NAN), exp)
        }
        None => {
            let step = store.begin_step(&NewStep {
                chain: &chain,
                kind: "baseline",
                parent_run: None,
                remedy: None,
                title: Some("baseline"),
                changes: None,
                diagnosis: None,
                best_before: None,
                worker: &me,
            })?;
            eprintln!(
                "== step {step}: baseline ({} {}), budget left {:.0} s",
                base.model.kind(),
                metric.name(),
                left(&session)
            );
            let mut exp = base.clone();
            exp.name = Some(format!("{chain} step {step}: baseline"));
            let result = match base_folds.take() {
                Some((folds, plans)) => {
                    let display = format!("improve {chain}");
                    let name = format!("{chain} step {step}: baseline (cv)");
                    let done = super::cv::record(
                        &store,
                        &exp,
                        &display,
                        &folds,
                        plans,
                        &name,
                        None,
                        &mut |id| {
                            let _ = store.set_step_run(&chain, step, id);
                        },
                        &mut |plan, cv_run| {
                            let mut fe = exp.clone();
                            fe.name = Some(fold_name(&name, plan, folds.spec.folds));
                            super::train::record_and_train(
                                &store,
                                &fe,
                                &plan.data,
                                &display,
                                Some(cv_run),
                                None,
                            )
                            .map(|t| t.run_id)
                        },
                    )?;
                    cv_value(&done).map(|v| (done.run_id, v, Some(folds)))
                }
                None => {
                    let t = train_step(
                        &store,
                        &chain,
                        step,
                        &exp,
                        &base_data,
                        None,
                        None,
                        Default::default(),
                    )?;
                    validation(&t).map(|v| (t.run_id, v, None))
                }
            };
            match result {
                Ok((run_id, v, folds)) => {
                    let how = match &folds {
                        Some(f) => format!(
                            " ({}, {} folds over {} rows)",
                            f.scheme,
                            f.spec.folds,
                            f.n()
                        ),
                        None => String::new(),
                    };
                    store.end_step(
                        &chain,
                        step,
                        "kept",
                        Some(v),
                        &format!("{val_word} {} {v:.4}{how}", metric.name()),
                    )?;
                    (run_id, v, exp)
                }
                Err(why) => {
                    store.end_step(&chain, step, "failed", None, &why)?;
                    return Err(crate::RunFailed(format!("the baseline failed: {why}")).into());
                }
            }
        }
    };
    let steps_before = store.ledger(&chain)?.len();
    let mut per_best: Option<Vec<f64>> = None;
    let opts = super::diagnose::Options {
        target_error: None,
        thresholds: Default::default(),
    };
    let stop_reason;
    loop {
        let ledger = store.ledger(&chain)?;
        let runs_done = ledger
            .iter()
            .filter(|s| s.run_id.is_some() && (s.kind == "baseline" || s.kind == "remedy"))
            .count();
        if a.max_runs.is_some_and(|m| runs_done >= m) {
            stop_reason = format!("--max-runs {} reached", runs_done);
            break;
        }
        if let Some(t) = a.target_metric {
            if (higher && best.1 >= t) || (!higher && best.1 <= t) {
                stop_reason = format!("target {} {t} reached ({:.4})", metric.name(), best.1);
                break;
            }
        }
        // The last 5% of the budget is kept for the ensemble and the final evaluation.
        let remaining = left(&session) - reserve;
        if remaining < 1.0 {
            stop_reason = "budget spent".into();
            break;
        }
        // A child stops after the epoch that passes its time budget, so it gets the time left
        // less one epoch of the current best; with less than three such epochs left, no child
        // could be trained far enough to be judged.
        // Under cross-validation a candidate costs one run per fold; the first fold's run
        // gives the diagnosis its learning curves and the loop its timing (the errors are the
        // CV run's: training error averaged over the folds, validation error out-of-fold).
        let (diag_run, per_candidate) = match &cv {
            Some(spec) => {
                let folds = super::ensemble::fold_runs(&store.run(best.0)?).unwrap_or_default();
                (
                    folds.first().copied().unwrap_or(best.0),
                    (spec.folds * spec.repeats) as f64,
                )
            }
            None => (best.0, 1.0),
        };
        let epoch_secs = per_candidate * {
            let e = store.epochs(diag_run)?;
            if e.is_empty() {
                0.0
            } else {
                e.iter().map(|r| r.seconds).sum::<f64>() / e.len() as f64
            }
        };
        if remaining < 3.0 * epoch_secs {
            stop_reason = format!(
                "budget spent ({remaining:.0} s left, under three epochs of the best run at {epoch_secs:.0} s each)"
            );
            break;
        }
        let remaining = remaining - epoch_secs;
        // 2. Diagnose the current best.
        let (run, _, exp, mut d) =
            super::diagnose::diagnose_with_curves(&store, best.0, diag_run, &opts)?;
        {
            // After the verdict's own remedies (or when the diagnosis is good, within the
            // target's noise) and while budget is left: what could still help, the larger
            // gap's remedies first.
            let (shape, outputs) = super::diagnose::shape_and_outputs(&run);
            let more = tuneup_core::diagnose::remedies::remedies(
                Verdict::HighBiasAndVariance,
                &d.curves,
                d.avoidable_bias.as_ref(),
                d.variance.as_ref(),
                &exp,
                shape.as_deref(),
                outputs,
            );
            for r in more {
                if !d.remedies.iter().any(|x| x.id == r.id) {
                    d.remedies.push(r);
                }
            }
        }
        let tried = |id: &str| {
            ledger.iter().any(|s| {
                s.parent_run == Some(best.0)
                    && s.remedy.as_deref() == Some(id)
                    && s.state != INTERRUPTED
                    && s.state != "running"
            })
        };
        // Chain-wide memory: a change that did not help from an earlier best waits until the
        // changes not yet tried anywhere have had their turn. A remedy whose change differs
        // (augmentation for a CNN after augmentation for a dense net) is a new change.
        let targets = |c: &Value| -> Vec<(String, String)> {
            c.as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| (x["key"].to_string(), x["to"].to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let failed_before = |r: &tuneup_core::diagnose::Remedy| {
            let mine = serde_json::to_value(&r.changes)
                .map(|c| targets(&c))
                .unwrap_or_default();
            ledger.iter().any(|s| {
                s.remedy.as_deref() == Some(r.id.as_str())
                    && (s.state == "rejected" || s.state == "failed")
                    && s.changes.as_ref().map(targets) == Some(mine.clone())
            })
        };
        // A study needs room for a few full runs of the current best within its share (under
        // cross-validation it searches on the first fold, and the other folds follow).
        let best_secs = store.run(diag_run)?.seconds.unwrap_or(0.0);
        let affordable = |r: &tuneup_core::diagnose::Remedy| {
            !r.changes.iter().any(|c| c.key == "search")
                || (remaining * STUDY_SHARE >= 3.0 * best_secs
                    && remaining * (1.0 - STUDY_SHARE) >= (per_candidate - 1.0) * best_secs)
        };
        // 3. The first remedy not yet tried from this run.
        let open: Vec<&tuneup_core::diagnose::Remedy> = d
            .remedies
            .iter()
            .filter(|r| r.available && !r.changes.is_empty() && !tried(&r.id) && affordable(r))
            .filter(|r| a.remedies.is_none_or(|ids| ids.contains(&r.id)))
            .collect();
        let Some(remedy) = open
            .iter()
            .find(|r| !failed_before(r))
            .or(open.first())
            .map(|r| (*r).clone())
        else {
            stop_reason = if d.verdict == Verdict::Good {
                "the diagnosis is good (within the target's noise)".into()
            } else {
                format!("no remedy left for {}", d.verdict.describe())
            };
            break;
        };
        let changes = serde_json::to_value(&remedy.changes)?;
        let diag = brief(&d);
        let step = store.begin_step(&NewStep {
            chain: &chain,
            kind: "remedy",
            parent_run: Some(best.0),
            remedy: Some(&remedy.id),
            title: Some(&remedy.title),
            changes: Some(&changes),
            diagnosis: Some(&diag),
            best_before: Some(best.1),
            worker: &me,
        })?;
        let shown: Vec<String> = remedy
            .changes
            .iter()
            .map(|c| format!("{} {} -> {}", c.key, short(&c.from), short(&c.to)))
            .collect();
        eprintln!(
            "== step {step}: {} (train err {}, val err {}); trying {}: {}; best {} {:.4}; budget left {:.0} s",
            d.verdict.describe(),
            d.errors
                .train
                .as_ref()
                .map(|m| format!("{:.4}", m.value))
                .unwrap_or("-".into()),
            d.errors
                .val
                .as_ref()
                .map(|m| format!("{:.4}", m.value))
                .unwrap_or("-".into()),
            remedy.title,
            shown.join(", "),
            metric.name(),
            best.1,
            remaining
        );
        // 4. The child experiment (or, for a study, the best of its trials).
        let child = Child {
            store: &store,
            chain: &chain,
            step,
            parent: best.0,
            base: &base,
            base_data: &base_data,
            source: a.source,
            cv: cv.as_ref(),
        };
        let (child_run, v, child_exp, mut note) = match child.run(&best.2, &remedy, remaining)? {
            Ok(r) => r,
            Err(why) => {
                eprintln!("   step {step} failed: {why}");
                store.end_step(&chain, step, "failed", None, &why)?;
                continue;
            }
        };
        if let Some((done, of)) = cut_short(&store, child_run)? {
            note.push_str(&format!(
                "the time budget stopped it at epoch {done} of {of}{}; ",
                if cv.is_some() { " (a fold)" } else { "" }
            ));
        }
        // 5. Keep it only if it beats the best beyond noise, paired on the same samples.
        if per_best.is_none() {
            per_best = Some(per_sample(&store, best.0)?);
        }
        let child_per = per_sample(&store, child_run)?;
        let classification = matches!(base_data.val.y, Y::Classes(_));
        let (keep, verdict) = judge(
            per_best.as_deref().unwrap_or_default(),
            &child_per,
            v,
            best.1,
            higher,
            classification,
            a.z,
        );
        let reason = format!(
            "{note}{val_word} {} {v:.4} vs {:.4} ({}{:.4}); {verdict}",
            metric.name(),
            best.1,
            if v >= best.1 { "+" } else { "" },
            v - best.1,
        );
        eprintln!("   step {step}: {reason}");
        store.end_step(
            &chain,
            step,
            if keep { "kept" } else { "rejected" },
            Some(v),
            &reason,
        )?;
        if keep {
            best = (child_run, v, child_exp);
            per_best = Some(child_per);
        }
    }
    let ledger = store.ledger(&chain)?;
    if ledger.len() == steps_before
        && ledger
            .last()
            .is_some_and(|s| s.kind == "final" && s.state == "done")
    {
        eprintln!(
            "== chain `{chain}` is finished ({stop_reason}); give a larger --budget to go on"
        );
        return history(&store, Some(&chain), a.json);
    }
    // 7a. An ensemble of the chain's best distinct runs, if it beats the best run.
    let mut final_run = (best.0, best.1);
    if a.ensemble > 1 {
        if let Some((id, v)) = ensemble_step(
            &store, &chain, &me, best.0, best.1, &ledger, a.ensemble, higher, a.z, val_word,
        )? {
            final_run = (id, v);
        }
    }
    // 7b. The final model, evaluated on the test set once.
    let run = store.run(final_run.0)?;
    let test = run.test.map(|s| s.metric);
    let step = store.begin_step(&NewStep {
        chain: &chain,
        kind: "final",
        parent_run: Some(final_run.0),
        remedy: None,
        title: Some("final model on the test set"),
        changes: None,
        diagnosis: None,
        best_before: Some(final_run.1),
        worker: &me,
    })?;
    store.set_step_run(&chain, step, final_run.0)?;
    let reason = format!(
        "stopped: {stop_reason}; final model: {} {}{} ({val_word} {} {:.4}){}",
        if run.model == "ensemble" {
            "ensemble run"
        } else {
            "run"
        },
        final_run.0,
        if is_cv(&run) {
            ", its fold models averaged"
        } else {
            ""
        },
        metric.name(),
        final_run.1,
        test.map(|t| format!(", test {} {t:.4}", metric.name()))
            .unwrap_or_else(|| ", no test set".into())
    );
    store.end_step(&chain, step, "done", test, &reason)?;
    eprintln!("== {reason}");
    history(&store, Some(&chain), a.json)
}

/// Whether a child's paired gain over the best is beyond noise: better, z at least `z_min`,
/// and for classification at least two more validation samples right than wrong (b − c >= 2:
/// a one-sample difference is never beyond noise). Returns the decision and its wording.
fn judge(
    parent: &[f64],
    child: &[f64],
    v: f64,
    best: f64,
    higher: bool,
    classification: bool,
    z_min: f64,
) -> (bool, String) {
    let (gain, z) = paired(parent, child);
    let better = if higher { v > best } else { v < best };
    let enough = !classification || gain * child.len() as f64 >= 2.0 - 1e-9;
    let keep = better && z >= z_min && enough;
    (
        keep,
        format!(
            "paired z = {z:.2} {} {z_min:.2}: {}",
            if z >= z_min { ">=" } else { "<" },
            if keep {
                "beyond noise, kept"
            } else if better && !enough {
                "one sample, within noise, rejected"
            } else if better {
                "within noise, rejected"
            } else {
                "not better, rejected"
            }
        ),
    )
}

/// What a step's child run needs besides the remedy.
struct Child<'a> {
    store: &'a Store,
    chain: &'a str,
    step: usize,
    parent: i64,
    base: &'a Experiment,
    base_data: &'a Prepared,
    source: &'a Path,
    /// Judge by cross-validation with these folds.
    cv: Option<&'a CvSpec>,
}

/// A child's run, validation value, experiment and a note for the ledger; or why it failed.
type ChildResult = Result<(i64, f64, Experiment, String), String>;

impl Child<'_> {
    /// Trains the child the remedy makes of `parent_exp` within `remaining` seconds; a remedy
    /// that adds a `[search]` runs a short study instead and returns its best trial.
    fn run(
        &self,
        parent_exp: &Experiment,
        remedy: &tuneup_core::diagnose::Remedy,
        remaining: f64,
    ) -> anyhow::Result<ChildResult> {
        use tuneup_core::diagnose::remedies::DISTILL_KEY;
        let distill = remedy.changes.iter().find(|c| c.key == DISTILL_KEY);
        let changes: Vec<_> = remedy
            .changes
            .iter()
            .filter(|c| c.key != DISTILL_KEY)
            .cloned()
            .collect();
        let mut child = match tuneup_core::diagnose::remedies::apply(parent_exp, &changes) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Err(format!(
                    "the change does not make a valid experiment: {e}"
                )));
            }
        };
        child.name = Some(format!("{} step {}: {}", self.chain, self.step, remedy.id));
        if let Some(spec) = self.cv {
            return self.run_cv(
                spec,
                parent_exp,
                child,
                distill.map(|d| &d.to),
                &changes,
                remaining,
            );
        }
        let own;
        let data = if child.data == self.base.data {
            self.base_data
        } else {
            own = match tuneup_core::data::prepare(&child) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e.to_string())),
            };
            &own
        };
        if let Err(e) = super::train::check_model(&child, data, self.source) {
            return Ok(Err(e.to_string()));
        }
        if let Some(search) = child.search.take() {
            return self.study(child, search, data, remaining * STUDY_SHARE);
        }
        if let Some(d) = distill {
            return Ok(self
                .distill(&child, &d.to, data, remaining, self.parent, true)?
                .and_then(|(s, note)| validation(&s).map(|v| (s.run_id, v, child, note))));
        }
        child.train.time_budget = Some(remaining.max(1.0));
        // Longer training with a rate that does not depend on the epoch count continues the
        // parent from its last epoch: the same numbers as one long run, for the new epochs'
        // time only.
        let resume = self.resume_point(self.parent, parent_exp, &child, &changes)?;
        let t = train_step(
            self.store,
            self.chain,
            self.step,
            &child,
            data,
            Some(self.parent),
            resume.as_ref().map(|(p, _)| p.as_path()),
            Default::default(),
        )?;
        let note = resume
            .map(|(_, e)| format!("continued run {} from its epoch {e}; ", self.parent))
            .unwrap_or_default();
        Ok(validation(&t).map(|v| (t.run_id, v, child, note)))
    }

    /// The child judged by cross-validation: one run per fold, recorded under a CV run (the
    /// step's run) whose out-of-fold predictions cover every row. Longer training continues
    /// each of the parent's fold runs; a study searches on the first fold (its best trial is
    /// that fold's run) and the other folds train its best configuration; distillation trains a
    /// teacher per fold, on that fold's training rows only.
    fn run_cv(
        &self,
        spec: &CvSpec,
        parent_exp: &Experiment,
        mut child: Experiment,
        distill: Option<&Value>,
        changes: &[tuneup_core::diagnose::Change],
        remaining: f64,
    ) -> anyhow::Result<ChildResult> {
        let started = Instant::now();
        let parent_folds =
            super::ensemble::fold_runs(&self.store.run(self.parent)?).unwrap_or_default();
        let folds = match super::cv::Folds::new(&child, spec.clone(), self.source) {
            Ok(f) => f,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let plans = match folds.plans(&child, self.source) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let k = plans.len();
        let mut note = String::new();
        let mut first_run = None;
        if let Some(search) = child.search.take() {
            let on_fold = Child {
                parent: parent_folds.first().copied().unwrap_or(self.parent),
                cv: None,
                ..*self
            };
            match on_fold.study(
                child.clone(),
                search,
                &plans[0].data,
                remaining * STUDY_SHARE,
            )? {
                Ok((run_id, _, exp, n)) => {
                    let name = child.name.take();
                    child = exp;
                    child.name = name;
                    child.train.time_budget = None;
                    first_run = Some(run_id);
                    note = format!("{n}searched on fold 1, the other folds train its best; ");
                }
                Err(why) => return Ok(Err(why)),
            }
        }
        if let Some(how) = distill {
            let teacher = teacher_of(&child, how);
            if let Err(e) = super::train::check_model(&teacher, &plans[0].data, self.source) {
                return Ok(Err(format!("the teacher: {e}")));
            }
        }
        let to_train = k - usize::from(first_run.is_some());
        let per_fold =
            ((remaining - started.elapsed().as_secs_f64()) / to_train.max(1) as f64).max(1.0);
        let display = format!("improve {}", self.chain);
        let name = format!(
            "{} (cv)",
            child.name.clone().unwrap_or_else(|| self.chain.into())
        );
        let mut resumed_from = None;
        let mut fold_notes = Vec::new();
        let done = super::cv::record(
            self.store,
            &child,
            &display,
            &folds,
            plans,
            &name,
            Some(self.parent),
            &mut |id| {
                let _ = self.store.set_step_run(self.chain, self.step, id);
            },
            &mut |plan, cv_run| {
                let i = plan.repeat * spec.folds + plan.fold;
                if let (0, Some(r)) = (i, first_run) {
                    return Ok(r);
                }
                let mut fe = child.clone();
                fe.name = Some(fold_name(&name, plan, spec.folds));
                fe.train.time_budget = Some(per_fold);
                if let Some(how) = distill {
                    return match self.distill(&fe, how, &plan.data, per_fold, cv_run, false)? {
                        Ok((s, n)) => {
                            fold_notes.push(n);
                            Ok(s.run_id)
                        }
                        Err(why) => Err(anyhow::anyhow!(why)),
                    };
                }
                let resume = match parent_folds.get(i) {
                    Some(&p) => self.resume_point(p, parent_exp, &fe, changes)?,
                    None => None,
                };
                if let Some((_, e)) = &resume {
                    resumed_from = Some(*e);
                }
                super::train::record_and_train(
                    self.store,
                    &fe,
                    &plan.data,
                    &display,
                    Some(cv_run),
                    resume.as_ref().map(|(p, _)| p.as_path()),
                )
                .map(|t| t.run_id)
            },
        )?;
        if let Some(e) = resumed_from {
            note.push_str(&format!(
                "continued each fold of run {} from its epoch {e}; ",
                self.parent
            ));
        }
        if let Some(n) = fold_notes.first() {
            note.push_str(&format!("fold 1: {n}"));
        }
        child.train.time_budget = None;
        Ok(cv_value(&done).map(|v| (done.run_id, v, child, note)))
    }

    /// The parent's resume point (its checkpoint and last epoch) when the child only trains it
    /// longer and the learning rate does not depend on the number of epochs.
    fn resume_point(
        &self,
        parent: i64,
        parent_exp: &Experiment,
        child: &Experiment,
        changes: &[tuneup_core::diagnose::Change],
    ) -> anyhow::Result<Option<(std::path::PathBuf, usize)>> {
        let only_epochs = !changes.is_empty() && changes.iter().all(|c| c.key == "train.epochs");
        let epoch_free = matches!(
            parent_exp.schedule.kind(),
            "constant" | "exponential" | "multiplicative" | "plateau"
        );
        if !only_epochs || !epoch_free || child.train.epochs <= parent_exp.train.epochs {
            return Ok(None);
        }
        let run = self.store.run(parent)?;
        let distilled = run
            .extra
            .as_ref()
            .is_some_and(|e| e.get("distill").is_some());
        let Some(ckpt) = run.checkpoint.filter(|_| !distilled) else {
            return Ok(None);
        };
        let ckpt = std::path::PathBuf::from(ckpt);
        Ok(match tuneup_train::read_resume_state(&ckpt) {
            Ok(s) if s.epoch < child.train.epochs => Some((ckpt, s.epoch)),
            _ => None,
        })
    }

    /// Knowledge distillation: a teacher (`child` widened by `teacher_width_mult`, free of the
    /// parameter / FLOP budget) trained first, within half the time left; then `child` as its
    /// student on the softened predictions and the labels. Both are children of `parent`; the
    /// student is the step's run when `link`. Returns the student (or the failed teacher) and a
    /// note for the ledger; or why the teacher cannot be trained.
    fn distill(
        &self,
        child: &Experiment,
        how: &Value,
        data: &Prepared,
        remaining: f64,
        parent: i64,
        link: bool,
    ) -> anyhow::Result<Result<(super::train::Trained, String), String>> {
        let started = Instant::now();
        let width = how["teacher_width_mult"].as_f64().unwrap_or(3.0);
        let alpha = how["alpha"].as_f64().unwrap_or(0.5);
        let temperature = how["temperature"].as_f64().unwrap_or(4.0);
        let mut teacher = teacher_of(child, how);
        teacher.name = Some(format!("{} step {}: teacher", self.chain, self.step));
        teacher.train.time_budget = Some((remaining / 2.0).max(1.0));
        if let Err(e) = super::train::check_model(&teacher, data, self.source) {
            return Ok(Err(format!("the teacher: {e}")));
        }
        eprintln!(
            "   teacher: {} x{width} without the budget",
            teacher.model.kind()
        );
        let t = super::train::record_and_train_with(
            self.store,
            &teacher,
            data,
            &format!("improve {}", self.chain),
            Some(parent),
            None,
            Default::default(),
        )?;
        let teacher_val = match validation(&t) {
            Ok(v) => v,
            Err(why) => {
                let why = format!("the teacher (run {}) failed: {why}", t.run_id);
                return Ok(Ok((
                    super::train::Trained {
                        failure: Some(why.clone()),
                        ..t
                    },
                    why,
                )));
            }
        };
        let m = super::ensemble::member(self.store, t.run_id, false)?;
        let mut models = Vec::new();
        for model in m.models {
            let net =
                tuneup_train::checkpoint::load(&model.exp.model, &model.info, &model.checkpoint)
                    .map_err(|e| anyhow::anyhow!(e))?;
            models.push((net, model.info));
        }
        let teachers = tuneup_train::trainer::Teachers {
            models,
            temperature,
            alpha,
        };
        let mut student = child.clone();
        student.train.time_budget = Some((remaining - started.elapsed().as_secs_f64()).max(1.0));
        let extra = json!({"distill": {"teachers": [t.run_id], "alpha": alpha, "temperature": temperature}});
        let with = super::train::With {
            teachers: Some(&teachers),
            extra: Some(extra),
            ..Default::default()
        };
        let s = if link {
            train_step(
                self.store,
                self.chain,
                self.step,
                &student,
                data,
                Some(parent),
                None,
                with,
            )?
        } else {
            super::train::record_and_train_with(
                self.store,
                &student,
                data,
                &format!("improve {}", self.chain),
                Some(parent),
                None,
                with,
            )?
        };
        let note = format!(
            "teacher run {} ({} x{width}, validation {teacher_val:.4}), student distilled with alpha {alpha}, T {temperature}; ",
            t.run_id,
            teacher.model.kind()
        );
        Ok(Ok((s, note)))
    }

    /// A short study over `search` from `child`, within `seconds`; its best trial is the step's
    /// run.
    fn study(
        &self,
        child: Experiment,
        search: tuneup_core::tune::Search,
        data: &Prepared,
        seconds: f64,
    ) -> anyhow::Result<ChildResult> {
        let name = format!("{}:step{}", self.chain, self.step);
        let text = child.to_toml_text();
        let search_json = serde_json::to_value(&search)?;
        let (study, _) = self.store.open_study(
            &name,
            &format!("improve {}", self.chain),
            &json!({ "text": text }),
            &search_json,
        )?;
        let direction = super::tune::direction(&child, &search);
        eprintln!(
            "   study {name}: {} sampler, {} pruner, up to {} trials in {seconds:.0} s",
            search.sampler.name(),
            search.pruner.name(),
            search.trials.unwrap_or(12)
        );
        super::tune::run_trials(&super::tune::Trials {
            store: self.store,
            study: &study,
            text: &text,
            dir: Path::new(""),
            base: &child,
            data,
            search: &search,
            trials: search.trials.unwrap_or(12),
            deadline: Some(Instant::now() + std::time::Duration::from_secs_f64(seconds.max(1.0))),
            parent: Some(self.parent),
        })?;
        let trials = self.store.trials(study.id)?;
        let count =
            |s: tuneup_core::tune::TrialState| trials.iter().filter(|t| t.trial.state == s).count();
        let summary = format!(
            "study {name}: {} trials ({} complete, {} pruned, {} failed)",
            trials.len(),
            count(tuneup_core::tune::TrialState::Complete),
            count(tuneup_core::tune::TrialState::Pruned),
            count(tuneup_core::tune::TrialState::Failed),
        );
        let Some(b) = super::study::best(&trials, direction) else {
            return Ok(Err(format!("{summary}; no trial completed")));
        };
        let (Some(run_id), Some(v)) = (b.run_id, b.trial.value) else {
            return Ok(Err(format!("{summary}; the best trial has no run")));
        };
        self.store.set_step_run(self.chain, self.step, run_id)?;
        let exp: Experiment = serde_json::from_value(self.store.run(run_id)?.config)?;
        let params: Vec<String> = b
            .trial
            .params
            .iter()
            .map(|(k, v)| format!("{k} = {}", short(v)))
            .collect();
        Ok(Ok((
            run_id,
            v,
            exp,
            format!(
                "{summary}; best trial {} (run {run_id}): {}; ",
                b.trial.number,
                params.join(", ")
            ),
        )))
    }
}

/// The chain's runs as an ensemble: greedy selection (on validation) among the best distinct
/// runs, soft voting; recorded as a ledger step, and as an ensemble run when it beats the best
/// single run beyond noise. Returns that run and its validation value.
#[allow(clippy::too_many_arguments)]
fn ensemble_step(
    store: &Store,
    chain: &str,
    me: &str,
    best_run: i64,
    best_value: f64,
    ledger: &[Step],
    max: usize,
    higher: bool,
    z_min: f64,
    val_word: &str,
) -> anyhow::Result<Option<(i64, f64)>> {
    use tuneup_core::ensemble::{Combiner, MemberPred, Method};
    // Candidates: the best run, then the other finished runs of the chain, best first.
    let mut cands: Vec<(i64, f64)> = ledger
        .iter()
        .filter(|s| s.kind == "baseline" || s.kind == "remedy")
        .filter(|s| s.state == "kept" || s.state == "rejected")
        .filter_map(|s| Some((s.run_id?, s.value?)))
        .filter(|(id, v)| *id != best_run && v.is_finite())
        .collect();
    cands.sort_by(|a, b| {
        if higher {
            b.1.total_cmp(&a.1)
        } else {
            a.1.total_cmp(&b.1)
        }
    });
    cands.dedup_by_key(|c| c.0);
    cands.truncate(2 * max);
    if cands.is_empty() {
        return Ok(None);
    }
    let step = store.begin_step(&NewStep {
        chain,
        kind: "ensemble",
        parent_run: Some(best_run),
        remedy: None,
        title: Some("ensemble of the chain's best runs"),
        changes: None,
        diagnosis: None,
        best_before: Some(best_value),
        worker: me,
    })?;
    eprintln!(
        "== step {step}: ensemble selection among runs {best_run} and {}",
        cands
            .iter()
            .map(|c| c.0.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Members that can vote with the best run (same task, classes and inputs).
    let first = super::ensemble::member(store, best_run, false)?;
    let mut members = vec![first];
    for (id, _) in &cands {
        if let Ok(m) = super::ensemble::member(store, *id, false) {
            if super::ensemble::check_compatible(&[members[0].clone(), m.clone()]).is_ok() {
                members.push(m);
            }
        }
    }
    let (preds, y, _) = match super::ensemble::held_out(store, &members) {
        Ok(h) => h,
        Err(e) => {
            store.end_step(chain, step, "rejected", None, &e.to_string())?;
            return Ok(None);
        }
    };
    let info = members[0].models[0].info.clone();
    let metric = members[0].models[0].exp.metric();
    let classes = info.classes.len();
    let value = |p: &MemberPred| {
        tuneup_core::scores::score(
            &info,
            metric,
            &tuneup_core::ensemble::to_outputs(&info, p),
            &y,
        )
        .map(|s| s.metric)
        .unwrap_or(f64::NAN)
    };
    let signed = |p: &MemberPred| {
        let v = value(p);
        if higher { v } else { -v }
    };
    let chosen = tuneup_core::ensemble::greedy_select(&preds, classes, max, signed);
    if chosen.len() < 2 {
        let why = format!(
            "no other run improves the best run's {val_word} {} when voting with it",
            metric.name()
        );
        eprintln!("   step {step}: {why}");
        store.end_step(chain, step, "rejected", None, &why)?;
        return Ok(None);
    }
    let mut vote = Combiner::new(Method::Soft, classes, vec![1.0; chosen.len()]);
    for &i in &chosen {
        vote.add(&preds[i]);
    }
    let voted = vote.finish();
    let v = value(&voted);
    // Greedy selection only adds a member that raises the validation score; like any child,
    // the vote is kept only when that gain is beyond noise (on a small validation set a
    // one-sample gain picked among many runs is not evidence).
    let per_best = tuneup_core::ensemble::per_sample(&preds[0], &y, classes);
    let per_ens = tuneup_core::ensemble::per_sample(&voted, &y, classes);
    let (keep, verdict) = judge(
        &per_best,
        &per_ens,
        v,
        best_value,
        higher,
        matches!(y, Y::Classes(_)),
        z_min,
    );
    let ids: Vec<i64> = chosen.iter().map(|&i| members[i].run_id).collect();
    let shown = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut reason = format!(
        "soft vote of runs {shown} (greedy selection on {val_word} predictions): {val_word} {} {v:.4} vs {best_value:.4}; {verdict}",
        metric.name()
    );
    let mut out = None;
    if keep {
        let val_scores = tuneup_core::scores::score(
            &info,
            metric,
            &tuneup_core::ensemble::to_outputs(&info, &voted),
            &y,
        );
        let rec = super::ensemble::record(
            store,
            &ids,
            chosen.iter().map(|&i| members[i].clone()).collect(),
            Method::Soft,
            vec![1.0; ids.len()],
            None,
            false,
            Some(&format!("{chain} step {step}: ensemble of runs {shown}")),
            Some(best_run),
            val_scores,
        )?;
        store.set_step_run(chain, step, rec.id)?;
        reason.push_str(&format!("; recorded as run {}", rec.id));
        out = Some((rec.id, v));
    }
    eprintln!("   step {step}: {reason}");
    store.end_step(
        chain,
        step,
        if keep { "kept" } else { "rejected" },
        Some(v),
        &reason,
    )?;
    Ok(out)
}

/// A value as the ledger shows it: floats to 4 significant digits, a study's `[search]` as
/// its keys, sampler and pruner, anything long cut at 60 characters.
fn short(v: &Value) -> String {
    if let Some(space) = v.get("space").and_then(Value::as_object) {
        let kind = |k: &str| {
            v[k]["kind"]
                .as_str()
                .or(v[k].as_str())
                .unwrap_or("-")
                .to_string()
        };
        return format!(
            "a study over {} ({} sampler, {} pruner, {} trials)",
            space.keys().cloned().collect::<Vec<_>>().join(", "),
            kind("sampler"),
            kind("pruner"),
            v["trials"]
        );
    }
    if let Some(f) = v.as_f64().filter(|_| v.is_f64()) {
        return format!("{}", significant(f));
    }
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

fn significant(f: f64) -> f64 {
    if f == 0.0 || !f.is_finite() {
        return f;
    }
    let p = 10f64.powi(3 - f.abs().log10().floor() as i32);
    (f * p).round() / p
}

/// Whether the time budget stopped a run (or a CV run's fold) before its last epoch: the epoch
/// it stopped at and the epochs asked for. Runs with early stopping are not judged (they may end
/// early by design).
fn cut_short(store: &Store, run_id: i64) -> anyhow::Result<Option<(usize, usize)>> {
    let run = store.run(run_id)?;
    let runs = super::ensemble::fold_runs(&run).unwrap_or_else(|| vec![run_id]);
    let mut worst: Option<(usize, usize)> = None;
    for id in runs {
        let r = store.run(id)?;
        let Ok(exp) = serde_json::from_value::<Experiment>(r.config) else {
            continue;
        };
        if exp.early_stopping.is_some() || exp.train.time_budget.is_none() {
            continue;
        }
        let last = store.epochs(id)?.last().map(|e| e.epoch).unwrap_or(0);
        if last < exp.train.epochs && worst.is_none_or(|(w, _)| last < w) {
            worst = Some((last, exp.train.epochs));
        }
    }
    Ok(worst)
}

/// The teacher of a distillation remedy: the student widened by `teacher_width_mult`, free of
/// the parameter / FLOP budget.
fn teacher_of(student: &Experiment, how: &Value) -> Experiment {
    let mut teacher = student.clone();
    teacher.model = teacher
        .model
        .widened(how["teacher_width_mult"].as_f64().unwrap_or(3.0));
    teacher.max_params = None;
    teacher.max_flops = None;
    teacher
}

/// A fold run's name: the CV run's, with the fold (and repeat).
fn fold_name(cv_name: &str, plan: &super::cv::Plan, folds: usize) -> String {
    let base = cv_name.trim_end_matches(" (cv)");
    if plan.repeat > 0 {
        format!(
            "{base} fold {}/{folds} repeat {}",
            plan.fold + 1,
            plan.repeat + 1
        )
    } else {
        format!("{base} fold {}/{folds}", plan.fold + 1)
    }
}

/// The finite out-of-fold value of a CV run whose folds all completed, or why there is none.
fn cv_value(done: &super::cv::Done) -> Result<f64, String> {
    match done.oof {
        Some(s) if s.metric.is_finite() && done.failed.is_empty() => Ok(s.metric),
        _ => Err(format!(
            "cross-validation run {}: fold runs {:?} failed{}",
            done.run_id,
            done.failed,
            if done.fold_runs.is_empty() {
                " (every fold)"
            } else {
                ""
            }
        )),
    }
}

/// The finite validation value of a complete run, or why there is none.
fn validation(t: &super::train::Trained) -> Result<f64, String> {
    match (t.state, t.outcome.as_ref().and_then(|o| o.val)) {
        (RunState::Complete, Some(v)) if v.metric.is_finite() => Ok(v.metric),
        _ => Err(t
            .failure
            .clone()
            .unwrap_or_else(|| "no validation score".into())),
    }
}

/// Trains `exp` as the run of ledger step `step` (linked as soon as it is recorded), with what
/// `with` adds (teachers, extra record).
#[allow(clippy::too_many_arguments)]
fn train_step<'a>(
    store: &'a Store,
    chain: &str,
    step: usize,
    exp: &Experiment,
    data: &Prepared,
    parent: Option<i64>,
    resume: Option<&Path>,
    with: super::train::With<'a>,
) -> anyhow::Result<super::train::Trained> {
    let chain_owned = chain.to_string();
    let on_start = Box::new(move |run_id: i64| {
        let _ = store.set_step_run(&chain_owned, step, run_id);
    });
    super::train::record_and_train_with(
        store,
        exp,
        data,
        &format!("improve {chain}"),
        parent,
        resume,
        super::train::With {
            on_start: Some(on_start),
            ..with
        },
    )
}

/// `tuneup history [CHAIN] [--json]`: the ledger of an improve chain (default: the most recent).
pub fn history(store: &Store, chain: Option<&str>, json_out: bool) -> anyhow::Result<()> {
    let chains = store.chains()?;
    let name = match chain {
        Some(c) => c.to_string(),
        None => match chains.last() {
            Some((c, _)) => c.clone(),
            None => {
                if json_out {
                    println!("[]");
                } else {
                    println!("no improve chains yet (start one with `tuneup improve EXP.toml`)");
                }
                return Ok(());
            }
        },
    };
    let steps = store.ledger(&name)?;
    if steps.is_empty() {
        let names: Vec<String> = chains.into_iter().map(|(c, _)| c).collect();
        return Err(InputError::new(format!(
            "no improve chain `{name}` in this store (it has {})",
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ))
        .into());
    }
    if json_out {
        println!("{}", serde_json::to_string(&steps)?);
        return Ok(());
    }
    println!("improve chain {name}");
    for s in &steps {
        print_step(s);
    }
    let total: f64 = steps.iter().filter_map(Step::seconds).sum();
    println!("{} steps, {total:.0} s", steps.len());
    Ok(())
}

fn print_step(s: &Step) {
    let secs = s
        .seconds()
        .map(|x| format!("{x:.0} s"))
        .unwrap_or("-".into());
    let run = s.run_id.map(|r| format!("run {r}")).unwrap_or("-".into());
    match s.kind.as_str() {
        "remedy" => {
            let d = s.diagnosis.as_ref();
            let num = |k: &str| {
                d.and_then(|d| d[k].as_f64())
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or("-".into())
            };
            println!(
                "step {:>2}  {:<11} {:>6}  {:<9}  diagnosis: {} (train err {}, val err {})",
                s.step,
                s.state,
                secs,
                run,
                d.and_then(|d| d["verdict"].as_str()).unwrap_or("-"),
                num("train_error"),
                num("val_error")
            );
            let changes: Vec<String> = s
                .changes
                .as_ref()
                .and_then(|c| c.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|c| format!("{} = {}", c["key"].as_str().unwrap_or(""), short(&c["to"])))
                .collect();
            println!(
                "          remedy: {} [{}]: {}",
                s.title.as_deref().unwrap_or("-"),
                s.remedy.as_deref().unwrap_or("-"),
                changes.join(", ")
            );
            println!("          result: {}", s.reason.as_deref().unwrap_or("-"));
        }
        _ => {
            println!(
                "step {:>2}  {:<11} {:>6}  {:<9}  {}: {}",
                s.step,
                s.state,
                secs,
                run,
                s.kind,
                s.reason.as_deref().unwrap_or("-")
            );
        }
    }
}
