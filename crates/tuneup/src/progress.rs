//! Training progress on stderr: a bar per epoch (batch, loss, ETA) on a terminal, and one line
//! per epoch everywhere. Each epoch is also written to the store as it ends.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tuneup_core::run::EpochRecord;
use tuneup_store::Store;
use tuneup_train::Observer;

pub struct Progress<'a> {
    store: &'a Store,
    run_id: i64,
    metric: String,
    bar: Option<ProgressBar>,
    tty: bool,
    started: Instant,
    epochs: usize,
    epoch: usize,
    loss: f64,
    last_val: Option<f64>,
    pub store_error: Option<tuneup_store::StoreError>,
    /// Asked after each epoch whether to stop (a study's pruner).
    pub stopper: Option<Stopper<'a>>,
}

/// A study's per-epoch hook: records the epoch's value, says whether to stop.
pub type Stopper<'a> = Box<dyn FnMut(&tuneup_core::run::EpochRecord) -> bool + 'a>;

impl<'a> Progress<'a> {
    pub fn new(store: &'a Store, run_id: i64, metric: &str) -> Self {
        Progress {
            store,
            run_id,
            metric: metric.to_string(),
            bar: None,
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            epochs: 0,
            epoch: 0,
            loss: f64::NAN,
            last_val: None,
            store_error: None,
            stopper: None,
        }
    }

    fn line(&self, s: String) {
        match &self.bar {
            Some(b) if self.tty => b.println(s),
            _ => eprintln!("{s}"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Observer for Progress<'_> {
    fn stop(&mut self, record: &tuneup_core::run::EpochRecord) -> bool {
        self.stopper.as_mut().is_some_and(|f| f(record))
    }

    fn epoch_start(&mut self, epoch: usize, epochs: usize, batches: usize) {
        self.epoch = epoch;
        self.epochs = epochs;
        if !self.tty {
            return;
        }
        let bar = self
            .bar
            .get_or_insert_with(|| ProgressBar::new(batches as u64));
        bar.set_length(batches as u64);
        bar.set_position(0);
        bar.set_style(
            ProgressStyle::with_template(
                "epoch {prefix} [{bar:30}] {pos}/{len} batches  {msg}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(format!("{epoch}/{epochs}"));
        bar.reset_eta();
    }

    fn batch(&mut self, batch: usize, loss: f64) {
        self.loss = if self.loss.is_nan() || batch == 1 {
            loss
        } else {
            0.95 * self.loss + 0.05 * loss
        };
        if let Some(b) = &self.bar {
            b.set_position(batch as u64);
            if batch % 4 == 0 {
                let val = self
                    .last_val
                    .map(|v| format!("  val {} {v:.4}", self.metric))
                    .unwrap_or_default();
                b.set_message(format!("loss {:.4}{val}", self.loss));
            }
        }
    }

    fn epoch_end(&mut self, r: &EpochRecord) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let left = elapsed / r.epoch as f64 * (self.epochs - r.epoch) as f64;
        self.last_val = Some(r.val_metric);
        // Off a terminal (logs, CI), about twenty lines per run: the first epochs, then every
        // k-th, and the last.
        let k = self.epochs.div_ceil(20);
        let shown = self.tty || r.epoch <= 3 || r.epoch % k == 0 || r.epoch == self.epochs;
        if let Err(e) = self.store.record_epoch(self.run_id, r) {
            self.store_error.get_or_insert(e);
        }
        if !shown {
            return;
        }
        self.line(format!(
            "epoch {:>3}/{}  loss {:.4}  train err {:.4}  val loss {:.4}  val err {:.4}  val {} {:.4}  {:.1}s  (eta {:.0}s)",
            r.epoch, self.epochs, r.fit_loss, r.train_error, r.val_loss, r.val_error, self.metric, r.val_metric, r.seconds, left
        ));
    }
}
