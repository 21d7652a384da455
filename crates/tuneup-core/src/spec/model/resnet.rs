//! `kind = "resnet"`: a small ResNet for small images.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Norm, Stages};
use crate::spec::KeyError;
use crate::spec::raw::RawModel;

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
    pub(crate) const KEYS: &[&str] = &[
        "stem",
        "channels",
        "blocks",
        "activation",
        "dropout",
        "norm",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Resnet, KeyError> {
        let d = Resnet::default();
        let default = Stages {
            stem: d.stem,
            channels: d.channels.clone(),
            blocks: d.blocks,
        };
        let st = Stages::from_raw(m, default, width, depth)?;
        Ok(Resnet {
            stem: st.stem,
            channels: st.channels,
            blocks: st.blocks,
        })
    }
}

impl ArchSpec for Resnet {
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
