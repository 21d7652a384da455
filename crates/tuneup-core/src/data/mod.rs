//! Data: loading (CSV, MNIST IDX, image folders), seeded stratified splits, and normalisation
//! with statistics from the training split only.

pub mod csv;
pub mod idx;
pub mod images;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::rng::Rng;
use crate::spec::{DataFormat, Experiment, Task};

/// Targets as read from a file, before classes are encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Class labels as written in the file (`"7"`, `"cat"`).
    Labels(Vec<String>),
    /// Regression targets.
    Values(Vec<f32>),
    /// An unlabelled file (for prediction).
    None,
}

/// Samples as loaded: `x` holds `len()` samples of `sample_shape` each, row-major.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub source: PathBuf,
    /// `[features]` for vectors, `[channels, height, width]` for images.
    pub sample_shape: Vec<usize>,
    pub feature_names: Vec<String>,
    pub target_name: Option<String>,
    pub x: Vec<f32>,
    pub targets: Targets,
    /// Row ids for submissions: the file's `id` column, or the 0-based row number.
    pub ids: Vec<String>,
    pub id_name: Option<String>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    pub fn sample_len(&self) -> usize {
        self.sample_shape.iter().product()
    }

    fn select(&self, idx: &[usize]) -> Dataset {
        let s = self.sample_len();
        let mut x = Vec::with_capacity(idx.len() * s);
        for &i in idx {
            x.extend_from_slice(&self.x[i * s..(i + 1) * s]);
        }
        Dataset {
            source: self.source.clone(),
            sample_shape: self.sample_shape.clone(),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            x,
            targets: match &self.targets {
                Targets::Labels(l) => Targets::Labels(idx.iter().map(|&i| l[i].clone()).collect()),
                Targets::Values(v) => Targets::Values(idx.iter().map(|&i| v[i]).collect()),
                Targets::None => Targets::None,
            },
            ids: idx.iter().map(|&i| self.ids[i].clone()).collect(),
            id_name: self.id_name.clone(),
        }
    }

    /// A seeded order of sample indices in which every prefix keeps the class proportions
    /// (each sample is placed by its rank within its class, divided by the class size).
    fn stratified_order(&self, rng: &mut Rng) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        rng.shuffle(&mut order);
        if let Targets::Labels(labels) = &self.targets {
            let mut seen = std::collections::HashMap::<&str, usize>::new();
            let mut counts = std::collections::HashMap::<&str, usize>::new();
            for l in labels {
                *counts.entry(l.as_str()).or_default() += 1;
            }
            let mut keyed: Vec<(f64, usize, usize)> = order
                .iter()
                .enumerate()
                .map(|(pos, &i)| {
                    let l = labels[i].as_str();
                    let r = seen.entry(l).or_default();
                    let key = (*r as f64 + 0.5) / counts[l] as f64;
                    *r += 1;
                    (key, pos, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order = keyed.into_iter().map(|(_, _, i)| i).collect();
        }
        order
    }
}

/// Where a data path points, by its layout.
pub fn detect_format(path: &Path) -> Result<DataFormat, InputError> {
    if !path.exists() {
        return Err(InputError::in_file(path, "file not found"));
    }
    if path.is_dir() {
        if idx::find_pair(path, "train").is_some() {
            return Ok(DataFormat::Mnist);
        }
        if images::looks_like_image_folder(path) {
            return Ok(DataFormat::ImageFolder);
        }
        return Err(InputError::in_file(
            path,
            "folder is neither MNIST (train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz]) nor an image folder (one subfolder of PNG / JPEG files per class)",
        ));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains("-idx") || name.contains("ubyte") {
        return Ok(DataFormat::Mnist);
    }
    Ok(DataFormat::Csv)
}

/// Loads one data source. For an MNIST folder this is the training pair (`train-*`).
pub fn load(
    path: &Path,
    format: Option<DataFormat>,
    task: Task,
    target: Option<&str>,
    require_target: bool,
) -> Result<Dataset, InputError> {
    let format = match format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    match format {
        DataFormat::Csv => csv::load(path, task, target, require_target),
        DataFormat::ImageFolder => images::load(path),
        DataFormat::Mnist => {
            if path.is_dir() {
                let (img, lab) = idx::find_pair(path, "train")
                    .ok_or_else(|| InputError::in_file(path, "no train-images-idx3-ubyte[.gz] / train-labels-idx1-ubyte[.gz] in this folder"))?;
                idx::load(&img, Some(&lab))
            } else {
                let labels = idx::labels_beside(path);
                if labels.is_none() && require_target {
                    return Err(InputError::in_file(
                        path,
                        "no labels file beside it (expected the same name with `labels-idx1` for `images-idx3`)",
                    ));
                }
                idx::load(path, labels.as_deref())
            }
        }
    }
}

/// Reads a CSV's feature vectors as images of `shape` (`data.shape`).
pub fn reshape(d: &mut Dataset, shape: Option<&Vec<usize>>) -> Result<(), InputError> {
    let Some(shape) = shape else { return Ok(()) };
    let want: usize = shape.iter().product();
    if d.sample_len() != want {
        return Err(InputError::in_file(
            &d.source,
            format!(
                "{} feature columns cannot be read as {shape:?} images ({want} values)",
                d.sample_len()
            ),
        )
        .key("data.shape"));
    }
    d.sample_shape = shape.clone();
    Ok(())
}

/// How inputs are standardised: `(x - mean) / std`, per feature for vectors, per channel for
/// images. Statistics come from the training split only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    /// Values per statistic: 1 for per-feature vectors, `h * w` for per-channel images.
    pub block: usize,
}

impl Normalizer {
    fn fit(x: &[f32], sample_shape: &[usize]) -> Normalizer {
        let s: usize = sample_shape.iter().product();
        let (groups, block) = if sample_shape.len() >= 2 {
            (sample_shape[0], s / sample_shape[0])
        } else {
            (s, 1)
        };
        let n = (x.len() / s.max(1)) as f64;
        let mut mean = vec![0f64; groups];
        let mut sq = vec![0f64; groups];
        for sample in x.chunks(s) {
            for (j, v) in sample.iter().enumerate() {
                let g = j / block;
                mean[g] += *v as f64;
                sq[g] += (*v as f64) * (*v as f64);
            }
        }
        let count = n * block as f64;
        let mean: Vec<f64> = mean.iter().map(|m| m / count).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| {
                let var = (q / count - m * m).max(0.0);
                // A constant feature would divide by zero; leave it centred and unscaled.
                if var.sqrt() < 1e-8 {
                    1.0
                } else {
                    var.sqrt() as f32
                }
            })
            .collect();
        Normalizer {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
            block,
        }
    }

    pub fn apply(&self, x: &mut [f32]) {
        let s = self.mean.len() * self.block;
        for sample in x.chunks_mut(s) {
            for (j, v) in sample.iter_mut().enumerate() {
                let g = j / self.block;
                *v = (*v - self.mean[g]) / self.std[g];
            }
        }
    }
}

