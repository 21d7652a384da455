//! The experiment file (TOML): what to train, on which data, how.
//!
//! Parsed into typed structs with unknown keys rejected; then validated once into a resolved
//! [`Experiment`] (defaults filled in, paths made relative to the experiment file's folder). The
//! resolved experiment is what a run records.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::InputError;
use crate::metrics::{self, Metric};

/// Classification predicts a class; regression a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Classification,
    Regression,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// A label for people; runs are listed with it.
    #[serde(default)]
    pub name: Option<String>,
    pub task: Task,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The metric that judges the model (see `tuneup score --list`); defaults to accuracy for
    /// classification and RMSE for regression.
    #[serde(default)]
    pub metric: Option<String>,
    /// Human-level or best-known error (a fraction for classification, target units for
    /// regression), used by the diagnosis as the bar for avoidable bias.
    #[serde(default)]
    pub target_error: Option<f64>,
    /// The positive class of binary metrics (precision, recall, f1, roc_auc ...), as written in
    /// the data; default: the last class in sorted order (`1` of 0/1 labels).
    #[serde(default)]
    pub positive_class: Option<String>,
    pub data: DataSpec,
    pub model: ModelSpec,
    #[serde(default)]
    pub optimizer: OptimizerSpec,
    #[serde(default)]
    pub train: TrainSpec,
}

fn default_seed() -> u64 {
    42
}

/// How a data source is laid out. Detected from the path when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataFormat {
    /// A CSV file with a header; numeric features, the target column by name.
    Csv,
    /// MNIST IDX files: a folder in the MNIST layout, or an `*-images-idx3-ubyte[.gz]` file with
    /// its `*-labels-idx1-ubyte[.gz]` beside it.
    Mnist,
    /// A folder with one subfolder of PNG / JPEG images per class.
    ImageFolder,
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
}

fn default_val_fraction() -> f64 {
    0.2
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Relu,
    Gelu,
    Tanh,
    Sigmoid,
    LeakyRelu,
}

/// Where the CNN max-pools (2x2): after every conv, or once after the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolPlacement {
    #[default]
    Each,
    Last,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    /// Multi-layer perceptron: linear layers of the given widths, then the output layer.
    Mlp {
        #[serde(default = "default_mlp_hidden")]
        hidden: Vec<usize>,
        #[serde(default)]
        activation: Activation,
        #[serde(default)]
        dropout: f64,
    },
    /// A small CNN: 3x3 (or `kernel_size`) convs with the given channel counts, 2x2 max-pooling,
    /// one hidden linear layer, the output layer.
    Cnn {
        #[serde(default = "default_cnn_channels")]
        channels: Vec<usize>,
        #[serde(default = "default_kernel")]
        kernel_size: usize,
        /// Zero-pad convs so they keep the spatial size ("same"); otherwise "valid".
        #[serde(default = "default_true")]
        same_padding: bool,
        #[serde(default)]
        pool: PoolPlacement,
        #[serde(default = "default_cnn_hidden")]
        hidden: usize,
        #[serde(default)]
        activation: Activation,
        #[serde(default)]
        dropout: f64,
    },
}

fn default_mlp_hidden() -> Vec<usize> {
    vec![256, 128]
}
fn default_cnn_channels() -> Vec<usize> {
    vec![32, 64]
}
fn default_kernel() -> usize {
    3
}
fn default_true() -> bool {
    true
}
fn default_cnn_hidden() -> usize {
    128
}

