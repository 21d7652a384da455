//! Progress on stderr: the lab's lines as they come, and for each run a bar per epoch (batch,
//! loss, ETA) on a terminal, and one line per epoch everywhere. A budgeted loop (the improve
//! chain) gets its overall budget bar above the current run's bar, a study its trials bar,
//! cross-validation its folds bar.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tuneup_core::run::EpochRecord;
use tuneup_lab::Unit;
use tuneup_train::Observer;

/// The lab's monitor for the command line: everything on stderr.
pub struct Stderr;

/// Every bar of the process, drawn together (the budget bar first).
fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(MultiProgress::new)
}

/// An overall bar (one per unit: the budget, a study's trials, CV's folds) and what it was
/// last told: (when, done then).
struct Overall {
    bar: ProgressBar,
    said: Arc<Mutex<(Instant, f64)>>,
}

fn overall_bars() -> &'static Mutex<Vec<(Unit, Overall)>> {
    static BARS: OnceLock<Mutex<Vec<(Unit, Overall)>>> = OnceLock::new();
    BARS.get_or_init(|| Mutex::new(Vec::new()))
}

/// A new overall bar, under the ones already shown and above the runs' bars.
fn new_overall(o: &tuneup_lab::Overall, above: usize) -> Overall {
    let bar = bars().insert(above, ProgressBar::new(o.total.ceil() as u64));
    let label = match o.unit {
        Unit::Seconds => "budget",
        Unit::Trials => "study ",
        Unit::Folds => "cv    ",
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{label} [{{bar:30}}] {{pos}}/{{len}} {}  {{msg}}",
            o.unit.as_str()
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>-"),
    );
    let said = Arc::new(Mutex::new((Instant::now(), o.done)));
    if o.unit == Unit::Seconds {
        // Time moves a budget between reports: a thread ticks it twice a second.
        let (tick, seen) = (bar.clone(), said.clone());
        let _ = std::thread::Builder::new()
            .name("budget-bar".into())
            .spawn(move || {
                while !tick.is_finished() {
                    let (at, s) = *seen.lock().unwrap_or_else(|p| p.into_inner());
                    tick.set_position((s + at.elapsed().as_secs_f64()) as u64);
                    std::thread::sleep(Duration::from_millis(500));
                }
            });
    }
    Overall { bar, said }
}

impl tuneup_lab::Monitor for Stderr {
    fn say(&self, line: &str) {
        if std::io::stderr().is_terminal() {
            let _ = bars().println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn run_display(&self, _run_id: i64, metric: &str) -> Box<dyn Observer> {
        Box::new(Progress::new(metric))
    }

    fn overall(&self, o: tuneup_lab::Overall<'_>) {
        if !std::io::stderr().is_terminal() || o.total <= 0.0 {
            return;
        }
        let mut all = overall_bars().lock().unwrap_or_else(|p| p.into_inner());
        let at = match all.iter().position(|(u, _)| *u == o.unit) {
            Some(i) => i,
            None => {
                let b = new_overall(&o, all.len());
                all.push((o.unit, b));
                all.len() - 1
            }
        };
        // A count that is complete is over (a budget ends with the command).
        if o.unit != Unit::Seconds && o.done >= o.total {
            let (_, b) = all.remove(at);
            b.bar.finish_and_clear();
            return;
        }
        let b = &all[at].1;
        b.bar.set_length(o.total.ceil() as u64);
        b.bar.set_message(o.doing.to_string());
        *b.said.lock().unwrap_or_else(|p| p.into_inner()) = (Instant::now(), o.done);
        b.bar.set_position(o.done as u64);
    }
}

/// Ends every overall bar (the command is over).
pub fn finish_overall() {
    for (_, b) in overall_bars()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .drain(..)
    {
        b.bar.finish_and_clear();
    }
}

/// One run's epochs on stderr.
pub struct Progress {
    metric: String,
    bar: Option<ProgressBar>,
    tty: bool,
    started: Instant,
    epochs: usize,
    loss: f64,
    last_val: Option<f64>,
}

impl Progress {
    pub fn new(metric: &str) -> Self {
        Progress {
            metric: metric.to_string(),
            bar: None,
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            epochs: 0,
            loss: f64::NAN,
            last_val: None,
        }
    }

    fn line(&self, s: String) {
        match &self.bar {
            Some(_) if self.tty => {
                let _ = bars().println(s);
            }
            _ => eprintln!("{s}"),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn epoch_start(&mut self, epoch: usize, epochs: usize, batches: usize) {
        self.epochs = epochs;
        if !self.tty {
            return;
        }
        let bar = self
            .bar
            .get_or_insert_with(|| bars().add(ProgressBar::new(batches as u64)));
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
        let shown = (self.tty && self.epochs <= 100)
            || r.epoch <= 3
            || r.epoch % k == 0
            || r.epoch == self.epochs;
        if !shown {
            return;
        }
        self.line(format!(
            "epoch {:>3}/{}  loss {:.4}  train err {:.4}  val loss {:.4}  val err {:.4}  val {} {:.4}  {:.1}s  (eta {:.0}s)",
            r.epoch, self.epochs, r.fit_loss, r.train_error, r.val_loss, r.val_error, self.metric, r.val_metric, r.seconds, left
        ));
    }
}
