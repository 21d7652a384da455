//! Learning curves over data size: fit err(n) = a·n^(−b) + c (Hestness et al. 2017, "Deep
//! Learning Scaling is Predictable, Empirically") and forecast the error with more data.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PowerLaw {
    pub a: f64,
    pub b: f64,
    /// The irreducible error the curve levels off at.
    pub c: f64,
    /// Root mean squared residual of the fit.
    pub rmse: f64,
}

impl PowerLaw {
    pub fn at(&self, n: f64) -> f64 {
        self.a * n.powf(-self.b) + self.c
    }
}

/// Least squares for fixed b: err = a·x + c with x = n^-b, a ≥ 0, c ≥ 0.
fn fit_fixed_b(points: &[(f64, f64)], b: f64) -> Option<(f64, f64, f64)> {
    let xs: Vec<f64> = points.iter().map(|(n, _)| n.powf(-b)).collect();
    let ys: Vec<f64> = points.iter().map(|(_, e)| *e).collect();
    let m = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / m;
    let my = ys.iter().sum::<f64>() / m;
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let (mut a, mut c) = if sxx > 0.0 {
        let a = sxy / sxx;
        (a, my - a * mx)
    } else {
        (0.0, my)
    };
    if c < 0.0 {
        // Constrain c to 0: a through the origin.
        c = 0.0;
        let sx2: f64 = xs.iter().map(|x| x * x).sum();
        a = if sx2 > 0.0 {
            xs.iter().zip(&ys).map(|(x, y)| x * y).sum::<f64>() / sx2
        } else {
            0.0
        };
    }
    if a < 0.0 {
        a = 0.0;
        c = my.max(0.0);
    }
    let sse: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (a * x + c - y).powi(2))
        .sum();
    Some((a, c, sse))
}

/// Fits the power law by a grid over the exponent b in (0, 2] with exact least squares for a and
/// c at each b. Needs at least three distinct sizes.
pub fn fit(points: &[(f64, f64)]) -> Option<PowerLaw> {
    let mut sizes: Vec<f64> = points.iter().map(|p| p.0).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    if sizes.len() < 3
        || points
            .iter()
            .any(|(n, e)| !(n.is_finite() && *n > 0.0 && e.is_finite()))
    {
        return None;
    }
    let mut best: Option<(f64, f64, f64, f64)> = None;
    for i in 1..=400 {
        let b = i as f64 * 0.005;
        if let Some((a, c, sse)) = fit_fixed_b(points, b) {
            if best.is_none_or(|bst| sse < bst.3) {
                best = Some((a, b, c, sse));
            }
        }
    }
    best.map(|(a, b, c, sse)| PowerLaw {
        a,
        b,
        c,
        rmse: (sse / points.len() as f64).sqrt(),
    })
}

/// A forecast at a data size, with a 90% bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub n: f64,
    pub error: f64,
    pub low: f64,
    pub high: f64,
}

/// Forecasts at the sizes `at`, with intervals from refitting to resampled residuals
/// (`rounds` bootstrap rounds, seeded).
pub fn forecast(
    points: &[(f64, f64)],
    law: &PowerLaw,
    at: &[f64],
    rounds: usize,
    seed: u64,
) -> Vec<Forecast> {
    let resid: Vec<f64> = points.iter().map(|(n, e)| e - law.at(*n)).collect();
    let mut rng = Rng::derive(seed, 77);
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); at.len()];
    for _ in 0..rounds {
        let boot: Vec<(f64, f64)> = points
            .iter()
            .map(|(n, _)| (*n, law.at(*n) + resid[rng.below(resid.len())]))
            .collect();
        if let Some(l) = fit(&boot) {
            for (i, n) in at.iter().enumerate() {
                samples[i].push(l.at(*n));
            }
        }
    }
    at.iter()
        .zip(samples)
        .map(|(n, mut s)| {
            s.sort_by(f64::total_cmp);
            let q = |p: f64| {
                if s.is_empty() {
                    f64::NAN
                } else {
                    s[((s.len() - 1) as f64 * p).round() as usize]
                }
            };
            Forecast {
                n: *n,
                error: law.at(*n),
                low: q(0.05),
                high: q(0.95),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_power_law() {
        let truth = PowerLaw {
            a: 2.0,
            b: 0.5,
            c: 0.05,
            rmse: 0.0,
        };
        let pts: Vec<(f64, f64)> = [100.0, 200.0, 400.0, 800.0, 1600.0]
            .iter()
            .map(|n| (*n, truth.at(*n)))
            .collect();
        let f = fit(&pts).unwrap();
        assert!((f.b - 0.5).abs() < 0.006, "{f:?}");
        assert!((f.c - 0.05).abs() < 0.005, "{f:?}");
        assert!((f.at(3200.0) - truth.at(3200.0)).abs() < 0.002);
        let fc = forecast(&pts, &f, &[3200.0], 100, 1);
        assert!(fc[0].low <= fc[0].error && fc[0].error <= fc[0].high);
    }

    #[test]
    fn noisy_points_give_an_interval_that_covers_the_truth() {
        let truth = PowerLaw {
            a: 1.5,
            b: 0.4,
            c: 0.02,
            rmse: 0.0,
        };
        let mut rng = Rng::new(3);
        let pts: Vec<(f64, f64)> = [150.0, 300.0, 600.0, 1000.0, 1400.0]
            .iter()
            .flat_map(|n| (0..3).map(move |_| *n))
            .map(|n| (n, truth.at(n) + (rng.next_f64() - 0.5) * 0.01))
            .collect();
        let f = fit(&pts).unwrap();
        let fc = forecast(&pts, &f, &[2800.0], 200, 2);
        assert!(
            fc[0].low - 0.01 < truth.at(2800.0) && truth.at(2800.0) < fc[0].high + 0.01,
            "{fc:?} vs {}",
            truth.at(2800.0)
        );
    }

    #[test]
    fn too_few_sizes() {
        assert!(fit(&[(1.0, 0.5), (2.0, 0.4), (2.0, 0.41)]).is_none());
    }
}
