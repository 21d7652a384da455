//! Ensembles: combining members' predictions by soft voting (mean probabilities / values), hard
//! voting (majority, ties to the lowest class index), or weights fitted on held-out predictions.
//! Members are added one at a time, so memory holds one member's outputs and the running sum.

use serde::{Deserialize, Serialize};

use crate::data::{DataInfo, Y};
use crate::scores::softmax_rows_f64;
use crate::spec::Task;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Soft,
    Hard,
    Weighted,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Soft => "soft",
            Method::Hard => "hard",
            Method::Weighted => "weighted",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "soft" => Some(Method::Soft),
            "hard" => Some(Method::Hard),
            "weighted" => Some(Method::Weighted),
            _ => None,
        }
    }
}

/// A member's predictions: class probabilities (`rows x classes`) or values in target units.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberPred {
    Proba(Vec<f64>),
    Values(Vec<f64>),
}

impl MemberPred {
    /// The numbers themselves: probabilities row by row, or values.
    pub fn values(&self) -> &[f64] {
        match self {
            MemberPred::Proba(v) | MemberPred::Values(v) => v,
        }
    }

    /// From a model's raw outputs (logits, or standardised values).
    pub fn from_outputs(info: &DataInfo, outputs: &[f32]) -> MemberPred {
        match info.task {
            Task::Classification => {
                MemberPred::Proba(softmax_rows_f64(outputs, info.classes.len()))
            }
            Task::Regression => {
                MemberPred::Values(outputs.iter().map(|o| info.to_units(*o) as f64).collect())
            }
        }
    }
}

/// Running combination of members.
#[derive(Debug, Clone)]
pub struct Combiner {
    method: Method,
    classes: usize,
    weights: Vec<f64>,
    acc: Vec<f64>,
    added: usize,
}

impl Combiner {
    /// `weights`: one per member (soft and hard voting: equal).
    pub fn new(method: Method, classes: usize, weights: Vec<f64>) -> Combiner {
        Combiner {
            method,
            classes,
            weights,
            acc: Vec::new(),
            added: 0,
        }
    }

    /// Adds the next member's predictions.
    pub fn add(&mut self, p: &MemberPred) {
        let w = self.weights.get(self.added).copied().unwrap_or(1.0);
        let vals = p.values();
        let k = match p {
            MemberPred::Proba(_) => self.classes,
            MemberPred::Values(_) => 1,
        };
        if self.acc.is_empty() {
            self.acc = vec![0.0; vals.len()];
        }
        match (self.method, p) {
            (Method::Hard, MemberPred::Proba(_)) => {
                for (r, row) in vals.chunks(k).enumerate() {
                    self.acc[r * k + argmax(row)] += w;
                }
            }
            _ => {
                for (a, v) in self.acc.iter_mut().zip(vals) {
                    *a += w * v;
                }
            }
        }
        self.added += 1;
    }

    /// The ensemble's predictions: probabilities (hard voting: vote shares) or values.
    pub fn finish(self) -> MemberPred {
        let total: f64 = self.weights.iter().take(self.added).sum();
        let total = if total > 0.0 { total } else { 1.0 };
        let v: Vec<f64> = self.acc.iter().map(|a| a / total).collect();
        if self.classes > 0 {
            MemberPred::Proba(v)
        } else {
            MemberPred::Values(v)
        }
    }
}

/// The ensemble's predictions as raw outputs that [`crate::scores`] reads like a model's:
/// log-probabilities (softmax gives the probabilities back; the largest stays the largest, ties
/// to the lowest index), or standardised values.
pub fn to_outputs(info: &DataInfo, p: &MemberPred) -> Vec<f32> {
    match p {
        MemberPred::Proba(v) => v.iter().map(|p| p.max(1e-15).ln() as f32).collect(),
        MemberPred::Values(v) => v.iter().map(|y| info.to_model(*y as f32)).collect(),
    }
}

fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best
}

