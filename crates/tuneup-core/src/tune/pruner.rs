//! Pruners: whether a running trial should stop at a step, from its intermediate values and
//! the other trials' (steps are epochs).

use serde::{Deserialize, Serialize};

use super::{Direction, Trial, TrialState};

/// Which pruner (`[search] pruner = "median"` or a table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pruner {
    None,
    /// Stop a trial whose best value so far is worse than the median of the other trials'
    /// values at the same step (Optuna's MedianPruner).
    Median {
        #[serde(default = "default_startup")]
        n_startup_trials: usize,
        #[serde(default)]
        n_warmup_steps: usize,
    },
    /// The same against a percentile: 25 keeps the top quarter.
    Percentile {
        percentile: f64,
        #[serde(default = "default_startup")]
        n_startup_trials: usize,
        #[serde(default)]
        n_warmup_steps: usize,
    },
    /// Asynchronous successive halving (Li et al. 2020): rungs at min_resource x η^k steps; a
    /// trial reaching a rung goes on only if its value is in the top 1/η of the values recorded
    /// at that rung so far.
    Asha {
        #[serde(default = "default_one")]
        min_resource: usize,
        #[serde(default = "default_eta")]
        reduction_factor: usize,
        #[serde(default)]
        min_early_stopping_rate: usize,
    },
    /// Hyperband (Li et al. 2018): several successive-halving brackets with different minimum
    /// resources; each trial belongs to one bracket (by its number, weighted by the brackets'
    /// sizes) and competes only with that bracket's trials.
    Hyperband {
        #[serde(default = "default_one")]
        min_resource: usize,
        /// The most steps a trial runs (default: the experiment's epochs).
        #[serde(default)]
        max_resource: Option<usize>,
        #[serde(default = "default_eta3")]
        reduction_factor: usize,
    },
}

fn default_startup() -> usize {
    5
}
fn default_one() -> usize {
    1
}
fn default_eta() -> usize {
    4
}
fn default_eta3() -> usize {
    3
}

impl Default for Pruner {
    fn default() -> Self {
        Pruner::None
    }
}

