//! `tuneup schedule EXP` (the learning rate over training, plotted) and `tuneup lr-find EXP`
//! (the LR range test).

use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::schedule::{Interval, Scheduler, Shape};
use tuneup_core::spec::Experiment;

use crate::cli::{LrFindArgs, ScheduleArgs};
use crate::output::write_atomic;
use tuneup_web::chart::{Mark, Panel, Series, svg};

pub fn schedule(a: ScheduleArgs) -> anyhow::Result<()> {
    let (output, json_out) = (a.output.as_deref(), a.json);
    let exp = Experiment::load(&a.experiment)?;
    let data = tuneup_core::data::prepare(&exp)?;
    let batches = data
        .train
        .len()
        .div_ceil(exp.train.batch_size.min(data.train.len()));
    let s = Scheduler::new(&exp.schedule, exp.optimizer.lr(), exp.train.epochs, batches);
    let seq = s.sequence(exp.train.epochs, batches);
    let plateau = matches!(exp.schedule.shape, Shape::Plateau { .. });
    let note = if plateau {
        " (reduce-on-plateau: the rate falls when the validation metric stalls, so it is drawn as it starts)"
    } else {
        ""
    };
    if let Some(p) = output {
        let panel = Panel {
            title: format!(
                "{} schedule{}",
                exp.schedule.kind(),
                if exp.schedule.warmup > 0 {
                    " with warm-up"
                } else {
                    ""
                }
            ),
            x_label: "epoch".into(),
            y_label: "learning rate".into(),
            series: vec![Series {
                name: "learning rate".into(),
                points: seq
                    .iter()
                    .enumerate()
                    .map(|(i, lr)| (i as f64 / batches as f64, *lr))
                    .collect(),
                color: "#1f77b4",
                dashed: false,
                markers: false,
            }],
            hlines: vec![],
            vlines: (exp.schedule.warmup > 0)
                .then(|| {
                    let w = exp.schedule.warmup as f64;
                    let x = if exp.schedule.effective_interval() == Interval::Step {
                        w / batches as f64
                    } else {
                        w
                    };
                    Mark {
                        value: x,
                        label: "end of warm-up".into(),
                        color: "#7f7f7f",
                    }
                })
                .into_iter()
                .collect(),
            log_x: false,
        };
        write_atomic(p, svg(&[panel]).as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    let per_epoch: Vec<f64> = (0..exp.train.epochs).map(|e| seq[e * batches]).collect();
    if json_out {
        println!(
            "{}",
            json!({"kind": exp.schedule.kind(), "epochs": exp.train.epochs, "steps_per_epoch": batches, "lr_per_epoch": per_epoch, "lr_per_step": seq})
        );
    } else {
        println!(
            "{} schedule over {} epochs x {batches} steps{note}",
            exp.schedule.kind(),
            exp.train.epochs
        );
        for (e, lr) in per_epoch.iter().enumerate() {
            println!("  epoch {:>4}  lr {lr:.6e}", e + 1);
        }
    }
    Ok(())
}

pub fn lr_find(a: LrFindArgs) -> anyhow::Result<()> {
    let f = tuneup_lab::lr_find::run(
        &crate::progress::Stderr,
        &a.experiment,
        a.start,
        a.end,
        a.iters,
    )?;
    let (lrs, raw, smoothed) = (&f.lrs, &f.raw, &f.smoothed);
    let s = f.suggestion;
    if let Some(p) = &a.output {
        let mut vlines = Vec::new();
        if let Some(s) = s {
            vlines.push(Mark {
                value: s.valley,
                label: format!("valley {:.1e}", s.valley),
                color: "#d62728",
            });
            vlines.push(Mark {
                value: s.steepest,
                label: format!("steepest {:.1e}", s.steepest),
                color: "#2ca02c",
            });
        }
        let finite_max = smoothed
            .iter()
            .cloned()
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let cap = smoothed.first().copied().unwrap_or(finite_max) * 2.0;
        let panel = Panel {
            title: "LR range test (Smith 2015)".into(),
            x_label: "learning rate (log scale)".into(),
            y_label: "training loss (smoothed)".into(),
            series: vec![Series {
                name: "smoothed loss".into(),
                points: lrs
                    .iter()
                    .zip(smoothed)
                    .map(|(l, v)| (*l, v.min(cap)))
                    .collect(),
                color: "#1f77b4",
                dashed: false,
                markers: false,
            }],
            hlines: vec![],
            vlines,
            log_x: true,
        };
        write_atomic(p, svg(&[panel]).as_bytes())?;
        eprintln!("wrote {}", p.display());
    }
    let Some(s) = s else {
        return Err(InputError::new(format!(
            "the loss diverged after {} steps, too early to suggest a rate: lower --start",
            raw.len()
        ))
        .into());
    };
    if a.json {
        println!(
            "{}",
            json!({"suggestion": {"lr": s.steepest, "valley": s.valley, "steepest": s.steepest, "min_over_10": s.min_over_10}, "steps": raw.len(),
                   "lrs": lrs, "loss": raw, "smoothed": smoothed})
        );
    } else {
        // Steepest descent first: on MNIST-1D it landed within 1.4x of the best rate of a grid of
        // short runs, the valley 7.6x below it (bench/lr_find_check.sh).
        println!(
            "suggested learning rate: {:.2e} (steepest descent of the smoothed loss)",
            s.steepest
        );
        println!(
            "  valley {:.2e} (fastai's default, more conservative), minimum / 10 {:.2e}; {} steps run",
            s.valley,
            s.min_over_10,
            raw.len()
        );
        println!("  set it with: [optimizer] lr = {:.2e}", s.steepest);
    }
    Ok(())
}
