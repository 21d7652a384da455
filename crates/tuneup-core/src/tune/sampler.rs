//! Samplers: the next trial's parameters from the space, the history and a seed.

use serde::{Deserialize, Serialize};

use super::space::{Params, Space};
use super::{Direction, Trial, TrialState, trial_seed};
use crate::rng::Rng;

/// Which sampler, with its knobs (`[search] sampler = "tpe"` or a table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SamplerSpec {
    /// Every point of the (finite) grid once, in an order shuffled by the seed.
    Grid,
    /// Independent uniform draws.
    Random,
    /// Tree-structured Parzen estimator (Bergstra et al. 2011), Optuna's defaults.
    Tpe {
        /// Random trials before the model is used.
        #[serde(default = "default_startup")]
        n_startup_trials: usize,
        /// Candidates drawn from l(x) per trial; the best l(x)/g(x) wins.
        #[serde(default = "default_candidates")]
        n_ei_candidates: usize,
        /// One joint Parzen estimator over the always-active parameters (Falkner et al. 2018;
        /// Optuna's default since 4.x) instead of one per parameter.
        #[serde(default = "default_true")]
        multivariate: bool,
        /// Running trials count as bad observations, so parallel workers spread out.
        #[serde(default = "default_true")]
        constant_liar: bool,
    },
    /// CMA-ES (Hansen 2016) over the numerical parameters; categoricals drawn at random.
    Cmaes {
        /// Population size; default 4 + floor(3 ln d).
        #[serde(default)]
        popsize: Option<usize>,
        /// Initial step size as a fraction of each range.
        #[serde(default = "default_sigma")]
        sigma0: f64,
    },
}

fn default_startup() -> usize {
    10
}
fn default_candidates() -> usize {
    24
}
fn default_true() -> bool {
    true
}
fn default_sigma() -> f64 {
    0.3
}

impl Default for SamplerSpec {
    fn default() -> Self {
        SamplerSpec::tpe()
    }
}

impl SamplerSpec {
    pub fn tpe() -> SamplerSpec {
        SamplerSpec::Tpe {
            n_startup_trials: default_startup(),
            n_ei_candidates: default_candidates(),
            multivariate: true,
            constant_liar: true,
        }
    }

    pub fn cmaes() -> SamplerSpec {
        SamplerSpec::Cmaes {
            popsize: None,
            sigma0: default_sigma(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            SamplerSpec::Grid => "grid",
            SamplerSpec::Random => "random",
            SamplerSpec::Tpe { .. } => "tpe",
            SamplerSpec::Cmaes { .. } => "cmaes",
        }
    }

    /// Checks that the sampler can search this space (a grid needs finite domains).
    pub fn check(&self, space: &Space) -> Result<(), String> {
        if let SamplerSpec::Grid = self {
            if let Some(p) = space.params.iter().find(|p| p.dist.grid().is_none()) {
                return Err(format!(
                    "the grid sampler needs a finite domain for every parameter; `{}` is a continuous float: give it a step, or use choices",
                    p.name
                ));
            }
        }
        Ok(())
    }
}

/// A sampler bound to its space, direction and seed.
#[derive(Debug, Clone)]
pub struct Sampler {
    pub spec: SamplerSpec,
    pub space: Space,
    pub direction: Direction,
    pub seed: u64,
}

impl Sampler {
    pub fn new(spec: SamplerSpec, space: Space, direction: Direction, seed: u64) -> Sampler {
        Sampler {
            spec,
            space,
            direction,
            seed,
        }
    }

    /// The parameters of trial `number`, given every other trial so far (running ones
    /// included); `None` when a grid has no unvisited point left.
    pub fn ask(&self, history: &[Trial], number: usize) -> Option<Params> {
        let mut rng = Rng::new(trial_seed(self.seed, number));
        match &self.spec {
            SamplerSpec::Random => Some(self.space.sample_uniform(&mut rng)),
            SamplerSpec::Grid => self.grid_point(history),
            SamplerSpec::Tpe { .. } => Some(super::tpe::sample(self, history, &mut rng)),
            SamplerSpec::Cmaes { .. } => {
                Some(super::cmaes::sample(self, history, number, &mut rng))
            }
        }
    }

    /// The first point of the seed-shuffled grid that no trial has taken. A failed trial's point
    /// counts as taken (a diverging point would diverge again); the study loop leaves trials
    /// lost to an interruption out of the history, so their points are offered again.
    fn grid_point(&self, history: &[Trial]) -> Option<Params> {
        let mut points = vec![Params::new()];
        for p in &self.space.params {
            let values = p.dist.grid().expect("checked: finite domains");
            let mut next = Vec::new();
            for pt in points {
                if p.active(&pt) {
                    for v in &values {
                        let mut q = pt.clone();
                        q.insert(p.name.clone(), v.clone());
                        next.push(q);
                    }
                } else {
                    next.push(pt);
                }
            }
            points = next;
        }
        let mut rng = Rng::new(self.seed ^ 0x0006_121D);
        for i in (1..points.len()).rev() {
            points.swap(i, rng.below(i + 1));
        }
        points
            .into_iter()
            .find(|pt| !history.iter().any(|t| &t.params == pt))
    }

    /// The finished trials ordered best first (complete by value, then pruned by how far they
    /// got and their last value), as losses: Optuna's ranking.
    pub fn ranked<'a>(&self, history: &'a [Trial]) -> Vec<(&'a Trial, f64)> {
        let mut complete: Vec<(&Trial, f64)> = history
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .filter_map(|t| {
                t.value
                    .filter(|v| v.is_finite())
                    .map(|v| (t, self.direction.loss(v)))
            })
            .collect();
        complete.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut pruned: Vec<(&Trial, usize, f64)> = history
            .iter()
            .filter(|t| t.state == TrialState::Pruned)
            .filter_map(|t| {
                t.last()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(s, v)| (t, s, self.direction.loss(v)))
            })
            .collect();
        pruned.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.total_cmp(&b.2)));
        complete
            .into_iter()
            .chain(pruned.into_iter().map(|(t, _, l)| (t, l)))
            .collect()
    }
}
