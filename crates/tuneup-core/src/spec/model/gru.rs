//! `kind = "gru"`: a GRU over a signal's steps.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// `layers` stacked GRUs of `hidden` units over a signal's steps (the channels are each step's
/// features), the last step's state, the output layer. No activation or normalization to
/// choose; the shared dropout is before the output layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Gru {
    pub hidden: usize,
    pub layers: usize,
}

impl Default for Gru {
    fn default() -> Self {
        Gru {
            hidden: 64,
            layers: 1,
        }
    }
}

impl Gru {
    pub(crate) const KEYS: &[&str] = &["hidden", "layers", "dropout"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Gru, KeyError> {
        let d = Gru::default();
        let hidden = m.hidden_width(d.hidden, 1, "the GRU's hidden units (a positive integer)")?;
        one_rate(m.dropout.as_ref())?;
        Ok(Gru {
            hidden: scaled(hidden, width),
            layers: scaled(RawModel::count("layers", m.layers, d.layers)?, depth),
        })
    }
}

impl ArchSpec for Gru {
    fn widen(&mut self, factor: f64) {
        self.hidden = scaled(self.hidden, factor);
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.hidden >= 16
    }

    fn takes_activation(&self) -> bool {
        false
    }

    fn takes_norm(&self) -> bool {
        false
    }
}
