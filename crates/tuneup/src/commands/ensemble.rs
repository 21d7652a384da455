//! Models that predict together: a run (one model), a cross-validation run (its fold models),
//! a run's snapshots, and ensembles of those (`tuneup ensemble`). `predict` and `eval` accept
//! any of them by run id.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use tuneup_core::InputError;
use tuneup_core::data::{self, DataInfo, Dataset, Part, Y};
use tuneup_core::ensemble::{self, Combiner, MemberPred, Method};
use tuneup_core::run::RunState;
use tuneup_core::scores;
use tuneup_core::spec::{DataFormat, Experiment};
use tuneup_store::{Finish, NewRun, Run, Store};

use crate::output::{json_num, num, write_atomic};

/// One trained model and how it reads data.
#[derive(Debug, Clone)]
pub struct Model {
    pub exp: Experiment,
    pub info: DataInfo,
    pub checkpoint: PathBuf,
}

/// A member of an ensemble: one model, or several averaged (fold models, snapshots).
#[derive(Debug, Clone)]
pub struct Member {
    pub run_id: i64,
    pub kind: &'static str,
    pub models: Vec<Model>,
}

/// What predicts for a run id: its members, combined by `method` with `weights`.
#[derive(Debug, Clone)]
pub struct Predictor {
    pub run_id: i64,
    pub exp: Experiment,
    pub info: DataInfo,
    pub members: Vec<Member>,
    pub method: Method,
    pub weights: Vec<f64>,
}

fn complete(run: &Run) -> anyhow::Result<()> {
    if run.state != RunState::Complete {
        let why = run
            .failure
            .as_deref()
            .map(|f| format!(": {f}"))
            .unwrap_or_default();
        return Err(InputError::new(format!(
            "run {} is {}{why}; only complete runs have a model",
            run.id,
            run.state.as_str()
        ))
        .into());
    }
    Ok(())
}

fn experiment_of(run: &Run) -> anyhow::Result<Experiment> {
    serde_json::from_value(run.config.clone()).context("reading the run's experiment")
}

fn info_of(run: &Run) -> anyhow::Result<DataInfo> {
    serde_json::from_value(
        run.data_info
            .clone()
            .ok_or_else(|| anyhow!("run {} has no data description", run.id))?,
    )
    .context("reading the run's data description")
}

fn model_of(run: &Run) -> anyhow::Result<Model> {
    complete(run)?;
    Ok(Model {
        exp: experiment_of(run)?,
        info: info_of(run)?,
        checkpoint: PathBuf::from(
            run.checkpoint
                .clone()
                .ok_or_else(|| anyhow!("run {} has no checkpoint", run.id))?,
        ),
    })
}

/// The fold runs of a cross-validation run, from its record.
pub(crate) fn fold_runs(run: &Run) -> Option<Vec<i64>> {
    let folds = run
        .extra
        .as_ref()?
        .get("cv")?
        .get("folds_runs")?
        .as_array()?;
    folds.iter().map(|v| v.as_i64()).collect()
}

/// A run as a member: a plain run's model, a CV run's fold models, or (with `snapshots`) a
/// run's snapshot models.
pub fn member(store: &Store, id: i64, snapshots: bool) -> anyhow::Result<Member> {
    let run = store.run(id)?;
    complete(&run)?;
    if run.model == "ensemble" {
        return Err(
            InputError::new(format!("run {id} is an ensemble; give its members instead")).into(),
        );
    }
    if let Some(folds) = fold_runs(&run) {
        let models = folds
            .iter()
            .map(|f| model_of(&store.run(*f)?))
            .collect::<anyhow::Result<Vec<_>>>()?;
        return Ok(Member {
            run_id: id,
            kind: "cv folds",
            models,
        });
    }
    let m = model_of(&run)?;
    if snapshots {
        let snaps: Vec<PathBuf> = run
            .extra
            .as_ref()
            .and_then(|e| e.get("snapshots"))
            .and_then(|s| s.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.get("checkpoint")?.as_str().map(PathBuf::from))
                    .collect()
            })
            .unwrap_or_default();
        if snaps.is_empty() {
            return Err(InputError::new(format!(
                "run {id} kept no snapshots: train it with train.snapshots = true and a cosine_restarts schedule"
            ))
            .into());
        }
        return Ok(Member {
            run_id: id,
            kind: "snapshots",
            models: snaps
                .into_iter()
                .map(|checkpoint| Model {
                    checkpoint,
                    ..m.clone()
                })
                .collect(),
        });
    }
    Ok(Member {
        run_id: id,
        kind: "run",
        models: vec![m],
    })
}

