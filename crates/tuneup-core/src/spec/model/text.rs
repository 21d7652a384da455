//! The text models' kinds: each reads a row's token ids (`[data.text]`) through an embedding of
//! `dim` per token, and any other feature of the row (numbers, one-hot levels) beside the
//! pooled text. The shared dropout is before the output layer (and inside the Transformer).

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// fastText (Joulin et al. 2017, "Bag of tricks"): the mean of the embeddings of the words and
/// of their hashed n-grams (`ngrams` = 2: word pairs, in `buckets` hashed rows), then a linear
/// layer. A strong, very fast baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fasttext {
    pub dim: usize,
    pub ngrams: usize,
    pub buckets: usize,
}

impl Default for Fasttext {
    fn default() -> Self {
        Fasttext {
            dim: 64,
            ngrams: 2,
            buckets: 100_000,
        }
    }
}

/// An embedding bag then an MLP: the mean and the maximum of the token embeddings, `hidden`
/// layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Embbag {
    pub dim: usize,
    pub hidden: Vec<usize>,
}

impl Default for Embbag {
    fn default() -> Self {
        Embbag {
            dim: 64,
            hidden: vec![128],
        }
    }
}

/// Kim 2014's CNN for sentences: `width` filters of each of `kernel_sizes` over the token
/// embeddings, ReLU, the maximum over positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Textcnn {
    pub dim: usize,
    pub width: usize,
    pub kernel_sizes: Vec<usize>,
}

impl Default for Textcnn {
    fn default() -> Self {
        Textcnn {
            dim: 64,
            width: 100,
            kernel_sizes: vec![3, 4, 5],
        }
    }
}

/// A bidirectional GRU over the token embeddings (`layers` of `hidden` units each way), the
/// mean of its states over the text's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bigru {
    pub dim: usize,
    pub hidden: usize,
    pub layers: usize,
}

impl Default for Bigru {
    fn default() -> Self {
        Bigru {
            dim: 64,
            hidden: 64,
            layers: 1,
        }
    }
}

/// A small Transformer encoder (Vaswani et al. 2017; burn's layers, pre-norm): token plus
/// learned position embeddings of `dim`, `layers` blocks of `heads` heads and a feed-forward
/// of `hidden`, padding masked, the mean over the text's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Transformer {
    pub dim: usize,
    pub heads: usize,
    pub layers: usize,
    pub hidden: usize,
}

impl Default for Transformer {
    fn default() -> Self {
        Transformer {
            dim: 64,
            heads: 4,
            layers: 2,
            hidden: 128,
        }
    }
}

fn dim(m: &RawModel, default: usize, width: f64) -> Result<usize, KeyError> {
    Ok(scaled(RawModel::count("dim", m.dim, default)?, width))
}

impl Fasttext {
    pub(crate) const KEYS: &[&str] = &["dim", "ngrams", "buckets", "dropout"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, _: f64) -> Result<Fasttext, KeyError> {
        let d = Fasttext::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Fasttext {
            dim: dim(m, d.dim, width)?,
            ngrams: RawModel::count("ngrams", m.ngrams, d.ngrams)?,
            buckets: m.buckets.unwrap_or(d.buckets),
        })
    }
}

impl Embbag {
    pub(crate) const KEYS: &[&str] = &["dim", "hidden", "activation", "dropout"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Embbag, KeyError> {
        let d = Embbag::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Embbag {
            dim: dim(m, d.dim, width)?,
            hidden: m.hidden_list(d.hidden, width, depth)?,
        })
    }
}

impl Textcnn {
    pub(crate) const KEYS: &[&str] = &["dim", "width", "kernel_sizes", "activation", "dropout"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, _: f64) -> Result<Textcnn, KeyError> {
        let d = Textcnn::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Textcnn {
            dim: dim(m, d.dim, width)?,
            width: scaled(RawModel::count("width", m.width, d.width)?, width),
            kernel_sizes: m.kernel_sizes.clone().unwrap_or(d.kernel_sizes),
        })
    }
}

