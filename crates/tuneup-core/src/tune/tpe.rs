//! The tree-structured Parzen estimator (Bergstra et al. 2011) as Optuna builds it: the
//! finished trials split into the best γ(n) = min(⌈0.1 n⌉, 25) ("below") and the rest
//! ("above"); a Parzen estimator over each (truncated normal kernels with Optuna's bandwidths
//! and a prior kernel; categorical kernels for choices); candidates drawn from l(x) = the
//! below-estimator, the one with the largest l(x) / g(x) taken. Running trials join "above"
//! under the constant liar. Univariate (one estimator per parameter, conditional ones over the
//! trials where they were active) or multivariate (one joint estimator over the parameters
//! every trial has).

use super::sampler::{Sampler, SamplerSpec};
use super::space::{Dist, Param, Params};
use super::{Trial, TrialState};
use crate::rng::Rng;

/// One kernel per observation and a prior kernel, with their weights (summing to 1).
struct Estimator {
    weights: Vec<f64>,
    /// Per dimension, per kernel.
    dims: Vec<Kernels>,
    /// Per kernel: ln weight + every numeric dimension's normalising constant (ln of
    /// 1 / (σ √(2π) · mass in [low, high])), computed once; evaluating a point then costs one
    /// quadratic and one exp per kernel.
    base: Vec<f64>,
}

enum Kernels {
    /// Truncated normals on [low, high].
    Numeric {
        mus: Vec<f64>,
        sigmas: Vec<f64>,
        low: f64,
        high: f64,
    },
    /// A probability vector over the choices per kernel.
    Categorical { probs: Vec<Vec<f64>> },
}

/// Optuna's observation weights: equal below 25 observations, else a ramp from 1/n up to 1
/// over the older ones and 1 for the newest 25.
fn default_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let ramp = n - 25;
    let mut w: Vec<f64> = (0..ramp)
        .map(|i| {
            if ramp == 1 {
                1.0 / n as f64
            } else {
                1.0 / n as f64 + (1.0 - 1.0 / n as f64) * i as f64 / (ramp - 1) as f64
            }
        })
        .collect();
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

fn gamma(n: usize) -> usize {
    ((0.1 * n as f64).ceil() as usize).min(25)
}

