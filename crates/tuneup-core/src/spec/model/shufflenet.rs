//! `kind = "shufflenet"`: a ShuffleNet-style net.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Norm, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate};

/// A ShuffleNet-style net (Zhang et al. 2018, v1 units): a 3x3 stem, then stages of units
/// (grouped 1x1 conv to a quarter of the channels, channel shuffle, 3x3 depthwise conv, grouped
/// 1x1 conv); each stage starts with a stride-2 unit whose output is concatenated with an
/// average-pooled shortcut, the others add the input. Global average pooling, the output layer.
/// Batch norm by default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Shufflenet {
    pub stem: usize,
    pub channels: Vec<usize>,
    pub blocks: usize,
    /// Groups of the 1x1 convs.
    pub groups: usize,
}

impl Default for Shufflenet {
    fn default() -> Self {
        Shufflenet {
            stem: 24,
            channels: vec![48, 96],
            blocks: 2,
            groups: 3,
        }
    }
}

impl Shufflenet {
    pub(crate) const KEYS: &[&str] = &[
        "stem",
        "channels",
        "blocks",
        "activation",
        "dropout",
        "norm",
        "groups",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Shufflenet, KeyError> {
        let d = Shufflenet::default();
        one_rate(m.dropout.as_ref())?;
        let mut s = Shufflenet {
            stem: RawModel::count("stem", m.stem, d.stem)?,
            channels: m.stages(d.channels, 1.0)?,
            blocks: scaled(RawModel::count("blocks", m.blocks, d.blocks)?, depth),
            groups: RawModel::count("groups", m.groups, d.groups)?,
        };
        if width != 1.0 {
            s.widen(width);
        }
        Ok(s)
    }
}

impl ArchSpec for Shufflenet {
    fn widen(&mut self, factor: f64) {
        // Channel counts stay multiples of the groups (and the quarter-width bottleneck too):
        // round to multiples of 4 x groups.
        let g = self.groups.max(1);
        self.stem = scaled(self.stem, factor).div_ceil(g) * g;
        let mut prev = self.stem;
        for c in self.channels.iter_mut() {
            *c = scaled(*c, factor).div_ceil(4 * g).max(prev / (4 * g) + 1) * 4 * g;
            prev = *c;
        }
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        let (stem, groups) = (self.stem, self.groups);
        if stem % groups != 0 {
            return Err((
                "model.stem".into(),
                format!(
                    "the ShuffleNet's stem must be a multiple of groups = {groups}, found {stem}"
                ),
            ));
        }
        let mut prev = stem;
        for &c in &self.channels {
            if c <= prev || c % (4 * groups) != 0 || (c - prev) % groups != 0 {
                let first = (stem + 1).div_ceil(4 * groups) * 4 * groups;
                return Err((
                    "model.channels".into(),
                    format!(
                        "each ShuffleNet stage must widen its input (stem {stem}, then each stage) by a multiple of groups = {groups}, to a multiple of 4 x groups = {}; {prev} -> {c} does not (e.g. channels = [{first}, {}] with stem = {stem})",
                        4 * groups,
                        first * 2
                    ),
                ));
            }
            prev = c;
        }
        Ok(())
    }

    fn is_wide(&self) -> bool {
        super::Stages::is_wide(&self.channels)
    }

    fn default_norm(&self) -> Norm {
        Norm::Batch
    }
}
