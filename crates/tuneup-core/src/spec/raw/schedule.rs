//! `[schedule]` as written: a `kind` and every knob, each checked against the kind.

use serde::Deserialize;

use super::not_for;
use crate::schedule::{Anneal, Interval, PlateauMode, ScheduleSpec, Shape, ThresholdMode};
use crate::spec::KeyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ScheduleKind {
    Constant,
    Step,
    Multistep,
    Multiplicative,
    Exponential,
    Cosine,
    CosineRestarts,
    OneCycle,
    Linear,
    Polynomial,
    Plateau,
}

/// The `[schedule]` table as written: a `kind` and every knob, checked against the kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    kind: ScheduleKind,
    interval: Option<Interval>,
    warmup: Option<usize>,
    warmup_start_factor: Option<f64>,
    step_size: Option<usize>,
    gamma: Option<f64>,
    milestones: Option<Vec<usize>>,
    factor: Option<f64>,
    t_max: Option<usize>,
    eta_min: Option<f64>,
    t_0: Option<usize>,
    t_mult: Option<usize>,
    max_lr: Option<f64>,
    pct_start: Option<f64>,
    div_factor: Option<f64>,
    final_div_factor: Option<f64>,
    anneal: Option<Anneal>,
    three_phase: Option<bool>,
    start_factor: Option<f64>,
    end_factor: Option<f64>,
    total_iters: Option<usize>,
    power: Option<f64>,
    mode: Option<PlateauMode>,
    patience: Option<usize>,
    threshold: Option<f64>,
    threshold_mode: Option<ThresholdMode>,
    cooldown: Option<usize>,
    min_lr: Option<f64>,
}

impl RawSchedule {
    pub(crate) fn into_spec(self) -> Result<ScheduleSpec, KeyError> {
        self.check_keys()?;
        let (interval, warmup, warmup_start_factor) =
            (self.interval, self.warmup, self.warmup_start_factor);
        Ok(ScheduleSpec {
            shape: self.shape()?,
            interval: interval.unwrap_or_default(),
            warmup: warmup.unwrap_or(0),
            warmup_start_factor: warmup_start_factor.unwrap_or(0.0),
        })
    }

    /// Refuses a knob the kind does not take.
    fn check_keys(&self) -> Result<(), KeyError> {
        let set: Vec<(&str, bool)> = vec![
            ("step_size", self.step_size.is_some()),
            ("gamma", self.gamma.is_some()),
            ("milestones", self.milestones.is_some()),
            ("factor", self.factor.is_some()),
            ("t_max", self.t_max.is_some()),
            ("eta_min", self.eta_min.is_some()),
            ("t_0", self.t_0.is_some()),
            ("t_mult", self.t_mult.is_some()),
            ("max_lr", self.max_lr.is_some()),
            ("pct_start", self.pct_start.is_some()),
            ("div_factor", self.div_factor.is_some()),
            ("final_div_factor", self.final_div_factor.is_some()),
            ("anneal", self.anneal.is_some()),
            ("three_phase", self.three_phase.is_some()),
            ("start_factor", self.start_factor.is_some()),
            ("end_factor", self.end_factor.is_some()),
            ("total_iters", self.total_iters.is_some()),
            ("power", self.power.is_some()),
            ("mode", self.mode.is_some()),
            ("patience", self.patience.is_some()),
            ("threshold", self.threshold.is_some()),
            ("threshold_mode", self.threshold_mode.is_some()),
            ("cooldown", self.cooldown.is_some()),
            ("min_lr", self.min_lr.is_some()),
        ];
        let (kind, allowed): (&str, &[&str]) = match self.kind {
            ScheduleKind::Constant => ("constant", &[]),
            ScheduleKind::Step => ("step", &["step_size", "gamma"]),
            ScheduleKind::Multistep => ("multistep", &["milestones", "gamma"]),
            ScheduleKind::Multiplicative => ("multiplicative", &["factor"]),
            ScheduleKind::Exponential => ("exponential", &["gamma"]),
            ScheduleKind::Cosine => ("cosine", &["t_max", "eta_min"]),
            ScheduleKind::CosineRestarts => ("cosine_restarts", &["t_0", "t_mult", "eta_min"]),
            ScheduleKind::OneCycle => (
                "one_cycle",
                &[
                    "max_lr",
                    "pct_start",
                    "div_factor",
                    "final_div_factor",
                    "anneal",
                    "three_phase",
                ],
            ),
            ScheduleKind::Linear => ("linear", &["start_factor", "end_factor", "total_iters"]),
            ScheduleKind::Polynomial => ("polynomial", &["power", "total_iters"]),
            ScheduleKind::Plateau => (
                "plateau",
                &[
                    "mode",
                    "factor",
                    "patience",
                    "threshold",
                    "threshold_mode",
                    "cooldown",
                    "min_lr",
                ],
            ),
        };
        for (k, is_set) in set {
            not_for("schedule", k, is_set && !allowed.contains(&k), kind)?;
        }
        Ok(())
    }

    /// The kind's shape, its knobs' defaults filled in.
    fn shape(self) -> Result<Shape, KeyError> {
        Ok(match self.kind {
            ScheduleKind::Constant => Shape::Constant,
            ScheduleKind::Step => Shape::Step {
                step_size: self.step_size.unwrap_or(10),
                gamma: self.gamma.unwrap_or(0.1),
            },
            ScheduleKind::Multistep => Shape::Multistep {
                milestones: self.milestones.ok_or((
                    "schedule.milestones".to_string(),
                    "multistep needs milestones, e.g. [30, 60]".to_string(),
                ))?,
                gamma: self.gamma.unwrap_or(0.1),
            },
            ScheduleKind::Multiplicative => Shape::Multiplicative {
                factor: self.factor.unwrap_or(0.95),
            },
            ScheduleKind::Exponential => Shape::Exponential {
                gamma: self.gamma.unwrap_or(0.95),
            },
            ScheduleKind::Cosine => Shape::Cosine {
                t_max: self.t_max,
                eta_min: self.eta_min.unwrap_or(0.0),
            },
            ScheduleKind::CosineRestarts => Shape::CosineRestarts {
                t_0: self.t_0.unwrap_or(10),
                t_mult: self.t_mult.unwrap_or(1),
                eta_min: self.eta_min.unwrap_or(0.0),
            },
            ScheduleKind::OneCycle => Shape::OneCycle {
                max_lr: self.max_lr,
                pct_start: self.pct_start.unwrap_or(0.3),
                div_factor: self.div_factor.unwrap_or(25.0),
                final_div_factor: self.final_div_factor.unwrap_or(1e4),
                anneal: self.anneal.unwrap_or_default(),
                three_phase: self.three_phase.unwrap_or(false),
            },
            ScheduleKind::Linear => Shape::Linear {
                start_factor: self.start_factor.unwrap_or(1.0 / 3.0),
                end_factor: self.end_factor.unwrap_or(1.0),
                total_iters: self.total_iters,
            },
            ScheduleKind::Polynomial => Shape::Polynomial {
                power: self.power.unwrap_or(1.0),
                total_iters: self.total_iters,
            },
            ScheduleKind::Plateau => Shape::Plateau {
                mode: self.mode,
                factor: self.factor.unwrap_or(0.1),
                patience: self.patience.unwrap_or(10),
                threshold: self.threshold.unwrap_or(1e-4),
                threshold_mode: self.threshold_mode.unwrap_or_default(),
                cooldown: self.cooldown.unwrap_or(0),
                min_lr: self.min_lr.unwrap_or(0.0),
            },
        })
    }
}
