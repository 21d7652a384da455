//! fastai's "top losses" for a classifier: the validation samples the model gets wrong most
//! confidently, with what it read (a text model's tokens), which is where a user finds label
//! noise, a misleading feature, or what the model does not understand yet.

use anyhow::anyhow;
use serde::Serialize;
use tuneup_core::data::{self, Y};
use tuneup_core::spec::Task;
use tuneup_store::Storage;

/// Tokens of a text shown per sample.
const SHOWN: usize = 30;

/// One confidently wrong validation sample.
#[derive(Debug, Clone, Serialize)]
pub struct TopLoss {
    pub id: String,
    pub truth: String,
    pub predicted: String,
    /// The predicted class's probability.
    pub confidence: f64,
    /// Its loss: -ln p(truth).
    pub loss: f64,
    /// The first tokens the model read (text models).
    pub text: Option<String>,
}

/// The `k` validation samples of run `id` wrongly classified with the highest confidence. The
/// validation split is prepared again from the run's experiment (the same seed gives the same
/// rows); only a single-model classification run has one.
pub fn top_losses(store: &dyn Storage, id: i64, k: usize) -> anyhow::Result<Vec<TopLoss>> {
    let p = crate::predictor::predictor(store, id)?;
    if p.info.task != Task::Classification {
        return Err(anyhow!(
            "top losses are for classifiers; run {id} is a regression"
        ));
    }
    let [member] = &p.members[..] else {
        return Err(anyhow!(
            "run {id} is an ensemble: its members have their own validation rows"
        ));
    };
    let [model] = &member.models[..] else {
        return Err(anyhow!(
            "run {id} averages fold models, each with its own validation rows"
        ));
    };
    let prepared = data::prepare_with(&model.exp, false)?;
    let val = &prepared.val;
    let out = model.outputs(val)?;
    let Y::Classes(truth) = &val.y else {
        return Err(anyhow!("run {id}'s validation rows have no labels"));
    };
    let classes = &model.info.classes;
    let c = classes.len();
    let width: usize = model.info.sample_shape.iter().product();
    let text = model.info.text();
    let mut wrong: Vec<TopLoss> = Vec::new();
    for (i, &t) in truth.iter().enumerate() {
        // Log-probabilities (a softmax of the outputs: boosted trees give logits).
        let raw = &out[i * c..(i + 1) * c];
        let max = raw.iter().copied().fold(f32::MIN, f32::max);
        let lse = max + raw.iter().map(|v| (v - max).exp()).sum::<f32>().ln();
        let row: Vec<f32> = raw.iter().map(|v| v - lse).collect();
        let pred = (0..c)
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap_or(0);
        if pred == t as usize {
            continue;
        }
        wrong.push(TopLoss {
            id: val.ids[i].clone(),
            truth: classes[t as usize].clone(),
            predicted: classes[pred].clone(),
            confidence: f64::from(row[pred]).exp(),
            loss: -f64::from(row[t as usize]),
            text: text.map(|tf| {
                let len = tf.spec.max_len;
                let ids: Vec<u32> = val.x[i * width + width - len..(i + 1) * width]
                    .iter()
                    .take(SHOWN)
                    .map(|v| *v as u32)
                    .collect();
                tf.decode(&ids)
            }),
        });
    }
    wrong.sort_by(|a, b| b.loss.total_cmp(&a.loss));
    wrong.truncate(k);
    Ok(wrong)
}
