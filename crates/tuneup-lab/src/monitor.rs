//! What the lab tells its caller while it works. The lab never prints: a command line shows
//! these on stderr, a test or another program may keep them or ignore them.

use tuneup_train::Observer;

/// Progress from the lab: lines about what it is doing, and a display for each run's epochs
/// (the lab records the epochs itself).
pub trait Monitor {
    /// A line about what is happening (which step, which run, which fold).
    fn say(&self, line: &str);
    /// Shows one run's training as it goes; `metric` names the validation metric.
    fn run_display(&self, run_id: i64, metric: &str) -> Box<dyn Observer>;
    /// A time budget's state, said when a step of a budgeted loop (the improve chain) begins:
    /// `spent` of `total` seconds, and what the step is. A display may draw it as a bar above
    /// the runs' bars; the default shows nothing more than the lines already said.
    fn budget(&self, _spent: f64, _total: f64, _doing: &str) {}
}

/// A monitor that shows nothing.
pub struct Quiet;

impl Monitor for Quiet {
    fn say(&self, _line: &str) {}
    fn run_display(&self, _run_id: i64, _metric: &str) -> Box<dyn Observer> {
        Box::new(())
    }
}