/// What a trained model needs to read new data the way it read its training data. Stored with
/// each run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    pub task: Task,
    pub sample_shape: Vec<usize>,
    /// Class names, in the order of the model's outputs.
    pub classes: Vec<String>,
    pub feature_names: Vec<String>,
    pub target_name: Option<String>,
    pub id_name: Option<String>,
    pub format: DataFormat,
    pub normalizer: Normalizer,
    /// Regression targets are standardised for training: `(y - y_mean) / y_std`.
    pub y_mean: f32,
    pub y_std: f32,
    /// The positive class of binary metrics (`positive_class`), as an output index.
    #[serde(default)]
    pub positive: Option<u32>,
}

impl DataInfo {
    /// The number of model outputs: classes, or 1 for regression.
    pub fn outputs(&self) -> usize {
        if self.task == Task::Classification {
            self.classes.len()
        } else {
            1
        }
    }
}

/// Encoded targets.
#[derive(Debug, Clone, PartialEq)]
pub enum Y {
    Classes(Vec<u32>),
    /// Regression targets in the file's units (standardise with `DataInfo::y_mean / y_std`).
    Values(Vec<f32>),
    None,
}

/// One split, normalised and encoded, ready for training or scoring.
#[derive(Debug, Clone)]
pub struct Part {
    pub x: Vec<f32>,
    pub y: Y,
    pub ids: Vec<String>,
}

impl Part {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Prepared {
    pub info: DataInfo,
    pub train: Part,
    pub val: Part,
    /// A slice of the training distribution held out from training (`data.train_dev_fraction`).
    pub train_dev: Option<Part>,
    pub test: Option<Part>,
    /// Where each split came from, for reports.
    pub sources: Vec<(String, String)>,
}

/// Orders class labels: numerically when all are numbers, else as text.
pub fn sort_classes(classes: &mut [String]) {
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap()
                .total_cmp(&b.parse::<f64>().unwrap())
        });
    } else {
        classes.sort();
    }
}