impl Estimator {
    /// `obs[i][d]`: observation i's internal coordinate in dimension d (parameters `params`).
    fn new(params: &[&Param], obs: &[Vec<f64>]) -> Estimator {
        let n = obs.len();
        let mut weights = default_weights(n);
        weights.push(1.0); // the prior
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        let dims = params
            .iter()
            .enumerate()
            .map(|(d, p)| {
                let xs: Vec<f64> = obs.iter().map(|o| o[d]).collect();
                match &p.dist {
                    Dist::Categorical { choices } => {
                        // Optuna's categorical kernels: prior weight / kernels on every
                        // choice, plus one on the observed choice; the prior is uniform.
                        let k = choices.len();
                        let fill = 1.0 / (n + 1) as f64;
                        let mut probs: Vec<Vec<f64>> = xs
                            .iter()
                            .map(|x| {
                                let mut v = vec![fill; k];
                                v[*x as usize] += 1.0;
                                let s: f64 = v.iter().sum();
                                v.iter().map(|p| p / s).collect()
                            })
                            .collect();
                        probs.push(vec![1.0 / k as f64; k]);
                        Kernels::Categorical { probs }
                    }
                    dist => {
                        let (low, high) = dist.bounds();
                        let range = high - low;
                        // The same bandwidths in the joint estimator (Optuna 4 and later).
                        let mut sigmas = neighbour_sigmas(&xs, low, high);
                        let min_sigma = range / (100f64).min(1.0 + (n + 1) as f64);
                        sigmas
                            .iter_mut()
                            .for_each(|s| *s = s.clamp(min_sigma, range));
                        let mut mus = xs;
                        mus.push(0.5 * (low + high));
                        sigmas.push(range);
                        Kernels::Numeric {
                            mus,
                            sigmas,
                            low,
                            high,
                        }
                    }
                }
            })
            .collect::<Vec<Kernels>>();
        let mut base: Vec<f64> = weights.iter().map(|w| w.ln()).collect();
        for d in &dims {
            if let Kernels::Numeric {
                mus,
                sigmas,
                low,
                high,
            } = d
            {
                for (k, b) in base.iter_mut().enumerate() {
                    let (mu, sigma) = (mus[k], sigmas[k]);
                    let (a, z) = ((low - mu) / sigma, (high - mu) / sigma);
                    // Both ends more than 8 sigmas away (most kernels of a long history): the
                    // mass is 1 to within 1e-15, and its two erfc are skipped.
                    let ln_mass = if a < -8.0 && z > 8.0 {
                        0.0
                    } else {
                        (phi(z) - phi(a)).max(1e-300).ln()
                    };
                    *b -= (sigma * std::f64::consts::TAU.sqrt()).ln() + ln_mass;
                }
            }
        }
        Estimator {
            weights,
            dims,
            base,
        }
    }

    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        let mut u = rng.next_f64();
        let mut k = self.weights.len() - 1;
        for (i, w) in self.weights.iter().enumerate() {
            if u < *w {
                k = i;
                break;
            }
            u -= w;
        }
        self.dims
            .iter()
            .map(|d| match d {
                Kernels::Numeric {
                    mus,
                    sigmas,
                    low,
                    high,
                } => truncated_normal(rng, mus[k], sigmas[k], *low, *high),
                Kernels::Categorical { probs } => {
                    let mut u = rng.next_f64();
                    let p = &probs[k];
                    let mut c = p.len() - 1;
                    for (i, q) in p.iter().enumerate() {
                        if u < *q {
                            c = i;
                            break;
                        }
                        u -= q;
                    }
                    c as f64
                }
            })
            .collect()
    }

    fn log_pdf(&self, x: &[f64]) -> f64 {
        let mut terms = self.base.clone();
        for (d, dim) in self.dims.iter().enumerate() {
            match dim {
                Kernels::Numeric { mus, sigmas, .. } => {
                    for ((t, mu), sigma) in terms.iter_mut().zip(mus).zip(sigmas) {
                        let z = (x[d] - mu) / sigma;
                        *t -= 0.5 * z * z;
                    }
                }
                Kernels::Categorical { probs } => {
                    for (k, t) in terms.iter_mut().enumerate() {
                        *t += probs[k][x[d] as usize].max(1e-300).ln();
                    }
                }
            }
        }
        log_sum_exp(&terms)
    }
}

/// Optuna's bandwidths: each kernel's sigma is the larger distance to its neighbours among
/// the sorted observations, the domain ends counting as neighbours except for the first and
/// last observations (which take their inner distance; Optuna's `consider_endpoints = False`).
fn neighbour_sigmas(xs: &[f64], low: f64, high: f64) -> Vec<f64> {
    let n = xs.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| xs[*a].total_cmp(&xs[*b]));
    let mut pts = Vec::with_capacity(n + 2);
    pts.push(low);
    pts.extend(order.iter().map(|&i| xs[i]));
    pts.push(high);
    let mut sorted: Vec<f64> = (1..=n)
        .map(|j| (pts[j] - pts[j - 1]).max(pts[j + 1] - pts[j]))
        .collect();
    if n >= 2 {
        sorted[0] = pts[2] - pts[1];
        sorted[n - 1] = pts[n] - pts[n - 1];
    }
    let mut out = vec![0.0; n];
    for (j, &i) in order.iter().enumerate() {
        out[i] = sorted[j];
    }
    out
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    // Terms below m - 40 add less than 4e-18 relative: skipped, which saves most of the exps
    // (the far-away kernels of a large history).
    m + v
        .iter()
        .filter(|x| **x > m - 40.0)
        .map(|x| exp_neg(x - m))
        .sum::<f64>()
        .ln()
}