impl ModelSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            ModelSpec::Mlp { .. } => "mlp",
            ModelSpec::Cnn { .. } => "cnn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerSpec {
    /// SGD with momentum (PyTorch `torch.optim.SGD`).
    Sgd {
        #[serde(default = "default_sgd_lr")]
        lr: f64,
        #[serde(default = "default_momentum")]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adam (Kingma & Ba 2014; PyTorch `torch.optim.Adam`).
    Adam {
        #[serde(default = "default_adam_lr")]
        lr: f64,
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
}

fn default_sgd_lr() -> f64 {
    0.01
}
fn default_momentum() -> f64 {
    0.9
}
fn default_adam_lr() -> f64 {
    1e-3
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_eps() -> f64 {
    1e-8
}

impl Default for OptimizerSpec {
    fn default() -> Self {
        OptimizerSpec::Adam {
            lr: default_adam_lr(),
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_eps(),
            weight_decay: 0.0,
        }
    }
}

impl OptimizerSpec {
    pub fn lr(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd { lr, .. } | OptimizerSpec::Adam { lr, .. } => *lr,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
}

fn default_epochs() -> usize {
    10
}
fn default_batch() -> usize {
    64
}

impl Default for TrainSpec {
    fn default() -> Self {
        TrainSpec {
            epochs: default_epochs(),
            batch_size: default_batch(),
        }
    }
}

impl Experiment {
    /// Reads, parses and validates an experiment file. Relative data paths are taken from the
    /// experiment file's folder.
    pub fn load(path: &Path) -> Result<Experiment, InputError> {
        let bytes = crate::error::read_file(path)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            InputError::in_file(path, "not UTF-8 text: expected a TOML experiment file")
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        Experiment::parse(&text, base).map_err(|e| e.path(path))
    }

    /// Parses and validates experiment text; `base` is the folder relative paths start from.
    pub fn parse(text: &str, base: &Path) -> Result<Experiment, InputError> {
        let raw: RawExperiment = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let mut exp = raw.into_experiment().map_err(|(key, msg)| {
            let mut err = InputError::new(msg).key(key.clone());
            if let Some(line) = locate_key(text, &key) {
                err = err.line(line);
            }
            err
        })?;
        exp.resolve(base);
        exp.validate().map_err(|(key, msg)| {
            let mut err = InputError::new(msg).key(key.clone());
            if let Some(line) = locate_key(text, &key) {
                err = err.line(line);
            }
            err
        })?;
        Ok(exp)
    }

    fn resolve(&mut self, base: &Path) {
        let join = |p: &mut PathBuf| {
            if p.is_relative() && !base.as_os_str().is_empty() {
                *p = base.join(&*p);
            }
        };
        join(&mut self.data.train);
        if let Some(p) = self.data.val.as_mut() {
            join(p);
        }
        if let Some(p) = self.data.test.as_mut() {
            join(p);
        }
        if self.metric.is_none() {
            self.metric = Some(metrics::default_for(self.task).name());
        }
    }

    /// The experiment's metric (validated by [`Experiment::parse`]).
    pub fn metric(&self) -> Metric {
        Metric::from_name(self.metric.as_deref().unwrap_or_default())
            .unwrap_or_else(|| metrics::default_for(self.task))
    }

    fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if let Some(name) = &self.metric {
            match Metric::from_name(name) {
                None => {
                    let names: Vec<String> = Metric::catalogue()
                        .into_iter()
                        .filter(|m| m.task() == Some(self.task))
                        .map(|m| m.name())
                        .collect();
                    return err(
                        "metric",
                        format!(
                            "unknown metric `{name}`; expected one of {} (see `tuneup score --list`)",
                            names.join(", ")
                        ),
                    );
                }
                Some(m) if m.task().is_none() => {
                    return err(
                        "metric",
                        format!(
                            "`{name}` is a text metric: score text with `tuneup score`; training judges {:?} by its own metrics",
                            self.task
                        ),
                    );
                }
                Some(m) if m.task() != Some(self.task) => {
                    return err(
                        "metric",
                        format!(
                            "`{name}` is a {:?} metric but task is {:?}",
                            m.task().unwrap_or(self.task),
                            self.task
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some(t) = self.target_error {
            if !t.is_finite() || t < 0.0 || (self.task == Task::Classification && t > 1.0) {
                return err(
                    "target_error",
                    format!(
                        "expected an error in [0, 1] for classification (or >= 0 for regression), found {t}"
                    ),
                );
            }
        }
        let vf = self.data.val_fraction;
        if !(vf > 0.0 && vf < 1.0) {
            return err(
                "data.val_fraction",
                format!("expected a fraction in (0, 1), found {vf}"),
            );
        }
        for (k, v) in [
            ("data.train_dev_fraction", self.data.train_dev_fraction),
            ("data.train_fraction", self.data.train_fraction),
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
        if self.data.limit == Some(0) {
            return err(
                "data.limit",
                "expected a positive number of samples, found 0".into(),
            );
        }
        if self.data.target.is_some() && !matches!(self.data.format, None | Some(DataFormat::Csv)) {
            return err("data.target", "only CSV data has a target column".into());
        }
        match &self.model {
            ModelSpec::Mlp {
                hidden, dropout, ..
            } => {
                if hidden.contains(&0) {
                    return err("model.hidden", "layer widths must be positive".into());
                }
                check_dropout(*dropout)?;
            }
            ModelSpec::Cnn {
                channels,
                kernel_size,
                hidden,
                dropout,
                ..
            } => {
                if channels.is_empty() || channels.contains(&0) {
                    return err(
                        "model.channels",
                        "expected one or more positive channel counts".into(),
                    );
                }
                if *kernel_size == 0 || kernel_size % 2 == 0 {
                    return err(
                        "model.kernel_size",
                        format!("expected an odd positive size, found {kernel_size}"),
                    );
                }
                if *hidden == 0 {
                    return err("model.hidden", "expected a positive width".into());
                }
                check_dropout(*dropout)?;
            }
        }
        let lr = self.optimizer.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return err(
                "optimizer.lr",
                format!("expected a positive learning rate, found {lr}"),
            );
        }
        match &self.optimizer {
            OptimizerSpec::Sgd {
                momentum,
                weight_decay,
                ..
            } => {
                if !(0.0..1.0).contains(momentum) {
                    return err(
                        "optimizer.momentum",
                        format!("expected a value in [0, 1), found {momentum}"),
                    );
                }
                check_weight_decay(*weight_decay)?;
            }
            OptimizerSpec::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                for (k, v) in [("optimizer.beta1", beta1), ("optimizer.beta2", beta2)] {
                    if !(0.0..1.0).contains(v) {
                        return err(k, format!("expected a value in [0, 1), found {v}"));
                    }
                }
                if !(*eps > 0.0) {
                    return err(
                        "optimizer.eps",
                        format!("expected a positive value, found {eps}"),
                    );
                }
                check_weight_decay(*weight_decay)?;
            }
        }
        if self.train.epochs == 0 {
            return err("train.epochs", "expected at least 1 epoch".into());
        }
        if self.train.batch_size == 0 {
            return err("train.batch_size", "expected a positive batch size".into());
        }
        Ok(())
    }

    /// The resolved experiment as TOML, for people.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

/// The experiment file as written. `[model]` and `[optimizer]` are read as flat tables (a `kind`
/// plus every knob) rather than serde's tagged enums, so that a wrong value or an unknown key is
/// reported at its own line, not at the table header.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExperiment {
    #[serde(default)]
    name: Option<String>,
    task: Task,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    target_error: Option<f64>,
    #[serde(default)]
    positive_class: Option<String>,
    data: DataSpec,
    model: RawModel,
    #[serde(default)]
    optimizer: Option<RawOptimizer>,
    #[serde(default)]
    train: TrainSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModelKind {
    Mlp,
    Cnn,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    kind: ModelKind,
    hidden: Option<toml::Value>,
    activation: Option<Activation>,
    dropout: Option<f64>,
    channels: Option<Vec<usize>>,
    kernel_size: Option<usize>,
    same_padding: Option<bool>,
    pool: Option<PoolPlacement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OptimizerKind {
    Sgd,
    Adam,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptimizer {
    kind: OptimizerKind,
    lr: Option<f64>,
    momentum: Option<f64>,
    nesterov: Option<bool>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    eps: Option<f64>,
    weight_decay: Option<f64>,
}

type KeyError = (String, String);

fn not_for(table: &str, key: &str, set: bool, kind: &str) -> Result<(), KeyError> {
    if set {
        return Err((
            format!("{table}.{key}"),
            format!("`{key}` does not apply to {table} kind `{kind}`"),
        ));
    }
    Ok(())
}

impl RawExperiment {
    fn into_experiment(self) -> Result<Experiment, KeyError> {
        let m = self.model;
        let model = match m.kind {
            ModelKind::Mlp => {
                not_for("model", "channels", m.channels.is_some(), "mlp")?;
                not_for("model", "kernel_size", m.kernel_size.is_some(), "mlp")?;
                not_for("model", "same_padding", m.same_padding.is_some(), "mlp")?;
                not_for("model", "pool", m.pool.is_some(), "mlp")?;
                let hidden = match m.hidden {
                    None => default_mlp_hidden(),
                    Some(v) => widths(&v).ok_or_else(|| {
                        (
                            "model.hidden".to_string(),
                            format!(
                                "expected a list of layer widths such as [256, 128], found {v}"
                            ),
                        )
                    })?,
                };
                ModelSpec::Mlp {
                    hidden,
                    activation: m.activation.unwrap_or_default(),
                    dropout: m.dropout.unwrap_or(0.0),
                }
            }
            ModelKind::Cnn => {
                let hidden = match m.hidden {
                    None => default_cnn_hidden(),
                    Some(v) => v.as_integer().filter(|w| *w >= 0).map(|w| w as usize).ok_or_else(|| {
                        ("model.hidden".to_string(), format!("expected the width of the hidden linear layer (an integer), found {v}"))
                    })?,
                };
                ModelSpec::Cnn {
                    channels: m.channels.unwrap_or_else(default_cnn_channels),
                    kernel_size: m.kernel_size.unwrap_or_else(default_kernel),
                    same_padding: m.same_padding.unwrap_or(true),
                    pool: m.pool.unwrap_or_default(),
                    hidden,
                    activation: m.activation.unwrap_or_default(),
                    dropout: m.dropout.unwrap_or(0.0),
                }
            }
        };
        let optimizer = match self.optimizer {
            None => OptimizerSpec::default(),
            Some(o) => match o.kind {
                OptimizerKind::Sgd => {
                    for (k, set) in [
                        ("beta1", o.beta1.is_some()),
                        ("beta2", o.beta2.is_some()),
                        ("eps", o.eps.is_some()),
                    ] {
                        not_for("optimizer", k, set, "sgd")?;
                    }
                    OptimizerSpec::Sgd {
                        lr: o.lr.unwrap_or_else(default_sgd_lr),
                        momentum: o.momentum.unwrap_or_else(default_momentum),
                        nesterov: o.nesterov.unwrap_or(false),
                        weight_decay: o.weight_decay.unwrap_or(0.0),
                    }
                }
                OptimizerKind::Adam => {
                    not_for("optimizer", "momentum", o.momentum.is_some(), "adam")?;
                    not_for("optimizer", "nesterov", o.nesterov.is_some(), "adam")?;
                    OptimizerSpec::Adam {
                        lr: o.lr.unwrap_or_else(default_adam_lr),
                        beta1: o.beta1.unwrap_or_else(default_beta1),
                        beta2: o.beta2.unwrap_or_else(default_beta2),
                        eps: o.eps.unwrap_or_else(default_eps),
                        weight_decay: o.weight_decay.unwrap_or(0.0),
                    }
                }
            },
        };
        Ok(Experiment {
            name: self.name,
            task: self.task,
            seed: self.seed,
            metric: self.metric,
            target_error: self.target_error,
            positive_class: self.positive_class,
            data: self.data,
            model,
            optimizer,
            train: self.train,
        })
    }
}

fn widths(v: &toml::Value) -> Option<Vec<usize>> {
    v.as_array()?
        .iter()
        .map(|w| w.as_integer().filter(|w| *w >= 0).map(|w| w as usize))
        .collect()
}

fn check_dropout(p: f64) -> Result<(), (String, String)> {
    if !(0.0..1.0).contains(&p) {
        return Err((
            "model.dropout".into(),
            format!("expected a rate in [0, 1), found {p}"),
        ));
    }
    Ok(())
}

fn check_weight_decay(w: f64) -> Result<(), (String, String)> {
    if !(w.is_finite() && w >= 0.0) {
        return Err((
            "optimizer.weight_decay".into(),
            format!("expected a value >= 0, found {w}"),
        ));
    }
    Ok(())
}

/// Turns a TOML / serde error into one that names the line, column and key.
fn toml_error(text: &str, e: &toml::de::Error) -> InputError {
    // serde names Rust types; say what a person writes instead.
    let msg = e
        .message()
        .trim()
        .replace("expected usize", "expected a non-negative integer")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected f64", "expected a number");
    let mut err = InputError::new(msg);
    if let Some(span) = e.span() {
        let (line, col) = line_col(text, span.start);
        err = err.line(line).column(col.to_string());
        // Name the key the span starts at when it is a `key = ...` line.
        let line_text = text.lines().nth(line - 1).unwrap_or("");
        if let Some((k, _)) = line_text.split_once('=') {
            let k = k.trim();
            if !k.is_empty() && !k.starts_with('[') {
                err = err.key(k.to_string());
            }
        }
    }
    err
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// The 1-based line where a dotted key (`optimizer.lr`) is set, for files written in the usual
/// `[table]` / `key = value` style.
pub fn locate_key(text: &str, dotted: &str) -> Option<usize> {
    let (table, key) = match dotted.rsplit_once('.') {
        Some((t, k)) => (t, k),
        None => ("", dotted),
    };
    let mut current = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            current = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            continue;
        }
        if let Some((k, _)) = line.split_once('=') {
            let k = k.trim().trim_matches('"');
            if current == table && k == key {
                return Some(i + 1);
            }
            if current.is_empty() && !table.is_empty() && k == dotted {
                return Some(i + 1);
            }
        }
    }
    // A table key that was never written (a default that failed validation): point at the table.
    text.lines()
        .position(|l| l.trim() == format!("[{table}]"))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
task = "classification"
seed = 1

[data]
train = "digits.csv"

[model]
kind = "mlp"
hidden = [64]

[optimizer]
kind = "sgd"
lr = 0.1
"#;

    #[test]
    fn parses_and_fills_defaults() {
        let e = Experiment::parse(GOOD, Path::new("exp")).unwrap();
        assert_eq!(e.data.train, Path::new("exp/digits.csv"));
        assert_eq!(e.metric.as_deref(), Some("accuracy"));
        assert_eq!(e.train.epochs, 10);
        assert!(matches!(e.optimizer, OptimizerSpec::Sgd { momentum, .. } if momentum == 0.9));
        assert!(matches!(e.model, ModelSpec::Mlp { ref hidden, .. } if hidden == &[64]));
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let text = GOOD.replace("lr = 0.1", "lr = 0.1\nmomentun = 0.5");
        let e = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert!(e.message.contains("momentun"), "{e}");
        assert_eq!(e.line, Some(15), "{e}");
    }

    #[test]
    fn unknown_top_level_key_names_line() {
        let text = format!("epochz = 3\n{GOOD}");
        let e = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert!(e.message.contains("epochz"), "{e}");
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn wrong_value_names_key_and_line() {
        let text = GOOD.replace("lr = 0.1", "lr = -0.1");
        let e = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("optimizer.lr"));
        assert_eq!(e.line, Some(14));
        let text = GOOD.replace("lr = 0.1", "lr = \"fast\"");
        let e = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert_eq!(e.line, Some(14), "{e}");
    }

    #[test]
    fn unknown_variant_and_metric_are_errors() {
        let text = GOOD.replace("kind = \"sgd\"", "kind = \"sgdd\"");
        let e = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert!(e.message.contains("sgdd"), "{e}");
        let text = format!("metric = \"rmse\"\n{GOOD}");
        let e = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("metric"));
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn resolved_round_trips_through_json() {
        let e = Experiment::parse(GOOD, Path::new("")).unwrap();
        let j = serde_json::to_string(&e).unwrap();
        let back: Experiment = serde_json::from_str(&j).unwrap();
        assert_eq!(e, back);
    }
}
