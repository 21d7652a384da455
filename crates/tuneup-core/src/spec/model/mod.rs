//! `[model]`: the architecture and the options every architecture shares (activation, dropout,
//! normalization), each architecture's own knobs in its own file. Adding an architecture here
//! is one file and one line of [`archs!`]; the zoo's counts and the training crate's burn
//! modules have one file each too.

mod cnn;
mod conv1d;
mod gbdt;
mod gru;
mod mlp;
mod mobilenet;
mod resmlp;
mod resnet;
mod shufflenet;
mod squeezenet;
mod tabular;
mod text;

use serde::{Deserialize, Serialize};

pub use cnn::{Cnn, PoolPlacement};
pub use conv1d::Conv1d;
pub use gbdt::Gbdt;
pub use gru::Gru;
pub use mlp::Mlp;
pub use mobilenet::Mobilenet;
pub use resmlp::Resmlp;
pub use resnet::Resnet;
pub use shufflenet::Shufflenet;
pub use squeezenet::Squeezenet;
pub use tabular::{Tabular, embedding_width};
pub use text::{Bigru, Embbag, Fasttext, Textcnn, Transformer};

use super::KeyError;
use super::raw::RawModel;

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

    pub(crate) fn all(&self) -> Vec<f64> {
        match self {
            Rates::One(p) => vec![*p],
            Rates::Each(v) => v.clone(),
        }
    }

    /// Every rate in [0, 1), one per layer where a list is given.
    pub(crate) fn check(&self, key: &str, layers: Option<(usize, &str)>) -> Result<(), KeyError> {
        if let (Rates::Each(v), Some((n, what))) = (self, layers) {
            if v.len() != n {
                return Err((
                    key.into(),
                    format!("expected one rate per {what} ({n}), found {}", v.len()),
                ));
            }
        }
        for p in self.all() {
            if !(0.0..1.0).contains(&p) {
                return Err((key.into(), format!("expected a rate in [0, 1), found {p}")));
            }
        }
        Ok(())
    }
}

/// What every architecture's own knobs do.
pub(crate) trait ArchSpec {
    /// Every width (hidden units, channels) times `factor`, as `model.width_mult` makes it.
    fn widen(&mut self, factor: f64);
    /// The knobs checked together (and with the shared options).
    fn validate(&self, shared: &ModelSpec) -> Result<(), KeyError>;
    /// Whether some layer is wide enough (16 units or more) for "a smaller model" to mean
    /// something.
    fn is_wide(&self) -> bool;
    /// The shared options it takes.
    fn takes_activation(&self) -> bool {
        true
    }
    fn takes_norm(&self) -> bool {
        true
    }
    fn takes_dropout(&self) -> bool {
        true
    }
    /// The normalization when `[model]` does not say.
    fn default_norm(&self) -> Norm {
        Norm::None
    }
    /// Whether `dropout` may be a list (one rate per hidden layer).
    fn per_layer_dropout(&self) -> Option<usize> {
        None
    }
}

/// A width times a factor, at least 1.
pub(crate) fn scaled(v: usize, factor: f64) -> usize {
    ((v as f64 * factor).round() as usize).max(1)
}

/// What the staged image nets (ResNet, MobileNet, SqueezeNet, ShuffleNet) share: a stem's
/// channels, each stage's channels, blocks per stage.
pub(crate) struct Stages {
    pub stem: usize,
    pub channels: Vec<usize>,
    pub blocks: usize,
}

impl Stages {
    /// `stem`, `channels` and `blocks` as `[model]` writes them (else the defaults), widths
    /// times `width`, blocks times `depth`; one dropout rate.
    pub(crate) fn from_raw(
        m: &RawModel,
        default: Stages,
        width: f64,
        depth: f64,
    ) -> Result<Stages, KeyError> {
        super::raw::one_rate(m.dropout.as_ref())?;
        Ok(Stages {
            stem: scaled(RawModel::count("stem", m.stem, default.stem)?, width),
            channels: m.stages(default.channels, width)?,
            blocks: scaled(RawModel::count("blocks", m.blocks, default.blocks)?, depth),
        })
    }

    /// Every stage widened: the stem and each stage's channels times `factor`.
    pub(crate) fn widen(stem: &mut usize, channels: &mut [usize], factor: f64) {
        *stem = scaled(*stem, factor);
        channels.iter_mut().for_each(|c| *c = scaled(*c, factor));
    }

    /// Whether some stage is 16 channels wide or more.
    pub(crate) fn is_wide(channels: &[usize]) -> bool {
        channels.iter().any(|c| *c >= 16)
    }
}

