//! One worker of `bench/store_workers.sh`: takes COUNT trials of a study through the store's
//! atomic ask (the sampler sees every earlier trial, running ones included) on a free objective
//! (Branin), tells each, and prints `{"asks": COUNT, "seconds": S}`. `check` prints the study's
//! trial counts and how long reading them took.
//!
//!   store_asks LOCATION STUDY COUNT [random|tpe]
//!   store_asks check LOCATION STUDY

use std::f64::consts::PI;
use std::time::Instant;

use tuneup_core::tune::{Direction, Sampler, SamplerSpec, Space, Trial, TrialState};
use tuneup_store::{NewStudy, TrialEnd};

/// The study's experiment text (what `tuneup study` reads back): the parameters are Branin's.
const EXPERIMENT: &str = "task = \"regression\"\n\n[data]\ntrain = \"branin.csv\"\ntarget = \"y\"\n\n[model]\nkind = \"mlp\"\n\n[search.space]\nx1 = { float = [-5.0, 10.0] }\nx2 = { float = [0.0, 15.0] }\n";

fn branin(x1: f64, x2: f64) -> f64 {
    let (b, c, r, s, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 6.0, 10.0, 1.0 / (8.0 * PI));
    (x2 - b * x1 * x1 + c * x1 - r).powi(2) + s * (1.0 - t) * x1.cos() + s
}

fn check(location: &str, name: &str) {
    let store = tuneup_store::open(location).unwrap();
    let study = store.study(name).unwrap().expect("the study");
    let t0 = Instant::now();
    let trials = store.trials(study.id).unwrap();
    let read = t0.elapsed().as_secs_f64();
    let mut numbers: Vec<usize> = trials.iter().map(|t| t.trial.number).collect();
    numbers.sort();
    numbers.dedup();
    let complete = trials
        .iter()
        .filter(|t| t.trial.state == TrialState::Complete)
        .count();
    let contiguous = numbers.iter().enumerate().all(|(i, n)| i == *n);
    println!(
        "{{\"trials\": {}, \"distinct\": {}, \"complete\": {complete}, \"contiguous\": {contiguous}, \"read_seconds\": {read:.4}}}",
        trials.len(),
        numbers.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args[0] == "check" {
        return check(&args[1], &args[2]);
    }
    let (location, name, count) = (&args[0], &args[1], args[2].parse::<usize>().unwrap());
    let spec = match args.get(3).map(String::as_str) {
        Some("tpe") => SamplerSpec::tpe(),
        _ => SamplerSpec::Random,
    };
    let space = Space::parse(
        &toml::from_str("x1 = { float = [-5.0, 10.0] }\nx2 = { float = [0.0, 15.0] }\n").unwrap(),
    )
    .unwrap();
    let sampler = Sampler::new(spec, space, Direction::Minimize, std::process::id() as u64);
    let store = tuneup_store::open(location).unwrap();
    let search = tuneup_core::spec::Experiment::parse(EXPERIMENT, std::path::Path::new(""))
        .unwrap()
        .search
        .unwrap();
    let study = store
        .open_study(&NewStudy {
            name,
            experiment_path: "bench.toml",
            text: EXPERIMENT,
            search: &search,
        })
        .unwrap()
        .0;
    let me = tuneup_store::worker_id();
    let t0 = Instant::now();
    for _ in 0..count {
        let (number, p) = store
            .ask_trial(study.id, &me, &mut |stored, number| {
                let seen: Vec<Trial> = stored.iter().map(|t| t.trial.clone()).collect();
                sampler.ask(&seen, number)
            })
            .unwrap()
            .expect("a point");
        let v = branin(p["x1"].as_f64().unwrap(), p["x2"].as_f64().unwrap());
        let end = TrialEnd {
            state: TrialState::Complete,
            value: Some(v),
            failure: None,
        };
        assert!(store.finish_trial(study.id, number, &end).unwrap());
    }
    println!(
        "{{\"asks\": {count}, \"seconds\": {:.3}}}",
        t0.elapsed().as_secs_f64()
    );
}
