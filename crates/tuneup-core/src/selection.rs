//! The winner's curse, measured: the value a chosen model was chosen on is optimistic, since
//! among many candidates scored on the same held-out rows the highest score is partly luck.
//! The bootstrap bias-corrected estimate (BBC-CV; Tsamardinos, Greasidou & Borboudakis,
//! Machine Learning 107, 2018) needs no more training: resample the held-out rows with
//! replacement, choose the best candidate on the resample, score that choice on the rows the
//! resample left out, and average. It estimates what *choosing by held-out score* gives on
//! rows the choice never saw: the honest value, next to the chosen one.

use crate::data::Y;
use crate::direction::Direction;
use crate::ensemble::MemberPred;
use crate::paired_metric::HeldOut;
use crate::rng::Rng;

/// The honest value of choosing the best of `candidates` on these rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Honest {
    /// The mean of the out-of-resample values of each resample's choice.
    pub value: f64,
    /// Their 2.5% and 97.5% percentiles.
    pub low: f64,
    pub high: f64,
    /// Resamples that counted (an empty left-out set or a metric that cannot be scored on it
    /// is skipped).
    pub reps: usize,
    pub candidates: usize,
}

/// BBC over `candidates` (held-out predictions on the same rows, in any order), `reps`
/// resamples from `seed`; `None` without candidates or rows.
pub fn bootstrap_bias_corrected(
    held: &HeldOut,
    candidates: &[MemberPred],
    direction: Direction,
    reps: usize,
    seed: u64,
) -> Option<Honest> {
    let n = match held.y {
        Y::Classes(t) => t.len(),
        Y::Values(t) => t.len(),
        Y::None => 0,
    };
    if candidates.is_empty() || n < 2 {
        return None;
    }
    let mut r = Rng::derive(seed, 0x00bb_c0cf);
    let mut values = Vec::with_capacity(reps);
    let mut bag = vec![0usize; n];
    let mut seen = vec![false; n];
    for _ in 0..reps {
        seen.fill(false);
        for i in bag.iter_mut() {
            *i = r.below(n);
            seen[*i] = true;
        }
        let out: Vec<usize> = (0..n).filter(|&i| !seen[i]).collect();
        if out.is_empty() {
            continue;
        }
        let chosen = candidates
            .iter()
            .map(|c| held.value(c, Some(&bag)))
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .min_by(|a, b| direction.loss(a.1).total_cmp(&direction.loss(b.1)))
            .map(|(i, _)| i);
        let Some(c) = chosen else { continue };
        let v = held.value(&candidates[c], Some(&out));
        if v.is_finite() {
            values.push(v);
        }
    }
    if values.is_empty() {
        return None;
    }
    let value = values.iter().sum::<f64>() / values.len() as f64;
    values.sort_by(f64::total_cmp);
    let q = |f: f64| values[((values.len() as f64 - 1.0) * f).round() as usize];
    Some(Honest {
        value,
        low: q(0.025),
        high: q(0.975),
        reps: values.len(),
        candidates: candidates.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataInfo;
    use crate::metrics::Metric;

    /// Twenty candidates that are all coin flips on 200 two-class rows: the best of them scores
    /// well above 0.5 on the rows it was chosen on, the honest value is about 0.5.
    #[test]
    fn choosing_among_coin_flips_is_not_skill() {
        let n = 200;
        let truth: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let info = DataInfo::for_tests(&["a", "b"], 0.0, 1.0);
        let y = Y::Classes(truth.clone());
        let held = HeldOut {
            info: &info,
            metric: Metric::Accuracy,
            y: &y,
        };
        let mut r = Rng::new(3);
        let candidates: Vec<MemberPred> = (0..20)
            .map(|_| {
                MemberPred::Proba(
                    (0..n)
                        .flat_map(|_| {
                            let p = r.next_f64();
                            [p, 1.0 - p]
                        })
                        .collect(),
                )
            })
            .collect();
        let chosen = candidates
            .iter()
            .map(|c| held.value(c, None))
            .fold(f64::MIN, f64::max);
        assert!(chosen > 0.54, "{chosen}");
        let h = bootstrap_bias_corrected(&held, &candidates, Direction::Maximize, 300, 1).unwrap();
        assert!((h.value - 0.5).abs() < 0.03, "{h:?}");
        assert!(h.low < 0.5 && h.high > 0.5 && h.value < chosen);
        // One good candidate among them is found and its value is kept.
        let mut with_good = candidates.clone();
        with_good.push(MemberPred::Proba(
            truth
                .iter()
                .enumerate()
                .flat_map(|(i, &t)| {
                    let right = i % 10 != 0; // 90% right
                    let p: f64 = if (t == 0) == right { 0.9 } else { 0.1 };
                    [p, 1.0 - p]
                })
                .collect(),
        ));
        let h = bootstrap_bias_corrected(&held, &with_good, Direction::Maximize, 300, 1).unwrap();
        assert!((h.value - 0.9).abs() < 0.03, "{h:?}");
        // The same seed gives the same numbers.
        assert_eq!(
            h,
            bootstrap_bias_corrected(&held, &with_good, Direction::Maximize, 300, 1).unwrap()
        );
    }
}
