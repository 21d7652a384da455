//! `kind = "mobilenet"`: a MobileNetV2-style net.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Norm, Stages};
use crate::spec::KeyError;
use crate::spec::raw::RawModel;

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
        let default = Stages {
            stem: d.stem,
            channels: d.channels.clone(),
            blocks: d.blocks,
        };
        let st = Stages::from_raw(m, default, width, depth)?;
        Ok(Mobilenet {
            stem: st.stem,
            channels: st.channels,
            blocks: st.blocks,
            expansion: RawModel::count("expansion", m.expansion, d.expansion)?,
        })
    }
}

impl ArchSpec for Mobilenet {
    fn widen(&mut self, factor: f64) {
        Stages::widen(&mut self.stem, &mut self.channels, factor);
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        Ok(())
    }

    fn is_wide(&self) -> bool {
        Stages::is_wide(&self.channels)
    }

    fn default_norm(&self) -> Norm {
        Norm::Batch
    }
}
