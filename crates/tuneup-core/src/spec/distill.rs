//! `[distill]`: the experiment's model trained as the student of recorded runs (knowledge
//! distillation, Hinton et al. 2015): alpha T² KL(teacher || student) + (1 − alpha) CE. Written
//! into the experiment so that a distilled run's configuration says what it was trained from
//! (`tuneup distill --teacher` and the improve loop's distillation set it; `tuneup train` of an
//! experiment with it distils).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistillSpec {
    /// Recorded runs (a CV run brings its fold models); several are averaged.
    pub teachers: Vec<i64>,
    /// The weight of the teachers' soft targets.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// The temperature that softens both distributions.
    #[serde(default = "default_temperature")]
    pub temperature: f64,
}

pub fn default_alpha() -> f64 {
    0.5
}

pub fn default_temperature() -> f64 {
    4.0
}

impl DistillSpec {
    /// Every value in its range, or the key (`distill.alpha` ...) and what was expected.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.teachers.is_empty() {
            return Err((
                "distill.teachers".into(),
                "expected at least one teacher run id".into(),
            ));
        }
        if let Some(t) = self.teachers.iter().find(|t| **t < 1) {
            return Err((
                "distill.teachers".into(),
                format!("expected run ids (1 or more), found {t}"),
            ));
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err((
                "distill.alpha".into(),
                format!("expected a weight in [0, 1], found {}", self.alpha),
            ));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err((
                "distill.temperature".into(),
                format!("expected a positive value, found {}", self.temperature),
            ));
        }
        Ok(())
    }
}
