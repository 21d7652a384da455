//! Data as models read it: standardised with statistics from the training split, classes
//! encoded as indices; and what a run keeps to read new data the same way.

use serde::{Deserialize, Serialize};

use super::tabular::Planned;
use super::{Dataset, Targets, reshape};
use crate::error::InputError;
use crate::spec::{DataFormat, Task};
use crate::table::encode::TabularEncoder;
use crate::table::{NumFormat, RawCol};

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
    /// No change: `block` values of `width` features (features already standardised).
    pub(super) fn identity(width: usize) -> Normalizer {
        Normalizer {
            mean: vec![0.0; width],
            std: vec![1.0; width],
            block: 1,
        }
    }

    pub(super) fn fit(x: &[f32], sample_shape: &[usize]) -> Normalizer {
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
    /// A table that is not clean numbers: its encoder, fitted on the training split
    /// (`feature_names` are then the raw columns it reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tabular: Option<TabularEncoder>,
    /// Regression targets modelled as `ln(1 + y)` (`data.log_target`): `y_mean` and `y_std`
    /// are of the logs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub log_target: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl DataInfo {
    /// A description of one-feature CSV data with these classes (no classes: regression), for
    /// tests.
    #[cfg(test)]
    pub(crate) fn for_tests(classes: &[&str], y_mean: f32, y_std: f32) -> DataInfo {
        DataInfo {
            task: if classes.is_empty() {
                Task::Regression
            } else {
                Task::Classification
            },
            sample_shape: vec![1],
            classes: classes.iter().map(|c| c.to_string()).collect(),
            feature_names: vec![],
            target_name: None,
            id_name: None,
            format: DataFormat::Csv,
            normalizer: Normalizer {
                mean: vec![0.0],
                std: vec![1.0],
                block: 1,
            },
            y_mean,
            y_std,
            positive: None,
            tabular: None,
            log_target: false,
        }
    }
    /// A regression target as the model learns it: standardised (after the log, with
    /// `log_target`).
    pub fn to_model(&self, y: f32) -> f32 {
        let y = if self.log_target { y.ln_1p() } else { y };
        (y - self.y_mean) / self.y_std
    }

    /// A model's regression output in the target's units.
    pub fn to_units(&self, o: f32) -> f32 {
        let y = o * self.y_std + self.y_mean;
        if self.log_target { y.exp_m1() } else { y }
    }

    /// Under the tabular model's layout, each categorical column's number of level codes (the
    /// last features of a row); empty otherwise.
    pub fn cat_levels(&self) -> Vec<usize> {
        self.tabular
            .as_ref()
            .map(|t| t.cat_levels())
            .unwrap_or_default()
    }

    /// What a row holds besides plain features: categorical codes and token ids.
    pub fn inputs(&self) -> crate::zoo::Inputs {
        crate::zoo::Inputs {
            cats: self.cat_levels(),
            text: self.tabular.as_ref().and_then(|t| t.text_block()),
        }
    }

    /// The text columns' tokenizer (a text model's data).
    pub fn text(&self) -> Option<&crate::text::TextFit> {
        self.tabular.as_ref().and_then(|t| t.text.as_ref())
    }

    /// How a new table must be read for this model: its columns, kinds and storage.
    pub fn plan(&self) -> Option<Vec<Planned>> {
        self.tabular.as_ref().map(|t| {
            t.columns
                .iter()
                .map(|c| (c.name.clone(), c.kind, c.read))
                .collect()
        })
    }

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

/// The feature columns must be the training data's, in its order.
pub(super) fn same_columns(want: &[String], d: &Dataset) -> Result<(), InputError> {
    if d.feature_names == want {
        return Ok(());
    }
    let missing: Vec<&String> = want
        .iter()
        .filter(|f| !d.feature_names.contains(f))
        .collect();
    Err(InputError::in_file(
        &d.source,
        format!(
            "feature columns differ from the training data's{}",
            if missing.is_empty() {
                " (order)".to_string()
            } else {
                format!("; missing: {missing:?}")
            }
        ),
    )
    .line(1))
}

/// A table with text or missing cells for a model trained on plain numbers: an error naming
/// the first such cell.
pub(super) fn unclean(t: &crate::table::RawTable) -> InputError {
    for (name, col) in t.names.iter().zip(&t.cols) {
        let bad = match col {
            RawCol::Num(v, NumFormat::Plain) => v.iter().position(|x| x.is_nan()),
            _ => Some(0),
        };
        if let Some(r) = bad {
            return InputError::in_file(
                &t.source,
                format!(
                    "`{}` is missing or not a plain number, but the training data is a table of plain numbers only",
                    col.text(r)
                ),
            )
            .line(t.lines[r] as usize)
            .column(name.clone());
        }
    }
    InputError::in_file(
        &t.source,
        "the training data is a table of plain numbers only",
    )
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

/// Normalises and encodes a dataset the way the training data was. With `require_labels`, a
/// file without targets is an error; an unknown class always is.
pub fn encode(info: &DataInfo, mut d: Dataset, require_labels: bool) -> Result<Part, InputError> {
    if let Some(rows) = d.table.take() {
        let Some(enc) = &info.tabular else {
            return Err(unclean(&rows.table));
        };
        same_columns(&info.feature_names, &d)?;
        d.x = enc.transform(&rows.table)?;
        d.sample_shape = vec![enc.width()];
    }
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
    same_columns(&info.feature_names, &d)?;
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