/// The experiment's data before the validation split: the training file (reshaped, limited,
/// the test hold-out taken out), the test data, and where they came from.
#[derive(Debug, Clone)]
pub struct Source {
    pub format: DataFormat,
    pub full: Dataset,
    pub test: Option<Dataset>,
    pub sources: Vec<(String, String)>,
    /// The rows' group ids (`cv.group`), when the experiment names a group column.
    pub groups: Option<Vec<String>>,
    /// The split generator where the `limit` subset left it (the validation hold-out goes on
    /// from here).
    split_rng: Rng,
}

/// Loads a data file as [`load`] does, with an experiment's group column (`cv.group`) set aside.
pub fn load_excluding(
    path: &Path,
    format: Option<DataFormat>,
    task: Task,
    target: Option<&str>,
    require_target: bool,
    group: Option<&str>,
) -> Result<(Dataset, Option<Vec<String>>), InputError> {
    let format = match format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    match (format, group) {
        (DataFormat::Csv, Some(_)) => {
            csv::load_with_group(path, task, target, require_target, group)
        }
        (_, Some(_)) => {
            Err(InputError::in_file(path, "a group column needs CSV data").key("cv.group"))
        }
        (f, None) => Ok((load(path, Some(f), task, target, require_target)?, None)),
    }
}

/// Loads the training file (and, with `with_test`, the test data) and takes the `limit` subset
/// and the `test_fraction` hold-out.
pub fn load_source(exp: &Experiment, with_test: bool) -> Result<Source, InputError> {
    let d = &exp.data;
    let format = match d.format {
        Some(f) => f,
        None => detect_format(&d.train)?,
    };
    let group = exp.cv.as_ref().and_then(|c| c.group.as_deref());
    let (mut full, mut groups) = load_excluding(
        &d.train,
        Some(format),
        exp.task,
        d.target.as_deref(),
        true,
        group,
    )?;
    reshape(&mut full, d.shape.as_ref())?;
    check_targets(&full, exp.task)?;
    let split_seed = d.split_seed.unwrap_or(exp.seed);
    let mut rng = Rng::derive(split_seed, 1);
    let keep_groups = |g: &Option<Vec<String>>, keep: &[usize]| {
        g.as_ref()
            .map(|g| keep.iter().map(|&i| g[i].clone()).collect::<Vec<_>>())
    };
    if let Some(limit) = d.limit.filter(|&l| l < full.len()) {
        let order = full.stratified_order(&mut rng);
        let mut keep = order[..limit].to_vec();
        keep.sort_unstable();
        full = full.select(&keep);
        groups = keep_groups(&groups, &keep);
    }
    let mut sources = vec![];
    let mut test = None;
    if let Some(f) = d.test_fraction {
        let order = full.stratified_order(&mut Rng::derive(split_seed, 5));
        let n_test = ((full.len() as f64) * f).round() as usize;
        if n_test == 0 || n_test >= full.len() {
            return Err(InputError::in_file(
                &d.train,
                format!("{} samples cannot give a test split of {f}", full.len()),
            )
            .key("data.test_fraction"));
        }
        let mut te: Vec<usize> = order[..n_test].to_vec();
        let mut tr: Vec<usize> = order[n_test..].to_vec();
        te.sort_unstable();
        tr.sort_unstable();
        if with_test {
            test = Some(full.select(&te));
            sources.push((
                "test".into(),
                format!(
                    "{} ({:.0}% stratified hold-out, split seed {split_seed})",
                    d.train.display(),
                    f * 100.0
                ),
            ));
        }
        full = full.select(&tr);
        groups = keep_groups(&groups, &tr);
    }
    let test_path = match &d.test {
        Some(p) => Some(p.clone()),
        None if format == DataFormat::Mnist && d.train.is_dir() => {
            idx::find_pair(&d.train, "t10k").map(|(i, _)| i)
        }
        None => None,
    };
    if let (Some(tp), true) = (&test_path, with_test) {
        let (mut t, _) = load_excluding(
            tp,
            None,
            exp.task,
            full.target_name.as_deref().or(d.target.as_deref()),
            true,
            group,
        )?;
        reshape(&mut t, d.shape.as_ref())?;
        check_compatible(&full, &t)?;
        sources.push(("test".into(), tp.display().to_string()));
        test = Some(t);
    }
    Ok(Source {
        format,
        full,
        test,
        sources,
        groups,
        split_rng: rng,
    })
}

