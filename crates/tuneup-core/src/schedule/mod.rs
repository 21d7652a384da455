//! Learning-rate schedules, each matching the PyTorch scheduler of the same name step for step
//! (`torch.optim.lr_scheduler`; the tests compare with sequences PyTorch 2.15 produced), with
//! per-step or per-epoch stepping and an optional linear warm-up in front (PyTorch's
//! `SequentialLR([LinearLR(start, 1, w), main], milestones=[w])`).

use serde::{Deserialize, Serialize};

/// When the schedule advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    #[default]
    Epoch,
    Step,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anneal {
    #[default]
    Cos,
    Linear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateauMode {
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMode {
    #[default]
    Rel,
    Abs,
}

/// The schedule's shape (the `[schedule]` table's `kind` and its knobs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    Constant,
    /// `StepLR`: × gamma every `step_size` intervals.
    Step {
        step_size: usize,
        gamma: f64,
    },
    /// `MultiStepLR`: × gamma at each milestone.
    Multistep {
        milestones: Vec<usize>,
        gamma: f64,
    },
    /// `MultiplicativeLR` with a constant factor: × factor every interval.
    Multiplicative {
        factor: f64,
    },
    /// `ExponentialLR`.
    Exponential {
        gamma: f64,
    },
    /// `CosineAnnealingLR` (`t_max` default: the intervals after warm-up).
    Cosine {
        t_max: Option<usize>,
        eta_min: f64,
    },
    /// `CosineAnnealingWarmRestarts` (SGDR, Loshchilov & Hutter 2016).
    CosineRestarts {
        t_0: usize,
        t_mult: usize,
        eta_min: f64,
    },
    /// `OneCycleLR` (Smith & Topin 2017): always per step; `max_lr` default the optimizer's
    /// rate. Only the rate cycles (PyTorch's `cycle_momentum=False`).
    OneCycle {
        max_lr: Option<f64>,
        pct_start: f64,
        div_factor: f64,
        final_div_factor: f64,
        anneal: Anneal,
        three_phase: bool,
    },
    /// `LinearLR`.
    Linear {
        start_factor: f64,
        end_factor: f64,
        total_iters: Option<usize>,
    },
    /// `PolynomialLR`.
    Polynomial {
        power: f64,
        total_iters: Option<usize>,
    },
    /// `ReduceLROnPlateau` on the experiment's metric (or validation loss): always per epoch.
    Plateau {
        mode: Option<PlateauMode>,
        factor: f64,
        patience: usize,
        threshold: f64,
        threshold_mode: ThresholdMode,
        cooldown: usize,
        min_lr: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    #[serde(flatten)]
    pub shape: Shape,
    pub interval: Interval,
    /// Linear warm-up over this many intervals, from `warmup_start_factor` × the rate.
    pub warmup: usize,
    pub warmup_start_factor: f64,
}

impl Default for ScheduleSpec {
    fn default() -> Self {
        ScheduleSpec {
            shape: Shape::Constant,
            interval: Interval::Epoch,
            warmup: 0,
            warmup_start_factor: 0.0,
        }
    }
}

impl ScheduleSpec {
    pub fn kind(&self) -> &'static str {
        match self.shape {
            Shape::Constant => "constant",
            Shape::Step { .. } => "step",
            Shape::Multistep { .. } => "multistep",
            Shape::Multiplicative { .. } => "multiplicative",
            Shape::Exponential { .. } => "exponential",
            Shape::Cosine { .. } => "cosine",
            Shape::CosineRestarts { .. } => "cosine_restarts",
            Shape::OneCycle { .. } => "one_cycle",
            Shape::Linear { .. } => "linear",
            Shape::Polynomial { .. } => "polynomial",
            Shape::Plateau { .. } => "plateau",
        }
    }

    /// The interval the schedule really steps on (one-cycle is per step, plateau per epoch).
    pub fn effective_interval(&self) -> Interval {
        match self.shape {
            Shape::OneCycle { .. } => Interval::Step,
            Shape::Plateau { .. } => Interval::Epoch,
            _ => self.interval,
        }
    }
}

/// What a plateau schedule has learned so far, saved with a run so that it can resume.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SchedulerState {
    pub plateau_lr: f64,
    /// The best metric seen; `None` before the first (JSON has no infinities).
    pub best: Option<f64>,
    pub bad_epochs: usize,
    pub cooldown_left: usize,
}

