//! `tuneup curve EXP.toml --sizes ...`: a learning curve over training-set size. Each point is a
//! child run trained on a fraction of the training split (validation fixed); the parent run holds
//! the power-law fit and the forecast of the error with 2x and 10x the data.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::diagnose::power_law::{self, Forecast, PowerLaw};
use tuneup_core::run::RunState;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{Finish, NewRun, Run, Store};

use crate::output::{num, write_atomic};
use crate::plot::{Panel, Series, svg};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    pub run_id: i64,
    pub fraction: f64,
    pub seed: u64,
    pub n_train: usize,
    pub state: String,
    pub train_error: Option<f64>,
    pub val_error: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Curve {
    pub sizes: Vec<f64>,
    pub seeds: usize,
    pub points: Vec<Point>,
    pub fit: Option<PowerLaw>,
    pub forecasts: Vec<Forecast>,
    /// Validation error at the largest size (mean over seeds).
    pub current_error: Option<f64>,
    pub more_data_helps: Option<bool>,
    pub summary: String,
}

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

pub fn run(
    exp_path: &Path,
    store_path: &Path,
    sizes: &[f64],
    seeds: usize,
    json_out: bool,
    plot: Option<&Path>,
) -> anyhow::Result<()> {
    if seeds == 0 {
        return Err(InputError::new("--seeds: expected at least 1").into());
    }
    let exp = Experiment::load(exp_path)?;
    // Check every size's data and model before recording anything.
    let mut prepared = Vec::new();
    for &f in sizes {
        for s in 0..seeds {
            let mut child = exp.clone();
            child.data.train_fraction = Some(f);
            // Every point is scored on the same validation data; the seed varies the subset
            // and the initialisation.
            child.data.split_seed = Some(exp.data.split_seed.unwrap_or(exp.seed));
            child.seed = exp.seed + s as u64;
            let data = tuneup_core::data::prepare(&child)?;
            super::train::check_model(&child, &data, exp_path)?;
            prepared.push((f, child, data));
        }
    }
    let store = Store::open(store_path).context("opening the run store")?;
    let started = std::time::Instant::now();
    let config = serde_json::to_value(&exp)?;
    let name = format!(
        "learning curve: {}",
        exp.name
            .as_deref()
            .unwrap_or(&exp_path.display().to_string())
    );
    let parent = store.create_run(&NewRun {
        name: Some(&name),
        parent_id: None,
        experiment_path: &exp_path.display().to_string(),
        config: &config,
        model: exp.model.kind(),
        metric_name: &exp.metric().name(),
    })?;
    eprintln!(
        "run {parent}: learning curve over {} sizes x {seeds} seed(s)",
        sizes.len()
    );
    let mut points = Vec::new();
    for (f, child, data) in prepared {
        let n_train = data.train.len();
        eprintln!(
            "-- {:.0}% of the training split ({n_train} samples), seed {}",
            f * 100.0,
            child.seed
        );
        // A failed point is data: it is recorded and left out of the fit.
        let t = super::train::record_and_train(
            &store,
            &child,
            &data,
            &exp_path.display().to_string(),
            Some(parent),
            None,
        )?;
        if let Some(f) = &t.failure {
            eprintln!("   run {} failed: {f}", t.run_id);
        }
        let score = |pick: fn(&tuneup_train::Outcome) -> Option<tuneup_core::run::Scores>| {
            t.outcome.as_ref().and_then(pick).map(|s| s.error)
        };
        points.push(Point {
            run_id: t.run_id,
            fraction: f,
            seed: child.seed,
            n_train,
            state: t.state.as_str().into(),
            train_error: score(|o| o.train),
            val_error: score(|o| o.val),
        });
    }
    let curve = summarise(&exp, sizes, seeds, points);
    let extra = json!({ "curve": curve });
    store.finish_run(
        parent,
        &Finish {
            extra: Some(&extra),
            ..Finish::bare(RunState::Complete, None, started.elapsed().as_secs_f64())
        },
    )?;
    if let Some(p) = plot {
        write_atomic(p, curve_svg(parent, exp.task, &curve).as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    if json_out {
        println!("{}", json!({"run_id": parent, "curve": curve}));
    } else {
        print_curve(parent, &curve);
    }
    Ok(())
}

fn summarise(exp: &Experiment, sizes: &[f64], seeds: usize, points: Vec<Point>) -> Curve {
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
    // Worth it when doubling the data is forecast to cut the error by at least the diagnosis's
    // minimum gap, with the whole interval below today's error.
    let min_gap = match exp.task {
        Task::Classification => tuneup_core::diagnose::Thresholds::default().min_gap,
        Task::Regression => {
            tuneup_core::diagnose::Thresholds::default().min_gap_relative * current.unwrap_or(0.0)
        }
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
    let pctf = |v: f64| {
        if exp.task == Task::Classification {
            format!("{:.2}%", v * 100.0)
        } else {
            format!("{v:.4}")
        }
    };
    let gain = |v: f64| {
        if exp.task == Task::Classification {
            format!("{:.2} points", v * 100.0)
        } else {
            format!("{v:.4}")
        }
    };
    let summary = match (&fit, forecasts.as_slice(), current) {
        (Some(f), [f2, f10], Some(c)) => {
            let verdict = match more_data_helps {
                Some(true) => "more data is likely to help".to_string(),
                Some(false) => format!(
                    "more data is unlikely to help much: even 10x is forecast to gain less than {}",
                    gain(min_gap)
                ),
                None if c - f10.error >= min_gap && f10.high < c => {
                    format!(
                        "doubling the data gains less than {}; about 10x would matter",
                        gain(min_gap)
                    )
                }
                None => {
                    "uncertain: the forecast's interval is wide (more --seeds or sizes narrow it)"
                        .to_string()
                }
            };
            format!(
                "validation error {} at {} samples; fit err(n) = {:.3}·n^-{:.3} + {}.\n  Forecast with 2x data: {} [90%: {}, {}], a gain of {}; with 10x: {} [{}, {}], a gain of {}.\n  Verdict: {verdict}.",
                pctf(c),
                n_max,
                f.a,
                f.b,
                pctf(f.c),
                pctf(f2.error),
                pctf(f2.low),
                pctf(f2.high),
                gain(c - f2.error),
                pctf(f10.error),
                pctf(f10.low),
                pctf(f10.high),
                gain(c - f10.error),
            )
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

pub fn print_curve(id: i64, c: &Curve) {
    println!(
        "run {id}: learning curve ({} sizes x {} seed(s))\n",
        c.sizes.len(),
        c.seeds
    );
    println!(
        "  {:>6} {:>8} {:>5} {:>8} {:>10} {:>10}  state",
        "run", "fraction", "seed", "n_train", "train err", "val err"
    );
    for p in &c.points {
        println!(
            "  {:>6} {:>8.2} {:>5} {:>8} {:>10} {:>10}  {}",
            p.run_id,
            p.fraction,
            p.seed,
            p.n_train,
            p.train_error.map(num).unwrap_or_else(|| "-".into()),
            p.val_error.map(num).unwrap_or_else(|| "-".into()),
            p.state
        );
    }
    println!("\n  {}", c.summary);
}

/// Shows a curve study recorded in a run's extra data, if it is one.
pub fn show_if_curve(run: &Run) -> bool {
    let Some(c) = run
        .extra
        .as_ref()
        .and_then(|e| serde_json::from_value::<Curve>(e["curve"].clone()).ok())
    else {
        return false;
    };
    print_curve(run.id, &c);
    true
}

fn curve_svg(id: i64, task: Task, c: &Curve) -> String {
    let pts = |f: fn(&Point) -> Option<f64>| {
        c.points
            .iter()
            .filter_map(|p| f(p).map(|e| (p.n_train as f64, e)))
            .collect::<Vec<_>>()
    };
    let mut series = vec![
        Series {
            name: "validation".into(),
            points: pts(|p| p.val_error),
            color: "#ff7f0e",
            dashed: false,
            markers: true,
        },
        Series {
            name: "train".into(),
            points: pts(|p| p.train_error),
            color: "#1f77b4",
            dashed: false,
            markers: true,
        },
    ];
    if let Some(f) = &c.fit {
        let lo = c.points.iter().map(|p| p.n_train).min().unwrap_or(1).max(1) as f64;
        let hi = c.forecasts.last().map(|f| f.n).unwrap_or(lo * 10.0);
        let line: Vec<(f64, f64)> = (0..=60)
            .map(|i| lo * (hi / lo).powf(i as f64 / 60.0))
            .map(|n| (n, f.at(n)))
            .collect();
        series.push(Series {
            name: "power-law fit".into(),
            points: line,
            color: "#ff7f0e",
            dashed: true,
            markers: false,
        });
        let fc: Vec<(f64, f64)> = c
            .forecasts
            .iter()
            .flat_map(|f| [(f.n, f.low), (f.n, f.error), (f.n, f.high)])
            .collect();
        series.push(Series {
            name: "forecast (90% interval)".into(),
            points: fc,
            color: "#d62728",
            dashed: false,
            markers: true,
        });
    }
    let err_name = if task == Task::Classification {
        "error rate"
    } else {
        "RMSE"
    };
    svg(&[Panel {
        title: format!("run {id}: {err_name} vs training samples"),
        x_label: "training samples (log scale)".into(),
        y_label: err_name.into(),
        series,
        hlines: vec![],
        vlines: vec![],
        log_x: true,
    }])
}
