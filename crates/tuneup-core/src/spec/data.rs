//! `[data]`: where the data comes from and how it is split.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::KeyError;

/// How a data source is laid out. Detected from the path when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataFormat {
    /// A table with a header (CSV, TSV ..., `.gz` too): features of any kind, the target column
    /// by name.
    Csv,
    /// A Parquet file: a table like a CSV's, its columns typed.
    Parquet,
    /// MNIST IDX files: a folder in the MNIST layout, or an `*-images-idx3-ubyte[.gz]` file with
    /// its `*-labels-idx1-ubyte[.gz]` beside it.
    Mnist,
    /// A folder with one subfolder of PNG / JPEG images per class, or a folder of images with a
    /// `labels.csv` (file, label).
    ImageFolder,
    /// A folder with one subfolder of `.txt` files per class (each file one text), or `.txt`
    /// files of its own to predict.
    TextFolder,
}

/// What a table column is to the model (`[data.columns]`): `tuneup init` infers each and writes
/// them down; an edited choice that the data contradicts is an error naming the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numbers (also written as text: `1,234`, `$5.00`, `12%`): the training median fills a
    /// missing cell, and a missing-indicator feature says it was missing.
    Numeric,
    /// Levels: one-hot for dense nets, learned embeddings for the tabular model; a level of its
    /// own for missing, one for levels unseen in training, rare levels merged.
    Categorical,
    /// Two values (yes / no, true / false, y / n, 0 / 1).
    Boolean,
    /// Dates and times: year, month, day, day of week, day of year, elapsed days.
    Date,
    /// Free text (long strings): tokenized for the text models (`[data.text]`); the other
    /// models skip it.
    Text,
    /// Unique per row: kept for submissions, never a feature.
    Id,
    /// Not used.
    Ignore,
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::Text => "text",
            ColumnKind::Id => "id",
            ColumnKind::Ignore => "ignore",
        }
    }

    /// Whether the column becomes model features.
    pub fn is_feature(self) -> bool {
        matches!(
            self,
            ColumnKind::Numeric
                | ColumnKind::Categorical
                | ColumnKind::Boolean
                | ColumnKind::Date
                | ColumnKind::Text
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Training data: a CSV file, an MNIST folder or IDX file, or an image folder.
    pub train: PathBuf,
    #[serde(default)]
    pub format: Option<DataFormat>,
    /// CSV target column; defaults to the last column.
    #[serde(default)]
    pub target: Option<String>,
    /// Explicit validation data; without it, `val_fraction` of the training data is held out
    /// (stratified for classification).
    #[serde(default)]
    pub val: Option<PathBuf>,
    /// Test data, scored once at the end of training. For an MNIST folder, `t10k-*` is the test
    /// set unless this says otherwise.
    #[serde(default)]
    pub test: Option<PathBuf>,
    #[serde(default = "default_val_fraction")]
    pub val_fraction: f64,
    /// Use at most this many samples of the training data (a seeded, stratified subset, taken
    /// before the validation hold-out): for quick runs.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Hold out this fraction of the training split as a train-dev set: data from the training
    /// distribution that the model does not train on, to tell variance (train-dev − train) from
    /// data mismatch (validation − train-dev) when validation comes from another source.
    #[serde(default)]
    pub train_dev_fraction: Option<f64>,
    /// Train on this fraction of the training split (a seeded, stratified subset taken after the
    /// validation and train-dev hold-outs, so those stay the same): for learning curves.
    #[serde(default)]
    pub train_fraction: Option<f64>,
    /// Seed of the validation / train-dev hold-outs and of `limit` (default: the experiment's
    /// seed). Runs that share it share their validation data, whatever their own seed.
    #[serde(default)]
    pub split_seed: Option<u64>,
    /// CSV only: read each row's features as an image of this shape, `[channels, height,
    /// width]` (e.g. `[1, 8, 8]` for digits, `[1, 28, 28]` for Kaggle's MNIST CSV), so that a CNN
    /// and image augmentation apply; or as a signal `[channels, length]`. Normalisation becomes
    /// per channel.
    #[serde(default)]
    pub shape: Option<Vec<usize>>,
    /// Hold out this fraction of the training file as the test set (stratified, seeded with
    /// `split_seed`), taken before the validation split: for data that comes as one file.
    #[serde(default)]
    pub test_fraction: Option<f64>,
    /// Tables: what each column is (`numeric`, `categorical`, `boolean`, `date`, `text`, `id`,
    /// `ignore`); a column not named is inferred from the data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, ColumnKind>,
    /// Categorical levels seen in fewer training rows than this merge into one `rare` level
    /// (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rare_level_count: Option<usize>,
    /// Regression: model `ln(1 + y)` (a skewed positive target such as a price); metrics and
    /// predictions stay in the original units.
    #[serde(default, skip_serializing_if = "is_false")]
    pub log_target: bool,
    /// Drop the rows whose target is missing (otherwise they are an error that counts them).
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop_missing_target: bool,
    /// Images: resize each picture's shorter side to this and crop its centre square, so that
    /// pictures of any size and mode (grey, RGB, RGBA, palette) train together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_size: Option<usize>,
    /// Images: skip a picture that does not decode (counted and said) instead of stopping.
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_bad: bool,
    /// Images: a CSV of (file, label) for a folder of pictures (Kaggle's layout); default: the
    /// folder's `labels.csv`, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<PathBuf>,
    /// Tables and text: how the file's bytes are text (`utf-8`, the default, or `latin-1`).
    #[serde(default, skip_serializing_if = "Encoding::is_utf8")]
    pub encoding: Encoding,
    /// Text columns: the tokenizer and the maximum length (`[data.text]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<super::text::TextSpec>,
}

/// How a file's bytes are text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// ISO-8859-1: every byte is the character of that code (old e-mail, old Windows exports).
    #[serde(rename = "latin-1", alias = "latin1", alias = "iso-8859-1")]
    Latin1,
}

