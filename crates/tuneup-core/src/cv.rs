//! Cross-validation folds: k-fold, stratified k-fold, group k-fold, each seeded; repeats use
//! seeds derived from the experiment's.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// The `[cv]` table: how `tuneup cv` splits the training data (flags override it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvSpec {
    #[serde(default = "default_folds")]
    pub folds: usize,
    /// Repeat the k-fold split this many times with different shuffles.
    #[serde(default = "default_repeats")]
    pub repeats: usize,
    /// Keep each class's share the same in every fold (classification; default true).
    #[serde(default = "default_true")]
    pub stratified: bool,
    /// A CSV column of group ids: rows of one group stay in one fold (group k-fold). The column
    /// is not a feature.
    #[serde(default)]
    pub group: Option<String>,
}

fn default_folds() -> usize {
    5
}
fn default_repeats() -> usize {
    1
}
fn default_true() -> bool {
    true
}

impl Default for CvSpec {
    fn default() -> Self {
        CvSpec {
            folds: default_folds(),
            repeats: default_repeats(),
            stratified: true,
            group: None,
        }
    }
}

impl CvSpec {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.folds < 2 {
            return Err((
                "cv.folds".into(),
                format!("expected at least 2 folds, found {}", self.folds),
            ));
        }
        if self.repeats == 0 {
            return Err(("cv.repeats".into(), "expected at least 1 repeat".into()));
        }
        Ok(())
    }
}

/// How rows are dealt into folds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scheme<'a> {
    KFold,
    /// By class (one label per row).
    Stratified(&'a [u32]),
    /// By group id (one per row).
    Group(&'a [String]),
}

/// The fold (0..k) of each of `n` rows. Errors (as text) when a split is impossible: fewer rows
/// or groups than folds.
pub fn assign(n: usize, k: usize, scheme: Scheme<'_>, seed: u64) -> Result<Vec<usize>, String> {
    if k < 2 {
        return Err(format!("expected at least 2 folds, found {k}"));
    }
    if n < k {
        return Err(format!("{n} rows cannot be split into {k} folds"));
    }
    let mut rng = Rng::derive(seed, 11);
    let mut fold = vec![0usize; n];
    match scheme {
        Scheme::KFold => {
            let mut order: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut order);
            // Contiguous chunks of the shuffled order: the first n % k folds one larger.
            let (base, extra) = (n / k, n % k);
            let mut at = 0;
            for f in 0..k {
                let size = base + usize::from(f < extra);
                for &i in &order[at..at + size] {
                    fold[i] = f;
                }
                at += size;
            }
        }
        Scheme::Stratified(labels) => {
            let classes = labels.iter().copied().max().map_or(0, |m| m as usize + 1);
            let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
            for (i, &c) in labels.iter().enumerate() {
                by_class[c as usize].push(i);
            }
            // Deal each class's shuffled rows round-robin, continuing where the previous class
            // stopped: every class splits as evenly as it can, and so do the fold sizes.
            let mut next = 0;
            for rows in by_class.iter_mut() {
                rng.shuffle(rows);
                for &i in rows.iter() {
                    fold[i] = next % k;
                    next += 1;
                }
            }
        }
        Scheme::Group(groups) => {
            let mut sizes: std::collections::BTreeMap<&str, usize> = Default::default();
            for g in groups {
                *sizes.entry(g.as_str()).or_default() += 1;
            }
            if sizes.len() < k {
                return Err(format!(
                    "{} groups cannot be split into {k} folds: each fold needs a group",
                    sizes.len()
                ));
            }
            // Largest groups first (ties in a seeded order), each to the smallest fold so far.
            let mut order: Vec<(&str, usize)> = sizes.into_iter().collect();
            rng.shuffle(&mut order);
            order.sort_by(|a, b| b.1.cmp(&a.1));
            let mut totals = vec![0usize; k];
            let mut of_group: std::collections::HashMap<&str, usize> = Default::default();
            for (g, size) in order {
                let f = (0..k).min_by_key(|&f| (totals[f], f)).unwrap_or(0);
                totals[f] += size;
                of_group.insert(g, f);
            }
            for (i, g) in groups.iter().enumerate() {
                fold[i] = of_group[g.as_str()];
            }
        }
    }
    Ok(fold)
}

/// The seed of repeat `r` (0-based) of a repeated k-fold.
pub fn repeat_seed(seed: u64, r: usize) -> u64 {
    if r == 0 {
        seed
    } else {
        Rng::derive(seed, 500 + r as u64).next_u64()
    }
}

/// Mean and sample standard deviation (n - 1).
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    let s = if v.len() > 1 {
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (m, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(fold: &[usize], k: usize) -> Vec<usize> {
        (0..k)
            .map(|f| fold.iter().filter(|&&x| x == f).count())
            .collect()
    }

    #[test]
    fn kfold_partitions_evenly_and_is_seeded() {
        let f = assign(23, 5, Scheme::KFold, 1).unwrap();
        assert_eq!(sizes(&f, 5), vec![5, 5, 5, 4, 4]);
        assert_eq!(f, assign(23, 5, Scheme::KFold, 1).unwrap());
        assert_ne!(f, assign(23, 5, Scheme::KFold, 2).unwrap());
        assert!(assign(3, 5, Scheme::KFold, 1).is_err());
    }

    #[test]
    fn stratified_folds_keep_class_shares() {
        // 3 classes of 50, 30 and 7 rows.
        let labels: Vec<u32> = (0..87)
            .map(|i| {
                if i < 50 {
                    0
                } else if i < 80 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let f = assign(87, 5, Scheme::Stratified(&labels), 3).unwrap();
        for c in 0..3u32 {
            let per: Vec<usize> = (0..5)
                .map(|k| (0..87).filter(|&i| labels[i] == c && f[i] == k).count())
                .collect();
            let (lo, hi) = (per.iter().min().unwrap(), per.iter().max().unwrap());
            assert!(hi - lo <= 1, "class {c}: {per:?}");
        }
        let s = sizes(&f, 5);
        assert!(
            s.iter().max().unwrap() - s.iter().min().unwrap() <= 1,
            "{s:?}"
        );
        assert_eq!(f, assign(87, 5, Scheme::Stratified(&labels), 3).unwrap());
        assert_ne!(f, assign(87, 5, Scheme::Stratified(&labels), 4).unwrap());
    }

    #[test]
    fn groups_stay_in_one_fold() {
        let groups: Vec<String> = (0..100).map(|i| format!("g{}", i % 13)).collect();
        let f = assign(100, 4, Scheme::Group(&groups), 7).unwrap();
        for g in 0..13 {
            let folds: std::collections::BTreeSet<usize> =
                (0..100).filter(|i| i % 13 == g).map(|i| f[i]).collect();
            assert_eq!(folds.len(), 1, "group {g} in folds {folds:?}");
        }
        let s = sizes(&f, 4);
        assert!(s.iter().all(|&x| x >= 20), "{s:?}");
        let few: Vec<String> = (0..10).map(|i| format!("g{}", i % 3)).collect();
        assert!(
            assign(10, 4, Scheme::Group(&few), 1)
                .unwrap_err()
                .contains("3 groups")
        );
    }

    #[test]
    fn mean_and_sample_std() {
        let (m, s) = mean_std(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m, 2.5);
        assert!((s - 1.290_994_448_735_805_6).abs() < 1e-12);
    }
}
