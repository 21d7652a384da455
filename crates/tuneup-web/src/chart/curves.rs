//! A run's learning curves: loss and error per epoch, the target error, the best epoch or the
//! early-stopping point.

use tuneup_core::diagnose::{self, Diagnosis, TargetSource};
use tuneup_core::run::EpochRecord;
use tuneup_core::spec::Task;
use tuneup_store::Run;

use super::line::{Mark, Panel, Series, svg};

/// Loss and error per epoch, with the target error and the early-stopping point.
pub fn learning_curves_svg(run: &Run, epochs: &[EpochRecord], d: &Diagnosis) -> String {
    let col = |f: fn(&EpochRecord) -> f64| {
        epochs
            .iter()
            .map(|e| (e.epoch as f64, f(e)))
            .collect::<Vec<_>>()
    };
    let stop = d.curves.iter().find_map(|c| match c {
        diagnose::CurveFinding::Overfitting { since_epoch, .. } => Some(*since_epoch),
        _ => None,
    });
    let vlines = || match stop {
        Some(k) => vec![Mark {
            value: k as f64,
            label: format!("early stop: epoch {k}"),
            color: "#d62728",
        }],
        None => run
            .best_epoch
            .map(|b| {
                vec![Mark {
                    value: b as f64,
                    label: format!("best epoch {b}"),
                    color: "#7f7f7f",
                }]
            })
            .unwrap_or_default(),
    };
    let loss = Panel {
        title: format!("run {}: loss ({})", run.id, d.verdict.describe()),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series: vec![
            Series {
                name: "train (eval mode)".into(),
                points: col(|e| e.train_loss),
                color: "#1f77b4",
                dashed: false,
                markers: false,
            },
            Series {
                name: "train (as optimised)".into(),
                points: col(|e| e.fit_loss),
                color: "#1f77b4",
                dashed: true,
                markers: false,
            },
            Series {
                name: "validation".into(),
                points: col(|e| e.val_loss),
                color: "#ff7f0e",
                dashed: false,
                markers: false,
            },
        ],
        hlines: vec![],
        vlines: vlines(),
        log_x: false,
    };
    let err_name = if d.task == Task::Classification {
        "error rate"
    } else {
        "RMSE"
    };
    let error = Panel {
        title: format!("run {}: {err_name}", run.id),
        x_label: "epoch".into(),
        y_label: err_name.into(),
        series: vec![
            Series {
                name: "train".into(),
                points: col(|e| e.train_error),
                color: "#1f77b4",
                dashed: false,
                markers: false,
            },
            Series {
                name: "validation".into(),
                points: col(|e| e.val_error),
                color: "#ff7f0e",
                dashed: false,
                markers: false,
            },
        ],
        hlines: vec![Mark {
            value: d.errors.target.value,
            label: match &d.errors.target_source {
                TargetSource::Assumed => "target (assumed 0)".into(),
                TargetSource::Estimated { .. } => {
                    format!("target {:.4} (estimated)", d.errors.target.value)
                }
                TargetSource::Given => format!("target {:.4}", d.errors.target.value),
            },
            color: "#2ca02c",
        }],
        vlines: vlines(),
        log_x: false,
    };
    svg(&[loss, error])
}