impl Encoding {
    fn is_utf8(&self) -> bool {
        *self == Encoding::Utf8
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_val_fraction() -> f64 {
    0.2
}

impl DataSpec {
    /// The fractions, limits and shape in range, each error naming its key.
    pub(crate) fn validate(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        let vf = self.val_fraction;
        if !(vf > 0.0 && vf < 1.0) {
            return err(
                "data.val_fraction",
                format!("expected a fraction in (0, 1), found {vf}"),
            );
        }
        for (k, v) in [
            ("data.train_dev_fraction", self.train_dev_fraction),
            ("data.train_fraction", self.train_fraction),
        ] {
            if let Some(f) = v {
                let ok = if k == "data.train_fraction" {
                    f > 0.0 && f <= 1.0
                } else {
                    f > 0.0 && f < 1.0
                };
                if !ok {
                    return err(
                        k,
                        format!(
                            "expected a fraction in (0, 1{}, found {f}",
                            if k == "data.train_fraction" { "]" } else { ")" }
                        ),
                    );
                }
            }
        }
        if self.limit == Some(0) {
            return err(
                "data.limit",
                "expected a positive number of samples, found 0".into(),
            );
        }
        if self.target.is_some() && !matches!(self.format, None | Some(DataFormat::Csv)) {
            return err("data.target", "only CSV data has a target column".into());
        }
        if let Some(shape) = &self.shape {
            if !(2..=3).contains(&shape.len()) || shape.contains(&0) {
                return err(
                    "data.shape",
                    format!(
                        "expected [channels, height, width] (images) or [channels, length] (signals) with positive sizes, found {shape:?}"
                    ),
                );
            }
            if !matches!(self.format, None | Some(DataFormat::Csv)) {
                return err(
                    "data.shape",
                    "only CSV rows are reshaped into images".into(),
                );
            }
        }
        if self.rare_level_count == Some(0) {
            return err(
                "data.rare_level_count",
                "expected a positive count of rows, found 0".into(),
            );
        }
        if let Some(s) = self.image_size.filter(|s| *s < 4 || *s > 4096) {
            return err(
                "data.image_size",
                format!("expected a side of 4 to 4096 pixels, found {s}"),
            );
        }
        if self.shape.is_some() && !self.columns.is_empty() {
            return err(
                "data.shape",
                "a table with [data.columns] is read column by column, not as images".into(),
            );
        }
        if let Some(t) = &self.text {
            t.validate()?;
        }
        if let Some(f) = self.test_fraction {
            if !(f > 0.0 && f < 1.0) {
                return err(
                    "data.test_fraction",
                    format!("expected a fraction in (0, 1), found {f}"),
                );
            }
            if self.test.is_some() {
                return err(
                    "data.test_fraction",
                    "give a test file or a test_fraction, not both".into(),
                );
            }
        }
        Ok(())
    }
}
