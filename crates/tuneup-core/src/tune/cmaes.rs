//! CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial") over the numerical
//! parameters that every trial has, each scaled to [0, 1]; categorical and conditional
//! parameters are drawn at random. Stateless: trial k belongs to generation ⌊k / λ⌋, and the
//! state for generation G is rebuilt by replaying generations 0..G from the history (each
//! updated with its complete trials), so concurrent workers and resumed studies agree.

use super::sampler::{Sampler, SamplerSpec};
use super::space::{Param, Params};
use super::{Trial, TrialState};
use crate::rng::Rng;

struct State {
    n: usize,
    mean: Vec<f64>,
    sigma: f64,
    c: Vec<Vec<f64>>,
    /// Eigenvectors (columns) and square roots of eigenvalues of `c`.
    b: Vec<Vec<f64>>,
    d: Vec<f64>,
    pc: Vec<f64>,
    ps: Vec<f64>,
    generation: usize,
}

/// Population size for `n` dimensions: 4 + ⌊3 ln n⌋.
pub fn default_popsize(n: usize) -> usize {
    4 + (3.0 * (n.max(1) as f64).ln()).floor() as usize
}

fn recombination_weights(mu: usize) -> (Vec<f64>, f64) {
    let raw: Vec<f64> = (1..=mu)
        .map(|i| (mu as f64 + 0.5).ln() - (i as f64).ln())
        .collect();
    let s: f64 = raw.iter().sum();
    let w: Vec<f64> = raw.iter().map(|x| x / s).collect();
    let mu_eff = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
    (w, mu_eff)
}

impl State {
    fn new(n: usize, sigma0: f64) -> State {
        let eye: Vec<Vec<f64>> = (0..n)
            .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
            .collect();
        State {
            n,
            mean: vec![0.5; n],
            sigma: sigma0,
            c: eye.clone(),
            b: eye,
            d: vec![1.0; n],
            pc: vec![0.0; n],
            ps: vec![0.0; n],
            generation: 0,
        }
    }

    /// A candidate in [0, 1]^n: resampled while outside (up to 100 times), then clipped.
    fn sample(&self, rng: &mut Rng) -> Vec<f64> {
        let n = self.n;
        let mut x = vec![0.0; n];
        for attempt in 0..100 {
            let z: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            for (i, xi) in x.iter_mut().enumerate() {
                let bdz: f64 = (0..n).map(|j| self.b[i][j] * self.d[j] * z[j]).sum();
                *xi = self.mean[i] + self.sigma * bdz;
            }
            if x.iter().all(|v| (0.0..=1.0).contains(v)) || attempt == 99 {
                break;
            }
        }
        x.iter().map(|v| v.clamp(0.0, 1.0)).collect()
    }

