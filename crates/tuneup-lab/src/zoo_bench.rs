//! `tuneup zoo bench`: every zoo model that fits the data, trained for the same time budget,
//! in a results table like timm's: parameters, FLOPs, the metric, training throughput,
//! inference latency.

use std::path::Path;
use std::time::Instant;

use anyhow::anyhow;
use tuneup_core::InputError;
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_core::zoo;
use tuneup_store::{BenchRow, Finish, NewRun, RunExtra, RunKind, ZooBench};

use crate::Lab;
use crate::predictor::Model;
use crate::record::{Request, With, record_and_train};

/// A bench recorded: its run, name and table.
pub struct Bench {
    pub run_id: i64,
    pub name: String,
    pub metric: String,
    pub table: ZooBench,
}

/// The experiment a data file (or experiment file) starts from.
pub fn base_of(source: &Path) -> anyhow::Result<Experiment> {
    if source.extension().is_some_and(|e| e == "toml") {
        Ok(Experiment::load(source)?)
    } else {
        crate::init::baseline(source, &crate::init::Choices::default())
    }
}

/// A bench, checked before anything is recorded: the budget, the data, the models that fit.
pub struct Checked {
    base: Experiment,
    data: tuneup_core::data::Prepared,
    entries: Vec<(zoo::Entry, zoo::Size)>,
    seconds: f64,
    budget: String,
    display: String,
}

/// Checks the budget and the models, prepares the data.
pub fn check(source: &Path, budget: &str, models: Option<&str>) -> anyhow::Result<Checked> {
    let seconds = tuneup_core::duration::parse_flag("--budget", budget)?;
    let base = base_of(source)?;
    let data = tuneup_core::data::prepare(&base)?;
    let (shape, outputs) = (data.info.sample_shape.clone(), data.info.outputs());
    let wanted: Option<Vec<&str>> = models.map(|m| m.split(',').map(str::trim).collect());
    let catalogue = zoo::catalogue();
    if let Some(bad) = wanted
        .iter()
        .flatten()
        .find(|n| !catalogue.iter().any(|e| e.name == **n))
    {
        let names: Vec<&str> = catalogue.iter().map(|e| e.name).collect();
        return Err(InputError::new(format!(
            "--models: no model `{bad}`; the zoo has {}",
            names.join(", ")
        ))
        .into());
    }
    let entries: Vec<_> = catalogue
        .into_iter()
        .filter(|e| wanted.as_ref().is_none_or(|w| w.contains(&e.name)))
        .filter_map(|e| {
            let size = match own_info(&e.spec, &base, &data) {
                Some(i) => zoo::size_for(&e.spec, &i.sample_shape, &i.inputs(), outputs),
                None => zoo::size(&e.spec, &shape, outputs),
            };
            size.ok().map(|s| (e, s))
        })
        .collect();
    if entries.is_empty() {
        return Err(
            InputError::new(format!("no zoo model fits samples of shape {shape:?}")).into(),
        );
    }
    Ok(Checked {
        base,
        data,
        entries,
        seconds,
        budget: budget.to_string(),
        display: source.display().to_string(),
    })
}

/// The data description a model that encodes a table its own way would get (the tabular
/// model's level codes, a text model's token ids), when the data is such a table.
fn own_info(
    spec: &tuneup_core::spec::ModelSpec,
    base: &Experiment,
    data: &tuneup_core::data::Prepared,
) -> Option<tuneup_core::data::DataInfo> {
    if !(spec.kind() == "tabular" || spec.arch.reads_text()) || data.info.tabular.is_none() {
        return None;
    }
    let mut exp = base.clone();
    exp.model = spec.clone();
    if tuneup_core::data::same_encoding(&exp, base) {
        return Some(data.info.clone());
    }
    tuneup_core::data::prepare_with(&exp, false)
        .ok()
        .map(|p| p.info)
}

/// Trains each model for the budget, records the table.
pub fn run(lab: Lab, c: Checked) -> anyhow::Result<Bench> {
    let Checked {
        base,
        data,
        entries,
        seconds,
        budget,
        display,
    } = c;
    let started = Instant::now();
    let name = format!("zoo bench: {display} ({budget} per model)");
    let metric = base.metric().name();
    let parent = lab.store.create_run(&NewRun {
        name: Some(&name),
        parent_id: None,
        kind: RunKind::ZooBench,
        experiment_path: &display,
        experiment: &base,
        model: "zoo",
        metric_name: &metric,
    })?;
    let mut rows = Vec::new();
    for (e, size) in entries {
        tuneup_core::stop::check()?;
        let mut exp = base.clone();
        exp.name = Some(format!("zoo {}", e.name));
        exp.model = e.spec.clone();
        exp.train.epochs = 10_000;
        exp.train.time_budget = Some(seconds);
        lab.say(format!(
            "-- {} ({} parameters, {} FLOPs)",
            e.name, size.params, size.flops
        ));
        let own;
        let data = if tuneup_core::data::same_encoding(&exp, &base) {
            &data
        } else {
            own = tuneup_core::data::prepare(&exp)?;
            &own
        };
        let req = Request {
            exp: &exp,
            data,
            display: &display,
            parent: Some(parent),
            resume: None,
        };
        let t = record_and_train(lab, req, With::default())?;
        let Some(o) = t.outcome.filter(|_| t.state == RunState::Complete) else {
            lab.say(format!("   failed: {}", t.failure.unwrap_or_default()));
            continue;
        };
        let fit: f64 = o.epochs.iter().map(|r| r.fit_seconds).sum();
        let samples_per_s = (data.train.len() * o.epochs.len()) as f64 / fit.max(1e-9);
        // Inference latency: the best model over the validation split in batches, per sample.
        let checkpoint = lab
            .store
            .run(t.run_id)?
            .checkpoint
            .ok_or_else(|| anyhow!("run {} has no checkpoint", t.run_id))?;
        let checkpoint = crate::artifacts::bring(lab.store, &checkpoint)?;
        let model = Model {
            exp: exp.clone(),
            info: data.info.clone(),
            checkpoint,
        };
        let net =
            tuneup_train::TrainedModel::load(&model.exp.model, &model.info, &model.checkpoint)
                .map_err(|e| anyhow!(e))?;
        let t0 = Instant::now();
        let _ = net.outputs(&data.val);
        let latency_ms = t0.elapsed().as_secs_f64() * 1000.0 / data.val.len().max(1) as f64;
        let finite = |v: f64| v.is_finite().then_some(v);
        rows.push(BenchRow {
            model: e.name.to_string(),
            kind: e.spec.kind().to_string(),
            run_id: t.run_id,
            // As recorded: a net's parameters (the zoo's count, tested equal), the leaves trees
            // grew (the zoo gives the most they could).
            params: o.params,
            flops: size.flops,
            epochs: o.epochs.len(),
            val_metric: o.val.and_then(|s| finite(s.metric)),
            test_metric: o.test.and_then(|s| finite(s.metric)),
            train_samples_per_s: finite(samples_per_s),
            infer_ms_per_sample: finite(latency_ms),
        });
    }
    let table = ZooBench {
        budget_seconds: seconds,
        rows,
    };
    let extra = RunExtra {
        zoo_bench: Some(table.clone()),
        ..Default::default()
    };
    lab.store.finish_run(
        parent,
        &Finish {
            extra: Some(&extra),
            ..Finish::bare(RunState::Complete, None, started.elapsed().as_secs_f64())
        },
    )?;
    Ok(Bench {
        run_id: parent,
        name,
        metric,
        table,
    })
}
