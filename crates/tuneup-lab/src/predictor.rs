//! Any recorded model as one predictor: a run (one model), a cross-validation run (its fold
//! models averaged), a run's snapshots, and ensembles of those. `predict` and `eval` take any of
//! them by run id.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use tuneup_core::InputError;
use tuneup_core::data::{self, DataInfo, Dataset, ImageOptions, Part, ReadOptions};
use tuneup_core::ensemble::{self, Combiner, MemberPred, Method};
use tuneup_core::run::RunState;
use tuneup_core::spec::{DataFormat, Experiment, Task};
use tuneup_store::{MemberKind, Run, Storage};
use tuneup_train::TrainedModel;

/// One trained model and how it reads data.
#[derive(Debug, Clone)]
pub struct Model {
    pub exp: Experiment,
    pub info: DataInfo,
    pub checkpoint: PathBuf,
}

impl Model {
    /// Its raw outputs on an encoded part.
    pub fn outputs(&self, part: &Part) -> anyhow::Result<Vec<f32>> {
        let net = TrainedModel::load(&self.exp.model, &self.info, &self.checkpoint)
            .map_err(|e| anyhow!(e))?;
        Ok(net.outputs(part).values)
    }
}

/// A member of an ensemble: one model, or several averaged (fold models, snapshots).
#[derive(Debug, Clone)]
pub struct Member {
    pub run_id: i64,
    pub kind: MemberKind,
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

/// An error unless the run completed.
pub fn complete(run: &Run) -> anyhow::Result<()> {
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

fn info_of(run: &Run) -> anyhow::Result<DataInfo> {
    run.data_info
        .clone()
        .ok_or_else(|| anyhow!("run {} has no data description", run.id))
}

/// A complete run's model, its files brought to this host when they were written on another.
fn model_of(store: &dyn Storage, run: &Run) -> anyhow::Result<Model> {
    complete(run)?;
    let recorded = run
        .checkpoint
        .clone()
        .ok_or_else(|| anyhow!("run {} has no checkpoint", run.id))?;
    Ok(Model {
        exp: run.experiment.clone(),
        info: info_of(run)?,
        checkpoint: crate::artifacts::bring(store, &recorded)?,
    })
}

/// A run as a member: a plain run's model, a CV run's fold models, or (with `snapshots`) a
/// run's snapshot models.
pub fn member(store: &dyn Storage, id: i64, snapshots: bool) -> anyhow::Result<Member> {
    let run = store.run(id)?;
    complete(&run)?;
    if run.extra.ensemble.is_some() {
        return Err(
            InputError::new(format!("run {id} is an ensemble; give its members instead")).into(),
        );
    }
    if let Some(folds) = run.fold_runs() {
        let models = folds
            .iter()
            .map(|f| model_of(store, &store.run(*f)?))
            .collect::<anyhow::Result<Vec<_>>>()?;
        return Ok(Member {
            run_id: id,
            kind: MemberKind::CvFolds,
            models,
        });
    }
    let m = model_of(store, &run)?;
    if !snapshots {
        return Ok(Member {
            run_id: id,
            kind: MemberKind::Run,
            models: vec![m],
        });
    }
    if run.extra.snapshots.is_empty() {
        return Err(InputError::new(format!(
            "run {id} kept no snapshots: train it with train.snapshots = true and a cosine_restarts schedule"
        ))
        .into());
    }
    Ok(Member {
        run_id: id,
        kind: MemberKind::Snapshots,
        models: run
            .extra
            .snapshots
            .iter()
            .map(|s| {
                Ok(Model {
                    checkpoint: crate::artifacts::bring(store, &s.checkpoint)?,
                    ..m.clone()
                })
            })
            .collect::<anyhow::Result<_>>()?,
    })
}

/// The predictor of a run id: an ensemble's members, a CV run's fold models, or one model.
pub fn predictor(store: &dyn Storage, id: i64) -> anyhow::Result<Predictor> {
    let run = store.run(id)?;
    complete(&run)?;
    if let Some(e) = &run.extra.ensemble {
        let members = e
            .members
            .iter()
            .map(|m| member(store, *m, e.snapshots))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let weights = if e.weights.len() == members.len() {
            e.weights.clone()
        } else {
            vec![1.0; members.len()]
        };
        return Ok(Predictor {
            run_id: id,
            exp: run.experiment.clone(),
            info: info_of(&run)?,
            members,
            method: e.method,
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

impl Predictor {
    /// Loads a data file the way the predictor's models read their training data: the same
    /// target, a table's columns read the same way, pictures at the same size and channels.
    pub fn load_data(&self, path: &Path, require_labels: bool) -> anyhow::Result<Dataset> {
        let path = data_path(path);
        let plan = self.info.plan();
        let shape = &self.info.sample_shape;
        let base = ReadOptions::of(&self.exp);
        let o = ReadOptions {
            format: None,
            target: self
                .info
                .target_name
                .as_deref()
                .or(self.exp.data.target.as_deref()),
            require_target: require_labels,
            like: plan.as_deref(),
            images: ImageOptions {
                channels: (shape.len() == 3).then(|| shape[0]),
                ..base.images
            },
            ..base
        };
        Ok(data::load(&path, &o)?.0)
    }

    /// Raw outputs on a dataset (as a model's: log-probabilities or standardised values),
    /// member by member; with the encoded part of the last model (ids and labels).
    pub fn predict(&self, d: &Dataset, require_labels: bool) -> anyhow::Result<(Vec<f32>, Part)> {
        let mut comb = Combiner::new(self.method, classes_of(&self.info), self.weights.clone());
        let mut part = None;
        for m in &self.members {
            let (pred, pt) = m.predict(d, require_labels)?;
            comb.add(&pred);
            part = Some(pt);
        }
        let part = part.ok_or_else(|| anyhow!("no members"))?;
        Ok((ensemble::to_outputs(&self.info, &comb.finish()), part))
    }
}

impl Member {
    /// The member's predictions on a dataset (its models averaged), each model reading the
    /// data with its own normaliser. Returns the encoded part of the last model too.
    pub fn predict(&self, d: &Dataset, require_labels: bool) -> anyhow::Result<(MemberPred, Part)> {
        let mut comb: Option<Combiner> = None;
        let mut part = None;
        for model in &self.models {
            let p = data::encode(&model.info, d.clone(), require_labels)?;
            let out = model.outputs(&p)?;
            let classes = classes_of(&model.info);
            comb.get_or_insert_with(|| {
                Combiner::new(Method::Soft, classes, vec![1.0; self.models.len()])
            })
            .add(&MemberPred::from_outputs(&model.info, &out));
            part = Some(p);
        }
        let (Some(comb), Some(part)) = (comb, part) else {
            return Err(anyhow!("run {} has no model", self.run_id));
        };
        Ok((comb.finish(), part))
    }
}

/// Classes of a classifier's outputs (0 for regression).
pub fn classes_of(info: &DataInfo) -> usize {
    match info.task {
        Task::Classification => info.classes.len(),
        Task::Regression => 0,
    }
}

/// Members must read the same data the same way.
pub fn check_compatible(members: &[Member]) -> anyhow::Result<()> {
    let first = &members[0].models[0].info;
    for m in members {
        for model in &m.models {
            if let Some(w) = difference(&model.info, first) {
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

/// How two models' data differ, if they do (rows of the same CSV read in another shape are
/// the same data).
fn difference(i: &DataInfo, first: &DataInfo) -> Option<String> {
    // Rows of the same CSV read in another shape, or the same table's columns encoded for
    // another model (one-hot, embeddings), are the same data.
    let same_csv_rows = i.format == DataFormat::Csv
        && first.format == DataFormat::Csv
        && i.sample_shape.iter().product::<usize>() == first.sample_shape.iter().product::<usize>();
    let same_table = i.tabular.is_some() && first.tabular.is_some();
    if i.task != first.task {
        Some(format!("task {:?} vs {:?}", i.task, first.task))
    } else if i.classes != first.classes {
        Some(format!("classes {:?} vs {:?}", i.classes, first.classes))
    } else if i.sample_shape != first.sample_shape && !same_csv_rows && !same_table {
        Some(format!(
            "input shape {:?} vs {:?}",
            i.sample_shape, first.sample_shape
        ))
    } else if i.feature_names != first.feature_names {
        Some("different feature columns".to_string())
    } else if i.plan() != first.plan() {
        Some("the table's columns are read as different kinds".to_string())
    } else {
        None
    }
}
