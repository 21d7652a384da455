//! Splitting and encoding: the validation (and train-dev) hold-outs, the normaliser fitted on
//! the training split, every split encoded; one fold of a cross-validation.

use super::source::load_like;
use super::{
    DataInfo, Dataset, Normalizer, Prepared, Source, Targets, encode, load_source, sort_classes,
};
use crate::error::InputError;
use crate::rng::Rng;
use crate::spec::{DataFormat, Experiment, Task};
use crate::table::encode::{Layout, TabularEncoder};

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
            let val = load_like(exp, &full, vp)?;
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
    let log_target = exp.data.log_target;
    let (y_mean, y_std) = match &train.targets {
        Targets::Values(v) => target_stats(&train, v, log_target)?,
        _ => (0.0, 1.0),
    };
    let tabular = match train.table.as_ref() {
        None => None,
        Some(t) => {
            let rare = exp.data.rare_level_count.unwrap_or(DEFAULT_RARE_COUNT);
            let text_spec = exp.data.text.clone().unwrap_or_default();
            let text = exp.model.arch.reads_text().then_some(&text_spec);
            let e = TabularEncoder::fit(&t.table, &t.kinds, layout(exp), rare, text)?;
            if e.width() == 0 {
                return Err(InputError::in_file(
                    &train.source,
                    format!(
                        "model kind `{}` has no features to read: this table's features are text; use a text model (kind = {})",
                        exp.model.kind(),
                        crate::spec::Arch::TEXT_KINDS.join(" / ")
                    ),
                )
                .key("model.kind"));
            }
            Some(e)
        }
    };
    let (sample_shape, normalizer) = match &tabular {
        Some(e) => (vec![e.width()], Normalizer::identity(e.width())),
        None => (
            train.sample_shape.clone(),
            Normalizer::fit(&train.x, &train.sample_shape),
        ),
    };
    let info = DataInfo {
        task: exp.task,
        sample_shape,
        classes,
        feature_names: train.feature_names.clone(),
        target_name: train.target_name.clone(),
        id_name: train.id_name.clone(),
        format,
        normalizer,
        y_mean,
        y_std,
        positive: None,
        tabular,
        log_target,
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

/// Whether two experiments read and encode their data alike, so that one's prepared data serves
/// the other: the same `[data]`, and (for tables) the same categorical layout (the tabular
/// model's embeddings, or one-hot).
pub fn same_encoding(a: &Experiment, b: &Experiment) -> bool {
    a.data == b.data
        && layout(a) == layout(b)
        && a.model.arch.reads_text() == b.model.arch.reads_text()
}

fn layout(exp: &Experiment) -> Layout {
    match exp.model.kind() {
        "tabular" => Layout::Codes,
        "gbdt" => Layout::Native,
        _ => Layout::OneHot,
    }
}

/// Categorical levels seen in fewer training rows than this merge into one level, unless
/// `data.rare_level_count` says otherwise.
pub const DEFAULT_RARE_COUNT: usize = 5;

/// The mean and standard deviation of the regression targets (of `ln(1 + y)` with `log`, which
/// needs targets of at least 0).
fn target_stats(d: &Dataset, v: &[f32], log: bool) -> Result<(f32, f32), InputError> {
    if log {
        if let Some(i) = v.iter().position(|y| *y < 0.0) {
            return Err(InputError::in_file(
                &d.source,
                format!(
                    "data.log_target models ln(1 + y), which needs targets of at least 0; row {} has {}",
                    d.ids[i], v[i]
                ),
            )
            .key("data.log_target"));
        }
    }
    let n = v.len() as f64;
    let t = |x: f32| if log { (x as f64).ln_1p() } else { x as f64 };
    let m = v.iter().map(|x| t(*x)).sum::<f64>() / n;
    let s = (v.iter().map(|x| (t(*x) - m).powi(2)).sum::<f64>() / n).sqrt();
    Ok((m as f32, if s < 1e-12 { 1.0 } else { s as f32 }))
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
pub(super) fn check_compatible(train: &Dataset, other: &Dataset) -> Result<(), InputError> {
    if let (None, Some(t)) = (&train.table, &other.table) {
        return Err(super::encoded::unclean(&t.table));
    }
    if other.sample_shape != train.sample_shape {
        return Err(InputError::in_file(
            &other.source,
            format!(
                "samples have shape {:?} but the training data's are {:?}",
                other.sample_shape, train.sample_shape
            ),
        ));
    }
    super::encoded::same_columns(&train.feature_names, other)
}
