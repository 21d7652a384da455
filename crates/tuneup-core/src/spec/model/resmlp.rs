//! `kind = "resmlp"`: a residual MLP.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// An input layer to `width`, `blocks` residual blocks `x + W2 act(W1 norm(x))`, the output
/// layer. The shared dropout is inside each block, after the activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resmlp {
    pub width: usize,
    pub blocks: usize,
}

impl Default for Resmlp {
    fn default() -> Self {
        Resmlp {
            width: 256,
            blocks: 2,
        }
    }
}

impl Resmlp {
    pub(crate) const KEYS: &[&str] = &["width", "blocks", "activation", "dropout", "norm"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Resmlp, KeyError> {
        let d = Resmlp::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Resmlp {
            width: scaled(m.width.unwrap_or(d.width), width),
            blocks: (m.blocks.unwrap_or(d.blocks) as f64 * depth).round() as usize,
        })
    }
}

impl ArchSpec for Resmlp {
    fn widen(&mut self, factor: f64) {
        self.width = scaled(self.width, factor);
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        if self.width == 0 {
            return Err(("model.width".into(), "expected a positive width".into()));
        }
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.width >= 16
    }
}
