//! `tuneup tune EXP.toml`: the study an experiment's `[search]` describes, checked and opened
//! (or continued) in the store, its trials run in this process.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tuneup_core::InputError;
use tuneup_core::data::Prepared;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::search::trial_experiment;
use tuneup_core::tune::{Direction, Sampler, SamplerSpec, Search};
use tuneup_store::{NewStudy, Study};

use crate::Lab;
use crate::record::check_model;

/// What `tuneup tune` was asked for.
pub struct Options<'a> {
    pub experiment: &'a Path,
    pub trials: Option<usize>,
    pub timeout: Option<&'a str>,
    pub study: Option<&'a str>,
}

/// A study ready to run: its record, the experiment it starts from and its data, how many
/// trials and for how long.
pub struct Ready {
    pub study: Study,
    pub base: Experiment,
    pub data: Prepared,
    pub dir: PathBuf,
    pub trials: usize,
    pub timeout: Option<f64>,
    pub direction: Direction,
}

/// A study checked before anything is recorded: the experiment, its search (every searched
/// key must make valid experiments), its data and model.
pub struct Checked {
    text: String,
    base: Experiment,
    search: Search,
    data: Prepared,
    dir: PathBuf,
    trials: usize,
    timeout: Option<f64>,
    name: String,
    display: String,
}

/// Checks the experiment, its search and the flags; prepares the data.
pub fn check(o: &Options) -> anyhow::Result<Checked> {
    let text = std::fs::read_to_string(o.experiment)
        .map_err(|e| InputError::in_file(o.experiment, format!("cannot read: {e}")))?;
    let base = Experiment::load(o.experiment)?;
    let Some(search) = base.search.clone() else {
        return Err(InputError::in_file(
            o.experiment,
            "no [search] table: add [search.space] with the keys to search, e.g. \"optimizer.lr\" = { float = [1e-4, 1e-1], log = true }",
        )
        .key("search")
        .into());
    };
    let dir = o.experiment.parent().unwrap_or(Path::new("")).to_path_buf();
    let trials = o.trials.or(search.trials).unwrap_or(20);
    let timeout = match o.timeout.or(search.timeout.as_deref()) {
        None => None,
        Some(t) => Some(tuneup_core::duration::parse_flag("--timeout", t)?),
    };
    probe(o.experiment, &text, &dir, &search)?;
    let data = tuneup_core::data::prepare(&base)?;
    check_model(&base, &data, o.experiment)?;
    let name = o.study.map(str::to_string).unwrap_or_else(|| {
        o.experiment
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "study".into())
    });
    Ok(Checked {
        text,
        base,
        search,
        data,
        dir,
        trials,
        timeout,
        name,
        display: o.experiment.display().to_string(),
    })
}

impl Checked {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn trials(&self) -> usize {
        self.trials
    }
}

/// Opens the study (or continues it: a study of the same name must have the same search).
pub fn open(lab: Lab, c: Checked) -> anyhow::Result<Ready> {
    let (study, created) = lab.store.open_study(&NewStudy {
        name: &c.name,
        experiment_path: &c.display,
        text: &c.text,
        search: &c.search,
    })?;
    if !created && study.search != c.search {
        return Err(InputError::new(format!(
            "study `{}` exists with another search space or sampler; give another --study name (or restore the experiment's [search])",
            c.name
        ))
        .key("--study")
        .into());
    }
    let direction = super::direction(&c.base, &c.search);
    Ok(Ready {
        study,
        base: c.base,
        data: c.data,
        dir: c.dir,
        trials: c.trials,
        timeout: c.timeout,
        direction,
    })
}

/// Every searched key must be one the experiment file takes: a few points of the space must
/// make valid experiments.
fn probe(path: &Path, text: &str, dir: &Path, search: &Search) -> Result<(), InputError> {
    let probe = Sampler::new(
        SamplerSpec::Random,
        search.space.clone(),
        Direction::Minimize,
        0,
    );
    let mut last_err = None;
    for n in 0..5 {
        let p = probe.ask(&[], n).unwrap_or_default();
        match trial_experiment(text, dir, &p) {
            Ok(_) => return Ok(()),
            Err(e) => last_err = Some(e),
        }
    }
    let e = last_err.expect("five failed probes");
    Err(InputError::in_file(
        path,
        format!(
            "the search space does not make valid experiments: {}{}",
            e.key.map(|k| format!("{k}: ")).unwrap_or_default(),
            e.message
        ),
    )
    .key("search.space"))
}

/// Runs the study's trials in this process (interrupted ones marked first).
pub fn run(lab: Lab, r: &Ready) -> anyhow::Result<()> {
    super::mark_interrupted(lab, &r.study)?;
    let search = &r.study.search;
    lab.say(format!(
        "study {}: {} sampler, {} pruner, {} the validation {}; {} trials{}",
        r.study.name,
        search.sampler.name(),
        search.pruner.name(),
        r.direction.verb(),
        r.base.metric().name(),
        r.trials,
        r.timeout
            .map(|t| format!(", timeout {t:.0} s"))
            .unwrap_or_default()
    ));
    super::run_trials(
        lab,
        &super::Trials {
            study: &r.study,
            dir: &r.dir,
            base: &r.base,
            data: &r.data,
            trials: r.trials,
            deadline: r
                .timeout
                .map(|t| Instant::now() + Duration::from_secs_f64(t)),
            parent: None,
            owner: true,
        },
    )
}