/// Loads and splits the experiment's data, fits the normaliser on the training split, and
/// encodes everything.
pub fn prepare(exp: &Experiment) -> Result<Prepared, InputError> {
    prepare_with(exp, true)
}

/// [`prepare`]; without `with_test` the test data is not read at all.
pub fn prepare_with(exp: &Experiment, with_test: bool) -> Result<Prepared, InputError> {
    let d = &exp.data;
    let Source {
        format,
        full,
        test,
        sources: test_sources,
        split_rng: mut rng,
        ..
    } = load_source(exp, with_test)?;
    let split_seed = d.split_seed.unwrap_or(exp.seed);
    let mut sources = vec![];
    let (train, val) = match &d.val {
        Some(vp) => {
            let mut val = load(
                vp,
                None,
                exp.task,
                full.target_name.as_deref().or(d.target.as_deref()),
                true,
            )?;
            reshape(&mut val, d.shape.as_ref())?;
            check_compatible(&full, &val)?;
            sources.push(("train".into(), d.train.display().to_string()));
            sources.push(("val".into(), vp.display().to_string()));
            (full, val)
        }
        None => {
            let order = full.stratified_order(&mut rng);
            let n_val = ((full.len() as f64) * d.val_fraction).round() as usize;
            if n_val == 0 || n_val >= full.len() {
                return Err(InputError::in_file(
                    &d.train,
                    format!("{} samples cannot be split with val_fraction = {}: need at least one sample on each side", full.len(), d.val_fraction),
                )
                .key("data.val_fraction"));
            }
            let mut val_idx = order[..n_val].to_vec();
            let mut train_idx = order[n_val..].to_vec();
            val_idx.sort_unstable();
            train_idx.sort_unstable();
            sources.push((
                "train".into(),
                format!("{} ({} held out)", d.train.display(), n_val),
            ));
            sources.push((
                "val".into(),
                format!(
                    "{} ({:.0}% stratified hold-out, seed {})",
                    d.train.display(),
                    d.val_fraction * 100.0,
                    exp.seed
                ),
            ));
            (full.select(&train_idx), full.select(&val_idx))
        }
    };
    // Train-dev first, then the training subset, so both hold-outs stay fixed across subsets.
    let (train, train_dev) = match d.train_dev_fraction {
        Some(f) => {
            let order = train.stratified_order(&mut Rng::derive(split_seed, 3));
            let n_td = ((train.len() as f64) * f).round() as usize;
            if n_td == 0 || n_td >= train.len() {
                return Err(InputError::in_file(
                    &d.train,
                    format!(
                        "{} training samples cannot give a train-dev split of {f}",
                        train.len()
                    ),
                )
                .key("data.train_dev_fraction"));
            }
            let mut td: Vec<usize> = order[..n_td].to_vec();
            let mut tr: Vec<usize> = order[n_td..].to_vec();
            td.sort_unstable();
            tr.sort_unstable();
            sources.push((
                "train_dev".into(),
                format!("{:.0}% of the training split, stratified", f * 100.0),
            ));
            (train.select(&tr), Some(train.select(&td)))
        }
        None => (train, None),
    };
    let train = match d.train_fraction.filter(|f| *f < 1.0) {
        Some(f) => {
            let order = train.stratified_order(&mut Rng::derive(exp.seed, 4));
            let n = (((train.len() as f64) * f).round() as usize).max(1);
            let mut keep: Vec<usize> = order[..n].to_vec();
            keep.sort_unstable();
            let sub = train.select(&keep);
            check_targets(&sub, exp.task).map_err(|e| e.key("data.train_fraction"))?;
            sub
        }
        None => train,
    };
    sources.extend(test_sources);
    build(exp, format, train, val, train_dev, test, sources)
}

/// One fold of a cross-validation: the rows `val_rows` of the source's training data validate,
/// the rest train; the test data is the source's.
pub fn prepare_fold(
    exp: &Experiment,
    source: &Source,
    val_rows: &[usize],
) -> Result<Prepared, InputError> {
    let mut is_val = vec![false; source.full.len()];
    for &i in val_rows {
        is_val[i] = true;
    }
    let train_rows: Vec<usize> = (0..source.full.len()).filter(|&i| !is_val[i]).collect();
    let train = source.full.select(&train_rows);
    check_targets(&train, exp.task)?;
    let mut sources = vec![
        (
            "train".into(),
            format!(
                "{} ({} rows, other folds)",
                exp.data.train.display(),
                train.len()
            ),
        ),
        (
            "val".into(),
            format!("{} rows of this fold", val_rows.len()),
        ),
    ];
    sources.extend(source.sources.iter().cloned());
    build(
        exp,
        source.format,
        train,
        source.full.select(val_rows),
        None,
        source.test.clone(),
        sources,
    )
}

