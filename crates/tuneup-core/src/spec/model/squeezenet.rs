//! `kind = "squeezenet"`: a SqueezeNet-style net.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Stages};
use crate::spec::KeyError;
use crate::spec::raw::RawModel;

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
    pub(crate) const KEYS: &[&str] = &[
        "stem",
        "channels",
        "blocks",
        "activation",
        "dropout",
        "norm",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Squeezenet, KeyError> {
        let d = Squeezenet::default();
        let default = Stages {
            stem: d.stem,
            channels: d.channels.clone(),
            blocks: d.blocks,
        };
        let st = Stages::from_raw(m, default, width, depth)?;
        Ok(Squeezenet {
            stem: st.stem,
            channels: st.channels,
            blocks: st.blocks,
        })
    }
}

impl ArchSpec for Squeezenet {
    fn widen(&mut self, factor: f64) {
        Stages::widen(&mut self.stem, &mut self.channels, factor);
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        Ok(())
    }

    fn is_wide(&self) -> bool {
        Stages::is_wide(&self.channels)
    }
}
