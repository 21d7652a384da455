//! A learning curve over training-set size (`tuneup curve`): each point a child run trained on
//! a fraction of the training split (validation fixed); the parent run holds the power-law fit
//! and the forecast of the error with 2x and 10x the data.

use std::path::Path;

use tuneup_core::InputError;
use tuneup_core::diagnose::Thresholds;
use tuneup_core::diagnose::power_law::{self, Forecast, PowerLaw};
use tuneup_core::run::RunState;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{Curve, CurvePoint, Finish, NewRun, RunExtra, RunKind};

use crate::Lab;
use crate::record::{Request, With, check_model, record_and_train};

/// `0.1,0.2,0.4` as sorted, distinct fractions in (0, 1]; at least three.
pub fn parse_sizes(s: &str) -> Result<Vec<f64>, InputError> {
    let mut v = Vec::new();
    for part in s.split(',') {
        let f: f64 = part
            .trim()
            .parse()
            .map_err(|_| InputError::new(format!("--sizes: `{part}` is not a number")))?;
        if !(f > 0.0 && f <= 1.0) {
            return Err(InputError::new(format!(
                "--sizes: {f} is not a fraction in (0, 1]"
            )));
        }
        v.push(f);
    }
    v.sort_by(f64::total_cmp);
    v.dedup();
    if v.len() < 3 {
        return Err(InputError::new(
            "--sizes: give at least three sizes, e.g. 0.1,0.2,0.4,0.7,1.0",
        ));
    }
    Ok(v)
}

/// A learning curve, checked: every point's experiment and data, prepared before anything is
/// recorded.
pub struct Checked {
    exp: Experiment,
    display: String,
    sizes: Vec<f64>,
    seeds: usize,
    points: Vec<(f64, Experiment, tuneup_core::data::Prepared)>,
}

/// Every size's data and model checked (sizes x seeds points).
pub fn check(exp_path: &Path, sizes: &[f64], seeds: usize) -> anyhow::Result<Checked> {
    if seeds == 0 {
        return Err(InputError::new("--seeds: expected at least 1").into());
    }
    let exp = Experiment::load(exp_path)?;
    let mut points = Vec::new();
    for &f in sizes {
        for s in 0..seeds {
            let mut child = exp.clone();
            child.data.train_fraction = Some(f);
            // Every point is scored on the same validation data; the seed varies the subset
            // and the initialisation.
            child.data.split_seed = Some(exp.data.split_seed.unwrap_or(exp.seed));
            child.seed = exp.seed + s as u64;
            let data = tuneup_core::data::prepare(&child)?;
            check_model(&child, &data, exp_path)?;
            points.push((f, child, data));
        }
    }
    Ok(Checked {
        exp,
        display: exp_path.display().to_string(),
        sizes: sizes.to_vec(),
        seeds,
        points,
    })
}

/// Trains every point, records the curve; returns its run, the task and the curve.
pub fn run(lab: Lab, c: Checked) -> anyhow::Result<(i64, Task, Curve)> {
    let Checked {
        exp,
        display,
        sizes,
        seeds,
        points: prepared,
    } = c;
    let started = std::time::Instant::now();
    let name = format!(
        "learning curve: {}",
        exp.name.as_deref().unwrap_or(&display)
    );
    let parent = lab.store.create_run(&NewRun {
        name: Some(&name),
        parent_id: None,
        kind: RunKind::Curve,
        experiment_path: &display,
        experiment: &exp,
        model: exp.model.kind(),
        metric_name: &exp.metric().name(),
    })?;
    lab.say(format!(
        "run {parent}: learning curve over {} sizes x {seeds} seed(s)",
        sizes.len()
    ));
    let mut points = Vec::new();
    for (f, child, data) in prepared {
        tuneup_core::stop::check()?;
        let n_train = data.train.len();
        lab.say(format!(
            "-- {:.0}% of the training split ({n_train} samples), seed {}",
            f * 100.0,
            child.seed
        ));
        // A failed point is data: it is recorded and left out of the fit.
        let req = Request {
            exp: &child,
            data: &data,
            display: &display,
            parent: Some(parent),
            resume: None,
        };
        let t = record_and_train(lab, req, With::default())?;
        if let Some(f) = &t.failure {
            lab.say(format!("   run {} failed: {f}", t.run_id));
        }
        let outcome = t.outcome.as_ref();
        points.push(CurvePoint {
            run_id: t.run_id,
            fraction: f,
            seed: child.seed,
            n_train,
            state: t.state,
            train_error: outcome.and_then(|o| o.train).map(|s| s.error),
            val_error: outcome.and_then(|o| o.val).map(|s| s.error),
        });
    }
    let curve = summarise(&exp, &sizes, seeds, points);
    let extra = RunExtra {
        curve: Some(curve.clone()),
        ..Default::default()
    };
    let seconds = started.elapsed().as_secs_f64();
    lab.store.finish_run(
        parent,
        &Finish {
            extra: Some(&extra),
            ..Finish::bare(RunState::Complete, None, seconds)
        },
    )?;
    Ok((parent, exp.task, curve))
}