/// Non-negative weights summing to 1 that minimise the log loss (classification) or the mean
/// squared error (regression) of the weighted average of `members` against `y`: projected
/// gradient descent on the simplex with a backtracking line search, from equal weights. Only
/// the given predictions are read: pass held-out (validation or out-of-fold) ones.
pub fn fit_weights(members: &[MemberPred], y: &Y, classes: usize) -> Vec<f64> {
    let m = members.len();
    let mut w = vec![1.0 / m as f64; m];
    if m == 1 {
        return w;
    }
    let objective = |w: &[f64]| -> (f64, Vec<f64>) {
        match y {
            Y::Classes(t) => {
                let n = t.len() as f64;
                let mut loss = 0.0;
                let mut grad = vec![0.0; m];
                for (r, &c) in t.iter().enumerate() {
                    let at = r * classes + c as usize;
                    let p: f64 = members
                        .iter()
                        .zip(w)
                        .map(|(mp, wi)| wi * mp.values()[at])
                        .sum::<f64>()
                        .max(1e-15);
                    loss -= p.ln();
                    for (g, mp) in grad.iter_mut().zip(members) {
                        *g -= mp.values()[at] / p;
                    }
                }
                (loss / n, grad.into_iter().map(|g| g / n).collect())
            }
            Y::Values(t) => {
                let n = t.len() as f64;
                let mut loss = 0.0;
                let mut grad = vec![0.0; m];
                for (r, &v) in t.iter().enumerate() {
                    let pred: f64 = members
                        .iter()
                        .zip(w)
                        .map(|(mp, wi)| wi * mp.values()[r])
                        .sum();
                    let e = pred - v as f64;
                    loss += e * e;
                    for (g, mp) in grad.iter_mut().zip(members) {
                        *g += 2.0 * e * mp.values()[r];
                    }
                }
                (loss / n, grad.into_iter().map(|g| g / n).collect())
            }
            Y::None => (0.0, vec![0.0; m]),
        }
    };
    let (mut f, mut g) = objective(&w);
    let mut step = 1.0;
    for _ in 0..500 {
        let mut improved = false;
        while step > 1e-12 {
            let cand = project_simplex(
                &w.iter()
                    .zip(&g)
                    .map(|(a, b)| a - step * b)
                    .collect::<Vec<_>>(),
            );
            let (fc, gc) = objective(&cand);
            let moved: f64 = cand.iter().zip(&w).map(|(a, b)| (a - b).abs()).sum();
            if fc < f - 1e-12 && moved > 0.0 {
                w = cand;
                let done = f - fc < 1e-10;
                f = fc;
                g = gc;
                step *= 2.0;
                improved = !done;
                break;
            }
            step /= 2.0;
        }
        if !improved {
            break;
        }
    }
    w
}

/// Euclidean projection onto the probability simplex (Duchi et al. 2008).
fn project_simplex(v: &[f64]) -> Vec<f64> {
    let mut u = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut css = 0.0;
    let mut theta = 0.0;
    for (i, ui) in u.iter().enumerate() {
        css += ui;
        let t = (css - 1.0) / (i + 1) as f64;
        if ui - t > 0.0 {
            theta = t;
        }
    }
    v.iter().map(|x| (x - theta).max(0.0)).collect()
}

/// Per sample, higher is better: 1 / 0 for a right / wrong class (the largest probability, ties
/// to the lowest index), minus the squared error for values. Paired tests compare two models
/// on these.
pub fn per_sample(p: &MemberPred, y: &Y, classes: usize) -> Vec<f64> {
    match (p, y) {
        (MemberPred::Proba(v), Y::Classes(t)) => v
            .chunks(classes.max(1))
            .zip(t)
            .map(|(row, t)| if argmax(row) == *t as usize { 1.0 } else { 0.0 })
            .collect(),
        (MemberPred::Values(v), Y::Values(t)) => v
            .iter()
            .zip(t)
            .map(|(p, t)| -(p - *t as f64).powi(2))
            .collect(),
        _ => Vec::new(),
    }
}