/// The predictor of a run id: an ensemble's members, a CV run's fold models, or one model.
pub fn predictor(store: &Store, id: i64) -> anyhow::Result<Predictor> {
    let run = store.run(id)?;
    complete(&run)?;
    if let Some(e) = run.extra.as_ref().and_then(|e| e.get("ensemble")) {
        let ids: Vec<i64> = e["members"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let snapshots = e["snapshots"].as_bool().unwrap_or(false);
        let members = ids
            .iter()
            .map(|m| member(store, *m, snapshots))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let method = e["method"]
            .as_str()
            .and_then(Method::parse)
            .unwrap_or(Method::Soft);
        let weights = e["weights"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_else(|| vec![1.0; members.len()]);
        return Ok(Predictor {
            run_id: id,
            exp: experiment_of(&run)?,
            info: info_of(&run)?,
            members,
            method,
            weights,
        });
    }
    let m = member(store, id, false)?;
    let first = m.models[0].clone();
    Ok(Predictor {
        run_id: id,
        exp: first.exp,
        info: first.info,
        members: vec![m],
        method: Method::Soft,
        weights: vec![1.0],
    })
}

/// For an MNIST folder, prediction and scoring use its test set (t10k).
pub fn data_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        if let Some((images, _)) = data::idx::find_pair(path, "t10k") {
            return images;
        }
    }
    path.to_path_buf()
}

/// Loads a data file the way the predictor's models read their training data.
pub fn load_data(p: &Predictor, path: &Path, require_labels: bool) -> anyhow::Result<Dataset> {
    let path = data_path(path);
    let target = p
        .info
        .target_name
        .as_deref()
        .or(p.exp.data.target.as_deref());
    let format = match p.info.format {
        DataFormat::Csv => Some(DataFormat::Csv),
        _ => None,
    };
    let group = p.exp.cv.as_ref().and_then(|c| c.group.as_deref());
    Ok(data::load_excluding(&path, format, p.info.task, target, require_labels, group)?.0)
}

/// One member's predictions on a dataset (its models averaged), each model reading the data
/// with its own normaliser. Returns the encoded part of the last model too (ids and labels).
pub fn member_predict(
    m: &Member,
    d: &Dataset,
    require_labels: bool,
) -> anyhow::Result<(MemberPred, Part)> {
    let mut comb: Option<Combiner> = None;
    let mut part = None;
    for model in &m.models {
        let net = tuneup_train::checkpoint::load(&model.exp.model, &model.info, &model.checkpoint)
            .map_err(|e| anyhow!(e))?;
        let p = data::encode(&model.info, d.clone(), require_labels)?;
        let len = model.info.sample_shape.iter().product();
        let out = tuneup_train::eval::outputs(&net, &p, len, None);
        let classes = classes_of(&model.info);
        comb.get_or_insert_with(|| Combiner::new(Method::Soft, classes, vec![1.0; m.models.len()]))
            .add(&MemberPred::from_outputs(&model.info, &out.values));
        part = Some(p);
    }
    Ok((
        comb.expect("a member has a model").finish(),
        part.expect("a member has a model"),
    ))
}

fn classes_of(info: &DataInfo) -> usize {
    match info.task {
        tuneup_core::spec::Task::Classification => info.classes.len(),
        tuneup_core::spec::Task::Regression => 0,
    }
}

/// The predictor's raw outputs on a dataset (as a model's: log-probabilities or standardised
/// values), member by member.
pub fn predict(
    p: &Predictor,
    d: &Dataset,
    require_labels: bool,
) -> anyhow::Result<(Vec<f32>, Part)> {
    let mut comb = Combiner::new(p.method, classes_of(&p.info), p.weights.clone());
    let mut part = None;
    for m in &p.members {
        let (pred, pt) = member_predict(m, d, require_labels)?;
        comb.add(&pred);
        part = Some(pt);
    }
    let part = part.ok_or_else(|| anyhow!("no members"))?;
    Ok((ensemble::to_outputs(&p.info, &comb.finish()), part))
}