/// Classes, normaliser and encoding, from the training split.
fn build(
    exp: &Experiment,
    format: DataFormat,
    train: Dataset,
    val: Dataset,
    train_dev: Option<Dataset>,
    test: Option<Dataset>,
    sources: Vec<(String, String)>,
) -> Result<Prepared, InputError> {
    let mut classes: Vec<String> = match &train.targets {
        Targets::Labels(l) => {
            let mut c: Vec<String> = l
                .iter()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            sort_classes(&mut c);
            c
        }
        _ => Vec::new(),
    };
    classes.shrink_to_fit();
    let (y_mean, y_std) = match &train.targets {
        Targets::Values(v) => {
            let n = v.len() as f64;
            let m = v.iter().map(|x| *x as f64).sum::<f64>() / n;
            let s = (v.iter().map(|x| (*x as f64 - m).powi(2)).sum::<f64>() / n).sqrt();
            (m as f32, if s < 1e-12 { 1.0 } else { s as f32 })
        }
        _ => (0.0, 1.0),
    };
    let info = DataInfo {
        task: exp.task,
        sample_shape: train.sample_shape.clone(),
        classes,
        feature_names: train.feature_names.clone(),
        target_name: train.target_name.clone(),
        id_name: train.id_name.clone(),
        format,
        normalizer: Normalizer::fit(&train.x, &train.sample_shape),
        y_mean,
        y_std,
        positive: None,
    };
    let mut info = info;
    info.positive = positive_class(exp, &info)?;
    Ok(Prepared {
        train: encode(&info, train, true)?,
        val: encode(&info, val, true)?,
        train_dev: train_dev.map(|t| encode(&info, t, true)).transpose()?,
        test: test.map(|t| encode(&info, t, true)).transpose()?,
        info,
        sources,
    })
}

/// The positive class of binary metrics as an output index, checking that a binary metric fits
/// the problem.
fn positive_class(exp: &Experiment, info: &DataInfo) -> Result<Option<u32>, InputError> {
    use crate::metrics::Average;
    let binary = matches!(
        exp.metric(),
        crate::metrics::Metric::Precision(Average::Binary)
            | crate::metrics::Metric::Recall(Average::Binary)
            | crate::metrics::Metric::F(_, Average::Binary)
            | crate::metrics::Metric::RocAuc(Average::Binary)
            | crate::metrics::Metric::AveragePrecision(Average::Binary)
    );
    let positive = match &exp.positive_class {
        Some(name) => Some(info.classes.iter().position(|c| c == name).ok_or_else(|| {
            InputError::new(format!(
                "`{name}` is not a class; the classes are: {}",
                info.classes.join(", ")
            ))
            .key("positive_class")
        })? as u32),
        None => None,
    };
    if binary && info.classes.len() != 2 && positive.is_none() {
        return Err(InputError::new(format!(
            "`{}` is a binary metric but the data has {} classes: use its _macro / _weighted form (or _ovr for ROC AUC), or name a positive_class",
            exp.metric().name(),
            info.classes.len()
        ))
        .key("metric"));
    }
    Ok(positive)
}

/// Classification needs at least two classes.
pub fn check_targets(d: &Dataset, task: Task) -> Result<(), InputError> {
    if let (Task::Classification, Targets::Labels(l)) = (task, &d.targets) {
        let first = &l[0];
        if l.iter().all(|x| x == first) {
            let col = d
                .target_name
                .as_deref()
                .map(|c| format!(" in target column `{c}`"))
                .unwrap_or_default();
            return Err(InputError::in_file(
                &d.source,
                format!(
                    "a single class (`{first}`){col}: classification needs at least two classes"
                ),
            ));
        }
    }
    Ok(())
}

