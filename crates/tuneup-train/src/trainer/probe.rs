//! The cost probe: after the first batches of a run's first epoch (this session's, for a
//! continued run), the time the whole run will take, projected from the measured time per
//! batch; a run that cannot finish within its `Job::finish_within` stops there and fails,
//! saying so, instead of spending the time left on a candidate cut short.

use std::time::Instant;

/// Evaluation after each epoch (validation and a training sample), as a share of the fit.
const EVAL_SHARE: f64 = 0.1;

/// A projection over this many times the limit stops the run: the first batches run a little
/// slower (warm-up), and a run slightly over its time is cut at its last epoch anyway.
const MARGIN: f64 = 1.25;

pub(super) struct Probe {
    limit: Option<f64>,
    /// The batch (0-based) after which the projection is made: 5% of an epoch, at least 5.
    at: usize,
    first_done: Option<Instant>,
}

impl Probe {
    pub(super) fn new(limit: Option<f64>, batches: usize) -> Probe {
        Probe {
            limit,
            at: (batches / 20).max(5).min(batches.saturating_sub(1)),
            first_done: None,
        }
    }

    /// After batch `step` of the first epoch, with `epochs` epochs to run in all (this one
    /// included) of `batches` batches each: why the run stops, when it cannot finish.
    pub(super) fn after_batch(
        &mut self,
        step: usize,
        batches: usize,
        epochs: usize,
        started: Instant,
    ) -> Option<String> {
        let limit = self.limit?;
        if step == 0 {
            self.first_done = Some(Instant::now());
            return None;
        }
        if step != self.at {
            return None;
        }
        let per_batch = self.first_done?.elapsed().as_secs_f64() / step as f64;
        let left = (batches - step - 1) + batches * epochs.saturating_sub(1);
        let elapsed = started.elapsed().as_secs_f64();
        let projected = elapsed + per_batch * left as f64 * (1.0 + EVAL_SHARE);
        (projected > MARGIN * limit).then(|| {
            format!(
                "cannot finish in the time left: {epochs} epochs of {batches} batches at {:.0} ms \
                 per batch (measured over batches 2-{}) project about {projected:.0} s, with \
                 {limit:.0} s left; stopped after the probe",
                per_batch * 1000.0,
                step + 1
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_run_that_cannot_finish_is_stopped_after_the_probe() {
        let started = Instant::now();
        let mut p = Probe::new(Some(1.0), 100);
        assert_eq!(p.at, 5);
        for step in 0..5 {
            assert!(p.after_batch(step, 100, 10, started).is_none());
            std::thread::sleep(Duration::from_millis(5));
        }
        // ~5 ms per batch, 995 batches left: about 5 s against 1 s.
        let why = p.after_batch(5, 100, 10, started).unwrap();
        assert!(
            why.contains("cannot finish") && why.contains("1 s left"),
            "{why}"
        );
        // Without a limit nothing is projected; a generous one lets the run go on.
        let mut p = Probe::new(None, 100);
        assert!((0..10).all(|s| p.after_batch(s, 100, 10, started).is_none()));
        let mut p = Probe::new(Some(1000.0), 100);
        assert!((0..10).all(|s| p.after_batch(s, 100, 10, started).is_none()));
    }
}
