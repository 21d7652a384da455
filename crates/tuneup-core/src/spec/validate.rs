//! Validation of a parsed experiment, once: every key's range and the keys that must agree with
//! each other, each error naming its key (the parse step adds the line).

use super::{DataFormat, Experiment, KeyError, Task};
use crate::metrics::Metric;
use crate::schedule::Shape;

impl Experiment {
    pub(super) fn validate(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        self.check_metric()?;
        self.data.validate()?;
        self.model.validate()?;
        for (k, v) in [
            ("max_params", self.max_params.map(|v| v as u64)),
            ("max_flops", self.max_flops),
        ] {
            if v == Some(0) {
                return err(k, "expected a positive budget".into());
            }
        }
        self.optimizer.validate()?;
        self.check_schedule()?;
        self.train.validate(
            self.task,
            self.early_stopping.as_ref(),
            self.schedule.kind(),
        )?;
        if self.task == Task::Regression && self.augment.cutmix > 0.0 {
            return Err((
                "augment.cutmix".into(),
                "cutmix mixes class labels by area; for regression use mixup".into(),
            ));
        }
        self.augment.validate()?;
        if let Some(d) = &self.distill {
            d.validate()?;
            if self.task != Task::Classification {
                return err(
                    "distill",
                    "distillation needs classification (soft class probabilities)".into(),
                );
            }
        }
        if let Some(cv) = &self.cv {
            cv.validate()?;
            if cv.group.is_some() && !matches!(self.data.format, None | Some(DataFormat::Csv)) {
                return err("cv.group", "a group column needs CSV data".into());
            }
        }
        Ok(())
    }

    /// The metric exists and judges this task; the target error is an error.
    fn check_metric(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if let Some(name) = &self.metric {
            match Metric::from_name(name) {
                None => {
                    let names: Vec<String> = Metric::catalogue()
                        .into_iter()
                        .filter(|m| m.task() == Some(self.task))
                        .map(|m| m.name())
                        .collect();
                    return err(
                        "metric",
                        format!(
                            "unknown metric `{name}`; expected one of {} (see `tuneup score --list`)",
                            names.join(", ")
                        ),
                    );
                }
                Some(m) if m.task().is_none() => {
                    return err(
                        "metric",
                        format!(
                            "`{name}` is a text metric: score text with `tuneup score`; training judges {:?} by its own metrics",
                            self.task
                        ),
                    );
                }
                Some(m) if m.task() != Some(self.task) => {
                    return err(
                        "metric",
                        format!(
                            "`{name}` is a {:?} metric but task is {:?}",
                            m.task().unwrap_or(self.task),
                            self.task
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some(t) = self.target_error {
            if !t.is_finite() || t < 0.0 || (self.task == Task::Classification && t > 1.0) {
                return err(
                    "target_error",
                    format!(
                        "expected an error in [0, 1] for classification (or >= 0 for regression), found {t}"
                    ),
                );
            }
        }
        Ok(())
    }

    fn check_schedule(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((format!("schedule.{k}"), m));
        let s = &self.schedule;
        if !(0.0..=1.0).contains(&s.warmup_start_factor) {
            return err(
                "warmup_start_factor",
                format!(
                    "expected a value in [0, 1], found {}",
                    s.warmup_start_factor
                ),
            );
        }
        self.check_shape()
    }

    /// The schedule shape's knobs in range.
    fn check_shape(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((format!("schedule.{k}"), m));
        let s = &self.schedule;
        let pos = |k: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                err(k, format!("expected a positive value, found {v}"))
            }
        };
        match &s.shape {
            Shape::Step { step_size, gamma } => {
                if *step_size == 0 {
                    return err("step_size", "expected at least 1".into());
                }
                pos("gamma", *gamma)?;
            }
            Shape::Multistep { milestones, gamma } => {
                if milestones.windows(2).any(|w| w[0] >= w[1]) {
                    return err(
                        "milestones",
                        format!("expected increasing milestones, found {milestones:?}"),
                    );
                }
                pos("gamma", *gamma)?;
            }
            Shape::Multiplicative { factor } => pos("factor", *factor)?,
            Shape::Exponential { gamma } => pos("gamma", *gamma)?,
            Shape::Cosine { t_max, eta_min } => {
                if *t_max == Some(0) {
                    return err("t_max", "expected at least 1".into());
                }
                if !(*eta_min >= 0.0 && *eta_min < self.optimizer.lr()) {
                    return err(
                        "eta_min",
                        format!("expected a value in [0, lr), found {eta_min}"),
                    );
                }
            }
            Shape::CosineRestarts {
                t_0,
                t_mult,
                eta_min,
            } => {
                if *t_0 == 0 || *t_mult == 0 {
                    return err("t_0", "t_0 and t_mult must be at least 1".into());
                }
                if !(*eta_min >= 0.0) {
                    return err("eta_min", format!("expected a value >= 0, found {eta_min}"));
                }
            }
            Shape::OneCycle {
                max_lr,
                pct_start,
                div_factor,
                final_div_factor,
                ..
            } => {
                if let Some(m) = max_lr {
                    pos("max_lr", *m)?;
                }
                if !(*pct_start > 0.0 && *pct_start < 1.0) {
                    return err(
                        "pct_start",
                        format!("expected a fraction in (0, 1), found {pct_start}"),
                    );
                }
                pos("div_factor", *div_factor)?;
                pos("final_div_factor", *final_div_factor)?;
            }
            Shape::Linear {
                start_factor,
                end_factor,
                total_iters,
            } => {
                if !(*start_factor > 0.0 && *start_factor <= 1.0) {
                    return err(
                        "start_factor",
                        format!("expected a value in (0, 1], found {start_factor}"),
                    );
                }
                if !(0.0..=1.0).contains(end_factor) {
                    return err(
                        "end_factor",
                        format!("expected a value in [0, 1], found {end_factor}"),
                    );
                }
                if *total_iters == Some(0) {
                    return err("total_iters", "expected at least 1".into());
                }
            }
            Shape::Polynomial { power, total_iters } => {
                pos("power", *power)?;
                if *total_iters == Some(0) {
                    return err("total_iters", "expected at least 1".into());
                }
            }
            Shape::Plateau {
                factor,
                threshold,
                min_lr,
                ..
            } => {
                if !(*factor > 0.0 && *factor < 1.0) {
                    return err(
                        "factor",
                        format!("expected a factor in (0, 1), found {factor}"),
                    );
                }
                if !(*threshold >= 0.0) || !(*min_lr >= 0.0) {
                    return err("threshold", "threshold and min_lr must be >= 0".into());
                }
            }
            Shape::Constant => {}
        }
        Ok(())
    }
}
