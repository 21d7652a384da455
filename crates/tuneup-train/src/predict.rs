//! A recorded model, loaded to predict: the only way a trained network leaves this crate, as an
//! opaque handle whose outputs are plain `Vec<f32>`.

use std::path::Path;

use tuneup_core::data::{DataInfo, Part};
use tuneup_core::gbdt::Booster;
use tuneup_core::spec::{Arch, ModelSpec};

use crate::eval::{self, Outputs};
use crate::model::Net;

/// A trained model with what it needs to read data.
pub struct TrainedModel {
    model: Loaded,
    sample_len: usize,
    outputs: usize,
}

enum Loaded {
    Net(Net),
    Trees(Booster),
}

impl TrainedModel {
    /// Rebuilds the model a run trained (its spec, the data description it trained on) and
    /// loads its weights (or trees) from `checkpoint`.
    pub fn load(spec: &ModelSpec, info: &DataInfo, checkpoint: &Path) -> Result<Self, String> {
        let sample_len = info.sample_shape.iter().product();
        let model = if let Arch::Gbdt(_) = spec.arch {
            let b = crate::gbdt::load(checkpoint)?;
            if b.features != sample_len {
                return Err(format!(
                    "{} holds trees over {} features, but the run's data has {sample_len}",
                    checkpoint.display(),
                    b.features
                ));
            }
            Loaded::Trees(b)
        } else {
            Loaded::Net(crate::checkpoint::load(spec, info, checkpoint)?)
        };
        Ok(TrainedModel {
            model,
            sample_len,
            outputs: info.outputs(),
        })
    }

    /// Raw outputs (logits, or standardised values) for every sample of `part`, in evaluation
    /// mode.
    pub fn outputs(&self, part: &Part) -> Outputs {
        match &self.model {
            Loaded::Net(net) => eval::outputs(net, part, self.sample_len, None),
            Loaded::Trees(b) => Outputs {
                values: b.outputs(&part.x),
                width: self.outputs,
            },
        }
    }

    /// Boosted trees' split gain per feature (summed over the trees kept); `None` for a network.
    pub fn importance(&self) -> Option<Vec<f64>> {
        match &self.model {
            Loaded::Trees(b) => Some(b.importance()),
            Loaded::Net(_) => None,
        }
    }
}
