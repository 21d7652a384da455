//! Reading an experiment's data: the format, the training file (reshaped, limited, its test
//! hold-out taken out) and the test data.

use std::path::Path;

use super::prepare::check_compatible;
use super::{Dataset, check_targets, csv, idx, images};
use crate::error::InputError;
use crate::rng::Rng;
use crate::spec::{DataFormat, Experiment, Task};

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
    pub(super) split_rng: Rng,
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
