//! `tuneup predict RUN DATA` (a Kaggle-style submission) and `tuneup eval RUN DATA`.

use std::fmt::Write as _;

use anyhow::anyhow;
use serde_json::json;
use tuneup_core::scores::{self, Predictions};

use crate::cli::{EvalArgs, PredictArgs};
use crate::output::{json_num, num, write_atomic};

use super::Ctx;

pub fn predict(ctx: &Ctx, a: PredictArgs) -> anyhow::Result<()> {
    let store = ctx.open_existing()?;
    let p = tuneup_lab::predictor::predictor(store.as_ref(), a.run)?;
    let d = p.load_data(&a.data, false)?;
    let (values, part) = p.predict(&d, false)?;
    let id_col = p.info.id_name.clone().unwrap_or_else(|| "id".into());
    let target_col = p.info.target_name.clone().unwrap_or_else(|| "label".into());
    let mut csv = String::new();
    match scores::predictions(&p.info, &values) {
        Predictions::Classes { labels, proba } => {
            let k = p.info.classes.len();
            write!(csv, "{id_col},{target_col}")?;
            if a.proba {
                for c in &p.info.classes {
                    write!(csv, ",p_{c}")?;
                }
            }
            csv.push('\n');
            for (i, (row_id, lab)) in part.ids.iter().zip(&labels).enumerate() {
                write!(csv, "{row_id},{}", p.info.classes[*lab as usize])?;
                if a.proba {
                    for v in &proba[i * k..(i + 1) * k] {
                        write!(csv, ",{v:.6}")?;
                    }
                }
                csv.push('\n');
            }
        }
        Predictions::Values(v) => {
            writeln!(csv, "{id_col},{target_col}")?;
            for (row_id, y) in part.ids.iter().zip(&v) {
                writeln!(csv, "{row_id},{y}")?;
            }
        }
    }
    write_atomic(&a.output, csv.as_bytes())?;
    eprintln!("wrote {} predictions to {}", part.len(), a.output.display());
    Ok(())
}

pub fn eval(ctx: &Ctx, a: EvalArgs) -> anyhow::Result<()> {
    let store = ctx.open_existing()?;
    let p = tuneup_lab::predictor::predictor(store.as_ref(), a.run)?;
    let d = p.load_data(&a.data, true)?;
    let (values, part) = p.predict(&d, true)?;
    let metric = p.exp.metric();
    let s = scores::score(&p.info, metric, &values, &part.y)
        .ok_or_else(|| anyhow!("no labels to score"))?;
    if a.json {
        println!(
            "{}",
            json!({"run_id": p.run_id, "data": a.data.display().to_string(), "samples": part.len(),
                   "loss": json_num(s.loss), "error": json_num(s.error),
                   "metric": {"name": metric.name(), "value": json_num(s.metric)}})
        );
    } else {
        println!(
            "run {} on {} ({} samples)",
            p.run_id,
            a.data.display(),
            part.len()
        );
        println!(
            "  loss    {}\n  error   {}\n  {:<7} {}",
            num(s.loss),
            num(s.error),
            metric.name(),
            num(s.metric)
        );
    }
    Ok(())
}
