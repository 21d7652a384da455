//! `kind = "mobilenet"`: a MobileNetV2-style net.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Norm, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// A MobileNetV2-style net (Sandler et al. 2018): a 3x3 stem, then stages of inverted residual
/// blocks (1x1 expansion by `expansion`, 3x3 depthwise conv, linear 1x1 projection; residual
/// when the shape is kept), global average pooling, the output layer. Batch norm by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mobilenet {
    pub stem: usize,
    pub channels: Vec<usize>,
    pub blocks: usize,
    pub expansion: usize,
}

impl Default for Mobilenet {
    fn default() -> Self {
        Mobilenet {
            stem: 16,
            channels: vec![16, 24, 32],
            blocks: 2,
            expansion: 4,
        }
    }
}

impl Mobilenet {
    pub(crate) const KEYS: &[&str] = &[
        "stem",
        "channels",
        "blocks",
        "activation",
        "dropout",
        "norm",
        "expansion",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Mobilenet, KeyError> {
        let d = Mobilenet::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Mobilenet {
            stem: scaled(RawModel::count("stem", m.stem, d.stem)?, width),
            channels: m.stages(d.channels, width)?,
            blocks: scaled(RawModel::count("blocks", m.blocks, d.blocks)?, depth),
            expansion: RawModel::count("expansion", m.expansion, d.expansion)?,
        })
    }
}

impl ArchSpec for Mobilenet {
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

    fn default_norm(&self) -> Norm {
        Norm::Batch
    }
}
