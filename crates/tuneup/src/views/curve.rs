//! A learning curve as a table and as SVG.

use tuneup_core::spec::Task;
use tuneup_store::{Curve, CurvePoint as Point};

use crate::output::num;
use tuneup_web::chart::{Panel, Series, svg};

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
            p.state.as_str()
        );
    }
    println!("\n  {}", c.summary);
}

/// The curve with its fit and forecasts.
pub fn curve_svg(id: i64, task: Task, c: &Curve) -> String {
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
