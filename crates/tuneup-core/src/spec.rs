//! The experiment file (TOML): what to train, on which data, how.
//!
//! Parsed into typed structs with unknown keys rejected; then validated once into a resolved
//! [`Experiment`] (defaults filled in, paths made relative to the experiment file's folder). The
//! resolved experiment is what a run records.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::augment::AugmentSpec;
pub use crate::cv::CvSpec;
use crate::error::InputError;
use crate::metrics::{self, Metric};
use crate::schedule::{Anneal, Interval, PlateauMode, ScheduleSpec, Shape, ThresholdMode};

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
    pub schedule: ScheduleSpec,
    #[serde(default)]
    pub early_stopping: Option<EarlyStopping>,
    #[serde(default)]
    pub train: TrainSpec,
    /// Data augmentation (variance remedy); all off by default.
    #[serde(default)]
    pub augment: AugmentSpec,
    /// Cross-validation (`tuneup cv`): folds, repeats, stratification, group column.
    #[serde(default)]
    pub cv: Option<CvSpec>,
    /// Parameter budget: a model with more trainable parameters is refused, and "bigger model"
    /// remedies stay under it.
    #[serde(default)]
    pub max_params: Option<usize>,
    /// Budget of forward FLOPs per sample (multiply-adds count 2).
    #[serde(default)]
    pub max_flops: Option<u64>,
    /// A hyperparameter search over this experiment (`tuneup tune`); ignored by `train`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<crate::tune::Search>,
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

/// A normalization layer after each hidden linear layer / conv (before the activation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Norm {
    #[default]
    None,
    /// Batch normalization (Ioffe & Szegedy 2015): batch statistics in training, running
    /// averages at evaluation.
    Batch,
    /// Layer normalization (Ba et al. 2016): over the features of each sample; for convs over
    /// channels x height x width (GroupNorm with one group, as in PyTorch practice).
    Layer,
}

/// Dropout rates: one for every layer, or one per layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rates {
    One(f64),
    Each(Vec<f64>),
}

impl Default for Rates {
    fn default() -> Self {
        Rates::One(0.0)
    }
}

impl Rates {
    /// The rate of layer `i`.
    pub fn at(&self, i: usize) -> f64 {
        match self {
            Rates::One(p) => *p,
            Rates::Each(v) => v.get(i).copied().unwrap_or(0.0),
        }
    }
    pub fn max(&self) -> f64 {
        match self {
            Rates::One(p) => *p,
            Rates::Each(v) => v.iter().copied().fold(0.0, f64::max),
        }
    }
    fn all(&self) -> Vec<f64> {
        match self {
            Rates::One(p) => vec![*p],
            Rates::Each(v) => v.clone(),
        }
    }
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
        /// After each hidden layer: one rate, or a list with one per hidden layer.
        #[serde(default)]
        dropout: Rates,
        #[serde(default)]
        norm: Norm,
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
        /// Before the output layer.
        #[serde(default)]
        dropout: f64,
        /// After each conv block: one rate, or a list with one per conv.
        #[serde(default)]
        conv_dropout: Rates,
        #[serde(default)]
        norm: Norm,
    },
    /// A 1-D CNN for signals (the MNIST-1D paper's: three convs of 25 channels, kernel 5,
    /// stride 2, padding 1, then a linear layer): convs over the signal, an optional hidden
    /// linear layer, the output layer.
    Conv1d {
        #[serde(default = "default_conv1d_channels")]
        channels: Vec<usize>,
        #[serde(default = "default_conv1d_kernel")]
        kernel_size: usize,
        #[serde(default = "default_conv1d_stride")]
        stride: usize,
        #[serde(default = "default_conv1d_padding")]
        padding: usize,
        /// Width of a hidden linear layer after the convs; 0: none.
        #[serde(default)]
        hidden: usize,
        #[serde(default)]
        activation: Activation,
        /// Before the output layer.
        #[serde(default)]
        dropout: f64,
        #[serde(default)]
        norm: Norm,
    },
    /// A residual MLP: an input layer to `width`, `blocks` residual blocks
    /// `x + W2 act(W1 norm(x))`, the output layer.
    Resmlp {
        #[serde(default = "default_resmlp_width")]
        width: usize,
        #[serde(default = "default_resmlp_blocks")]
        blocks: usize,
        #[serde(default)]
        activation: Activation,
        /// Inside each block, after the activation.
        #[serde(default)]
        dropout: f64,
        #[serde(default)]
        norm: Norm,
    },
    /// A small ResNet (He et al. 2016) for small images: a 3x3 stem conv, then stages of basic
    /// blocks (two 3x3 convs and a shortcut; a stage after the first halves the size with
    /// stride 2 and a 1x1 projection shortcut), global average pooling, the output layer.
    Resnet {
        #[serde(default = "default_resnet_stem")]
        stem: usize,
        /// Output channels of each stage.
        #[serde(default = "default_resnet_channels")]
        channels: Vec<usize>,
        /// Basic blocks per stage.
        #[serde(default = "default_one")]
        blocks: usize,
        #[serde(default)]
        activation: Activation,
        /// Before the output layer.
        #[serde(default)]
        dropout: f64,
        #[serde(default = "default_batch_norm")]
        norm: Norm,
    },
    /// A MobileNetV2-style net (Sandler et al. 2018): a 3x3 stem, then stages of inverted
    /// residual blocks (1x1 expansion by `expansion`, 3x3 depthwise conv, linear 1x1
    /// projection; residual when the shape is kept), global average pooling, the output layer.
    Mobilenet {
        #[serde(default = "default_mobilenet_stem")]
        stem: usize,
        #[serde(default = "default_mobilenet_channels")]
        channels: Vec<usize>,
        #[serde(default = "default_two")]
        blocks: usize,
        #[serde(default = "default_expansion")]
        expansion: usize,
        #[serde(default)]
        activation: Activation,
        #[serde(default)]
        dropout: f64,
        #[serde(default = "default_batch_norm")]
        norm: Norm,
    },
    /// A SqueezeNet-style net (Iandola et al. 2016): a 3x3 stem and 2x2 max-pooling, then
    /// stages of fire modules (a 1x1 squeeze to 1/8 of the channels, then 1x1 and 3x3 expand
    /// convs side by side) with max-pooling between stages, global average pooling, the output
    /// layer.
    Squeezenet {
        #[serde(default = "default_squeezenet_stem")]
        stem: usize,
        /// Output channels of each stage's fire modules (half 1x1, half 3x3).
        #[serde(default = "default_squeezenet_channels")]
        channels: Vec<usize>,
        #[serde(default = "default_two")]
        blocks: usize,
        #[serde(default)]
        activation: Activation,
        #[serde(default)]
        dropout: f64,
        #[serde(default)]
        norm: Norm,
    },
    /// A ShuffleNet-style net (Zhang et al. 2018, v1 units): a 3x3 stem, then stages of units
    /// (grouped 1x1 conv to a quarter of the channels, channel shuffle, 3x3 depthwise conv,
    /// grouped 1x1 conv); each stage starts with a stride-2 unit whose output is concatenated
    /// with an average-pooled shortcut, the others add the input. Global average pooling, the
    /// output layer.
    Shufflenet {
        #[serde(default = "default_shufflenet_stem")]
        stem: usize,
        #[serde(default = "default_shufflenet_channels")]
        channels: Vec<usize>,
        #[serde(default = "default_two")]
        blocks: usize,
        /// Groups of the 1x1 convs.
        #[serde(default = "default_groups")]
        groups: usize,
        #[serde(default)]
        activation: Activation,
        #[serde(default)]
        dropout: f64,
        #[serde(default = "default_batch_norm")]
        norm: Norm,
    },
    /// A GRU over a signal's steps (the channels are each step's features): `layers` stacked
    /// GRUs of `hidden` units, the last step's state, the output layer.
    Gru {
        #[serde(default = "default_gru_hidden")]
        hidden: usize,
        #[serde(default = "default_one")]
        layers: usize,
        /// Before the output layer.
        #[serde(default)]
        dropout: f64,
    },
}