/// A running schedule: the rate for any step, and the plateau state fed at each epoch's end.
#[derive(Debug, Clone)]
pub struct Scheduler {
    spec: ScheduleSpec,
    base: f64,
    /// Intervals in the whole run (epochs, or steps for per-step schedules).
    total: usize,
    plateau_lr: f64,
    best: f64,
    bad_epochs: usize,
    cooldown_left: usize,
}

impl Scheduler {
    pub fn new(
        spec: &ScheduleSpec,
        base_lr: f64,
        epochs: usize,
        steps_per_epoch: usize,
    ) -> Scheduler {
        let total = match spec.effective_interval() {
            Interval::Epoch => epochs,
            Interval::Step => epochs * steps_per_epoch,
        };
        let best = match spec.shape {
            Shape::Plateau {
                mode: Some(PlateauMode::Max),
                ..
            } => f64::NEG_INFINITY,
            _ => f64::INFINITY,
        };
        Scheduler {
            spec: spec.clone(),
            base: base_lr,
            total,
            plateau_lr: base_lr,
            best,
            bad_epochs: 0,
            cooldown_left: 0,
        }
    }

    /// The rate for a step, given the 0-based global step and epoch.
    pub fn lr(&self, step: usize, epoch: usize) -> f64 {
        let t = match self.spec.effective_interval() {
            Interval::Epoch => epoch,
            Interval::Step => step,
        };
        let w = self.spec.warmup;
        if t < w {
            let s = self.spec.warmup_start_factor;
            let peak = match self.spec.shape {
                Shape::OneCycle { .. } => self.main(0),
                _ => self.base,
            };
            return peak * (s + (1.0 - s) * t as f64 / w as f64);
        }
        self.main(t - w)
    }

