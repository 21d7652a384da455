//! Reading an experiment's data: the format, the training file (reshaped, limited, its test
//! hold-out taken out) and the test data.

use std::collections::BTreeMap;
use std::path::Path;

use super::images::ImageOptions;
use super::prepare::check_compatible;
use super::tabular::Planned;
use super::{Dataset, check_targets, idx, images, tabular};
use crate::error::InputError;
use crate::rng::Rng;
use crate::spec::{ColumnKind, DataFormat, Experiment, Task};
use crate::table;

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
        if super::text_folder::looks_like_text_folder(path) {
            return Ok(DataFormat::TextFolder);
        }
        return Err(InputError::in_file(
            path,
            "folder is neither MNIST (train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz]), an image folder (one subfolder of PNG / JPEG files per class, or pictures with a labels.csv of file, label), nor a text folder (one subfolder of .txt files per class)",
        ));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains("-idx") || name.contains("ubyte") {
        return Ok(DataFormat::Mnist);
    }
    if table::is_parquet(path) {
        return Ok(DataFormat::Parquet);
    }
    Ok(DataFormat::Csv)
}

static NO_COLUMNS: BTreeMap<String, ColumnKind> = BTreeMap::new();

/// How to read a data file.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// Detected from the path when not given.
    pub format: Option<DataFormat>,
    pub task: Task,
    /// Tables: the target column (default: the last that is not an id).
    pub target: Option<&'a str>,
    /// Whether a table without the target column is an error (else it loads unlabelled).
    pub require_target: bool,
    /// Tables: the group column (`cv.group`), set aside and returned.
    pub group: Option<&'a str>,
    /// Tables: `[data.columns]`.
    pub columns: &'a BTreeMap<String, ColumnKind>,
    /// Tables: read the feature columns exactly so (another file of the same data, new data
    /// for a trained model).
    pub like: Option<&'a [Planned]>,
    pub drop_missing_target: bool,
    pub images: ImageOptions<'a>,
    /// Delimited tables: how the bytes are text.
    pub encoding: crate::spec::Encoding,
}

impl<'a> ReadOptions<'a> {
    /// A labelled file of `task`, everything else detected.
    pub fn new(task: Task) -> ReadOptions<'a> {
        ReadOptions {
            format: None,
            task,
            target: None,
            require_target: true,
            group: None,
            columns: &NO_COLUMNS,
            like: None,
            drop_missing_target: false,
            images: ImageOptions::default(),
            encoding: crate::spec::Encoding::Utf8,
        }
    }

    /// As an experiment's `[data]` says (the target column, columns, images) and its group.
    pub fn of(exp: &'a Experiment) -> ReadOptions<'a> {
        let d = &exp.data;
        ReadOptions {
            format: d.format,
            task: exp.task,
            target: d.target.as_deref(),
            require_target: true,
            group: exp.cv.as_ref().and_then(|c| c.group.as_deref()),
            columns: &d.columns,
            like: None,
            drop_missing_target: d.drop_missing_target,
            encoding: d.encoding,
            images: ImageOptions {
                size: d.image_size,
                skip_bad: d.skip_bad,
                labels: d.labels.as_deref(),
                channels: None,
            },
        }
    }
}

/// Loads one data source (for an MNIST folder, its training pair), with the group column's
/// values when one is named.
pub fn load(path: &Path, o: &ReadOptions) -> Result<(Dataset, Option<Vec<String>>), InputError> {
    let format = match o.format {
        Some(f) => f,
        None => detect_format(path)?,
    };
    if o.group.is_some() && !matches!(format, DataFormat::Csv | DataFormat::Parquet) {
        return Err(
            InputError::in_file(path, "a group column needs a table (CSV or Parquet)")
                .key("cv.group"),
        );
    }
    let d = match format {
        DataFormat::Csv | DataFormat::Parquet => return tabular::load(path, o),
        DataFormat::ImageFolder => images::load(path, &o.images, o.require_target)?,
        DataFormat::TextFolder => super::text_folder::load(path, o)?,
        DataFormat::Mnist if path.is_dir() => {
            let (img, lab) = idx::find_pair(path, "train").ok_or_else(|| {
                InputError::in_file(
                    path,
                    "no train-images-idx3-ubyte[.gz] / train-labels-idx1-ubyte[.gz] in this folder",
                )
            })?;
            idx::load(&img, Some(&lab))?
        }
        DataFormat::Mnist => {
            let labels = idx::labels_beside(path);
            if labels.is_none() && o.require_target {
                return Err(InputError::in_file(
                    path,
                    "no labels file beside it (expected the same name with `labels-idx1` for `images-idx3`)",
                ));
            }
            idx::load(path, labels.as_deref())?
        }
    };
    Ok((d, None))
}

/// Reads a CSV's feature vectors as images of `shape` (`data.shape`).
pub fn reshape(d: &mut Dataset, shape: Option<&Vec<usize>>) -> Result<(), InputError> {
    let Some(shape) = shape else { return Ok(()) };
    if d.table.is_some() {
        return Err(InputError::in_file(
            &d.source,
            "this table has cells that are not plain numbers (text, missing cells, dates ...): its rows cannot be read as images",
        )
        .key("data.shape"));
    }
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

/// Loads another file of the experiment's data (validation, test) the way the training file
/// was read: the same target and, for tables, the same columns read the same way.
pub fn load_like(exp: &Experiment, full: &Dataset, path: &Path) -> Result<Dataset, InputError> {
    let plan = full.table.as_ref().map(|t| t.plan());
    let o = ReadOptions {
        format: None,
        target: full.target_name.as_deref().or(exp.data.target.as_deref()),
        like: plan.as_deref(),
        images: ImageOptions {
            channels: full
                .sample_shape
                .first()
                .copied()
                .filter(|_| full.sample_shape.len() == 3),
            ..ReadOptions::of(exp).images
        },
        ..ReadOptions::of(exp)
    };
    let (mut d, _) = load(path, &o)?;
    reshape(&mut d, exp.data.shape.as_ref())?;
    check_compatible(full, &d)?;
    Ok(d)
}

/// Loads the training file (and, with `with_test`, the test data) and takes the `limit` subset
/// and the `test_fraction` hold-out.
pub fn load_source(exp: &Experiment, with_test: bool) -> Result<Source, InputError> {
    let d = &exp.data;
    let format = match d.format {
        Some(f) => f,
        None => detect_format(&d.train)?,
    };
    let o = ReadOptions {
        format: Some(format),
        ..ReadOptions::of(exp)
    };
    let (mut full, mut groups) = load(&d.train, &o)?;
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
    let mut sources: Vec<(String, String)> = full
        .notes
        .iter()
        .map(|n| ("train".to_string(), n.clone()))
        .collect();
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
        test = Some(load_like(exp, &full, tp)?);
        sources.push(("test".into(), tp.display().to_string()));
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