/// Members must read the same data the same way.
pub(crate) fn check_compatible(members: &[Member]) -> anyhow::Result<()> {
    let first = &members[0].models[0].info;
    for m in members {
        for model in &m.models {
            let i = &model.info;
            let what = if i.task != first.task {
                Some(format!("task {:?} vs {:?}", i.task, first.task))
            } else if i.classes != first.classes {
                Some(format!("classes {:?} vs {:?}", i.classes, first.classes))
            } else if i.sample_shape != first.sample_shape
                && !(i.format == DataFormat::Csv
                    && first.format == DataFormat::Csv
                    && i.sample_shape.iter().product::<usize>()
                        == first.sample_shape.iter().product::<usize>())
            {
                Some(format!(
                    "input shape {:?} vs {:?}",
                    i.sample_shape, first.sample_shape
                ))
            } else if i.feature_names != first.feature_names {
                Some("different feature columns".to_string())
            } else {
                None
            };
            if let Some(w) = what {
                return Err(InputError::new(format!(
                    "run {} cannot join an ensemble with run {}: {w}",
                    m.run_id, members[0].run_id
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// Held-out predictions of each member on the same rows, and those rows' targets: validation
/// predictions for runs (recomputed from each run's experiment, without reading its test data),
/// out-of-fold predictions for CV runs.
pub(crate) fn held_out(
    store: &Store,
    members: &[Member],
) -> anyhow::Result<(Vec<MemberPred>, Y, &'static str)> {
    let cv = members.iter().filter(|m| m.kind == "cv folds").count();
    if cv > 0 && cv < members.len() {
        return Err(InputError::new(
            "weighted ensembles fit their weights on held-out predictions of the same rows: give only CV runs (out-of-fold) or only plain runs (validation)",
        )
        .into());
    }
    let mut preds = Vec::new();
    let mut ids: Option<Vec<String>> = None;
    let mut y = Y::None;
    for m in members {
        let (p, row_ids, truth) = if cv > 0 {
            let run = store.run(m.run_id)?;
            let path = run
                .extra
                .as_ref()
                .and_then(|e| e["cv"]["oof"].as_str())
                .map(PathBuf::from)
                .ok_or_else(|| anyhow!("run {} has no out-of-fold predictions", m.run_id))?;
            read_oof(&path, &m.models[0].info)?
        } else {
            let model = &m.models[0];
            let data = data::prepare_with(&model.exp, false)?;
            let net =
                tuneup_train::checkpoint::load(&model.exp.model, &data.info, &model.checkpoint)
                    .map_err(|e| anyhow!(e))?;
            let len = data.info.sample_shape.iter().product();
            let out = tuneup_train::eval::outputs(&net, &data.val, len, None);
            (
                MemberPred::from_outputs(&data.info, &out.values),
                data.val.ids.clone(),
                data.val.y.clone(),
            )
        };
        match &ids {
            None => {
                ids = Some(row_ids);
                y = truth;
            }
            Some(first) if *first != row_ids => {
                return Err(InputError::new(format!(
                    "run {} was validated on other rows than run {}: weights must be fitted on the same held-out rows (give the runs the same data and data.split_seed)",
                    m.run_id, members[0].run_id
                ))
                .into());
            }
            Some(_) => {}
        }
        preds.push(p);
    }
    Ok((preds, y, if cv > 0 { "out-of-fold" } else { "validation" }))
}

/// Out-of-fold predictions as `tuneup cv` writes them.
fn read_oof(path: &Path, info: &DataInfo) -> anyhow::Result<(MemberPred, Vec<String>, Y)> {
    let (header, rows) = data::csv::table(path)?;
    let mut ids = Vec::new();
    let mut vals = Vec::new();
    let mut truth_c = Vec::new();
    let mut truth_v = Vec::new();
    let col = |name: &str| header.iter().position(|h| h == name);
    let truth_col = col("truth").ok_or_else(|| anyhow!("{}: no truth column", path.display()))?;
    let pcols: Vec<usize> = match info.task {
        tuneup_core::spec::Task::Classification => info
            .classes
            .iter()
            .map(|c| col(&format!("p_{c}")).ok_or_else(|| anyhow!("{}: no p_{c}", path.display())))
            .collect::<anyhow::Result<_>>()?,
        tuneup_core::spec::Task::Regression => {
            vec![col("pred").ok_or_else(|| anyhow!("{}: no pred", path.display()))?]
        }
    };
    for (_, r) in rows {
        ids.push(r[0].clone());
        for &c in &pcols {
            vals.push(r[c].parse::<f64>().context("out-of-fold value")?);
        }
        match info.task {
            tuneup_core::spec::Task::Classification => truth_c.push(
                info.classes
                    .iter()
                    .position(|c| *c == r[truth_col])
                    .ok_or_else(|| anyhow!("unknown class {}", r[truth_col]))?
                    as u32,
            ),
            tuneup_core::spec::Task::Regression => truth_v.push(r[truth_col].parse::<f32>()?),
        }
    }
    Ok(match info.task {
        tuneup_core::spec::Task::Classification => {
            (MemberPred::Proba(vals), ids, Y::Classes(truth_c))
        }
        tuneup_core::spec::Task::Regression => (MemberPred::Values(vals), ids, Y::Values(truth_v)),
    })
}

/// Writes out-of-fold predictions as CSV: id, the fold (of the first repeat), the truth, and
/// the probabilities / prediction.
pub fn write_oof(
    path: &Path,
    info: &DataInfo,
    ids: &[String],
    folds: &[usize],
    y: &Y,
    p: &MemberPred,
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    let mut s = String::from("id,fold,truth");
    match p {
        MemberPred::Proba(_) => {
            for c in &info.classes {
                write!(s, ",p_{c}")?;
            }
        }
        MemberPred::Values(_) => s.push_str(",pred"),
    }
    s.push('\n');
    let k = classes_of(info).max(1);
    let vals = p.values();
    for (r, id) in ids.iter().enumerate() {
        let truth = match y {
            Y::Classes(c) => info.classes[c[r] as usize].clone(),
            Y::Values(v) => v[r].to_string(),
            Y::None => String::new(),
        };
        write!(s, "{id},{},{truth}", folds[r] + 1)?;
        for v in &vals[r * k..(r + 1) * k] {
            write!(s, ",{v}")?;
        }
        s.push('\n');
    }
    write_atomic(path, s.as_bytes())?;
    Ok(())
}

/// `tuneup ensemble RUN RUN ... [--method soft|hard|weighted] [--snapshots] [--name N] [-o F]`
pub fn run(
    store: &Store,
    ids: &[i64],
    method: &str,
    snapshots: bool,
    name: Option<&str>,
    output: Option<&Path>,
    json_out: bool,
) -> anyhow::Result<()> {
    let method = Method::parse(method).ok_or_else(|| {
        InputError::new(format!(
            "--method: expected soft, hard or weighted, found `{method}`"
        ))
    })?;
    if ids.is_empty() {
        return Err(InputError::new("give at least one run").into());
    }
    let members = ids
        .iter()
        .map(|id| member(store, *id, snapshots))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let n_models: usize = members.iter().map(|m| m.models.len()).sum();
    if n_models < 2 {
        return Err(InputError::new(
            "an ensemble needs at least two models: several runs, a CV run, or --snapshots",
        )
        .into());
    }
    check_compatible(&members)?;
    let first = members[0].models[0].clone();
    let (weights, fitted_on) = if method == Method::Weighted {
        if members.len() < 2 {
            return Err(InputError::new("weighted ensembles need at least two members").into());
        }
        let (preds, y, on) = held_out(store, &members)?;
        (
            ensemble::fit_weights(&preds, &y, classes_of(&first.info)),
            Some(on),
        )
    } else {
        (vec![1.0; members.len()], None)
    };
    let Recorded {
        id,
        label,
        description,
        test,
    } = record(
        store,
        ids,
        members.clone(),
        method,
        weights.clone(),
        fitted_on,
        snapshots,
        name,
        None,
        None,
    )?;
    let metric = first.exp.metric();
    if let Some(o) = output {
        let mut t = format!(
            "# tuneup ensemble, recorded as run {id}\nname = {label:?}\nmethod = {:?}\nmembers = {ids:?}\n",
            serde_json::to_value(method)?.as_str().unwrap_or_default()
        );
        t.push_str(&format!("weights = {weights:?}\nsnapshots = {snapshots}\n"));
        if let Some(on) = fitted_on {
            t.push_str(&format!("weights_fitted_on = {on:?}\n"));
        }
        write_atomic(o, t.as_bytes())?;
    }
    if json_out {
        println!(
            "{}",
            json!({"run_id": id, "name": label, "ensemble": description,
                   "test": test.map(|s| json!({"loss": json_num(s.loss), "error": json_num(s.error), "metric": json_num(s.metric)}))})
        );
    } else {
        println!("run {id}: {label} ({n_models} models)");
        for (m, w) in members.iter().zip(&weights) {
            println!(
                "  run {:>4}  {:<10} {} model(s)  weight {:.4}",
                m.run_id,
                m.kind,
                m.models.len(),
                w
            );
        }
        if let Some(on) = fitted_on {
            println!("  weights fitted on the members' {on} predictions");
        }
        if let Some(s) = test {
            println!(
                "  test {} {}  (error {})",
                metric.name(),
                num(s.metric),
                num(s.error)
            );
        }
    }
    Ok(())
}

/// An ensemble as recorded: its run id, label, description and test scores.
pub struct Recorded {
    pub id: i64,
    pub label: String,
    pub description: Value,
    pub test: Option<tuneup_core::run::Scores>,
}

/// Records an ensemble of `members` (checked compatible) as a run, scored on the first
/// member's test data when it has some.
#[allow(clippy::too_many_arguments)]
pub fn record(
    store: &Store,
    ids: &[i64],
    members: Vec<Member>,
    method: Method,
    weights: Vec<f64>,
    fitted_on: Option<&str>,
    snapshots: bool,
    name: Option<&str>,
    parent: Option<i64>,
    val: Option<tuneup_core::run::Scores>,
) -> anyhow::Result<Recorded> {
    let first = members[0].models[0].clone();
    let n_models: usize = members.iter().map(|m| m.models.len()).sum();
    let p = Predictor {
        run_id: 0,
        exp: first.exp.clone(),
        info: first.info.clone(),
        members: members.clone(),
        method,
        weights: weights.clone(),
    };
    // Scores: on the first member's validation rows (optimistic for weighted: fitted there),
    // and its test data when it has some.
    let metric = first.exp.metric();
    let data = data::load_source(&first.exp, true)?;
    let score_on = |d: &Dataset| -> anyhow::Result<Option<tuneup_core::run::Scores>> {
        let (out, part) = predict(&p, d, true)?;
        Ok(scores::score(&p.info, metric, &out, &part.y))
    };
    let test = match &data.test {
        Some(t) => score_on(t)?,
        None => None,
    };
    let label = name.map(str::to_string).unwrap_or_else(|| {
        format!(
            "{} ensemble of runs {}",
            serde_json::to_value(method)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    let description = json!({
        "members": ids,
        "kinds": members.iter().map(|m| m.kind).collect::<Vec<_>>(),
        "models": n_models,
        "method": method,
        "weights": weights,
        "fitted_on": fitted_on,
        "snapshots": snapshots,
    });
    let config = serde_json::to_value(&first.exp)?;
    let id = store.create_run(&NewRun {
        name: Some(&label),
        parent_id: parent,
        experiment_path: "(ensemble)",
        config: &config,
        model: "ensemble",
        metric_name: &metric.name(),
    })?;
    let info = serde_json::to_value(&first.info)?;
    let extra = json!({ "ensemble": description });
    store.finish_run(
        id,
        &Finish {
            params: None,
            val,
            test,
            data_info: Some(&info),
            extra: Some(&extra),
            ..Finish::bare(RunState::Complete, None, 0.0)
        },
    )?;
    Ok(Recorded {
        id,
        label,
        description,
        test,
    })
}
