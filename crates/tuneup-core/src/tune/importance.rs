//! Parameter importance: a random forest fitted to the finished trials (parameters ->
//! objective), then permutation importance: how much the forest's error grows when one
//! parameter's column is shuffled (Breiman 2001), normalised to sum to 1.

use super::space::Space;
use super::{Direction, Trial, TrialState};
use crate::rng::Rng;

struct Node {
    feature: usize,
    threshold: f64,
    left: usize,
    right: usize,
    value: f64,
    leaf: bool,
}

struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    fn fit(x: &[Vec<f64>], y: &[f64], rows: Vec<usize>, rng: &mut Rng) -> Tree {
        let mut t = Tree { nodes: Vec::new() };
        t.grow(x, y, rows, 0, rng);
        t
    }

    fn grow(
        &mut self,
        x: &[Vec<f64>],
        y: &[f64],
        rows: Vec<usize>,
        depth: usize,
        rng: &mut Rng,
    ) -> usize {
        let mean = rows.iter().map(|&r| y[r]).sum::<f64>() / rows.len() as f64;
        let id = self.nodes.len();
        self.nodes.push(Node {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
            value: mean,
            leaf: true,
        });
        if depth >= 10 || rows.len() < 4 {
            return id;
        }
        let d = x[0].len();
        // A random subset of features (all when few), as random forests do.
        let m = d.max(1).min((d as f64 * 0.6).ceil() as usize).max(1);
        let mut feats: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            feats.swap(i, rng.below(i + 1));
        }
        let sse = |rs: &[usize]| -> f64 {
            let n = rs.len() as f64;
            let s: f64 = rs.iter().map(|&r| y[r]).sum();
            let s2: f64 = rs.iter().map(|&r| y[r] * y[r]).sum();
            s2 - s * s / n
        };
        let total = sse(&rows);
        let mut best: Option<(f64, usize, f64)> = None;
        for &f in &feats[..m] {
            let mut sorted = rows.clone();
            sorted.sort_by(|a, b| x[*a][f].total_cmp(&x[*b][f]));
            // Prefix sums for O(n) split scans.
            let (mut s, mut s2) = (0.0, 0.0);
            let tot_s: f64 = sorted.iter().map(|&r| y[r]).sum();
            let tot_s2: f64 = sorted.iter().map(|&r| y[r] * y[r]).sum();
            for i in 0..sorted.len() - 1 {
                let r = sorted[i];
                s += y[r];
                s2 += y[r] * y[r];
                let (a, b) = (x[r][f], x[sorted[i + 1]][f]);
                if a == b || i + 1 < 2 || sorted.len() - i - 1 < 2 {
                    continue;
                }
                let nl = (i + 1) as f64;
                let nr = (sorted.len() - i - 1) as f64;
                let left = s2 - s * s / nl;
                let right = (tot_s2 - s2) - (tot_s - s) * (tot_s - s) / nr;
                let gain = total - left - right;
                if best.is_none_or(|(g, _, _)| gain > g) {
                    best = Some((gain, f, 0.5 * (a + b)));
                }
            }
        }
        let Some((gain, f, thr)) = best else {
            return id;
        };
        if gain <= 1e-12 {
            return id;
        }
        let (l, r): (Vec<usize>, Vec<usize>) = rows.into_iter().partition(|&i| x[i][f] <= thr);
        let left = self.grow(x, y, l, depth + 1, rng);
        let right = self.grow(x, y, r, depth + 1, rng);
        self.nodes[id] = Node {
            feature: f,
            threshold: thr,
            left,
            right,
            value: mean,
            leaf: false,
        };
        id
    }

    fn predict(&self, x: &[f64]) -> f64 {
        let mut i = 0;
        loop {
            let n = &self.nodes[i];
            if n.leaf {
                return n.value;
            }
            i = if x[n.feature] <= n.threshold {
                n.left
            } else {
                n.right
            };
        }
    }
}

/// The most complete trials the surrogate is fitted on; a larger study's are a seeded sample, so
/// that `tuneup study` answers in well under a second on tens of thousands of trials.
const MAX_TRIALS: usize = 2000;