/// The power-law fit of the validation errors, the forecasts with 2x and 10x the data, and the
/// verdict.
fn summarise(exp: &Experiment, sizes: &[f64], seeds: usize, points: Vec<CurvePoint>) -> Curve {
    let fit_pts: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.val_error.map(|e| (p.n_train as f64, e)))
        .collect();
    let fit = power_law::fit(&fit_pts);
    let n_max = points.iter().map(|p| p.n_train).max().unwrap_or(0) as f64;
    let at_max: Vec<f64> = points
        .iter()
        .filter(|p| p.n_train as f64 == n_max)
        .filter_map(|p| p.val_error)
        .collect();
    let current = (!at_max.is_empty()).then(|| at_max.iter().sum::<f64>() / at_max.len() as f64);
    let forecasts = fit
        .as_ref()
        .map(|f| power_law::forecast(&fit_pts, f, &[2.0 * n_max, 10.0 * n_max], 300, exp.seed))
        .unwrap_or_default();
    let min_gap = match exp.task {
        Task::Classification => Thresholds::default().min_gap,
        Task::Regression => Thresholds::default().min_gap_relative * current.unwrap_or(0.0),
    };
    // Some(true): doubling the data is forecast to cut the error by at least the diagnosis's
    // minimum gap, with the whole interval below today's error. Some(false): even 10x is
    // confidently forecast to gain less. None: the interval is too wide to say.
    let more_data_helps = match (forecasts.as_slice(), current) {
        ([f2, f10], Some(c)) => {
            if c - f2.error >= min_gap && f2.high < c {
                Some(true)
            } else if f10.low > c - min_gap {
                Some(false)
            } else {
                None
            }
        }
        _ => None,
    };
    let summary = match (&fit, forecasts.as_slice(), current) {
        (Some(f), [f2, f10], Some(c)) => {
            let v = Verdict {
                task: exp.task,
                min_gap,
                current: c,
                n_max,
            };
            v.text(f, f2, f10, more_data_helps)
        }
        _ => "too few successful points to fit a curve (need three sizes)".into(),
    };
    Curve {
        sizes: sizes.to_vec(),
        seeds,
        points,
        fit,
        forecasts,
        current_error: current,
        more_data_helps,
        summary,
    }
}

/// How the curve's verdict reads.
struct Verdict {
    task: Task,
    min_gap: f64,
    current: f64,
    n_max: f64,
}

impl Verdict {
    fn pct(&self, v: f64) -> String {
        if self.task == Task::Classification {
            format!("{:.2}%", v * 100.0)
        } else {
            format!("{v:.4}")
        }
    }

    fn gain(&self, v: f64) -> String {
        if self.task == Task::Classification {
            format!("{:.2} points", v * 100.0)
        } else {
            format!("{v:.4}")
        }
    }

    fn text(&self, f: &PowerLaw, f2: &Forecast, f10: &Forecast, helps: Option<bool>) -> String {
        let (c, min_gap) = (self.current, self.min_gap);
        let verdict = match helps {
            Some(true) => "more data is likely to help".to_string(),
            Some(false) => format!(
                "more data is unlikely to help much: even 10x is forecast to gain less than {}",
                self.gain(min_gap)
            ),
            None if c - f10.error >= min_gap && f10.high < c => format!(
                "doubling the data gains less than {}; about 10x would matter",
                self.gain(min_gap)
            ),
            None => "uncertain: the forecast's interval is wide (more --seeds or sizes narrow it)"
                .to_string(),
        };
        format!(
            "validation error {} at {} samples; fit err(n) = {:.3}·n^-{:.3} + {}.\n  Forecast with 2x data: {} [90%: {}, {}], a gain of {}; with 10x: {} [{}, {}], a gain of {}.\n  Verdict: {verdict}.",
            self.pct(c),
            self.n_max,
            f.a,
            f.b,
            self.pct(f.c),
            self.pct(f2.error),
            self.pct(f2.low),
            self.pct(f2.high),
            self.gain(c - f2.error),
            self.pct(f10.error),
            self.pct(f10.low),
            self.pct(f10.high),
            self.gain(c - f10.error),
        )
    }
}