fn default_batch_norm() -> Norm {
    Norm::Batch
}
fn default_one() -> usize {
    1
}
fn default_two() -> usize {
    2
}
fn default_resnet_stem() -> usize {
    16
}
fn default_resnet_channels() -> Vec<usize> {
    vec![16, 32, 64]
}
fn default_mobilenet_stem() -> usize {
    16
}
fn default_mobilenet_channels() -> Vec<usize> {
    vec![16, 24, 32]
}
fn default_expansion() -> usize {
    4
}
fn default_squeezenet_stem() -> usize {
    32
}
fn default_squeezenet_channels() -> Vec<usize> {
    vec![64, 128]
}
fn default_shufflenet_stem() -> usize {
    24
}
fn default_shufflenet_channels() -> Vec<usize> {
    vec![48, 96]
}
fn default_groups() -> usize {
    3
}
fn default_gru_hidden() -> usize {
    64
}

fn default_conv1d_channels() -> Vec<usize> {
    vec![25, 25, 25]
}
fn default_conv1d_kernel() -> usize {
    5
}
fn default_conv1d_stride() -> usize {
    2
}
fn default_conv1d_padding() -> usize {
    1
}
fn default_resmlp_width() -> usize {
    256
}
fn default_resmlp_blocks() -> usize {
    2
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
    /// The same model with every width (hidden units, channels) times `factor`, as
    /// `model.width_mult` would make it.
    pub fn widened(&self, factor: f64) -> ModelSpec {
        let w = |v: usize| ((v as f64 * factor).round() as usize).max(1);
        let mut m = self.clone();
        match &mut m {
            ModelSpec::Mlp { hidden, .. } => hidden.iter_mut().for_each(|h| *h = w(*h)),
            ModelSpec::Cnn {
                channels, hidden, ..
            } => {
                channels.iter_mut().for_each(|c| *c = w(*c));
                *hidden = w(*hidden);
            }
            ModelSpec::Conv1d {
                channels, hidden, ..
            } => {
                channels.iter_mut().for_each(|c| *c = w(*c));
                if *hidden > 0 {
                    *hidden = w(*hidden);
                }
            }
            ModelSpec::Resmlp { width, .. } => *width = w(*width),
            ModelSpec::Resnet { stem, channels, .. }
            | ModelSpec::Mobilenet { stem, channels, .. }
            | ModelSpec::Squeezenet { stem, channels, .. } => {
                *stem = w(*stem);
                channels.iter_mut().for_each(|c| *c = w(*c));
            }
            ModelSpec::Shufflenet {
                stem,
                channels,
                groups,
                ..
            } => {
                // Channel counts stay multiples of the groups (and the quarter-width bottleneck
                // too): round to multiples of 4 x groups.
                let g = (*groups).max(1);
                *stem = w(*stem).div_ceil(g) * g;
                let mut prev = *stem;
                for c in channels.iter_mut() {
                    *c = w(*c).div_ceil(4 * g).max(prev / (4 * g) + 1) * 4 * g;
                    prev = *c;
                }
            }
            ModelSpec::Gru { hidden, .. } => *hidden = w(*hidden),
        }
        m
    }

    /// The same model with another normalization.
    pub fn with_norm(&self, n: Norm) -> ModelSpec {
        let mut m = self.clone();
        match &mut m {
            ModelSpec::Mlp { norm, .. }
            | ModelSpec::Cnn { norm, .. }
            | ModelSpec::Conv1d { norm, .. }
            | ModelSpec::Resmlp { norm, .. }
            | ModelSpec::Resnet { norm, .. }
            | ModelSpec::Mobilenet { norm, .. }
            | ModelSpec::Squeezenet { norm, .. }
            | ModelSpec::Shufflenet { norm, .. } => *norm = n,
            ModelSpec::Gru { .. } => {}
        }
        m
    }

    /// The dropout rate(s) as the experiment file writes them.
    pub fn dropout_value(&self) -> serde_json::Value {
        match self {
            ModelSpec::Mlp { dropout, .. } => serde_json::json!(dropout),
            ModelSpec::Cnn { dropout, .. }
            | ModelSpec::Conv1d { dropout, .. }
            | ModelSpec::Resmlp { dropout, .. }
            | ModelSpec::Resnet { dropout, .. }
            | ModelSpec::Mobilenet { dropout, .. }
            | ModelSpec::Squeezenet { dropout, .. }
            | ModelSpec::Shufflenet { dropout, .. }
            | ModelSpec::Gru { dropout, .. } => serde_json::json!(dropout),
        }
    }

    /// The largest dropout rate.
    pub fn max_dropout(&self) -> f64 {
        match self {
            ModelSpec::Mlp { dropout, .. } => dropout.max(),
            ModelSpec::Cnn { dropout, .. }
            | ModelSpec::Conv1d { dropout, .. }
            | ModelSpec::Resmlp { dropout, .. }
            | ModelSpec::Resnet { dropout, .. }
            | ModelSpec::Mobilenet { dropout, .. }
            | ModelSpec::Squeezenet { dropout, .. }
            | ModelSpec::Shufflenet { dropout, .. }
            | ModelSpec::Gru { dropout, .. } => *dropout,
        }
    }

    pub fn norm(&self) -> Norm {
        match self {
            ModelSpec::Mlp { norm, .. }
            | ModelSpec::Cnn { norm, .. }
            | ModelSpec::Conv1d { norm, .. }
            | ModelSpec::Resmlp { norm, .. }
            | ModelSpec::Resnet { norm, .. }
            | ModelSpec::Mobilenet { norm, .. }
            | ModelSpec::Squeezenet { norm, .. }
            | ModelSpec::Shufflenet { norm, .. } => *norm,
            ModelSpec::Gru { .. } => Norm::None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ModelSpec::Mlp { .. } => "mlp",
            ModelSpec::Cnn { .. } => "cnn",
            ModelSpec::Conv1d { .. } => "conv1d",
            ModelSpec::Resmlp { .. } => "resmlp",
            ModelSpec::Resnet { .. } => "resnet",
            ModelSpec::Mobilenet { .. } => "mobilenet",
            ModelSpec::Squeezenet { .. } => "squeezenet",
            ModelSpec::Shufflenet { .. } => "shufflenet",
            ModelSpec::Gru { .. } => "gru",
        }
    }
}

/// The optimizer and its knobs; defaults are PyTorch's (`torch.optim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerSpec {
    /// SGD with momentum, dampening, Nesterov (`torch.optim.SGD`).
    Sgd {
        lr: f64,
        momentum: f64,
        #[serde(default)]
        dampening: f64,
        nesterov: bool,
        weight_decay: f64,
    },
    /// Adam (Kingma & Ba 2014), AMSGrad option; weight decay as an L2 term (`torch.optim.Adam`).
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        #[serde(default)]
        amsgrad: bool,
    },
    /// AdamW: decoupled weight decay (Loshchilov & Hutter 2019; `torch.optim.AdamW`).
    Adamw {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        amsgrad: bool,
    },
    /// AdaGrad (Duchi et al. 2011; `torch.optim.Adagrad`).
    Adagrad {
        lr: f64,
        lr_decay: f64,
        eps: f64,
        weight_decay: f64,
    },
    /// RMSProp, centered option (`torch.optim.RMSprop`).
    Rmsprop {
        lr: f64,
        alpha: f64,
        eps: f64,
        momentum: f64,
        centered: bool,
        weight_decay: f64,
    },
    /// Lion (Chen et al. 2023).
    Lion {
        lr: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
    },
    /// LAMB (You et al. 2019).
    Lamb {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
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
            amsgrad: false,
        }
    }
}

impl OptimizerSpec {
    pub fn lr(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::Adamw { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Lion { lr, .. }
            | OptimizerSpec::Lamb { lr, .. } => *lr,
        }
    }

    pub fn weight_decay(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd { weight_decay, .. }
            | OptimizerSpec::Adam { weight_decay, .. }
            | OptimizerSpec::Adamw { weight_decay, .. }
            | OptimizerSpec::Adagrad { weight_decay, .. }
            | OptimizerSpec::Rmsprop { weight_decay, .. }
            | OptimizerSpec::Lion { weight_decay, .. }
            | OptimizerSpec::Lamb { weight_decay, .. } => *weight_decay,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::Adamw { .. } => "adamw",
            OptimizerSpec::Adagrad { .. } => "adagrad",
            OptimizerSpec::Rmsprop { .. } => "rmsprop",
            OptimizerSpec::Lion { .. } => "lion",
            OptimizerSpec::Lamb { .. } => "lamb",
        }
    }
}

