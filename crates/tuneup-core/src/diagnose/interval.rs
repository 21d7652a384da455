//! Uncertainty of an error measured on n samples, so that a gap smaller than the noise of the
//! split sizes is not called a problem.

use crate::spec::Task;

/// An error with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    pub value: f64,
    /// Samples it was measured on (0 when it is given, not measured: a target error).
    pub n: usize,
    pub low: f64,
    pub high: f64,
    /// Standard error (half the interval width divided by z).
    pub se: f64,
}

impl Measured {
    /// A value taken as exact (the target error).
    pub fn exact(value: f64) -> Measured {
        Measured {
            value,
            n: 0,
            low: value,
            high: value,
            se: 0.0,
        }
    }

    /// A misclassification rate on n samples: the Wilson score interval (Wilson 1927), which
    /// stays sensible at 0 errors, unlike the normal approximation.
    pub fn error_rate(p: f64, n: usize, z: f64) -> Measured {
        if n == 0 {
            return Measured::exact(p);
        }
        let nf = n as f64;
        let z2 = z * z;
        let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
        let half = z / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
        Measured {
            value: p,
            n,
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
            se: half / z,
        }
    }

    /// An RMSE on n samples: the delta-method standard error rmse / sqrt(2n) (residuals taken as
    /// roughly normal), as a symmetric interval.
    pub fn rmse(r: f64, n: usize, z: f64) -> Measured {
        if n == 0 {
            return Measured::exact(r);
        }
        let se = r / (2.0 * n as f64).sqrt();
        Measured {
            value: r,
            n,
            low: (r - z * se).max(0.0),
            high: r + z * se,
            se,
        }
    }

    pub fn of(task: Task, value: f64, n: usize, z: f64) -> Measured {
        match task {
            Task::Classification => Measured::error_rate(value, n, z),
            Task::Regression => Measured::rmse(value, n, z),
        }
    }
}

/// A difference of two errors (`a - b`) with its interval, the two taken as independent.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gap {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Gap {
    pub fn between(a: &Measured, b: &Measured, z: f64) -> Gap {
        let value = a.value - b.value;
        let se = (a.se * a.se + b.se * b.se).sqrt();
        Gap {
            value,
            low: value - z * se,
            high: value + z * se,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_statsmodels() {
        // statsmodels 0.15.0: proportion_confint(10, 100, alpha=0.05, method="wilson")
        //   = (0.05522913706067509, 0.17436566150491348)
        // proportion_confint(0, 100, alpha=0.05, method="wilson") = (0.0, 0.03699349820698569)
        let m = Measured::error_rate(0.1, 100, 1.959963984540054);
        assert!((m.low - 0.05522913706067509).abs() < 1e-9, "{}", m.low);
        assert!((m.high - 0.17436566150491348).abs() < 1e-9, "{}", m.high);
        // Zero errors still has a width.
        let z = Measured::error_rate(0.0, 100, 1.959963984540054);
        assert!(z.low.abs() < 1e-12);
        assert!((z.high - 0.03699349820698569).abs() < 1e-9, "{}", z.high);
    }

    #[test]
    fn gap_interval_widens_with_small_samples() {
        let a = Measured::error_rate(0.12, 100, 1.96);
        let b = Measured::error_rate(0.10, 1000, 1.96);
        let g = Gap::between(&a, &b, 1.96);
        assert!((g.value - 0.02).abs() < 1e-12);
        assert!(
            g.low < 0.0,
            "a 2-point gap on 100 samples is within noise: {g:?}"
        );
        let a = Measured::error_rate(0.12, 10_000, 1.96);
        let b = Measured::error_rate(0.10, 10_000, 1.96);
        assert!(Gap::between(&a, &b, 1.96).low > 0.0);
    }
}
