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
    /// How far a long command is, said as each of its parts begins (and once at its end, with
    /// `done == total`): the improve chain's budget, a study's trials, cross-validation's
    /// folds. A display may draw each unit as a bar above the runs' bars; the default shows
    /// nothing more than the lines already said.
    fn overall(&self, _o: Overall<'_>) {}
}

/// What a long command has done of its whole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overall<'a> {
    pub done: f64,
    pub total: f64,
    pub unit: Unit,
    /// What it is doing now.
    pub doing: &'a str,
}

/// What an [`Overall`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Seconds of a time budget (they pass between reports too).
    Seconds,
    Trials,
    Folds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Trials => "trials",
            Unit::Folds => "folds",
        }
    }
}

/// A monitor that shows nothing.
pub struct Quiet;

impl Monitor for Quiet {
    fn say(&self, _line: &str) {}
    fn run_display(&self, _run_id: i64, _metric: &str) -> Box<dyn Observer> {
        Box::new(())
    }
}
