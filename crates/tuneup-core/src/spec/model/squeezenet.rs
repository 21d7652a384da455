//! `kind = "squeezenet"`: a SqueezeNet-style net.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// A SqueezeNet-style net (Iandola et al. 2016): a 3x3 stem and 2x2 max-pooling, then stages
/// of fire modules (a 1x1 squeeze to 1/8 of the channels, then 1x1 and 3x3 expand convs side by
/// side) with max-pooling between stages, global average pooling, the output layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Squeezenet {
    pub stem: usize,
    /// Output channels of each stage's fire modules (half 1x1, half 3x3).
    pub channels: Vec<usize>,
    pub blocks: usize,
}

impl Default for Squeezenet {
    fn default() -> Self {
        Squeezenet {
            stem: 32,
            channels: vec![64, 128],
            blocks: 2,
        }
    }
}

impl Squeezenet {
    pub(crate) const KEYS: &[&str] = &["stem", "channels", "blocks", "activation", "dropout", "norm"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Squeezenet, KeyError> {
        let d = Squeezenet::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Squeezenet {
            stem: scaled(RawModel::count("stem", m.stem, d.stem)?, width),
            channels: m.stages(d.channels, width)?,
            blocks: scaled(RawModel::count("blocks", m.blocks, d.blocks)?, depth),
        })
    }
}

impl ArchSpec for Squeezenet {
    fn widen(&mut self, factor: f64) {
        self.stem = scaled(self.stem, factor);
        self.channels.iter_mut().for_each(|c| *c = scaled(*c, factor));
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.channels.iter().any(|c| *c >= 16)
    }
}