/// Stop when the monitored quantity has not improved for `patience` epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStopping {
    /// `metric` (the experiment's metric on validation) or `val_loss`.
    #[serde(default = "default_monitor")]
    pub monitor: Monitor,
    #[serde(default = "default_patience")]
    pub patience: usize,
    /// An improvement smaller than this does not count.
    #[serde(default)]
    pub min_delta: f64,
    /// Epochs before stopping is considered.
    #[serde(default)]
    pub warmup: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    Metric,
    ValLoss,
}

fn default_monitor() -> Monitor {
    Monitor::Metric
}
fn default_patience() -> usize {
    10
}

/// Which weights a run ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The best epoch's (by the early-stopping monitor, else the metric).
    #[default]
    Best,
    Last,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Clip the gradients' global L2 norm to this.
    #[serde(default)]
    pub clip_norm: Option<f64>,
    /// Clip each gradient value to [-v, v].
    #[serde(default)]
    pub clip_value: Option<f64>,
    /// A batch loss this many times the first batch's ends the run as exploding.
    #[serde(default = "default_divergence")]
    pub divergence_factor: f64,
    /// `best` (default) or `last` epoch's weights.
    #[serde(default)]
    pub keep: Keep,
    /// Label smoothing (Szegedy et al. 2016): targets `1 - e + e/K` for the class, `e/K` for
    /// the others. Classification only.
    #[serde(default)]
    pub label_smoothing: f64,
    /// L1 penalty `l1 * sum |w|` over the weights of linear and conv layers (not biases, not
    /// normalization). For an L2 penalty use `optimizer.weight_decay` with adam / sgd; for
    /// decoupled weight decay, `kind = "adamw"`.
    #[serde(default)]
    pub l1: f64,
    /// Threads that build (and augment) batches while the model trains; 0 builds them on the
    /// training thread.
    #[serde(default = "default_workers")]
    pub workers: usize,
    /// Snapshot ensembles (Huang et al. 2017): keep the weights at the end of every cosine
    /// restart cycle (`schedule.kind = "cosine_restarts"`); `tuneup ensemble RUN --snapshots`.
    #[serde(default)]
    pub snapshots: bool,
    /// Stop after the epoch that passes this many seconds of training (the best weights so far
    /// are kept, as with early stopping): for fixed-budget comparisons such as `tuneup zoo bench`.
    #[serde(default)]
    pub time_budget: Option<f64>,
}

fn default_workers() -> usize {
    1
}