impl Pruner {
    pub fn name(&self) -> &'static str {
        match self {
            Pruner::None => "none",
            Pruner::Median { .. } => "median",
            Pruner::Percentile { .. } => "percentile",
            Pruner::Asha { .. } => "asha",
            Pruner::Hyperband { .. } => "hyperband",
        }
    }

    /// Checks the knobs; errors name the knob.
    pub fn check(&self) -> Result<(), (String, String)> {
        match self {
            Pruner::Percentile { percentile, .. } if !(0.0..=100.0).contains(percentile) => Err((
                "percentile".into(),
                format!("expected a percentile in [0, 100], found {percentile}"),
            )),
            Pruner::Asha {
                reduction_factor,
                min_resource,
                ..
            }
            | Pruner::Hyperband {
                reduction_factor,
                min_resource,
                ..
            } if *reduction_factor < 2 || *min_resource == 0 => Err((
                "reduction_factor".into(),
                "expected reduction_factor >= 2 and min_resource >= 1".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Whether `trial` (running, with its intermediate values up to `step`) should stop now.
    /// `others` is every other trial of the study; `max_steps` the experiment's epochs.
    pub fn prune(
        &self,
        trial: &Trial,
        step: usize,
        others: &[Trial],
        direction: Direction,
        max_steps: usize,
    ) -> bool {
        let Some(now) = trial.at(step) else {
            return false;
        };
        if !now.is_finite() {
            return true;
        }
        match self {
            Pruner::None => false,
            Pruner::Median {
                n_startup_trials,
                n_warmup_steps,
            } => percentile_prune(
                trial,
                step,
                others,
                direction,
                50.0,
                *n_startup_trials,
                *n_warmup_steps,
            ),
            Pruner::Percentile {
                percentile,
                n_startup_trials,
                n_warmup_steps,
            } => percentile_prune(
                trial,
                step,
                others,
                direction,
                *percentile,
                *n_startup_trials,
                *n_warmup_steps,
            ),
            Pruner::Asha {
                min_resource,
                reduction_factor,
                min_early_stopping_rate,
            } => sh_prune(
                trial,
                step,
                others.iter(),
                direction,
                *min_resource,
                *reduction_factor,
                *min_early_stopping_rate,
            ),
            Pruner::Hyperband {
                min_resource,
                max_resource,
                reduction_factor,
            } => {
                let max = max_resource.unwrap_or(max_steps).max(*min_resource);
                let brackets = hyperband_brackets(*min_resource, max, *reduction_factor);
                let b = bracket_of(trial.number, &brackets);
                sh_prune(
                    trial,
                    step,
                    others
                        .iter()
                        .filter(|t| bracket_of(t.number, &brackets) == b),
                    direction,
                    *min_resource,
                    *reduction_factor,
                    b,
                )
            }
        }
    }
}

/// Optuna's percentile rule: after `n_warmup_steps` and once `n_startup_trials` trials have
/// finished, prune when the trial's best value so far is worse than the `q`-th percentile
/// (best first) of the other trials' values at this step.
fn percentile_prune(
    trial: &Trial,
    step: usize,
    others: &[Trial],
    direction: Direction,
    q: f64,
    n_startup_trials: usize,
    n_warmup_steps: usize,
) -> bool {
    if step <= n_warmup_steps {
        return false;
    }
    let finished = others
        .iter()
        .filter(|t| matches!(t.state, TrialState::Complete | TrialState::Pruned))
        .count();
    if finished < n_startup_trials {
        return false;
    }
    let mut at: Vec<f64> = others
        .iter()
        .filter(|t| t.number != trial.number)
        .filter_map(|t| t.at(step))
        .filter(|v| v.is_finite())
        .map(|v| direction.loss(v))
        .collect();
    if at.is_empty() {
        return false;
    }
    at.sort_by(f64::total_cmp);
    let best = trial
        .intermediate
        .iter()
        .filter(|(s, _)| *s <= step)
        .map(|(_, v)| direction.loss(*v))
        .fold(f64::INFINITY, f64::min);
    best > percentile(&at, q)
}

/// The `q`-th percentile of sorted values, linear interpolation (numpy's default).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 < sorted.len() {
        sorted[i] * (1.0 - f) + sorted[i + 1] * f
    } else {
        sorted[i]
    }
}

/// Successive halving at `step`: only at a rung (min_resource x η^(rate + k)); the trial
/// continues if its value is within the top 1/η of the values at that rung (its own included);
/// while fewer than η trials have reached the rung, only the best of them continues.
fn sh_prune<'a>(
    trial: &Trial,
    step: usize,
    others: impl Iterator<Item = &'a Trial>,
    direction: Direction,
    min_resource: usize,
    eta: usize,
    rate: usize,
) -> bool {
    let Some(rung_step) = rung_steps(min_resource, eta, rate, step).last().copied() else {
        return false;
    };
    if rung_step != step {
        return false;
    }
    let mine = direction.loss(trial.at(step).expect("checked by prune"));
    let mut competing: Vec<f64> = others
        .filter(|t| t.number != trial.number)
        .filter_map(|t| t.at(step))
        .filter(|v| v.is_finite())
        .map(|v| direction.loss(v))
        .collect();
    competing.push(mine);
    competing.sort_by(f64::total_cmp);
    let k = (competing.len() / eta).max(1);
    mine > competing[k - 1]
}

/// The rungs (steps) of a bracket up to `upto`.
fn rung_steps(min_resource: usize, eta: usize, rate: usize, upto: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut r = min_resource.saturating_mul(eta.saturating_pow(rate as u32));
    while r <= upto {
        out.push(r);
        r = r.saturating_mul(eta);
        if r == 0 {
            break;
        }
    }
    out
}

/// Hyperband's brackets as (min early-stopping rate, weight): ⌊log_η(max/min)⌋ + 1 brackets,
/// bracket s weighted by its trial count in Li et al.'s schedule, ⌈(s_max + 1) / (s + 1)⌉ η^s
/// (with s = s_max - rate).
fn hyperband_brackets(min: usize, max: usize, eta: usize) -> Vec<f64> {
    let s_max = ((max as f64 / min as f64).ln() / (eta as f64).ln() + 1e-9).floor() as usize;
    (0..=s_max)
        .map(|rate| {
            let s = s_max - rate;
            ((s_max + 1) as f64 / (s + 1) as f64).ceil() * (eta as f64).powi(s as i32)
        })
        .collect()
}