/// Each parameter's share of importance (names in the space's order), from the complete
/// trials (at most [`MAX_TRIALS`] of them); `None` with fewer than 5 complete trials.
pub fn importance(
    space: &Space,
    trials: &[Trial],
    direction: Direction,
    seed: u64,
) -> Option<Vec<(String, f64)>> {
    let mut done: Vec<&Trial> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .collect();
    if done.len() < 5 {
        return None;
    }
    let mut rng = Rng::new(seed ^ 0x1_3B0_47A);
    if done.len() > MAX_TRIALS {
        // A partial Fisher-Yates shuffle: the first MAX_TRIALS are a uniform sample.
        for i in 0..MAX_TRIALS {
            let j = i + rng.below(done.len() - i);
            done.swap(i, j);
        }
        done.truncate(MAX_TRIALS);
    }
    // Features: internal coordinates; an inactive parameter sits just below its range.
    let x: Vec<Vec<f64>> = done
        .iter()
        .map(|t| {
            space
                .params
                .iter()
                .map(|p| {
                    let (lo, hi) = p.dist.bounds();
                    t.params
                        .get(&p.name)
                        .and_then(|v| p.dist.to_internal(v))
                        .unwrap_or(lo - (hi - lo).abs().max(1.0))
                })
                .collect()
        })
        .collect();
    let y: Vec<f64> = done
        .iter()
        .map(|t| direction.loss(t.value.unwrap_or(0.0)))
        .collect();
    let n = done.len();
    let trees: Vec<Tree> = (0..64)
        .map(|_| {
            let rows: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
            Tree::fit(&x, &y, rows, &mut rng)
        })
        .collect();
    let predict =
        |row: &[f64]| trees.iter().map(|t| t.predict(row)).sum::<f64>() / trees.len() as f64;
    let mse = |xs: &[Vec<f64>]| -> f64 {
        xs.iter()
            .zip(&y)
            .map(|(r, t)| (predict(r) - t).powi(2))
            .sum::<f64>()
            / n as f64
    };
    let base = mse(&x);
    let mut raw = Vec::new();
    for (j, p) in space.params.iter().enumerate() {
        let mut inc = 0.0;
        for _ in 0..5 {
            let mut perm: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                perm.swap(i, rng.below(i + 1));
            }
            let shuffled: Vec<Vec<f64>> = (0..n)
                .map(|i| {
                    let mut r = x[i].clone();
                    r[j] = x[perm[i]][j];
                    r
                })
                .collect();
            inc += (mse(&shuffled) - base).max(0.0);
        }
        raw.push((p.name.clone(), inc / 5.0));
    }
    let total: f64 = raw.iter().map(|(_, v)| v).sum();
    Some(
        raw.into_iter()
            .map(|(k, v)| (k, if total > 0.0 { v / total } else { 0.0 }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_parameter_that_drives_the_value_is_the_important_one() {
        let t: toml::Table = toml::from_str(
            r#"
"a" = { float = [0.0, 1.0] }
"b" = { float = [0.0, 1.0] }
"c" = { choices = ["x", "y"] }
"#,
        )
        .unwrap();
        let space = Space::parse(&t).unwrap();
        let mut rng = Rng::new(5);
        let trials: Vec<Trial> = (0..80)
            .map(|i| {
                let p = space.sample_uniform(&mut rng);
                let a = p["a"].as_f64().unwrap();
                let b = p["b"].as_f64().unwrap();
                let v = 10.0 * (a - 0.3).powi(2)
                    + 0.1 * b
                    + if p["c"] == json!("y") { 0.5 } else { 0.0 };
                Trial {
                    number: i,
                    state: TrialState::Complete,
                    params: p,
                    value: Some(v),
                    intermediate: vec![],
                }
            })
            .collect();
        let imp = importance(&space, &trials, Direction::Minimize, 0).unwrap();
        let get = |k: &str| imp.iter().find(|(n, _)| n == k).unwrap().1;
        assert!(get("a") > get("c") && get("c") > get("b"), "{imp:?}");
        assert!((imp.iter().map(|(_, v)| v).sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(importance(&space, &trials[..4], Direction::Minimize, 0).is_none());
    }
}
