//! `kind = "tabular"`: fastai's tabular model.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Norm, scaled};
use crate::spec::KeyError;
use crate::spec::raw::RawModel;

/// A learned embedding per categorical column with many levels (columns with few are one-hot
/// among the numbers), embedding dropout, the numbers batch-normed, then linear layers of the
/// given widths with batch norm and dropout, then the output layer (Howard & Gugger, fastai's
/// `TabularModel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tabular {
    pub hidden: Vec<usize>,
    /// Dropout on the concatenated embeddings.
    pub emb_dropout: f64,
    /// Multiplies every embedding's width (fastai's rule: `min(600, round(1.6 * levels^0.56))`).
    pub emb_width: f64,
}

impl Default for Tabular {
    fn default() -> Self {
        Tabular {
            hidden: vec![200, 100],
            emb_dropout: 0.0,
            emb_width: 1.0,
        }
    }
}

/// The width of the embedding of a column with `levels` codes: fastai's rule times `mult`.
pub fn embedding_width(levels: usize, mult: f64) -> usize {
    let rule = (1.6 * (levels as f64).powf(0.56)).round();
    ((rule * mult).round() as usize).clamp(1, 600)
}

impl Tabular {
    pub(crate) const KEYS: &[&str] = &[
        "hidden",
        "activation",
        "dropout",
        "norm",
        "emb_dropout",
        "emb_width",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Tabular, KeyError> {
        let d = Tabular::default();
        let hidden = m.hidden_list(d.hidden, width, depth)?;
        Ok(Tabular {
            hidden,
            emb_dropout: m.emb_dropout.unwrap_or(d.emb_dropout),
            emb_width: m.emb_width.unwrap_or(d.emb_width),
        })
    }
}

impl ArchSpec for Tabular {
    fn widen(&mut self, factor: f64) {
        self.hidden.iter_mut().for_each(|h| *h = scaled(*h, factor));
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        if self.hidden.contains(&0) {
            return Err((
                "model.hidden".into(),
                "layer widths must be positive".into(),
            ));
        }
        if !(0.0..1.0).contains(&self.emb_dropout) {
            return Err((
                "model.emb_dropout".into(),
                format!("expected a rate in [0, 1), found {}", self.emb_dropout),
            ));
        }
        if !(self.emb_width > 0.0 && self.emb_width <= 8.0) {
            return Err((
                "model.emb_width".into(),
                format!("expected a multiplier in (0, 8], found {}", self.emb_width),
            ));
        }
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.hidden.iter().any(|w| *w >= 16)
    }

    fn default_norm(&self) -> Norm {
        Norm::Batch
    }

    fn per_layer_dropout(&self) -> Option<usize> {
        Some(self.hidden.len())
    }
}