/// A second file must have the training data's shape and feature columns.
fn check_compatible(train: &Dataset, other: &Dataset) -> Result<(), InputError> {
    if other.sample_shape != train.sample_shape {
        return Err(InputError::in_file(
            &other.source,
            format!(
                "samples have shape {:?} but the training data's are {:?}",
                other.sample_shape, train.sample_shape
            ),
        ));
    }
    if other.feature_names != train.feature_names {
        let missing: Vec<&String> = train
            .feature_names
            .iter()
            .filter(|f| !other.feature_names.contains(f))
            .collect();
        return Err(InputError::in_file(
            &other.source,
            format!(
                "feature columns differ from the training data's{}",
                if missing.is_empty() {
                    " (order)".to_string()
                } else {
                    format!("; missing: {missing:?}")
                }
            ),
        )
        .line(1));
    }
    Ok(())
}

/// Normalises and encodes a dataset the way the training data was. With `require_labels`, a
/// file without targets is an error; an unknown class always is.
pub fn encode(info: &DataInfo, mut d: Dataset, require_labels: bool) -> Result<Part, InputError> {
    // A CSV read for a model trained with `data.shape`: the same columns, as images (or, read
    // as images for another member of an ensemble, as the flat columns a dense model takes).
    if info.format == DataFormat::Csv
        && d.sample_shape != info.sample_shape
        && (d.sample_shape.len() == 1 || info.sample_shape.len() == 1)
    {
        reshape(&mut d, Some(&info.sample_shape))?;
    }
    if d.sample_shape != info.sample_shape {
        return Err(InputError::in_file(
            &d.source,
            format!(
                "samples have shape {:?} but the model was trained on {:?}",
                d.sample_shape, info.sample_shape
            ),
        ));
    }
    if d.feature_names != info.feature_names {
        let missing: Vec<&String> = info
            .feature_names
            .iter()
            .filter(|f| !d.feature_names.contains(f))
            .collect();
        return Err(InputError::in_file(
            &d.source,
            format!("feature columns differ from the training data's; missing: {missing:?}"),
        )
        .line(1));
    }
    info.normalizer.apply(&mut d.x);
    let y = match std::mem::replace(&mut d.targets, Targets::None) {
        Targets::Labels(labels) => {
            let mut out = Vec::with_capacity(labels.len());
            for (row, l) in labels.iter().enumerate() {
                match info.classes.iter().position(|c| c == l) {
                    Some(k) => out.push(k as u32),
                    None => {
                        return Err(InputError::in_file(
                            &d.source,
                            format!(
                                "label `{l}` (sample {row}) is not one of the training classes: {}",
                                info.classes.join(", ")
                            ),
                        ));
                    }
                }
            }
            Y::Classes(out)
        }
        Targets::Values(v) => Y::Values(v),
        Targets::None if require_labels => {
            return Err(InputError::in_file(
                &d.source,
                "no targets in this file: expected labelled data",
            ));
        }
        Targets::None => Y::None,
    };
    Ok(Part {
        x: d.x,
        y,
        ids: d.ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(labels: &[&str]) -> Dataset {
        Dataset {
            source: PathBuf::from("t"),
            sample_shape: vec![1],
            feature_names: vec!["f".into()],
            target_name: Some("y".into()),
            x: (0..labels.len()).map(|i| i as f32).collect(),
            targets: Targets::Labels(labels.iter().map(|s| s.to_string()).collect()),
            ids: (0..labels.len()).map(|i| i.to_string()).collect(),
            id_name: None,
        }
    }

    #[test]
    fn stratified_prefix_keeps_proportions_and_is_seeded() {
        let mut labels = vec!["a"; 80];
        labels.extend(vec!["b"; 20]);
        let d = labelled(&labels);
        let o1 = d.stratified_order(&mut Rng::new(5));
        let o2 = d.stratified_order(&mut Rng::new(5));
        let o3 = d.stratified_order(&mut Rng::new(6));
        assert_eq!(o1, o2);
        assert_ne!(o1, o3);
        let b_in_first_20 = o1[..20].iter().filter(|&&i| i >= 80).count();
        assert_eq!(b_in_first_20, 4);
    }

    #[test]
    fn normalizer_uses_given_statistics() {
        let x = vec![1.0, 10.0, 3.0, 30.0];
        let n = Normalizer::fit(&x, &[2]);
        assert_eq!(n.mean, vec![2.0, 20.0]);
        let mut y = x.clone();
        n.apply(&mut y);
        assert!((y[0] + 1.0).abs() < 1e-6 && (y[3] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn classes_sort_numerically() {
        let mut c = vec!["10".to_string(), "2".into(), "1".into()];
        sort_classes(&mut c);
        assert_eq!(c, vec!["1", "2", "10"]);
    }
}