/// e^x for x in [-40, 0], to a relative 1e-10: 2^(x log2 e) split into an integer power (the
/// exponent bits) and the Taylor series of e^f for the remainder |f| <= ln 2 / 2, to f^9.
/// Several times faster than `f64::exp`, which is most of TPE's time on a long history.
fn exp_neg(x: f64) -> f64 {
    let t = x * std::f64::consts::LOG2_E;
    let k = t.round();
    let f = (t - k) * std::f64::consts::LN_2;
    const INV: [f64; 10] = [
        0.0,
        1.0,
        1.0 / 2.0,
        1.0 / 3.0,
        1.0 / 4.0,
        1.0 / 5.0,
        1.0 / 6.0,
        1.0 / 7.0,
        1.0 / 8.0,
        1.0 / 9.0,
    ];
    let mut p = 1.0;
    for inv in INV[1..].iter().rev() {
        p = 1.0 + f * p * inv;
    }
    let bits = ((k as i64 + 1023) as u64) << 52;
    p * f64::from_bits(bits)
}

/// The complementary error function: the Chebyshev fit of Numerical Recipes (Press et al.,
/// 2nd ed., §6.2; fractional error below 1.2e-7), enough for kernel masses.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

#[cfg(test)]
fn log_truncated_normal(x: f64, mu: f64, sigma: f64, low: f64, high: f64) -> f64 {
    let z = (x - mu) / sigma;
    let mass = (phi((high - mu) / sigma) - phi((low - mu) / sigma)).max(1e-300);
    -0.5 * z * z - (sigma * (std::f64::consts::TAU).sqrt()).ln() - mass.ln()
}

/// A draw from N(mu, sigma) truncated to [low, high], by inverting the CDF (bisection on the
/// CDF, robust in the tails), falling back to a clamp.
fn truncated_normal(rng: &mut Rng, mu: f64, sigma: f64, low: f64, high: f64) -> f64 {
    // Rejection first: cheap when the interval holds most of the mass.
    for _ in 0..16 {
        let x = mu + sigma * rng.normal();
        if x >= low && x <= high {
            return x;
        }
    }
    let (a, b) = (phi((low - mu) / sigma), phi((high - mu) / sigma));
    let u = a + (b - a) * rng.next_f64();
    let (mut lo, mut hi) = (low, high);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if phi((mid - mu) / sigma) < u {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).clamp(low, high)
}