fn default_divergence() -> f64 {
    1e4
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
            clip_norm: None,
            clip_value: None,
            divergence_factor: default_divergence(),
            keep: Keep::Best,
            label_smoothing: 0.0,
            l1: 0.0,
            workers: default_workers(),
            snapshots: false,
            time_budget: None,
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

    /// The resolved experiment as experiment-file text, without its `[search]`: every key
    /// explicit (paths absolute where they were resolved), so that parsing it gives this
    /// experiment back. The improve loop edits this text one key at a time.
    pub fn to_toml_text(&self) -> String {
        let mut json = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = json.as_object_mut() {
            o.remove("search");
        }
        match crate::tune::space::to_toml(&json) {
            Some(toml::Value::Table(t)) => toml::to_string(&t).unwrap_or_default(),
            _ => String::new(),
        }
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
        if let Some(shape) = &self.data.shape {
            if !(2..=3).contains(&shape.len()) || shape.contains(&0) {
                return err(
                    "data.shape",
                    format!(
                        "expected [channels, height, width] (images) or [channels, length] (signals) with positive sizes, found {shape:?}"
                    ),
                );
            }
            if !matches!(self.data.format, None | Some(DataFormat::Csv)) {
                return err(
                    "data.shape",
                    "only CSV rows are reshaped into images".into(),
                );
            }
        }
        match &self.model {
            ModelSpec::Mlp {
                hidden, dropout, ..
            } => {
                if hidden.contains(&0) {
                    return err("model.hidden", "layer widths must be positive".into());
                }
                if let Rates::Each(v) = dropout {
                    if v.len() != hidden.len() {
                        return err(
                            "model.dropout",
                            format!(
                                "expected one rate per hidden layer ({}), found {}",
                                hidden.len(),
                                v.len()
                            ),
                        );
                    }
                }
                for p in dropout.all() {
                    check_dropout("model.dropout", p)?;
                }
            }
            ModelSpec::Cnn {
                channels,
                kernel_size,
                hidden,
                dropout,
                conv_dropout,
                ..
            } => {
                if let Rates::Each(v) = conv_dropout {
                    if v.len() != channels.len() {
                        return err(
                            "model.conv_dropout",
                            format!(
                                "expected one rate per conv ({}), found {}",
                                channels.len(),
                                v.len()
                            ),
                        );
                    }
                }
                for p in conv_dropout.all() {
                    check_dropout("model.conv_dropout", p)?;
                }
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
                check_dropout("model.dropout", *dropout)?;
            }
            ModelSpec::Conv1d {
                channels,
                kernel_size,
                stride,
                dropout,
                ..
            } => {
                if channels.is_empty() || channels.contains(&0) {
                    return err(
                        "model.channels",
                        "expected one or more positive channel counts".into(),
                    );
                }
                if *kernel_size == 0 {
                    return err("model.kernel_size", "expected a positive size".into());
                }
                if *stride == 0 {
                    return err("model.stride", "expected a positive stride".into());
                }
                check_dropout("model.dropout", *dropout)?;
            }
            ModelSpec::Resmlp { width, dropout, .. } => {
                if *width == 0 {
                    return err("model.width", "expected a positive width".into());
                }
                check_dropout("model.dropout", *dropout)?;
            }
            ModelSpec::Resnet { dropout, .. }
            | ModelSpec::Mobilenet { dropout, .. }
            | ModelSpec::Squeezenet { dropout, .. }
            | ModelSpec::Gru { dropout, .. } => check_dropout("model.dropout", *dropout)?,
            ModelSpec::Shufflenet {
                stem,
                channels,
                groups,
                dropout,
                ..
            } => {
                check_dropout("model.dropout", *dropout)?;
                if stem % groups != 0 {
                    return err(
                        "model.stem",
                        format!(
                            "the ShuffleNet's stem must be a multiple of groups = {groups}, found {stem}"
                        ),
                    );
                }
                let mut prev = *stem;
                for &c in channels {
                    if c <= prev || c % (4 * groups) != 0 || (c - prev) % groups != 0 {
                        return err(
                            "model.channels",
                            format!(
                                "each ShuffleNet stage must widen its input (stem {stem}, then each stage) by a multiple of groups = {groups}, to a multiple of 4 x groups = {}; {prev} -> {c} does not (e.g. channels = [{}, {}] with stem = {stem})",
                                4 * groups,
                                (stem + 1).div_ceil(4 * groups) * 4 * groups,
                                ((stem + 1).div_ceil(4 * groups) * 4 * groups) * 2
                            ),
                        );
                    }
                    prev = c;
                }
            }
        }
        for (k, v) in [
            ("max_params", self.max_params.map(|v| v as u64)),
            ("max_flops", self.max_flops),
        ] {
            if v == Some(0) {
                return err(k, "expected a positive budget".into());
            }
        }
        let lr = self.optimizer.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return err(
                "optimizer.lr",
                format!("expected a positive learning rate, found {lr}"),
            );
        }
        check_weight_decay(self.optimizer.weight_decay())?;
        let unit = |k: &str, v: f64| -> Result<(), (String, String)> {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err((
                    format!("optimizer.{k}"),
                    format!("expected a value in [0, 1), found {v}"),
                ))
            }
        };
        let positive = |k: &str, v: f64| -> Result<(), (String, String)> {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err((
                    format!("optimizer.{k}"),
                    format!("expected a positive value, found {v}"),
                ))
            }
        };
        match &self.optimizer {
            OptimizerSpec::Sgd {
                momentum,
                dampening,
                nesterov,
                ..
            } => {
                unit("momentum", *momentum)?;
                if !(0.0..=1.0).contains(dampening) {
                    return err(
                        "optimizer.dampening",
                        format!("expected a value in [0, 1], found {dampening}"),
                    );
                }
                if *nesterov && (*momentum == 0.0 || *dampening != 0.0) {
                    return err(
                        "optimizer.nesterov",
                        "Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch)"
                            .into(),
                    );
                }
            }
            OptimizerSpec::Adam {
                beta1, beta2, eps, ..
            }
            | OptimizerSpec::Adamw {
                beta1, beta2, eps, ..
            }
            | OptimizerSpec::Lamb {
                beta1, beta2, eps, ..
            } => {
                unit("beta1", *beta1)?;
                unit("beta2", *beta2)?;
                positive("eps", *eps)?;
            }
            OptimizerSpec::Lion { beta1, beta2, .. } => {
                unit("beta1", *beta1)?;
                unit("beta2", *beta2)?;
            }
            OptimizerSpec::Adagrad { eps, lr_decay, .. } => {
                positive("eps", *eps)?;
                if !(*lr_decay >= 0.0) {
                    return err(
                        "optimizer.lr_decay",
                        format!("expected a value >= 0, found {lr_decay}"),
                    );
                }
            }
            OptimizerSpec::Rmsprop {
                alpha,
                eps,
                momentum,
                ..
            } => {
                unit("alpha", *alpha)?;
                positive("eps", *eps)?;
                unit("momentum", *momentum)?;
            }
        }
        self.validate_schedule()?;
        if let Some(es) = &self.early_stopping {
            if !(es.min_delta >= 0.0) {
                return err(
                    "early_stopping.min_delta",
                    format!("expected a value >= 0, found {}", es.min_delta),
                );
            }
        }
        for (k, v) in [
            ("train.clip_norm", self.train.clip_norm),
            ("train.clip_value", self.train.clip_value),
        ] {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return err(k, format!("expected a positive value, found {v}"));
            }
        }
        if self.train.clip_norm.is_some() && self.train.clip_value.is_some() {
            return err(
                "train.clip_value",
                "clip by norm or by value, not both".into(),
            );
        }
        if !(self.train.divergence_factor > 1.0) {
            return err(
                "train.divergence_factor",
                format!(
                    "expected a factor > 1, found {}",
                    self.train.divergence_factor
                ),
            );
        }
        if self.train.epochs == 0 {
            return err("train.epochs", "expected at least 1 epoch".into());
        }
        if self.train.batch_size == 0 {
            return err("train.batch_size", "expected a positive batch size".into());
        }
        let ls = self.train.label_smoothing;
        if !(0.0..1.0).contains(&ls) {
            return err(
                "train.label_smoothing",
                format!("expected a value in [0, 1), found {ls}"),
            );
        }
        if ls > 0.0 && self.task == Task::Regression {
            return err(
                "train.label_smoothing",
                "label smoothing applies to classification".into(),
            );
        }
        if !(self.train.l1.is_finite() && self.train.l1 >= 0.0) {
            return err(
                "train.l1",
                format!("expected a value >= 0, found {}", self.train.l1),
            );
        }
        if self.task == Task::Regression && self.augment.cutmix > 0.0 {
            return err(
                "augment.cutmix",
                "cutmix mixes class labels by area; for regression use mixup".into(),
            );
        }
        self.augment.validate()?;
        if let Some(b) = self
            .train
            .time_budget
            .filter(|b| !(b.is_finite() && *b > 0.0))
        {
            return err(
                "train.time_budget",
                format!("expected a positive number of seconds, found {b}"),
            );
        }
        if self.train.snapshots && self.schedule.kind() != "cosine_restarts" {
            return err(
                "train.snapshots",
                format!(
                    "snapshot ensembles keep one model per cosine restart cycle: set schedule.kind = \"cosine_restarts\" (it is \"{}\")",
                    self.schedule.kind()
                ),
            );
        }
        if let Some(f) = self.data.test_fraction {
            if !(f > 0.0 && f < 1.0) {
                return err(
                    "data.test_fraction",
                    format!("expected a fraction in (0, 1), found {f}"),
                );
            }
            if self.data.test.is_some() {
                return err(
                    "data.test_fraction",
                    "give a test file or a test_fraction, not both".into(),
                );
            }
        }
        if let Some(cv) = &self.cv {
            cv.validate()?;
            if cv.group.is_some() && !matches!(self.data.format, None | Some(DataFormat::Csv)) {
                return err("cv.group", "a group column needs CSV data".into());
            }
        }
        Ok(())
    }

    fn validate_schedule(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((format!("schedule.{k}"), m));
        let s = &self.schedule;
        if !(0.0..=1.0).contains(&s.warmup_start_factor) {
            return err(
                "warmup_start_factor",
                format!(
                    "expected a value in [0, 1], found {}",
                    s.warmup_start_factor
                ),
            );
        }
        let pos = |k: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                err(k, format!("expected a positive value, found {v}"))
            }
        };
        match &s.shape {
            Shape::Step { step_size, gamma } => {
                if *step_size == 0 {
                    return err("step_size", "expected at least 1".into());
                }
                pos("gamma", *gamma)?;
            }
            Shape::Multistep { milestones, gamma } => {
                if milestones.windows(2).any(|w| w[0] >= w[1]) {
                    return err(
                        "milestones",
                        format!("expected increasing milestones, found {milestones:?}"),
                    );
                }
                pos("gamma", *gamma)?;
            }
            Shape::Multiplicative { factor } => pos("factor", *factor)?,
            Shape::Exponential { gamma } => pos("gamma", *gamma)?,
            Shape::Cosine { t_max, eta_min } => {
                if *t_max == Some(0) {
                    return err("t_max", "expected at least 1".into());
                }
                if !(*eta_min >= 0.0 && *eta_min < self.optimizer.lr()) {
                    return err(
                        "eta_min",
                        format!("expected a value in [0, lr), found {eta_min}"),
                    );
                }
            }
            Shape::CosineRestarts {
                t_0,
                t_mult,
                eta_min,
            } => {
                if *t_0 == 0 || *t_mult == 0 {
                    return err("t_0", "t_0 and t_mult must be at least 1".into());
                }
                if !(*eta_min >= 0.0) {
                    return err("eta_min", format!("expected a value >= 0, found {eta_min}"));
                }
            }
            Shape::OneCycle {
                max_lr,
                pct_start,
                div_factor,
                final_div_factor,
                ..
            } => {
                if let Some(m) = max_lr {
                    pos("max_lr", *m)?;
                }
                if !(*pct_start > 0.0 && *pct_start < 1.0) {
                    return err(
                        "pct_start",
                        format!("expected a fraction in (0, 1), found {pct_start}"),
                    );
                }
                pos("div_factor", *div_factor)?;
                pos("final_div_factor", *final_div_factor)?;
            }
            Shape::Linear {
                start_factor,
                end_factor,
                total_iters,
            } => {
                if !(*start_factor > 0.0 && *start_factor <= 1.0) {
                    return err(
                        "start_factor",
                        format!("expected a value in (0, 1], found {start_factor}"),
                    );
                }
                if !(0.0..=1.0).contains(end_factor) {
                    return err(
                        "end_factor",
                        format!("expected a value in [0, 1], found {end_factor}"),
                    );
                }
                if *total_iters == Some(0) {
                    return err("total_iters", "expected at least 1".into());
                }
            }
            Shape::Polynomial { power, total_iters } => {
                pos("power", *power)?;
                if *total_iters == Some(0) {
                    return err("total_iters", "expected at least 1".into());
                }
            }
            Shape::Plateau {
                factor,
                threshold,
                min_lr,
                ..
            } => {
                if !(*factor > 0.0 && *factor < 1.0) {
                    return err(
                        "factor",
                        format!("expected a factor in (0, 1), found {factor}"),
                    );
                }
                if !(*threshold >= 0.0) || !(*min_lr >= 0.0) {
                    return err("threshold", "threshold and min_lr must be >= 0".into());
                }
            }
            Shape::Constant => {}
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
    schedule: Option<RawSchedule>,
    #[serde(default)]
    early_stopping: Option<EarlyStopping>,
    #[serde(default)]
    train: TrainSpec,
    #[serde(default)]
    augment: AugmentSpec,
    #[serde(default)]
    cv: Option<CvSpec>,
    #[serde(default)]
    max_params: Option<usize>,
    #[serde(default)]
    max_flops: Option<u64>,
    #[serde(default)]
    search: Option<toml::Table>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModelKind {
    Mlp,
    Cnn,
    Conv1d,
    Resmlp,
    Resnet,
    Mobilenet,
    Squeezenet,
    Shufflenet,
    Gru,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    kind: ModelKind,
    hidden: Option<toml::Value>,
    activation: Option<Activation>,
    dropout: Option<toml::Value>,
    conv_dropout: Option<toml::Value>,
    norm: Option<Norm>,
    channels: Option<Vec<usize>>,
    kernel_size: Option<usize>,
    same_padding: Option<bool>,
    pool: Option<PoolPlacement>,
    stride: Option<usize>,
    padding: Option<usize>,
    width: Option<usize>,
    blocks: Option<usize>,
    stem: Option<usize>,
    expansion: Option<usize>,
    groups: Option<usize>,
    layers: Option<usize>,
    /// Multiplies every width (hidden units, channels): "a bigger model" in one key.
    width_mult: Option<f64>,
    /// Multiplies the number of hidden layers / conv blocks (the last one repeated).
    depth_mult: Option<f64>,
}

impl RawModel {
    /// The keys this table sets (besides `kind` and the multipliers).
    fn set_keys(&self) -> Vec<&'static str> {
        [
            ("hidden", self.hidden.is_some()),
            ("activation", self.activation.is_some()),
            ("dropout", self.dropout.is_some()),
            ("conv_dropout", self.conv_dropout.is_some()),
            ("norm", self.norm.is_some()),
            ("channels", self.channels.is_some()),
            ("kernel_size", self.kernel_size.is_some()),
            ("same_padding", self.same_padding.is_some()),
            ("pool", self.pool.is_some()),
            ("stride", self.stride.is_some()),
            ("padding", self.padding.is_some()),
            ("width", self.width.is_some()),
            ("blocks", self.blocks.is_some()),
            ("stem", self.stem.is_some()),
            ("expansion", self.expansion.is_some()),
            ("groups", self.groups.is_some()),
            ("layers", self.layers.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }

    /// Refuses any key set here that `kind` does not take.
    fn only(&self, kind: &str, allowed: &[&str]) -> Result<(), KeyError> {
        for k in self.set_keys() {
            if !allowed.contains(&k) {
                return Err((
                    format!("model.{k}"),
                    format!(
                        "`{k}` does not apply to model kind `{kind}` (it takes {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A positive count (`blocks`, `layers`, `stem` ...) or its default.
    fn count(key: &str, v: Option<usize>, default: usize) -> Result<usize, KeyError> {
        match v {
            Some(0) => Err((
                format!("model.{key}"),
                "expected a positive integer, found 0".into(),
            )),
            Some(n) => Ok(n),
            None => Ok(default),
        }
    }

    /// `channels` (one per stage) or the default, none of them 0, times the width multiplier.
    fn stages(&self, default: Vec<usize>, width: f64) -> Result<Vec<usize>, KeyError> {
        let c = self.channels.clone().unwrap_or(default);
        if c.is_empty() || c.contains(&0) {
            return Err((
                "model.channels".into(),
                format!("expected one positive channel count per stage, found {c:?}"),
            ));
        }
        Ok(scale_widths(&c, width, 1.0))
    }
}

/// `widths` scaled: `depth` × as many layers (the last repeated), each `width` × as wide.
fn scale_widths(widths: &[usize], width: f64, depth: f64) -> Vec<usize> {
    if widths.is_empty() {
        return Vec::new();
    }
    let n = ((widths.len() as f64 * depth).round() as usize).max(1);
    (0..n)
        .map(|i| ((widths[i.min(widths.len() - 1)] as f64 * width).round() as usize).max(1))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OptimizerKind {
    Sgd,
    Adam,
    Adamw,
    Adagrad,
    Rmsprop,
    Lion,
    Lamb,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptimizer {
    kind: OptimizerKind,
    lr: Option<f64>,
    momentum: Option<f64>,
    dampening: Option<f64>,
    nesterov: Option<bool>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    eps: Option<f64>,
    weight_decay: Option<f64>,
    amsgrad: Option<bool>,
    alpha: Option<f64>,
    centered: Option<bool>,
    lr_decay: Option<f64>,
}

impl RawOptimizer {
    /// The keys that are set, by name.
    fn set_keys(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |k: &'static str, set: bool| {
            if set {
                v.push(k)
            }
        };
        add("momentum", self.momentum.is_some());
        add("dampening", self.dampening.is_some());
        add("nesterov", self.nesterov.is_some());
        add("beta1", self.beta1.is_some());
        add("beta2", self.beta2.is_some());
        add("eps", self.eps.is_some());
        add("amsgrad", self.amsgrad.is_some());
        add("alpha", self.alpha.is_some());
        add("centered", self.centered.is_some());
        add("lr_decay", self.lr_decay.is_some());
        v
    }

    fn into_spec(self) -> Result<OptimizerSpec, KeyError> {
        let (kind, allowed): (&str, &[&str]) = match self.kind {
            OptimizerKind::Sgd => ("sgd", &["momentum", "dampening", "nesterov"]),
            OptimizerKind::Adam => ("adam", &["beta1", "beta2", "eps", "amsgrad"]),
            OptimizerKind::Adamw => ("adamw", &["beta1", "beta2", "eps", "amsgrad"]),
            OptimizerKind::Adagrad => ("adagrad", &["eps", "lr_decay"]),
            OptimizerKind::Rmsprop => ("rmsprop", &["alpha", "eps", "momentum", "centered"]),
            OptimizerKind::Lion => ("lion", &["beta1", "beta2"]),
            OptimizerKind::Lamb => ("lamb", &["beta1", "beta2", "eps"]),
        };
        for k in self.set_keys() {
            not_for("optimizer", k, !allowed.contains(&k), kind)?;
        }
        let wd = self.weight_decay.unwrap_or(0.0);
        Ok(match self.kind {
            OptimizerKind::Sgd => OptimizerSpec::Sgd {
                lr: self.lr.unwrap_or_else(default_sgd_lr),
                momentum: self.momentum.unwrap_or_else(default_momentum),
                dampening: self.dampening.unwrap_or(0.0),
                nesterov: self.nesterov.unwrap_or(false),
                weight_decay: wd,
            },
            OptimizerKind::Adam | OptimizerKind::Adamw => {
                let (lr, b1, b2, eps, ams) = (
                    self.lr.unwrap_or_else(default_adam_lr),
                    self.beta1.unwrap_or_else(default_beta1),
                    self.beta2.unwrap_or_else(default_beta2),
                    self.eps.unwrap_or_else(default_eps),
                    self.amsgrad.unwrap_or(false),
                );
                if self.kind == OptimizerKind::Adam {
                    OptimizerSpec::Adam {
                        lr,
                        beta1: b1,
                        beta2: b2,
                        eps,
                        weight_decay: wd,
                        amsgrad: ams,
                    }
                } else {
                    OptimizerSpec::Adamw {
                        lr,
                        beta1: b1,
                        beta2: b2,
                        eps,
                        weight_decay: self.weight_decay.unwrap_or(0.01),
                        amsgrad: ams,
                    }
                }
            }
            OptimizerKind::Adagrad => OptimizerSpec::Adagrad {
                lr: self.lr.unwrap_or(0.01),
                lr_decay: self.lr_decay.unwrap_or(0.0),
                eps: self.eps.unwrap_or(1e-10),
                weight_decay: wd,
            },
            OptimizerKind::Rmsprop => OptimizerSpec::Rmsprop {
                lr: self.lr.unwrap_or(0.01),
                alpha: self.alpha.unwrap_or(0.99),
                eps: self.eps.unwrap_or(1e-8),
                momentum: self.momentum.unwrap_or(0.0),
                centered: self.centered.unwrap_or(false),
                weight_decay: wd,
            },
            OptimizerKind::Lion => OptimizerSpec::Lion {
                lr: self.lr.unwrap_or(1e-4),
                beta1: self.beta1.unwrap_or(0.9),
                beta2: self.beta2.unwrap_or(0.99),
                weight_decay: wd,
            },
            OptimizerKind::Lamb => OptimizerSpec::Lamb {
                lr: self.lr.unwrap_or(1e-3),
                beta1: self.beta1.unwrap_or(0.9),
                beta2: self.beta2.unwrap_or(0.999),
                eps: self.eps.unwrap_or(1e-6),
                weight_decay: wd,
            },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ScheduleKind {
    Constant,
    Step,
    Multistep,
    Multiplicative,
    Exponential,
    Cosine,
    CosineRestarts,
    OneCycle,
    Linear,
    Polynomial,
    Plateau,
}

/// The `[schedule]` table as written: a `kind` and every knob, checked against the kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    kind: ScheduleKind,
    interval: Option<Interval>,
    warmup: Option<usize>,
    warmup_start_factor: Option<f64>,
    step_size: Option<usize>,
    gamma: Option<f64>,
    milestones: Option<Vec<usize>>,
    factor: Option<f64>,
    t_max: Option<usize>,
    eta_min: Option<f64>,
    t_0: Option<usize>,
    t_mult: Option<usize>,
    max_lr: Option<f64>,
    pct_start: Option<f64>,
    div_factor: Option<f64>,
    final_div_factor: Option<f64>,
    anneal: Option<Anneal>,
    three_phase: Option<bool>,
    start_factor: Option<f64>,
    end_factor: Option<f64>,
    total_iters: Option<usize>,
    power: Option<f64>,
    mode: Option<PlateauMode>,
    patience: Option<usize>,
    threshold: Option<f64>,
    threshold_mode: Option<ThresholdMode>,
    cooldown: Option<usize>,
    min_lr: Option<f64>,
}

impl RawSchedule {
    fn into_spec(self) -> Result<ScheduleSpec, KeyError> {
        let set: Vec<(&str, bool)> = vec![
            ("step_size", self.step_size.is_some()),
            ("gamma", self.gamma.is_some()),
            ("milestones", self.milestones.is_some()),
            ("factor", self.factor.is_some()),
            ("t_max", self.t_max.is_some()),
            ("eta_min", self.eta_min.is_some()),
            ("t_0", self.t_0.is_some()),
            ("t_mult", self.t_mult.is_some()),
            ("max_lr", self.max_lr.is_some()),
            ("pct_start", self.pct_start.is_some()),
            ("div_factor", self.div_factor.is_some()),
            ("final_div_factor", self.final_div_factor.is_some()),
            ("anneal", self.anneal.is_some()),
            ("three_phase", self.three_phase.is_some()),
            ("start_factor", self.start_factor.is_some()),
            ("end_factor", self.end_factor.is_some()),
            ("total_iters", self.total_iters.is_some()),
            ("power", self.power.is_some()),
            ("mode", self.mode.is_some()),
            ("patience", self.patience.is_some()),
            ("threshold", self.threshold.is_some()),
            ("threshold_mode", self.threshold_mode.is_some()),
            ("cooldown", self.cooldown.is_some()),
            ("min_lr", self.min_lr.is_some()),
        ];
        let (kind, allowed): (&str, &[&str]) = match self.kind {
            ScheduleKind::Constant => ("constant", &[]),
            ScheduleKind::Step => ("step", &["step_size", "gamma"]),
            ScheduleKind::Multistep => ("multistep", &["milestones", "gamma"]),
            ScheduleKind::Multiplicative => ("multiplicative", &["factor"]),
            ScheduleKind::Exponential => ("exponential", &["gamma"]),
            ScheduleKind::Cosine => ("cosine", &["t_max", "eta_min"]),
            ScheduleKind::CosineRestarts => ("cosine_restarts", &["t_0", "t_mult", "eta_min"]),
            ScheduleKind::OneCycle => (
                "one_cycle",
                &[
                    "max_lr",
                    "pct_start",
                    "div_factor",
                    "final_div_factor",
                    "anneal",
                    "three_phase",
                ],
            ),
            ScheduleKind::Linear => ("linear", &["start_factor", "end_factor", "total_iters"]),
            ScheduleKind::Polynomial => ("polynomial", &["power", "total_iters"]),
            ScheduleKind::Plateau => (
                "plateau",
                &[
                    "mode",
                    "factor",
                    "patience",
                    "threshold",
                    "threshold_mode",
                    "cooldown",
                    "min_lr",
                ],
            ),
        };
        for (k, is_set) in set {
            not_for("schedule", k, is_set && !allowed.contains(&k), kind)?;
        }
        let shape = match self.kind {
            ScheduleKind::Constant => Shape::Constant,
            ScheduleKind::Step => Shape::Step {
                step_size: self.step_size.unwrap_or(10),
                gamma: self.gamma.unwrap_or(0.1),
            },
            ScheduleKind::Multistep => Shape::Multistep {
                milestones: self.milestones.ok_or((
                    "schedule.milestones".to_string(),
                    "multistep needs milestones, e.g. [30, 60]".to_string(),
                ))?,
                gamma: self.gamma.unwrap_or(0.1),
            },
            ScheduleKind::Multiplicative => Shape::Multiplicative {
                factor: self.factor.unwrap_or(0.95),
            },
            ScheduleKind::Exponential => Shape::Exponential {
                gamma: self.gamma.unwrap_or(0.95),
            },
            ScheduleKind::Cosine => Shape::Cosine {
                t_max: self.t_max,
                eta_min: self.eta_min.unwrap_or(0.0),
            },
            ScheduleKind::CosineRestarts => Shape::CosineRestarts {
                t_0: self.t_0.unwrap_or(10),
                t_mult: self.t_mult.unwrap_or(1),
                eta_min: self.eta_min.unwrap_or(0.0),
            },
            ScheduleKind::OneCycle => Shape::OneCycle {
                max_lr: self.max_lr,
                pct_start: self.pct_start.unwrap_or(0.3),
                div_factor: self.div_factor.unwrap_or(25.0),
                final_div_factor: self.final_div_factor.unwrap_or(1e4),
                anneal: self.anneal.unwrap_or_default(),
                three_phase: self.three_phase.unwrap_or(false),
            },
            ScheduleKind::Linear => Shape::Linear {
                start_factor: self.start_factor.unwrap_or(1.0 / 3.0),
                end_factor: self.end_factor.unwrap_or(1.0),
                total_iters: self.total_iters,
            },
            ScheduleKind::Polynomial => Shape::Polynomial {
                power: self.power.unwrap_or(1.0),
                total_iters: self.total_iters,
            },
            ScheduleKind::Plateau => Shape::Plateau {
                mode: self.mode,
                factor: self.factor.unwrap_or(0.1),
                patience: self.patience.unwrap_or(10),
                threshold: self.threshold.unwrap_or(1e-4),
                threshold_mode: self.threshold_mode.unwrap_or_default(),
                cooldown: self.cooldown.unwrap_or(0),
                min_lr: self.min_lr.unwrap_or(0.0),
            },
        };
        Ok(ScheduleSpec {
            shape,
            interval: self.interval.unwrap_or_default(),
            warmup: self.warmup.unwrap_or(0),
            warmup_start_factor: self.warmup_start_factor.unwrap_or(0.0),
        })
    }
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
        let width = m.width_mult.unwrap_or(1.0);
        let depth = m.depth_mult.unwrap_or(1.0);
        for (k, v) in [("model.width_mult", width), ("model.depth_mult", depth)] {
            if !(v.is_finite() && v > 0.0) {
                return Err((
                    k.to_string(),
                    format!("expected a positive multiplier, found {v}"),
                ));
            }
        }
        let model = match m.kind {
            ModelKind::Mlp => {
                m.only("mlp", &["hidden", "activation", "dropout", "norm"])?;
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
                    hidden: scale_widths(&hidden, width, depth),
                    activation: m.activation.unwrap_or_default(),
                    dropout: rates("model.dropout", m.dropout.as_ref())?,
                    norm: m.norm.unwrap_or_default(),
                }
            }
            ModelKind::Cnn => {
                m.only(
                    "cnn",
                    &[
                        "hidden",
                        "activation",
                        "dropout",
                        "conv_dropout",
                        "norm",
                        "channels",
                        "kernel_size",
                        "same_padding",
                        "pool",
                    ],
                )?;
                let hidden = match m.hidden {
                    None => default_cnn_hidden(),
                    Some(v) => v.as_integer().filter(|w| *w >= 0).map(|w| w as usize).ok_or_else(|| {
                        ("model.hidden".to_string(), format!("expected the width of the hidden linear layer (an integer), found {v}"))
                    })?,
                };
                ModelSpec::Cnn {
                    channels: scale_widths(
                        &m.channels.unwrap_or_else(default_cnn_channels),
                        width,
                        depth,
                    ),
                    kernel_size: m.kernel_size.unwrap_or_else(default_kernel),
                    same_padding: m.same_padding.unwrap_or(true),
                    pool: m.pool.unwrap_or_default(),
                    hidden: ((hidden as f64 * width).round() as usize).max(1),
                    activation: m.activation.unwrap_or_default(),
                    dropout: match rates("model.dropout", m.dropout.as_ref())? {
                        Rates::One(p) => p,
                        Rates::Each(_) => {
                            return Err((
                                "model.dropout".into(),
                                "the CNN's dropout (before the output layer) is one rate; per-conv rates go in conv_dropout".into(),
                            ));
                        }
                    },
                    conv_dropout: rates("model.conv_dropout", m.conv_dropout.as_ref())?,
                    norm: m.norm.unwrap_or_default(),
                }
            }
            ModelKind::Conv1d => {
                m.only(
                    "conv1d",
                    &[
                        "channels",
                        "kernel_size",
                        "stride",
                        "padding",
                        "hidden",
                        "activation",
                        "dropout",
                        "norm",
                    ],
                )?;
                let hidden = match m.hidden {
                    None => 0,
                    Some(v) => v.as_integer().filter(|w| *w >= 0).map(|w| w as usize).ok_or_else(|| {
                        ("model.hidden".to_string(), format!("expected the width of the hidden linear layer (an integer; 0 for none), found {v}"))
                    })?,
                };
                ModelSpec::Conv1d {
                    channels: scale_widths(
                        &m.channels.unwrap_or_else(default_conv1d_channels),
                        width,
                        depth,
                    ),
                    kernel_size: m.kernel_size.unwrap_or_else(default_conv1d_kernel),
                    stride: m.stride.unwrap_or_else(default_conv1d_stride),
                    padding: m.padding.unwrap_or_else(default_conv1d_padding),
                    hidden: (hidden as f64 * width).round() as usize,
                    activation: m.activation.unwrap_or_default(),
                    dropout: one_rate(m.dropout.as_ref())?,
                    norm: m.norm.unwrap_or_default(),
                }
            }
            ModelKind::Resmlp => {
                m.only(
                    "resmlp",
                    &["width", "blocks", "activation", "dropout", "norm"],
                )?;
                ModelSpec::Resmlp {
                    width: ((m.width.unwrap_or_else(default_resmlp_width) as f64 * width).round()
                        as usize)
                        .max(1),
                    blocks: ((m.blocks.unwrap_or_else(default_resmlp_blocks) as f64 * depth).round()
                        as usize),
                    activation: m.activation.unwrap_or_default(),
                    dropout: one_rate(m.dropout.as_ref())?,
                    norm: m.norm.unwrap_or_default(),
                }
            }
            ModelKind::Resnet
            | ModelKind::Mobilenet
            | ModelKind::Squeezenet
            | ModelKind::Shufflenet => {
                let kind = match m.kind {
                    ModelKind::Resnet => "resnet",
                    ModelKind::Mobilenet => "mobilenet",
                    ModelKind::Squeezenet => "squeezenet",
                    _ => "shufflenet",
                };
                let mut allowed = vec![
                    "stem",
                    "channels",
                    "blocks",
                    "activation",
                    "dropout",
                    "norm",
                ];
                match m.kind {
                    ModelKind::Mobilenet => allowed.push("expansion"),
                    ModelKind::Shufflenet => allowed.push("groups"),
                    _ => {}
                }
                m.only(kind, &allowed)?;
                let scaled = |n: usize| ((n as f64 * width).round() as usize).max(1);
                let deep = |n: usize| ((n as f64 * depth).round() as usize).max(1);
                let activation = m.activation.unwrap_or_default();
                let dropout = one_rate(m.dropout.as_ref())?;
                match m.kind {
                    ModelKind::Resnet => ModelSpec::Resnet {
                        stem: scaled(RawModel::count("stem", m.stem, default_resnet_stem())?),
                        channels: m.stages(default_resnet_channels(), width)?,
                        blocks: deep(RawModel::count("blocks", m.blocks, 1)?),
                        activation,
                        dropout,
                        norm: m.norm.unwrap_or(Norm::Batch),
                    },
                    ModelKind::Mobilenet => ModelSpec::Mobilenet {
                        stem: scaled(RawModel::count("stem", m.stem, default_mobilenet_stem())?),
                        channels: m.stages(default_mobilenet_channels(), width)?,
                        blocks: deep(RawModel::count("blocks", m.blocks, 2)?),
                        expansion: RawModel::count("expansion", m.expansion, default_expansion())?,
                        activation,
                        dropout,
                        norm: m.norm.unwrap_or(Norm::Batch),
                    },
                    ModelKind::Squeezenet => ModelSpec::Squeezenet {
                        stem: scaled(RawModel::count("stem", m.stem, default_squeezenet_stem())?),
                        channels: m.stages(default_squeezenet_channels(), width)?,
                        blocks: deep(RawModel::count("blocks", m.blocks, 2)?),
                        activation,
                        dropout,
                        norm: m.norm.unwrap_or_default(),
                    },
                    _ => {
                        let groups = RawModel::count("groups", m.groups, default_groups())?;
                        let spec = ModelSpec::Shufflenet {
                            stem: RawModel::count("stem", m.stem, default_shufflenet_stem())?,
                            channels: m.stages(default_shufflenet_channels(), 1.0)?,
                            blocks: deep(RawModel::count("blocks", m.blocks, 2)?),
                            groups,
                            activation,
                            dropout,
                            norm: m.norm.unwrap_or(Norm::Batch),
                        };
                        if width == 1.0 {
                            spec
                        } else {
                            spec.widened(width)
                        }
                    }
                }
            }
            ModelKind::Gru => {
                m.only("gru", &["hidden", "layers", "dropout"])?;
                let hidden = match m.hidden {
                    None => default_gru_hidden(),
                    Some(v) => v.as_integer().filter(|w| *w > 0).map(|w| w as usize).ok_or_else(|| {
                        ("model.hidden".to_string(), format!("expected the GRU's hidden units (a positive integer), found {v}"))
                    })?,
                };
                ModelSpec::Gru {
                    hidden: ((hidden as f64 * width).round() as usize).max(1),
                    layers: ((RawModel::count("layers", m.layers, 1)? as f64 * depth).round()
                        as usize)
                        .max(1),
                    dropout: one_rate(m.dropout.as_ref())?,
                }
            }
        };
        let optimizer = match self.optimizer {
            None => OptimizerSpec::default(),
            Some(o) => o.into_spec()?,
        };
        let schedule = match self.schedule {
            None => ScheduleSpec::default(),
            Some(s) => s.into_spec()?,
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
            schedule,
            early_stopping: self.early_stopping,
            train: self.train,
            augment: self.augment,
            cv: self.cv,
            max_params: self.max_params,
            max_flops: self.max_flops,
            search: match &self.search {
                None => None,
                Some(t) => Some(crate::tune::Search::parse(t)?),
            },
        })
    }
}

/// `model.dropout` where only one rate applies.
fn one_rate(v: Option<&toml::Value>) -> Result<f64, KeyError> {
    match rates("model.dropout", v)? {
        Rates::One(p) => Ok(p),
        Rates::Each(_) => Err((
            "model.dropout".into(),
            "this model kind takes one dropout rate".into(),
        )),
    }
}

/// A dropout key: a rate, or a list of rates.
fn rates(key: &str, v: Option<&toml::Value>) -> Result<Rates, KeyError> {
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    match v {
        None => Ok(Rates::default()),
        Some(v) => {
            if let Some(p) = num(v) {
                return Ok(Rates::One(p));
            }
            v.as_array()
                .and_then(|a| a.iter().map(num).collect::<Option<Vec<f64>>>())
                .map(Rates::Each)
                .ok_or_else(|| {
                    (
                        key.to_string(),
                        format!("expected a rate such as 0.2, or one per layer such as [0.2, 0.5]; found {v}"),
                    )
                })
        }
    }
}

fn widths(v: &toml::Value) -> Option<Vec<usize>> {
    v.as_array()?
        .iter()
        .map(|w| w.as_integer().filter(|w| *w >= 0).map(|w| w as usize))
        .collect()
}

fn check_dropout(key: &str, p: f64) -> Result<(), (String, String)> {
    if !(0.0..1.0).contains(&p) {
        return Err((key.into(), format!("expected a rate in [0, 1), found {p}")));
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
    fn width_and_depth_multipliers() {
        let text = GOOD.replace(
            "hidden = [64]",
            "hidden = [64, 32]\nwidth_mult = 2.0\ndepth_mult = 1.5",
        );
        let e = Experiment::parse(&text, Path::new("")).unwrap();
        assert!(
            matches!(e.model, ModelSpec::Mlp { ref hidden, .. } if hidden == &[128, 64, 64]),
            "{:?}",
            e.model
        );
        let text = GOOD.replace("hidden = [64]", "hidden = [64]\nwidth_mult = 0");
        let err = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("model.width_mult"));
        assert_eq!(err.line, Some(11));
    }

    #[test]
    fn schedule_and_optimizer_tables() {
        let text = GOOD.replace("kind = \"sgd\"\nlr = 0.1", "kind = \"rmsprop\"\nlr = 0.01\ncentered = true\n\n[schedule]\nkind = \"cosine\"\nwarmup = 2\n\n[early_stopping]\npatience = 3");
        let e = Experiment::parse(&text, Path::new("")).unwrap();
        assert!(
            matches!(e.optimizer, OptimizerSpec::Rmsprop { centered: true, alpha, .. } if alpha == 0.99)
        );
        assert_eq!(e.schedule.kind(), "cosine");
        assert_eq!(e.schedule.warmup, 2);
        assert_eq!(e.early_stopping.as_ref().unwrap().patience, 3);
        // A knob of another kind is refused at its line.
        let text = GOOD.replace(
            "lr = 0.1",
            "lr = 0.1\n\n[schedule]\nkind = \"step\"\nt_max = 4",
        );
        let err = Experiment::parse(&text, Path::new("")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("schedule.t_max"));
        assert_eq!(err.line, Some(18));
        let text = GOOD.replace("lr = 0.1", "lr = 0.1\namsgrad = true");
        assert_eq!(
            Experiment::parse(&text, Path::new(""))
                .unwrap_err()
                .key
                .as_deref(),
            Some("optimizer.amsgrad")
        );
    }

    #[test]
    fn resolved_round_trips_through_json() {
        let e = Experiment::parse(GOOD, Path::new("")).unwrap();
        let j = serde_json::to_string(&e).unwrap();
        let back: Experiment = serde_json::from_str(&j).unwrap();
        assert_eq!(e, back);
    }

    #[test]
    fn image_zoo_kinds_parse_with_their_knobs() {
        let model = |m: &str| GOOD.replace("kind = \"mlp\"\nhidden = [64]", m);
        let e = Experiment::parse(&model("kind = \"resnet\"\nblocks = 2"), Path::new("")).unwrap();
        assert!(matches!(
            e.model,
            ModelSpec::Resnet { blocks: 2, stem: 16, norm: Norm::Batch, ref channels, .. } if channels == &[16, 32, 64]
        ));
        let e = Experiment::parse(
            &model("kind = \"mobilenet\"\nexpansion = 6\nwidth_mult = 2.0"),
            Path::new(""),
        )
        .unwrap();
        assert!(matches!(
            e.model,
            ModelSpec::Mobilenet { expansion: 6, stem: 32, ref channels, .. } if channels == &[32, 48, 64]
        ));
        let e = Experiment::parse(&model("kind = \"squeezenet\""), Path::new("")).unwrap();
        assert_eq!(e.model.norm(), Norm::None);
        // ShuffleNet widths stay multiples of 4 x groups and keep widening stage by stage.
        let e = Experiment::parse(
            &model("kind = \"shufflenet\"\ngroups = 2\nwidth_mult = 1.5"),
            Path::new(""),
        )
        .unwrap();
        assert!(matches!(
            e.model,
            ModelSpec::Shufflenet { groups: 2, stem: 36, ref channels, .. } if channels == &[72, 144]
        ));
        let e = Experiment::parse(
            &model("kind = \"gru\"\nhidden = 32\nlayers = 2"),
            Path::new(""),
        )
        .unwrap();
        assert_eq!(
            e.model,
            ModelSpec::Gru {
                hidden: 32,
                layers: 2,
                dropout: 0.0
            }
        );
        // A knob of another kind, a bad ShuffleNet width, a zero count: the key and its line.
        let err =
            Experiment::parse(&model("kind = \"resnet\"\ngroups = 2"), Path::new("")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("model.groups"));
        assert_eq!(err.line, Some(10));
        assert!(err.message.contains("resnet"), "{err}");
        let err = Experiment::parse(
            &model("kind = \"shufflenet\"\nchannels = [48, 100]"),
            Path::new(""),
        )
        .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("model.channels"), "{err}");
        assert!(err.message.contains("48 -> 100"), "{err}");
        let err = Experiment::parse(&model("kind = \"mobilenet\"\nblocks = 0"), Path::new(""))
            .unwrap_err();
        assert_eq!(err.key.as_deref(), Some("model.blocks"));
        let err = Experiment::parse(&model("kind = \"mlp\"\nstem = 8"), Path::new("")).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("model.stem"));
    }

    #[test]
    fn resolved_experiments_round_trip_through_their_text() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let mut e = Experiment::parse(&text, &dir).unwrap();
            e.search = None;
            let again = Experiment::parse(&e.to_toml_text(), Path::new(""))
                .unwrap_or_else(|err| panic!("{}: {err}\n{}", p.display(), e.to_toml_text()));
            assert_eq!(e, again, "{}", p.display());
            n += 1;
        }
        assert!(n >= 5);
        // Every model kind, schedule and optimizer of the zoo and of the spec.
        for entry in crate::zoo::catalogue() {
            let mut e = Experiment::parse(GOOD, Path::new("")).unwrap();
            e.model = entry.spec.clone();
            let again = Experiment::parse(&e.to_toml_text(), Path::new("")).unwrap();
            assert_eq!(e, again, "{}", entry.name);
        }
        for (opt, sched) in [
            ("kind = \"adamw\"", "kind = \"one_cycle\"\nmax_lr = 0.01"),
            ("kind = \"lion\"", "kind = \"cosine_restarts\"\nt_0 = 3"),
            (
                "kind = \"rmsprop\"\ncentered = true",
                "kind = \"step\"\nstep_size = 2",
            ),
            ("kind = \"sgd\"\nnesterov = true", "kind = \"plateau\""),
        ] {
            let text = GOOD.replace(
                "kind = \"sgd\"\nlr = 0.1",
                &format!("{opt}\nlr = 0.1\n\n[schedule]\n{sched}"),
            );
            let e = Experiment::parse(&text, Path::new("")).unwrap();
            let again = Experiment::parse(&e.to_toml_text(), Path::new(""))
                .unwrap_or_else(|err| panic!("{opt} {sched}: {err}\n{}", e.to_toml_text()));
            assert_eq!(e, again);
        }
    }
}
