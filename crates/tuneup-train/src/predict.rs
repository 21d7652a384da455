//! A recorded model, loaded to predict: the only way a trained network leaves this crate, as an
//! opaque handle whose outputs are plain `Vec<f32>`.

use std::path::Path;

use tuneup_core::data::{DataInfo, Part};
use tuneup_core::spec::ModelSpec;

use crate::eval::{self, Outputs};
use crate::model::Net;

/// A trained model with what it needs to read data.
pub struct TrainedModel {
    net: Net,
    sample_len: usize,
}

impl TrainedModel {
    /// Rebuilds the model a run trained (its spec, the data description it trained on) and
    /// loads its weights from `checkpoint`.
    pub fn load(spec: &ModelSpec, info: &DataInfo, checkpoint: &Path) -> Result<Self, String> {
        Ok(TrainedModel {
            net: crate::checkpoint::load(spec, info, checkpoint)?,
            sample_len: info.sample_shape.iter().product(),
        })
    }

    /// Raw outputs (logits, or standardised values) for every sample of `part`, in evaluation
    /// mode.
    pub fn outputs(&self, part: &Part) -> Outputs {
        eval::outputs(&self.net, part, self.sample_len, None)
    }
}
