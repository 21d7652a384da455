//! `tuneup worker`: a process that joins studies other processes own — `tuneup tune` studies and
//! the tuning studies of improve chains — and takes their trials under each study's plan (trials
//! wanted, deadline), on any host that reaches the store. The chain's own decisions stay with
//! the chain's process; a worker only trains trials.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::Lab;
use crate::study;

pub struct Options<'a> {
    /// Only the tuning studies of this improve chain.
    pub chain: Option<&'a str>,
    /// Exit after this many seconds with no open study (none: serve until killed).
    pub idle_exit: Option<f64>,
    /// How often to look for open studies.
    pub poll: f64,
}

/// What a worker did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Served {
    /// The studies it took trials of, in the order it joined them.
    pub studies: Vec<String>,
}

/// Whether study `name` belongs to chain `chain` (its tuning steps are `CHAIN:stepN`).
fn of_chain(name: &str, chain: &str) -> bool {
    name.strip_prefix(chain)
        .and_then(|rest| rest.strip_prefix(":step"))
        .is_some_and(|n| n.parse::<usize>().is_ok())
}

/// Serves open studies until none has been open for `idle_exit` seconds.
pub fn serve(lab: Lab, o: &Options) -> anyhow::Result<Served> {
    let mut served = Served::default();
    let mut broken: BTreeSet<String> = BTreeSet::new();
    let mut idle_since = Instant::now();
    lab.say(format!(
        "worker {}: serving {} on {}",
        crate::worker::worker_id(),
        o.chain
            .map(|c| format!("the studies of chain `{c}`"))
            .unwrap_or_else(|| "every open study".into()),
        lab.store.location()
    ));
    loop {
        tuneup_core::stop::check()?;
        let mut any = false;
        for (name, _) in lab.store.studies()? {
            if o.chain.is_some_and(|c| !of_chain(&name, c)) || broken.contains(&name) {
                continue;
            }
            let Some(s) = lab.store.study(&name)? else {
                continue;
            };
            match study::serve(lab, &s) {
                Ok(true) => {
                    any = true;
                    if !served.studies.contains(&name) {
                        served.studies.push(name);
                    }
                }
                Ok(false) => {}
                Err(e) => {
                    lab.say(format!("study {name}: cannot join it here: {e:#}"));
                    broken.insert(name);
                }
            }
        }
        if any {
            idle_since = Instant::now();
            continue;
        }
        if o.idle_exit
            .is_some_and(|limit| idle_since.elapsed().as_secs_f64() >= limit)
        {
            return Ok(served);
        }
        std::thread::sleep(Duration::from_secs_f64(o.poll.max(0.1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_studies_are_told_apart() {
        assert!(of_chain("c:step3", "c"));
        assert!(!of_chain("c:step", "c"));
        assert!(!of_chain("cc:step3", "c"));
        assert!(!of_chain("other", "c"));
    }
}