    fn main(&self, t: usize) -> f64 {
        let base = self.base;
        let n = self.total.saturating_sub(self.spec.warmup).max(1);
        let tf = t as f64;
        match &self.spec.shape {
            Shape::Constant => base,
            Shape::Step { step_size, gamma } => base * gamma.powi((t / step_size.max(&1)) as i32),
            Shape::Multistep { milestones, gamma } => {
                base * gamma.powi(milestones.iter().filter(|m| **m <= t).count() as i32)
            }
            Shape::Multiplicative { factor } => base * factor.powi(t as i32),
            Shape::Exponential { gamma } => base * gamma.powi(t as i32),
            Shape::Cosine { t_max, eta_min } => {
                let tm = t_max.unwrap_or(n).max(1) as f64;
                eta_min + (base - eta_min) * (1.0 + (std::f64::consts::PI * tf / tm).cos()) / 2.0
            }
            Shape::CosineRestarts {
                t_0,
                t_mult,
                eta_min,
            } => {
                let (mut cur, mut ti) = (t, (*t_0).max(1));
                while cur >= ti {
                    cur -= ti;
                    ti *= (*t_mult).max(1);
                }
                eta_min
                    + (base - eta_min)
                        * (1.0 + (std::f64::consts::PI * cur as f64 / ti as f64).cos())
                        / 2.0
            }
            Shape::OneCycle {
                max_lr,
                pct_start,
                div_factor,
                final_div_factor,
                anneal,
                three_phase,
            } => {
                let max = max_lr.unwrap_or(base);
                let initial = max / div_factor;
                let min = initial / final_div_factor;
                let total = n as f64;
                let phases: Vec<(f64, f64, f64)> = if *three_phase {
                    vec![
                        (pct_start * total - 1.0, initial, max),
                        (2.0 * pct_start * total - 2.0, max, initial),
                        (total - 1.0, initial, min),
                    ]
                } else {
                    vec![
                        (pct_start * total - 1.0, initial, max),
                        (total - 1.0, max, min),
                    ]
                };
                let ann = |start: f64, end: f64, pct: f64| match anneal {
                    Anneal::Cos => {
                        end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0)
                    }
                    Anneal::Linear => (end - start) * pct + start,
                };
                let mut start_step = 0.0;
                let mut lr = min;
                for (i, (end_step, s, e)) in phases.iter().enumerate() {
                    if tf <= *end_step || i == phases.len() - 1 {
                        let pct = (tf - start_step) / (end_step - start_step);
                        lr = ann(*s, *e, pct);
                        break;
                    }
                    start_step = *end_step;
                }
                lr
            }
            Shape::Linear {
                start_factor,
                end_factor,
                total_iters,
            } => {
                let ti = total_iters.unwrap_or(n).max(1) as f64;
                base * (start_factor + (end_factor - start_factor) * tf.min(ti) / ti)
            }
            Shape::Polynomial { power, total_iters } => {
                let ti = total_iters.unwrap_or(n).max(1) as f64;
                base * (1.0 - tf.min(ti) / ti).powf(*power)
            }
            Shape::Plateau { .. } => self.plateau_lr,
        }
    }

    /// Feeds the epoch's metric to a plateau schedule (PyTorch's `ReduceLROnPlateau.step`).
    /// `higher_is_better` picks the mode when the spec leaves it open. Epochs of warm-up do
    /// not count.
    pub fn epoch_end(&mut self, epoch: usize, metric: f64, higher_is_better: bool) {
        let Shape::Plateau {
            mode,
            factor,
            patience,
            threshold,
            threshold_mode,
            cooldown,
            min_lr,
        } = self.spec.shape.clone()
        else {
            return;
        };
        if epoch + 1 <= self.spec.warmup {
            return;
        }
        let max = mode
            .map(|m| m == PlateauMode::Max)
            .unwrap_or(higher_is_better);
        if self.best.is_infinite() && max && self.best > 0.0 {
            self.best = f64::NEG_INFINITY;
        }
        let better = match (max, threshold_mode) {
            (false, ThresholdMode::Rel) => metric < self.best * (1.0 - threshold),
            (false, ThresholdMode::Abs) => metric < self.best - threshold,
            (true, ThresholdMode::Rel) => metric > self.best * (1.0 + threshold),
            (true, ThresholdMode::Abs) => metric > self.best + threshold,
        };
        if better {
            self.best = metric;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.bad_epochs = 0;
        }
        if self.bad_epochs > patience {
            let new = (self.plateau_lr * factor).max(min_lr);
            if self.plateau_lr - new > 1e-8 {
                self.plateau_lr = new;
            }
            self.cooldown_left = cooldown;
            self.bad_epochs = 0;
        }
    }

    pub fn state(&self) -> SchedulerState {
        SchedulerState {
            plateau_lr: self.plateau_lr,
            best: self.best.is_finite().then_some(self.best),
            bad_epochs: self.bad_epochs,
            cooldown_left: self.cooldown_left,
        }
    }

    pub fn restore(&mut self, s: SchedulerState) {
        self.plateau_lr = s.plateau_lr;
        if let Some(b) = s.best {
            self.best = b;
        }
        self.bad_epochs = s.bad_epochs;
        self.cooldown_left = s.cooldown_left;
    }

    /// The whole sequence for a run without a plateau schedule: one rate per step.
    pub fn sequence(&self, epochs: usize, steps_per_epoch: usize) -> Vec<f64> {
        (0..epochs)
            .flat_map(|e| (0..steps_per_epoch).map(move |s| (e, e * steps_per_epoch + s)))
            .map(|(e, step)| self.lr(step, e))
            .collect()
    }
}

#[cfg(test)]
mod tests;
