//! `tuneup predict RUN DATA` (a Kaggle-style submission) and `tuneup eval RUN DATA`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::anyhow;
use serde_json::json;
use tuneup_core::scores::{self, Predictions};
use tuneup_store::Store;

use crate::output::{json_num, num, write_atomic};

pub fn predict(
    store: &Store,
    id: i64,
    data_path: &Path,
    output: &Path,
    proba: bool,
) -> anyhow::Result<()> {
    let l = super::ensemble::predictor(store, id)?;
    let d = super::ensemble::load_data(&l, data_path, false)?;
    let (values, part) = super::ensemble::predict(&l, &d, false)?;
    let id_col = l.info.id_name.clone().unwrap_or_else(|| "id".into());
    let target_col = l.info.target_name.clone().unwrap_or_else(|| "label".into());
    let mut csv = String::new();
    match scores::predictions(&l.info, &values) {
        Predictions::Classes { labels, proba: p } => {
            let k = l.info.classes.len();
            write!(csv, "{id_col},{target_col}")?;
            if proba {
                for c in &l.info.classes {
                    write!(csv, ",p_{c}")?;
                }
            }
            csv.push('\n');
            for (i, (row_id, lab)) in part.ids.iter().zip(&labels).enumerate() {
                write!(csv, "{row_id},{}", l.info.classes[*lab as usize])?;
                if proba {
                    for v in &p[i * k..(i + 1) * k] {
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
    write_atomic(output, csv.as_bytes())?;
    eprintln!("wrote {} predictions to {}", part.len(), output.display());
    Ok(())
}

pub fn eval(store: &Store, id: i64, data_path: &Path, json_out: bool) -> anyhow::Result<()> {
    let l = super::ensemble::predictor(store, id)?;
    let d = super::ensemble::load_data(&l, data_path, true)?;
    let (values, part) = super::ensemble::predict(&l, &d, true)?;
    let metric = l.exp.metric();
    let s = scores::score(&l.info, metric, &values, &part.y)
        .ok_or_else(|| anyhow!("no labels to score"))?;
    if json_out {
        println!(
            "{}",
            json!({"run_id": l.run_id, "data": data_path.display().to_string(), "samples": part.len(),
                   "loss": json_num(s.loss), "error": json_num(s.error),
                   "metric": {"name": metric.name(), "value": json_num(s.metric)}})
        );
    } else {
        println!(
            "run {} on {} ({} samples)",
            l.run_id,
            data_path.display(),
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