/// The architectures, by their `kind`: each variant's type lives in its own file, with its
/// defaults, its widening, its knobs as the experiment file writes them and their checks.
macro_rules! archs {
    ($($variant:ident($ty:ident) = $name:literal),* $(,)?) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum Arch {
            $($variant($ty),)*
        }

        impl Arch {
            pub const KINDS: &[&str] = &[$($name),*];

            pub fn kind(&self) -> &'static str {
                match self {
                    $(Arch::$variant(_) => $name,)*
                }
            }

            pub(crate) fn spec(&self) -> &dyn ArchSpec {
                match self {
                    $(Arch::$variant(a) => a,)*
                }
            }

            fn spec_mut(&mut self) -> &mut dyn ArchSpec {
                match self {
                    $(Arch::$variant(a) => a,)*
                }
            }

            /// The architecture `raw.kind` names, from its keys (widths times `width`, layers
            /// times `depth`).
            pub(crate) fn from_raw(raw: &RawModel, width: f64, depth: f64) -> Result<Arch, KeyError> {
                match raw.kind.as_str() {
                    $($name => {
                        raw.only($name, $ty::KEYS)?;
                        Ok(Arch::$variant($ty::from_raw(raw, width, depth)?))
                    })*
                    other => Err((
                        "model.kind".into(),
                        format!("unknown model kind `{other}`; expected one of {}", Arch::KINDS.join(", ")),
                    )),
                }
            }
        }
    };
}

archs! {
    Mlp(Mlp) = "mlp",
    Cnn(Cnn) = "cnn",
    Conv1d(Conv1d) = "conv1d",
    Resmlp(Resmlp) = "resmlp",
    Resnet(Resnet) = "resnet",
    Mobilenet(Mobilenet) = "mobilenet",
    Squeezenet(Squeezenet) = "squeezenet",
    Shufflenet(Shufflenet) = "shufflenet",
    Gru(Gru) = "gru",
    Tabular(Tabular) = "tabular",
    Gbdt(Gbdt) = "gbdt",
    Fasttext(Fasttext) = "fasttext",
    Embbag(Embbag) = "embbag",
    Textcnn(Textcnn) = "textcnn",
    Bigru(Bigru) = "bigru",
    Transformer(Transformer) = "transformer",
}

impl Arch {
    /// The kinds that read token ids (`[data.text]`).
    pub const TEXT_KINDS: &[&str] = &["fasttext", "embbag", "textcnn", "bigru", "transformer"];

    /// Whether the model reads a row's token ids.
    pub fn reads_text(&self) -> bool {
        Arch::TEXT_KINDS.contains(&self.kind())
    }
}

/// The model: an architecture and the options they share. As JSON and TOML it is one flat
/// table (`kind`, the architecture's knobs, `activation`, `dropout`, `norm`), the options an
/// architecture does not take left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "Flat", into = "Flat")]
pub struct ModelSpec {
    pub arch: Arch,
    pub activation: Activation,
    /// Dropout: after each hidden layer for the MLP (one rate, or one per hidden layer); before
    /// the output layer for the others (inside each block for the residual MLP).
    pub dropout: Rates,
    pub norm: Norm,
}

#[derive(Serialize, Deserialize)]
struct Flat {
    #[serde(flatten)]
    arch: Arch,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    activation: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dropout: Option<Rates>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    norm: Option<Norm>,
}

impl From<Flat> for ModelSpec {
    fn from(f: Flat) -> ModelSpec {
        let norm = f.norm.unwrap_or_else(|| f.arch.spec().default_norm());
        ModelSpec {
            activation: f.activation.unwrap_or_default(),
            dropout: f.dropout.unwrap_or_default(),
            norm,
            arch: f.arch,
        }
    }
}

impl From<ModelSpec> for Flat {
    fn from(m: ModelSpec) -> Flat {
        let a = m.arch.spec();
        Flat {
            activation: a.takes_activation().then_some(m.activation),
            norm: a.takes_norm().then_some(m.norm),
            dropout: a.takes_dropout().then_some(m.dropout),
            arch: m.arch,
        }
    }
}

impl ModelSpec {
    /// An architecture with the shared options at their defaults.
    pub fn new(arch: Arch) -> ModelSpec {
        let norm = arch.spec().default_norm();
        ModelSpec {
            arch,
            activation: Activation::default(),
            dropout: Rates::default(),
            norm,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.arch.kind()
    }

    /// The same model with every width (hidden units, channels) times `factor`, as
    /// `model.width_mult` would make it.
    pub fn widened(&self, factor: f64) -> ModelSpec {
        let mut m = self.clone();
        m.arch.spec_mut().widen(factor);
        m
    }

    /// The same model with another normalization (the GRU has none).
    pub fn with_norm(&self, n: Norm) -> ModelSpec {
        let mut m = self.clone();
        if m.arch.spec().takes_norm() {
            m.norm = n;
        }
        m
    }

    /// The dropout rate(s) as the experiment file writes them.
    pub fn dropout_value(&self) -> serde_json::Value {
        serde_json::json!(self.dropout)
    }

    /// The largest dropout rate.
    pub fn max_dropout(&self) -> f64 {
        self.dropout.max()
    }

    /// The one dropout rate of architectures that take one (before the output layer).
    pub fn output_dropout(&self) -> f64 {
        self.dropout.max()
    }

    /// The normalization in effect (none for an architecture without one).
    pub fn norm(&self) -> Norm {
        if self.arch.spec().takes_norm() {
            self.norm
        } else {
            Norm::None
        }
    }

    /// Whether "a smaller model" means something for it.
    pub fn is_wide(&self) -> bool {
        self.arch.spec().is_wide()
    }

    pub(crate) fn validate(&self) -> Result<(), KeyError> {
        let a = self.arch.spec();
        let layers = a.per_layer_dropout().map(|n| (n, "hidden layer"));
        self.dropout.check("model.dropout", layers)?;
        a.validate(self)
    }
}
