//! `tuneup diagnose RUN`: the bias / variance report card of a recorded run.

use tuneup_core::diagnose::{Diagnosis, Measured, TargetSource};
use tuneup_core::spec::Task;
use tuneup_lab::diagnose::{Options, diagnose_run};

use crate::cli::DiagnoseArgs;
use crate::output::write_atomic;
use tuneup_web::chart::learning_curves_svg;

use super::Ctx;

pub fn run(ctx: &Ctx, a: DiagnoseArgs) -> anyhow::Result<()> {
    let opts = Options::from_flags(
        a.target_error,
        a.thresholds.as_deref(),
        a.min_gap,
        a.min_gap_relative,
        a.z,
    )?;
    let store = ctx.open_existing()?;
    let d = diagnose_run(store.as_ref(), a.run, &opts)?;
    if let Some(p) = &a.plot {
        write_atomic(
            p,
            learning_curves_svg(&d.run, &d.epochs, &d.diagnosis).as_bytes(),
        )?;
        eprintln!("wrote {}", p.display());
    }
    let text = d.run.data_info.as_ref().is_some_and(|i| i.text().is_some());
    let k = a.top_losses.unwrap_or(if text { 5 } else { 0 });
    let top = if k > 0 {
        Some(tuneup_lab::top_losses::top_losses(
            store.as_ref(),
            a.run,
            k,
        )?)
    } else {
        None
    };
    if a.json {
        let mut v = serde_json::to_value(&d.diagnosis)?;
        v["run_id"] = d.run.id.into();
        if let Some(t) = &top {
            v["top_losses"] = serde_json::to_value(t)?;
        }
        println!("{v}");
        return Ok(());
    }
    print_card(d.run.id, &d.diagnosis);
    if let Some(t) = &top {
        print_top_losses(t);
    }
    Ok(())
}

/// The most confidently wrong validation samples, one per line (a text's tokens below it).
pub fn print_top_losses(t: &[tuneup_lab::top_losses::TopLoss]) {
    println!("\nmost confidently wrong validation samples (top losses):");
    if t.is_empty() {
        println!("  none: every validation sample is right");
    }
    for l in t {
        println!(
            "  {}  truth {}  predicted {} (p {:.3}, loss {:.2})",
            l.id, l.truth, l.predicted, l.confidence, l.loss
        );
        if let Some(text) = &l.text {
            println!("      {text}");
        }
    }
}

fn show_err(task: Task, m: &Measured) -> String {
    match task {
        Task::Classification if m.n > 0 => {
            format!(
                "{:>7.2}%  [{:.2}%, {:.2}%]  n = {}",
                m.value * 100.0,
                m.low * 100.0,
                m.high * 100.0,
                m.n
            )
        }
        Task::Classification => format!("{:>7.2}%", m.value * 100.0),
        Task::Regression if m.n > 0 => format!(
            "{:>9.4}  [{:.4}, {:.4}]  n = {}",
            m.value, m.low, m.high, m.n
        ),
        Task::Regression => format!("{:>9.4}", m.value),
    }
}

/// The report card: the errors with their intervals, the reasons, the remedies.
fn print_card(run_id: i64, d: &Diagnosis) {
    let t = d.task;
    let unit = if t == Task::Classification {
        "error (95% interval)"
    } else {
        "RMSE (95% interval)"
    };
    println!("run {run_id}: {}\n", d.verdict.describe().to_uppercase());
    println!("  {unit}");
    let target_note = match &d.errors.target_source {
        TargetSource::Assumed => "  (none given: assumed 0)".to_string(),
        TargetSource::Estimated { from } => format!("  (none given: estimated from {from})"),
        TargetSource::Given => String::new(),
    };
    println!(
        "  target     {}{target_note}",
        show_err(t, &d.errors.target)
    );
    for (name, m) in [
        ("train", d.errors.train),
        ("train-dev", d.errors.train_dev),
        ("val", d.errors.val),
    ] {
        if let Some(m) = m {
            println!("  {name:<10} {}", show_err(t, &m));
        }
    }
    println!();
    for r in &d.reasons {
        println!("  - {r}");
    }
    if d.remedies.is_empty() {
        println!("\n  No remedy needed: the model is within the target's noise.");
        return;
    }
    println!("\n  remedies, best first:");
    for (i, r) in d.remedies.iter().enumerate() {
        let changes: Vec<String> = r
            .changes
            .iter()
            .map(|c| format!("{} = {} (was {})", c.key, c.to, c.from))
            .collect();
        let how = if r.available {
            changes.join(", ")
        } else {
            format!(
                "not yet in tuneup: needs {}",
                r.missing.as_deref().unwrap_or("?")
            )
        };
        println!("  {:>2}. [{}] {}: {}", i + 1, r.category, r.title, r.why);
        println!("      {how}");
    }
}