/// Ensemble selection (Caruana et al. 2004), without replacement: from `members[0]` (the best
/// single model), add the member whose soft vote with those chosen scores best, while that
/// beats the current vote; at most `max` members. `score` is higher-is-better. Returns the
/// chosen indices in the order they joined.
pub fn greedy_select(
    members: &[MemberPred],
    classes: usize,
    max: usize,
    score: impl Fn(&MemberPred) -> f64,
) -> Vec<usize> {
    if members.is_empty() {
        return Vec::new();
    }
    let vote = |ids: &[usize]| {
        let mut c = Combiner::new(Method::Soft, classes, vec![1.0; ids.len()]);
        for &i in ids {
            c.add(&members[i]);
        }
        c.finish()
    };
    let mut chosen = vec![0];
    let mut current = score(&members[0]);
    while chosen.len() < max.max(1) {
        let best = (0..members.len())
            .filter(|i| !chosen.contains(i))
            .map(|i| {
                let mut ids = chosen.clone();
                ids.push(i);
                (i, score(&vote(&ids)))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((i, s)) if s > current => {
                chosen.push(i);
                current = s;
            }
            _ => break,
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_selection_adds_members_only_while_the_vote_improves() {
        // Three samples of two classes, truth [0, 1, 0]. Member 0 gets samples 0 and 1 right;
        // member 1 gets 0 and 2 right, with sample 1 wrong by a little; member 2 is wrong
        // everywhere. Soft vote of 0 and 1 gets all three right; adding 2 cannot help.
        let y = Y::Classes(vec![0, 1, 0]);
        let members = vec![
            MemberPred::Proba(vec![0.9, 0.1, 0.1, 0.9, 0.45, 0.55]),
            MemberPred::Proba(vec![0.8, 0.2, 0.55, 0.45, 0.95, 0.05]),
            MemberPred::Proba(vec![0.1, 0.9, 0.9, 0.1, 0.1, 0.9]),
        ];
        let acc = |p: &MemberPred| per_sample(p, &y, 2).iter().sum::<f64>() / 3.0;
        assert_eq!(per_sample(&members[0], &y, 2), vec![1.0, 1.0, 0.0]);
        assert_eq!(greedy_select(&members, 2, 5, acc), vec![0, 1]);
        assert_eq!(greedy_select(&members, 2, 1, acc), vec![0]);
        let v = per_sample(
            &MemberPred::Values(vec![1.0, 3.0]),
            &Y::Values(vec![2.0, 3.0]),
            0,
        );
        assert_eq!(v, vec![-1.0, 0.0]);
    }

    #[test]
    fn soft_and_hard_voting() {
        let a = MemberPred::Proba(vec![0.6, 0.4, 0.2, 0.8]);
        let b = MemberPred::Proba(vec![0.1, 0.9, 0.3, 0.7]);
        let c = MemberPred::Proba(vec![0.7, 0.3, 0.6, 0.4]);
        let mut soft = Combiner::new(Method::Soft, 2, vec![1.0; 3]);
        for m in [&a, &b, &c] {
            soft.add(m);
        }
        let MemberPred::Proba(p) = soft.finish() else {
            panic!()
        };
        let want = [1.4 / 3.0, 1.6 / 3.0, 1.1 / 3.0, 1.9 / 3.0];
        assert!(
            p.iter().zip(want).all(|(x, y)| (x - y).abs() < 1e-12),
            "{p:?}"
        );
        let mut hard = Combiner::new(Method::Hard, 2, vec![1.0; 3]);
        for m in [&a, &b, &c] {
            hard.add(m);
        }
        let MemberPred::Proba(v) = hard.finish() else {
            panic!()
        };
        assert_eq!(v, vec![2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 2.0 / 3.0]);
        // A tie goes to the lowest class index, after the round trip through log outputs.
        let mut tie = Combiner::new(Method::Hard, 2, vec![1.0; 2]);
        tie.add(&a);
        tie.add(&b);
        let info = crate::data::DataInfo::for_tests(&["x", "y"], 0.0, 1.0);
        let out = to_outputs(&info, &tie.finish());
        let crate::scores::Predictions::Classes { labels, .. } =
            crate::scores::predictions(&info, &out)
        else {
            panic!()
        };
        assert_eq!(labels, vec![0, 1]);
    }

    #[test]
    fn fitted_weights_favour_the_better_member_and_stay_on_the_simplex() {
        // Member 0 is right with confidence, member 1 is noise, member 2 is wrong.
        let y = Y::Classes(vec![0, 1, 0, 1, 1, 0]);
        let good = MemberPred::Proba(vec![
            0.9, 0.1, 0.2, 0.8, 0.8, 0.2, 0.3, 0.7, 0.1, 0.9, 0.7, 0.3,
        ]);
        let noise = MemberPred::Proba(vec![0.5; 12]);
        let bad = MemberPred::Proba(vec![
            0.1, 0.9, 0.9, 0.1, 0.2, 0.8, 0.8, 0.2, 0.6, 0.4, 0.3, 0.7,
        ]);
        let w = fit_weights(&[good, noise, bad], &y, 2);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w:?}");
        assert!(w.iter().all(|x| *x >= 0.0));
        assert!(w[0] > 0.8 && w[2] < 0.05, "{w:?}");
        // Regression: the truth is the mean of two members; the weights find it.
        let t: Vec<f32> = (0..20).map(|i| i as f32).collect();
        let a = MemberPred::Values(t.iter().map(|v| *v as f64 + 2.0).collect());
        let b = MemberPred::Values(t.iter().map(|v| *v as f64 - 2.0).collect());
        let w = fit_weights(&[a, b], &Y::Values(t), 0);
        assert!((w[0] - 0.5).abs() < 1e-3, "{w:?}");
    }

    #[test]
    fn projection_onto_the_simplex() {
        assert_eq!(project_simplex(&[0.2, 0.3, 0.5]), vec![0.2, 0.3, 0.5]);
        let p = project_simplex(&[2.0, 0.0, -1.0]);
        assert_eq!(p, vec![1.0, 0.0, 0.0]);
        let p = project_simplex(&[0.6, 0.6]);
        assert!((p[0] - 0.5).abs() < 1e-12);
    }
}
