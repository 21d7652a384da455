//! `kind = "resnet"`: a small ResNet for small images.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Norm, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// A small ResNet (He et al. 2016): a 3x3 stem conv, then stages of basic blocks (two 3x3
/// convs and a shortcut; a stage after the first halves the size with stride 2 and a 1x1
/// projection shortcut), global average pooling, the output layer. Batch norm by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resnet {
    pub stem: usize,
    /// Output channels of each stage.
    pub channels: Vec<usize>,
    /// Basic blocks per stage.
    pub blocks: usize,
}

impl Default for Resnet {
    fn default() -> Self {
        Resnet {
            stem: 16,
            channels: vec![16, 32, 64],
            blocks: 1,
        }
    }
}

impl Resnet {
    pub(crate) const KEYS: &[&str] = &["stem", "channels", "blocks", "activation", "dropout", "norm"];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Resnet, KeyError> {
        let d = Resnet::default();
        one_rate(m.dropout.as_ref())?;
        Ok(Resnet {
            stem: scaled(RawModel::count("stem", m.stem, d.stem)?, width),
            channels: m.stages(d.channels, width)?,
            blocks: scaled(RawModel::count("blocks", m.blocks, d.blocks)?, depth),
        })
    }
}

impl ArchSpec for Resnet {
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
