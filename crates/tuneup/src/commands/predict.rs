//! `tuneup predict RUN DATA` (a Kaggle-style submission) and `tuneup eval RUN DATA`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::data::{self, DataInfo, Part};
use tuneup_core::run::RunState;
use tuneup_core::scores::{self, Predictions};
use tuneup_core::spec::{DataFormat, Experiment};
use tuneup_store::{Run, Store};
use tuneup_train::Net;

use crate::output::{json_num, num, write_atomic};

struct Loaded {
    exp: Experiment,
    info: DataInfo,
    model: Net,
}

fn load_run(store: &Store, id: i64) -> anyhow::Result<(Run, Loaded)> {
    let run = store.run(id)?;
    if run.state != RunState::Complete {
        let why = run
            .failure
            .as_deref()
            .map(|f| format!(": {f}"))
            .unwrap_or_default();
        return Err(InputError::new(format!(
            "run {id} is {}{why}; only complete runs have a model",
            run.state.as_str()
        ))
        .into());
    }
    let exp: Experiment =
        serde_json::from_value(run.config.clone()).context("reading the run's experiment")?;
    let info: DataInfo = serde_json::from_value(
        run.data_info
            .clone()
            .ok_or_else(|| anyhow!("run {id} has no data description"))?,
    )
    .context("reading the run's data description")?;
    let ckpt = PathBuf::from(
        run.checkpoint
            .clone()
            .ok_or_else(|| anyhow!("run {id} has no checkpoint"))?,
    );
    let model = tuneup_train::checkpoint::load(&exp.model, &info, &ckpt).map_err(|e| anyhow!(e))?;
    Ok((run, Loaded { exp, info, model }))
}

/// For an MNIST folder, prediction and scoring use its test set (t10k).
fn data_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        if let Some((images, _)) = data::idx::find_pair(path, "t10k") {
            return images;
        }
    }
    path.to_path_buf()
}

fn load_part(l: &Loaded, path: &Path, require_labels: bool) -> anyhow::Result<Part> {
    let path = data_path(path);
    let target = l
        .info
        .target_name
        .as_deref()
        .or(l.exp.data.target.as_deref());
    let format = match l.info.format {
        DataFormat::Csv => Some(DataFormat::Csv),
        _ => None,
    };
    let d = data::load(&path, format, l.info.task, target, require_labels)?;
    Ok(data::encode(&l.info, d, require_labels)?)
}

pub fn predict(
    store: &Store,
    id: i64,
    data_path: &Path,
    output: &Path,
    proba: bool,
) -> anyhow::Result<()> {
    let (_, l) = load_run(store, id)?;
    let part = load_part(&l, data_path, false)?;
    let sample_len = l.info.sample_shape.iter().product();
    let out = tuneup_train::eval::outputs(&l.model, &part, sample_len, None);
    let id_col = l.info.id_name.clone().unwrap_or_else(|| "id".into());
    let target_col = l.info.target_name.clone().unwrap_or_else(|| "label".into());
    let mut csv = String::new();
    match scores::predictions(&l.info, &out.values) {
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
    let (run, l) = load_run(store, id)?;
    let part = load_part(&l, data_path, true)?;
    let sample_len = l.info.sample_shape.iter().product();
    let out = tuneup_train::eval::outputs(&l.model, &part, sample_len, None);
    let metric = l.exp.metric();
    let s = scores::score(&l.info, metric, &out.values, &part.y)
        .ok_or_else(|| anyhow!("no labels to score"))?;
    if json_out {
        println!(
            "{}",
            json!({"run_id": run.id, "data": data_path.display().to_string(), "samples": part.len(),
                   "loss": json_num(s.loss), "error": json_num(s.error),
                   "metric": {"name": metric.name(), "value": json_num(s.metric)}})
        );
    } else {
        println!(
            "run {} on {} ({} samples)",
            run.id,
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
