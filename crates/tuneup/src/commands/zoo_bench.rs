//! `tuneup zoo bench DATA|EXP.toml [--budget 2m] [-o results.csv]`: every zoo model that fits
//! the data, trained for the same time budget, in a results table like timm's: parameters,
//! FLOPs, the metric, training throughput, inference latency.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, anyhow};
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_core::zoo;
use tuneup_store::{Finish, NewRun, Store};

use crate::output::{json_num, num, write_atomic};

/// `90`, `90s`, `2m`, `1h` as seconds.
pub fn parse_budget(s: &str) -> Option<f64> {
    let s = s.trim();
    let (n, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1.0),
        'm' => (&s[..s.len() - 1], 60.0),
        'h' => (&s[..s.len() - 1], 3600.0),
        _ => (s, 1.0),
    };
    n.parse::<f64>().ok().filter(|v| *v > 0.0).map(|v| v * mult)
}

pub fn run(
    source: &Path,
    store_path: &Path,
    budget: &str,
    output: Option<&Path>,
    models: Option<&str>,
    json_out: bool,
) -> anyhow::Result<()> {
    let seconds = parse_budget(budget).ok_or_else(|| {
        InputError::new(format!(
            "--budget: expected a duration such as 90s, 2m or 1h, found `{budget}`"
        ))
    })?;
    let base = if source.extension().is_some_and(|e| e == "toml") {
        Experiment::load(source)?
    } else {
        super::init::baseline(source, None)?
    };
    let data = tuneup_core::data::prepare(&base)?;
    let (shape, outputs) = (data.info.sample_shape.clone(), data.info.outputs());
    let wanted: Option<Vec<&str>> = models.map(|m| m.split(',').map(str::trim).collect());
    let catalogue = zoo::catalogue();
    if let Some(w) = &wanted {
        if let Some(bad) = w.iter().find(|n| !catalogue.iter().any(|e| e.name == **n)) {
            let names: Vec<&str> = catalogue.iter().map(|e| e.name).collect();
            return Err(InputError::new(format!(
                "--models: no model `{bad}`; the zoo has {}",
                names.join(", ")
            ))
            .into());
        }
    }
    let entries: Vec<_> = catalogue
        .into_iter()
        .filter(|e| wanted.as_ref().is_none_or(|w| w.contains(&e.name)))
        .filter_map(|e| zoo::size(&e.spec, &shape, outputs).ok().map(|s| (e, s)))
        .collect();
    if entries.is_empty() {
        return Err(
            InputError::new(format!("no zoo model fits samples of shape {shape:?}")).into(),
        );
    }
    let store = Store::open(store_path).context("opening the run store")?;
    let started = Instant::now();
    let config = serde_json::to_value(&base)?;
    let name = format!("zoo bench: {} ({budget} per model)", source.display());
    let parent = store.create_run(&NewRun {
        name: Some(&name),
        parent_id: None,
        experiment_path: &source.display().to_string(),
        config: &config,
        model: "zoo",
        metric_name: &base.metric().name(),
    })?;
    let metric = base.metric();
    let mut rows = Vec::new();
    for (e, size) in entries {
        let mut exp = base.clone();
        exp.name = Some(format!("zoo {}", e.name));
        exp.model = e.spec.clone();
        exp.train.epochs = 10_000;
        exp.train.time_budget = Some(seconds);
        eprintln!(
            "-- {} ({} parameters, {} FLOPs)",
            e.name, size.params, size.flops
        );
        let t = super::train::record_and_train(
            &store,
            &exp,
            &data,
            &source.display().to_string(),
            Some(parent),
            None,
        )?;
        let Some(o) = t.outcome.filter(|_| t.state == RunState::Complete) else {
            eprintln!("   failed: {}", t.failure.unwrap_or_default());
            continue;
        };
        let fit: f64 = o.epochs.iter().map(|r| r.fit_seconds).sum();
        let samples_per_s = (data.train.len() * o.epochs.len()) as f64 / fit.max(1e-9);
        // Inference latency: the best model over the validation split in batches, per sample.
        let run = store.run(t.run_id)?;
        let ckpt = run
            .checkpoint
            .ok_or_else(|| anyhow!("run {} has no checkpoint", t.run_id))?;
        let net = tuneup_train::checkpoint::load(&exp.model, &data.info, Path::new(&ckpt))
            .map_err(|e| anyhow!(e))?;
        let len = shape.iter().product();
        let t0 = Instant::now();
        let _ = tuneup_train::eval::outputs(&net, &data.val, len, None);
        let latency_ms = t0.elapsed().as_secs_f64() * 1000.0 / data.val.len().max(1) as f64;
        rows.push(json!({
            "model": e.name, "kind": e.spec.kind(), "run_id": t.run_id, "params": size.params, "flops": size.flops,
            "epochs": o.epochs.len(), "val_metric": o.val.map(|s| json_num(s.metric)),
            "test_metric": o.test.map(|s| json_num(s.metric)),
            "train_samples_per_s": json_num(samples_per_s), "infer_ms_per_sample": json_num(latency_ms),
        }));
    }
    let m = metric.name();
    let mut csv = format!(
        "model,kind,params,flops,epochs,{m}_val,{m}_test,train_samples_per_s,infer_ms_per_sample\n"
    );
    for r in &rows {
        let f = |k: &str| r[k].as_f64().map(|v| format!("{v:.4}")).unwrap_or_default();
        writeln!(
            csv,
            "{},{},{},{},{},{},{},{:.0},{:.4}",
            r["model"].as_str().unwrap_or_default(),
            r["kind"].as_str().unwrap_or_default(),
            r["params"],
            r["flops"],
            r["epochs"],
            f("val_metric"),
            f("test_metric"),
            r["train_samples_per_s"].as_f64().unwrap_or(0.0),
            r["infer_ms_per_sample"].as_f64().unwrap_or(0.0)
        )?;
    }
    if let Some(o) = output {
        write_atomic(o, csv.as_bytes())?;
        eprintln!("wrote {}", o.display());
    }
    let extra = json!({"zoo_bench": {"budget_seconds": seconds, "rows": rows}});
    store.finish_run(
        parent,
        &Finish {
            extra: Some(&extra),
            ..Finish::bare(RunState::Complete, None, started.elapsed().as_secs_f64())
        },
    )?;
    if json_out {
        println!(
            "{}",
            json!({"run_id": parent, "budget_seconds": seconds, "rows": rows})
        );
        return Ok(());
    }
    println!("run {parent}: {name}");
    println!(
        "  {:<11} {:>9} {:>11} {:>6} {:>10} {:>10} {:>10} {:>12}",
        "model",
        "params",
        "FLOPs",
        "epochs",
        format!("{m} val"),
        "test",
        "train /s",
        "infer ms"
    );
    for r in &rows {
        println!(
            "  {:<11} {:>9} {:>11} {:>6} {:>10} {:>10} {:>10.0} {:>12.4}",
            r["model"].as_str().unwrap_or_default(),
            r["params"].to_string(),
            r["flops"].to_string(),
            r["epochs"].to_string(),
            num(r["val_metric"].as_f64().unwrap_or(f64::NAN)),
            num(r["test_metric"].as_f64().unwrap_or(f64::NAN)),
            r["train_samples_per_s"].as_f64().unwrap_or(0.0),
            r["infer_ms_per_sample"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(())
}