    /// One generation's update from its solutions sorted best first.
    fn update(&mut self, sorted: &[Vec<f64>], popsize: usize) {
        let n = self.n as f64;
        let mu = (popsize / 2).min(sorted.len()).max(1);
        let (w, mu_eff) = recombination_weights(mu);
        let cs = (mu_eff + 2.0) / (n + mu_eff + 5.0);
        let ds = 1.0 + 2.0 * (((mu_eff - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let cc = (4.0 + mu_eff / n) / (n + 4.0 + 2.0 * mu_eff / n);
        let c1 = 2.0 / ((n + 1.3).powi(2) + mu_eff);
        let cmu =
            (1.0 - c1).min(2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((n + 2.0).powi(2) + mu_eff));
        let chi_n = n.sqrt() * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
        let ys: Vec<Vec<f64>> = sorted[..mu]
            .iter()
            .map(|x| {
                x.iter()
                    .zip(&self.mean)
                    .map(|(a, m)| (a - m) / self.sigma)
                    .collect()
            })
            .collect();
        let yw: Vec<f64> = (0..self.n)
            .map(|i| ys.iter().zip(&w).map(|(y, wi)| wi * y[i]).sum())
            .collect();
        for i in 0..self.n {
            self.mean[i] += self.sigma * yw[i];
        }
        // C^{-1/2} y_w = B D^{-1} B^T y_w
        let bt_y: Vec<f64> = (0..self.n)
            .map(|j| (0..self.n).map(|i| self.b[i][j] * yw[i]).sum::<f64>() / self.d[j])
            .collect();
        let c_inv_sqrt_y: Vec<f64> = (0..self.n)
            .map(|i| (0..self.n).map(|j| self.b[i][j] * bt_y[j]).sum())
            .collect();
        let k = (cs * (2.0 - cs) * mu_eff).sqrt();
        for i in 0..self.n {
            self.ps[i] = (1.0 - cs) * self.ps[i] + k * c_inv_sqrt_y[i];
        }
        let ps_norm = self.ps.iter().map(|v| v * v).sum::<f64>().sqrt();
        let g = (self.generation + 1) as f64;
        let hs =
            ps_norm / (1.0 - (1.0 - cs).powf(2.0 * g)).sqrt() < (1.4 + 2.0 / (n + 1.0)) * chi_n;
        let hs_f = if hs { 1.0 } else { 0.0 };
        let kc = (cc * (2.0 - cc) * mu_eff).sqrt();
        for i in 0..self.n {
            self.pc[i] = (1.0 - cc) * self.pc[i] + hs_f * kc * yw[i];
        }
        for i in 0..self.n {
            for j in 0..self.n {
                let rank_mu: f64 = ys.iter().zip(&w).map(|(y, wi)| wi * y[i] * y[j]).sum();
                self.c[i][j] = (1.0 - c1 - cmu) * self.c[i][j]
                    + c1 * (self.pc[i] * self.pc[j]
                        + (1.0 - hs_f) * cc * (2.0 - cc) * self.c[i][j])
                    + cmu * rank_mu;
            }
        }
        self.sigma *= ((cs / ds) * (ps_norm / chi_n - 1.0)).exp();
        self.sigma = self.sigma.clamp(1e-12, 1.0);
        let (vals, vecs) = jacobi_eigen(&self.c);
        self.d = vals.iter().map(|v| v.max(1e-20).sqrt()).collect();
        self.b = vecs;
        self.generation += 1;
    }
}

/// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.
pub fn jacobi_eigen(m: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

/// The CMA-ES draw for trial `number`.
pub fn sample(s: &Sampler, history: &[Trial], number: usize, rng: &mut Rng) -> Params {
    let SamplerSpec::Cmaes { popsize, sigma0 } = s.spec else {
        unreachable!("the CMA-ES sampler")
    };
    let dims: Vec<&Param> = s
        .space
        .params
        .iter()
        .filter(|p| p.when.is_empty() && !p.dist.is_categorical())
        .collect();
    let mut out = Params::new();
    if !dims.is_empty() {
        let lambda = popsize
            .unwrap_or_else(|| default_popsize(dims.len()))
            .max(2);
        let mut state = State::new(dims.len(), sigma0);
        let to_unit = |t: &Trial| -> Option<Vec<f64>> {
            dims.iter()
                .map(|p| {
                    let (lo, hi) = p.dist.bounds();
                    let x = p.dist.to_internal(t.params.get(&p.name)?)?;
                    Some(((x - lo) / (hi - lo)).clamp(0.0, 1.0))
                })
                .collect()
        };
        for g in 0..number / lambda {
            let mut done: Vec<(f64, Vec<f64>)> = history
                .iter()
                .filter(|t| t.number / lambda == g && t.state == TrialState::Complete)
                .filter_map(|t| {
                    let v = t.value.filter(|v| v.is_finite())?;
                    Some((s.direction.loss(v), to_unit(t)?))
                })
                .collect();
            if done.len() < 2 {
                continue;
            }
            done.sort_by(|a, b| a.0.total_cmp(&b.0));
            let sorted: Vec<Vec<f64>> = done.into_iter().map(|(_, x)| x).collect();
            state.update(&sorted, lambda);
        }
        let x = state.sample(rng);
        for (p, u) in dims.iter().zip(x) {
            let (lo, hi) = p.dist.bounds();
            out.insert(p.name.clone(), p.dist.from_internal(lo + u * (hi - lo)));
        }
    }
    for p in &s.space.params {
        if !out.contains_key(&p.name) && p.active(&out) {
            out.insert(p.name.clone(), p.dist.sample(rng));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalises() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 1.0],
        ];
        let (vals, vecs) = jacobi_eigen(&m);
        for k in 0..3 {
            for i in 0..3 {
                let mv: f64 = (0..3).map(|j| m[i][j] * vecs[j][k]).sum();
                assert!((mv - vals[k] * vecs[i][k]).abs() < 1e-9);
            }
        }
        let trace: f64 = vals.iter().sum();
        assert!((trace - 8.0).abs() < 1e-9);
    }
}