/// The bracket of a trial: a hash of its number into the brackets' weights.
fn bracket_of(number: usize, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = crate::rng::Rng::derive(0xB4AC_7E7, number as u64).next_f64() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(number: usize, state: TrialState, values: &[f64]) -> Trial {
        Trial {
            number,
            state,
            params: Default::default(),
            value: None,
            intermediate: values
                .iter()
                .enumerate()
                .map(|(i, v)| (i + 1, *v))
                .collect(),
        }
    }

    #[test]
    fn median_prunes_a_trial_behind_the_median() {
        let done: Vec<Trial> = (0..5)
            .map(|i| {
                t(
                    i,
                    TrialState::Complete,
                    &[0.5 + 0.1 * i as f64, 0.4 + 0.1 * i as f64],
                )
            })
            .collect();
        let p = Pruner::Median {
            n_startup_trials: 5,
            n_warmup_steps: 0,
        };
        // Losses at step 2: 0.4..0.8, median 0.6.
        let bad = t(9, TrialState::Running, &[0.9, 0.7]);
        let good = t(9, TrialState::Running, &[0.9, 0.5]);
        assert!(p.prune(&bad, 2, &done, Direction::Minimize, 10));
        assert!(!p.prune(&good, 2, &done, Direction::Minimize, 10));
        // Maximising accuracy: the same numbers read the other way.
        assert!(!p.prune(&bad, 2, &done, Direction::Maximize, 10));
        // Too few finished trials, or inside the warm-up: no pruning.
        assert!(!p.prune(&bad, 2, &done[..4], Direction::Minimize, 10));
        let warm = Pruner::Median {
            n_startup_trials: 5,
            n_warmup_steps: 2,
        };
        assert!(!warm.prune(&bad, 2, &done, Direction::Minimize, 10));
        // A NaN is pruned at once.
        let nan = t(9, TrialState::Running, &[f64::NAN]);
        assert!(Pruner::None.prune(&nan, 1, &done, Direction::Minimize, 10));
    }

    #[test]
    fn asha_keeps_the_top_fraction_at_each_rung() {
        let p = Pruner::Asha {
            min_resource: 1,
            reduction_factor: 2,
            min_early_stopping_rate: 0,
        };
        let others: Vec<Trial> = (0..4)
            .map(|i| t(i, TrialState::Pruned, &[i as f64]))
            .collect();
        // Rung at step 1 with values 0, 1, 2, 3 and ours: the top half of 5 is 2 trials.
        assert!(!p.prune(
            &t(9, TrialState::Running, &[0.5]),
            1,
            &others,
            Direction::Minimize,
            8
        ));
        assert!(p.prune(
            &t(9, TrialState::Running, &[1.5]),
            1,
            &others,
            Direction::Minimize,
            8
        ));
        // Step 3 is not a rung (rungs 1, 2, 4, 8).
        assert!(!p.prune(
            &t(9, TrialState::Running, &[0.0, 0.0, 9.0]),
            3,
            &others,
            Direction::Minimize,
            8
        ));
        assert_eq!(rung_steps(1, 2, 0, 8), vec![1, 2, 4, 8]);
        assert_eq!(rung_steps(1, 3, 1, 30), vec![3, 9, 27]);
    }

    #[test]
    fn hyperband_brackets_follow_li_et_al() {
        // max/min = 27, η = 3: s_max = 3; ⌈4/(s+1)⌉ 3^s for s = 3, 2, 1, 0: 27, 18, 6, 4.
        let b = hyperband_brackets(1, 27, 3);
        assert_eq!(b, vec![27.0, 18.0, 6.0, 4.0]);
        let mut counts = [0usize; 4];
        for n in 0..6100 {
            counts[bracket_of(n, &b)] += 1;
        }
        // Shares near 27:18:6:4 of 55.
        assert!(
            (counts[0] as f64 / 6100.0 - 27.0 / 55.0).abs() < 0.03,
            "{counts:?}"
        );
        assert!(
            (counts[3] as f64 / 6100.0 - 4.0 / 55.0).abs() < 0.02,
            "{counts:?}"
        );
    }
}
