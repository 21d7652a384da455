//! Knowledge distillation's teachers (Hinton et al. 2015): the loss becomes
//! `alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE`, with the
//! teachers' softened probabilities averaged over teachers.

use std::path::PathBuf;

use tuneup_core::augment::Batch;
use tuneup_core::data::{DataInfo, Normalizer, Part, Y};
use tuneup_core::scores;
use tuneup_core::spec::ModelSpec;

use crate::eval;
use crate::model::Net;

/// Teacher models, each with the data description it reads inputs by, and how their softened
/// predictions weigh in the student's loss.
pub struct Teachers {
    models: Vec<(Net, DataInfo)>,
    pub temperature: f64,
    pub alpha: f64,
}

impl Teachers {
    /// Loads each teacher's checkpoint (its model spec, data description, checkpoint path).
    pub fn load(
        models: &[(ModelSpec, DataInfo, PathBuf)],
        temperature: f64,
        alpha: f64,
    ) -> Result<Teachers, String> {
        let models = models
            .iter()
            .map(|(spec, info, path)| {
                crate::checkpoint::load(spec, info, path).map(|net| (net, info.clone()))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Teachers {
            models,
            temperature,
            alpha,
        })
    }

    /// How many teacher models.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The teachers' averaged softened probabilities for samples `x` given in the student's
    /// normalisation (`student`), `rows x classes`.
    pub(crate) fn soft_targets(&self, x: &[f32], student: &DataInfo) -> Vec<f32> {
        let len: usize = student.sample_shape.iter().product();
        let rows = x.len() / len.max(1);
        let k = student.outputs();
        let mut acc = vec![0f64; rows * k];
        let expand = |n: &Normalizer, j: usize| {
            let g = j / n.block.max(1);
            (n.mean[g], n.std[g])
        };
        for (net, info) in &self.models {
            // Back to raw units with the student's statistics, into the teacher's.
            let mut xt = Vec::with_capacity(x.len());
            for (i, v) in x.iter().enumerate() {
                let j = i % len;
                let (ms, ss) = expand(&student.normalizer, j);
                let (mt, st) = expand(&info.normalizer, j);
                xt.push((v * ss + ms - mt) / st);
            }
            let part = Part {
                x: xt,
                y: Y::None,
                ids: vec![String::new(); rows],
            };
            let out = eval::outputs(net, &part, len, None);
            let scaled: Vec<f32> = out
                .values
                .iter()
                .map(|z| (*z as f64 / self.temperature) as f32)
                .collect();
            for (a, p) in acc.iter_mut().zip(scores::softmax_rows_f64(&scaled, k)) {
                *a += p / self.models.len() as f64;
            }
        }
        acc.into_iter().map(|p| p as f32).collect()
    }
}

/// The teachers' softened targets for a batch: from the cache (every training sample, when not
/// augmenting), or computed on the batch as augmented.
pub(super) struct Targets<'a> {
    pub(super) teachers: Option<&'a Teachers>,
    pub(super) cached: Option<&'a [f32]>,
    pub(super) info: &'a DataInfo,
}

impl Targets<'_> {
    pub(super) fn of(&self, b: &Batch) -> Option<(Vec<f32>, f64, f64)> {
        let t = self.teachers?;
        let k = self.info.outputs();
        let probs = match self.cached {
            Some(all) => b
                .idx
                .iter()
                .flat_map(|&i| all[i * k..(i + 1) * k].iter().copied())
                .collect(),
            None => t.soft_targets(&b.x, self.info),
        };
        Some((probs, t.temperature, t.alpha))
    }
}
