//! `[model]` as written: a `kind` and every knob of every architecture, each checked against
//! the kind, so that a knob of another kind is reported at its own line.

use serde::Deserialize;

use crate::spec::KeyError;
use crate::spec::model::{Activation, Arch, ModelSpec, Norm, PoolPlacement, Rates};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawModel {
    pub kind: String,
    pub hidden: Option<toml::Value>,
    pub activation: Option<Activation>,
    pub dropout: Option<toml::Value>,
    pub conv_dropout: Option<toml::Value>,
    pub norm: Option<Norm>,
    pub channels: Option<Vec<usize>>,
    pub kernel_size: Option<usize>,
    pub same_padding: Option<bool>,
    pub pool: Option<PoolPlacement>,
    pub stride: Option<usize>,
    pub padding: Option<usize>,
    pub width: Option<usize>,
    pub blocks: Option<usize>,
    pub stem: Option<usize>,
    pub expansion: Option<usize>,
    pub groups: Option<usize>,
    pub layers: Option<usize>,
    pub emb_dropout: Option<f64>,
    pub emb_width: Option<f64>,
    // The boosted trees' knobs.
    pub rounds: Option<usize>,
    pub learning_rate: Option<f64>,
    pub max_leaves: Option<usize>,
    pub max_depth: Option<usize>,
    pub min_leaf: Option<usize>,
    pub l2: Option<f64>,
    pub subsample: Option<f64>,
    pub colsample: Option<f64>,
    pub max_bins: Option<usize>,
    pub early_stopping_rounds: Option<usize>,
    // The text models' knobs.
    pub dim: Option<usize>,
    pub ngrams: Option<usize>,
    pub buckets: Option<usize>,
    pub kernel_sizes: Option<Vec<usize>>,
    pub heads: Option<usize>,
    /// Multiplies every width (hidden units, channels): "a bigger model" in one key.
    pub width_mult: Option<f64>,
    /// Multiplies the number of hidden layers / conv blocks (the last one repeated).
    pub depth_mult: Option<f64>,
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
            ("emb_dropout", self.emb_dropout.is_some()),
            ("emb_width", self.emb_width.is_some()),
            ("rounds", self.rounds.is_some()),
            ("learning_rate", self.learning_rate.is_some()),
            ("max_leaves", self.max_leaves.is_some()),
            ("max_depth", self.max_depth.is_some()),
            ("min_leaf", self.min_leaf.is_some()),
            ("l2", self.l2.is_some()),
            ("subsample", self.subsample.is_some()),
            ("colsample", self.colsample.is_some()),
            ("max_bins", self.max_bins.is_some()),
            (
                "early_stopping_rounds",
                self.early_stopping_rounds.is_some(),
            ),
            ("dim", self.dim.is_some()),
            ("ngrams", self.ngrams.is_some()),
            ("buckets", self.buckets.is_some()),
            ("kernel_sizes", self.kernel_sizes.is_some()),
            ("heads", self.heads.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }

    /// Refuses any key set here that `kind` does not take.
    pub fn only(&self, kind: &str, allowed: &[&str]) -> Result<(), KeyError> {
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
    pub fn count(key: &str, v: Option<usize>, default: usize) -> Result<usize, KeyError> {
        match v {
            Some(0) => Err((
                format!("model.{key}"),
                "expected a positive integer, found 0".into(),
            )),
            Some(n) => Ok(n),
            None => Ok(default),
        }
    }

    /// `hidden` as one width: an integer of at least `min`, or the default; `what` says what it
    /// is in the error.
    pub fn hidden_width(&self, default: usize, min: i64, what: &str) -> Result<usize, KeyError> {
        match &self.hidden {
            None => Ok(default),
            Some(v) => v
                .as_integer()
                .filter(|w| *w >= min)
                .map(|w| w as usize)
                .ok_or_else(|| {
                    (
                        "model.hidden".to_string(),
                        format!("expected {what}, found {v}"),
                    )
                }),
        }
    }

    /// `channels` (one per stage) or the default, none of them 0, times the width multiplier.
    /// `hidden` as a list of layer widths (else `default`), widths times `width`, layers times
    /// `depth`.
    pub fn hidden_list(
        &self,
        default: Vec<usize>,
        width: f64,
        depth: f64,
    ) -> Result<Vec<usize>, KeyError> {
        let hidden = match &self.hidden {
            None => default,
            Some(v) => widths(v).ok_or_else(|| {
                (
                    "model.hidden".to_string(),
                    format!("expected a list of layer widths such as [256, 128], found {v}"),
                )
            })?,
        };
        Ok(scale_widths(&hidden, width, depth))
    }

    pub fn stages(&self, default: Vec<usize>, width: f64) -> Result<Vec<usize>, KeyError> {
        let c = self.channels.clone().unwrap_or(default);
        if c.is_empty() || c.contains(&0) {
            return Err((
                "model.channels".into(),
                format!("expected one positive channel count per stage, found {c:?}"),
            ));
        }
        Ok(scale_widths(&c, width, 1.0))
    }

    pub fn into_spec(self) -> Result<ModelSpec, KeyError> {
        let width = self.width_mult.unwrap_or(1.0);
        let depth = self.depth_mult.unwrap_or(1.0);
        for (k, v) in [("model.width_mult", width), ("model.depth_mult", depth)] {
            if !(v.is_finite() && v > 0.0) {
                return Err((
                    k.to_string(),
                    format!("expected a positive multiplier, found {v}"),
                ));
            }
        }
        let arch = Arch::from_raw(&self, width, depth)?;
        let norm = self.norm.unwrap_or_else(|| arch.spec().default_norm());
        Ok(ModelSpec {
            activation: self.activation.unwrap_or_default(),
            dropout: rates("model.dropout", self.dropout.as_ref())?,
            norm,
            arch,
        })
    }
}

/// `widths` scaled: `depth` × as many layers (the last repeated), each `width` × as wide.
pub(crate) fn scale_widths(widths: &[usize], width: f64, depth: f64) -> Vec<usize> {
    if widths.is_empty() {
        return Vec::new();
    }
    let n = ((widths.len() as f64 * depth).round() as usize).max(1);
    (0..n)
        .map(|i| ((widths[i.min(widths.len() - 1)] as f64 * width).round() as usize).max(1))
        .collect()
}

/// `model.dropout` where only one rate applies.
pub(crate) fn one_rate(v: Option<&toml::Value>) -> Result<f64, KeyError> {
    match rates("model.dropout", v)? {
        Rates::One(p) => Ok(p),
        Rates::Each(_) => Err((
            "model.dropout".into(),
            "this model kind takes one dropout rate".into(),
        )),
    }
}

/// A dropout key: a rate, or a list of rates.
pub(crate) fn rates(key: &str, v: Option<&toml::Value>) -> Result<Rates, KeyError> {
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

/// A list of layer widths.
pub(crate) fn widths(v: &toml::Value) -> Option<Vec<usize>> {
    v.as_array()?
        .iter()
        .map(|w| w.as_integer().filter(|w| *w >= 0).map(|w| w as usize))
        .collect()
}
