//! `kind = "mlp"`: a multi-layer perceptron.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::RawModel;

/// Linear layers of the given widths, then the output layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mlp {
    pub hidden: Vec<usize>,
}

impl Default for Mlp {
    fn default() -> Self {
        Mlp {
            hidden: vec![256, 128],
        }
    }
}

impl Mlp {
    pub(crate) const KEYS: &[&str] = &["hidden", "activation", "dropout", "norm"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Mlp, KeyError> {
        Ok(Mlp {
            hidden: m.hidden_list(Mlp::default().hidden, width, depth)?,
        })
    }
}

impl ArchSpec for Mlp {
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
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.hidden.iter().any(|w| *w >= 16)
    }

    fn per_layer_dropout(&self) -> Option<usize> {
        Some(self.hidden.len())
    }
}