/// The TPE draw for the next trial.
pub fn sample(s: &Sampler, history: &[Trial], rng: &mut Rng) -> Params {
    let SamplerSpec::Tpe {
        n_startup_trials,
        n_ei_candidates,
        multivariate,
        constant_liar,
    } = s.spec
    else {
        unreachable!("the TPE sampler")
    };
    let ranked = s.ranked(history);
    if ranked.len() < n_startup_trials.max(1) {
        return s.space.sample_uniform(rng);
    }
    let n_below = gamma(ranked.len()).max(1);
    let mut below: Vec<&Trial> = ranked[..n_below].iter().map(|(t, _)| *t).collect();
    let mut above: Vec<&Trial> = ranked[n_below..].iter().map(|(t, _)| *t).collect();
    if constant_liar {
        above.extend(history.iter().filter(|t| t.state == TrialState::Running));
    }
    // Observations in trial order (the weights ramp by age).
    below.sort_by_key(|t| t.number);
    above.sort_by_key(|t| t.number);
    let mut out = Params::new();
    let joint: Vec<&Param> = if multivariate {
        s.space
            .params
            .iter()
            .filter(|p| p.when.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    if !joint.is_empty() {
        let x = best_candidate(&joint, &below, &above, n_ei_candidates, rng);
        for (p, v) in joint.iter().zip(x) {
            out.insert(p.name.clone(), p.dist.from_internal(v));
        }
    }
    for p in &s.space.params {
        if out.contains_key(&p.name) || !p.active(&out) {
            continue;
        }
        let x = best_candidate(&[p], &below, &above, n_ei_candidates, rng);
        out.insert(p.name.clone(), p.dist.from_internal(x[0]));
    }
    out
}

/// The candidate from l(x) with the largest log l(x) - log g(x), over the trials where all of
/// `params` were active.
fn best_candidate(
    params: &[&Param],
    below: &[&Trial],
    above: &[&Trial],
    n_candidates: usize,
    rng: &mut Rng,
) -> Vec<f64> {
    // The parameters in name order, so that each trial's (name-ordered) values are read in one
    // pass instead of one map search per parameter.
    let mut by_name: Vec<usize> = (0..params.len()).collect();
    by_name.sort_by(|a, b| params[*a].name.cmp(&params[*b].name));
    let row = |t: &Trial| -> Option<Vec<f64>> {
        let mut x = vec![0.0; params.len()];
        let mut values = t.params.iter();
        for &i in &by_name {
            let p = params[i];
            let v = loop {
                let (k, v) = values.next()?;
                match k.as_str().cmp(p.name.as_str()) {
                    std::cmp::Ordering::Less => continue,
                    std::cmp::Ordering::Equal => break v,
                    std::cmp::Ordering::Greater => return None,
                }
            };
            x[i] = p.dist.to_internal(v)?;
        }
        Some(x)
    };
    let obs = |ts: &[&Trial]| -> Vec<Vec<f64>> { ts.iter().filter_map(|t| row(t)).collect() };
    let l = Estimator::new(params, &obs(below));
    let g = Estimator::new(params, &obs(above));
    let mut best: Option<(f64, Vec<f64>)> = None;
    for _ in 0..n_candidates.max(1) {
        let mut x = l.sample(rng);
        // Score the point the trial will really get (ints and steps snapped).
        for (xi, p) in x.iter_mut().zip(params) {
            if let Some(v) = p.dist.to_internal(&p.dist.from_internal(*xi)) {
                if !p.dist.is_categorical() {
                    *xi = v;
                }
            }
        }
        let score = l.log_pdf(&x) - g.log_pdf(&x);
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, x));
        }
    }
    best.expect("at least one candidate").1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_ramp_over_old_observations() {
        assert_eq!(default_weights(3), vec![1.0; 3]);
        let w = default_weights(30);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-12);
        assert_eq!(w[4], 1.0);
        assert!(w.windows(2).all(|p| p[0] <= p[1]));
    }

    #[test]
    fn normal_cdf_and_truncated_draws() {
        assert!((phi(0.0) - 0.5).abs() < 1e-7);
        assert!((phi(1.96) - 0.975).abs() < 1e-4);
        assert!((phi(-1.0) - 0.158_655_25).abs() < 1e-6);
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            // Mostly outside the interval: the CDF inversion path.
            let x = truncated_normal(&mut rng, 0.0, 1.0, 4.0, 5.0);
            assert!((4.0..=5.0).contains(&x));
        }
        // The density integrates to one over the interval.
        let n = 10_000;
        let (lo, hi) = (-1.0, 3.0);
        let area: f64 = (0..n)
            .map(|i| {
                let x = lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
                log_truncated_normal(x, 0.5, 0.7, lo, hi).exp() * (hi - lo) / n as f64
            })
            .sum();
        assert!((area - 1.0).abs() < 1e-3, "{area}");
    }

    #[test]
    fn the_fast_exp_is_close() {
        for i in 0..=4000 {
            let x = -40.0 * i as f64 / 4000.0;
            let (a, b) = (exp_neg(x), x.exp());
            assert!(((a - b) / b).abs() < 1e-10, "{x}: {a} vs {b}");
        }
    }

    #[test]
    fn bandwidths_follow_neighbours() {
        // Points 0.2, 0.5, 0.9 on [0, 1]: the middle one takes its larger gap (0.4); the
        // outer ones their inner gap (0.3 and 0.4), not the distance to the domain's end.
        let s = neighbour_sigmas(&[0.9, 0.2, 0.5], 0.0, 1.0);
        assert!((s[0] - 0.4).abs() < 1e-12, "{s:?}");
        assert!((s[1] - 0.3).abs() < 1e-12, "{s:?}");
        assert!((s[2] - 0.4).abs() < 1e-12, "{s:?}");
        // One point: the larger distance to an end.
        assert!((neighbour_sigmas(&[0.2], 0.0, 1.0)[0] - 0.8).abs() < 1e-12);
    }
}