impl Bigru {
    pub(crate) const KEYS: &[&str] = &["dim", "hidden", "layers", "dropout"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Bigru, KeyError> {
        let d = Bigru::default();
        one_rate(m.dropout.as_ref())?;
        let hidden = m.hidden_width(d.hidden, 1, "the GRU's hidden units (a positive integer)")?;
        Ok(Bigru {
            dim: dim(m, d.dim, width)?,
            hidden: scaled(hidden, width),
            layers: scaled(RawModel::count("layers", m.layers, d.layers)?, depth),
        })
    }
}

impl Transformer {
    pub(crate) const KEYS: &[&str] = &["dim", "heads", "layers", "hidden", "dropout"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Transformer, KeyError> {
        let d = Transformer::default();
        one_rate(m.dropout.as_ref())?;
        let hidden = m.hidden_width(d.hidden, 1, "the feed-forward width (a positive integer)")?;
        Ok(Transformer {
            dim: dim(m, d.dim, width)?,
            heads: RawModel::count("heads", m.heads, d.heads)?,
            layers: scaled(RawModel::count("layers", m.layers, d.layers)?, depth),
            hidden: scaled(hidden, width),
        })
    }
}

/// What the text kinds share as [`ArchSpec`]s: no normalization to choose.
macro_rules! text_arch {
    ($ty:ident, $act:expr, |$s:ident, $f:ident| $widen:block, |$v:ident| $check:block) => {
        impl ArchSpec for $ty {
            fn widen(&mut self, $f: f64) {
                let $s = self;
                $widen
            }
            fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
                let $v = self;
                $check
            }
            fn is_wide(&self) -> bool {
                self.dim >= 16
            }
            fn takes_activation(&self) -> bool {
                $act
            }
            fn takes_norm(&self) -> bool {
                false
            }
        }
    };
}

text_arch!(Fasttext, false, |s, f| { s.dim = scaled(s.dim, f) }, |v| {
    if v.ngrams > 3 {
        return Err((
            "model.ngrams".into(),
            format!(
                "expected 1 (words), 2 or 3 (hashed word n-grams), found {}",
                v.ngrams
            ),
        ));
    }
    if v.ngrams > 1 && v.buckets == 0 {
        return Err((
            "model.buckets".into(),
            "expected a positive number of hashed n-gram rows (or ngrams = 1)".into(),
        ));
    }
    Ok(())
});
text_arch!(
    Embbag,
    true,
    |s, f| {
        s.dim = scaled(s.dim, f);
        s.hidden.iter_mut().for_each(|h| *h = scaled(*h, f));
    },
    |_v| { Ok(()) }
);
text_arch!(
    Textcnn,
    true,
    |s, f| {
        s.dim = scaled(s.dim, f);
        s.width = scaled(s.width, f);
    },
    |v| {
        if v.kernel_sizes.is_empty() || v.kernel_sizes.contains(&0) {
            return Err((
                "model.kernel_sizes".into(),
                format!(
                    "expected one or more positive filter sizes such as [3, 4, 5], found {:?}",
                    v.kernel_sizes
                ),
            ));
        }
        Ok(())
    }
);
text_arch!(
    Bigru,
    false,
    |s, f| {
        s.dim = scaled(s.dim, f);
        s.hidden = scaled(s.hidden, f);
    },
    |_v| { Ok(()) }
);
text_arch!(
    Transformer,
    false,
    |s, f| {
        // Widths stay multiples of the heads.
        s.dim = (scaled(s.dim, f)).div_ceil(s.heads) * s.heads;
        s.hidden = scaled(s.hidden, f);
    },
    |v| {
        if v.dim % v.heads != 0 {
            return Err((
                "model.heads".into(),
                format!("dim = {} must be a multiple of heads = {}", v.dim, v.heads),
            ));
        }
        Ok(())
    }
);
