//! tuneup's side of `shared/peers/optuna_bench.py`: the same two measurements on the same
//! functions and domains, printing the same JSON lines (with "peer": "tuneup").
//!
//!   cargo run --release -p tuneup-core --example tune_bench -- overhead --sampler tpe --trials 5000
//!   cargo run --release -p tuneup-core --example tune_bench -- efficiency --sampler tpe --function branin --trials 100 --seeds 20
//!
//! Samplers: tpe (multivariate, Optuna's default), tpe-univariate, random, cmaes. Run through `bench/tune_vs_optuna.sh`.

use std::f64::consts::PI;
use std::time::Instant;

use tuneup_core::tune::{Direction, Params, Sampler, SamplerSpec, Space, Trial, TrialState};

fn space(function: &str) -> Space {
    let text = match function {
        "branin" => "x1 = { float = [-5.0, 10.0] }\nx2 = { float = [0.0, 15.0] }\n".to_string(),
        "hartmann6" => (0..6).map(|i| format!("x{i} = {{ float = [0.0, 1.0] }}\n")).collect(),
        "rosenbrock" => (0..10).map(|i| format!("x{i} = {{ float = [-5.0, 10.0] }}\n")).collect(),
        "mixed" => "lr = { float = [1e-5, 1.0], log = true }\nlayers = { int = [1, 8] }\nact = { choices = [\"relu\", \"tanh\", \"gelu\"] }\ndropout = { float = [0.0, 0.9] }\n".to_string(),
        "overhead" => (0..10).map(|i| format!("x{i} = {{ float = [-5.0, 5.0] }}\n")).collect(),
        other => panic!("unknown function {other}"),
    };
    Space::parse(&toml::from_str(&text).unwrap()).unwrap()
}

const H_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const H_C: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
const H_P: [[f64; 6]; 4] = [
    [1312.0, 1696.0, 5569.0, 124.0, 8283.0, 5886.0],
    [2329.0, 4135.0, 8307.0, 3736.0, 1004.0, 9991.0],
    [2348.0, 1451.0, 3522.0, 2883.0, 3047.0, 6650.0],
    [4047.0, 8828.0, 8732.0, 5743.0, 1091.0, 381.0],
];

fn evaluate(function: &str, p: &Params) -> f64 {
    let x = |k: &str| p[k].as_f64().unwrap();
    match function {
        "branin" => {
            let (x1, x2) = (x("x1"), x("x2"));
            let (b, c, r, s, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 6.0, 10.0, 1.0 / (8.0 * PI));
            (x2 - b * x1 * x1 + c * x1 - r).powi(2) + s * (1.0 - t) * x1.cos() + s
        }
        "hartmann6" => {
            let v: Vec<f64> = (0..6).map(|i| x(&format!("x{i}"))).collect();
            -(0..4)
                .map(|i| {
                    H_C[i]
                        * (-(0..6)
                            .map(|j| H_A[i][j] * (v[j] - H_P[i][j] * 1e-4).powi(2))
                            .sum::<f64>())
                        .exp()
                })
                .sum::<f64>()
        }
        "rosenbrock" => {
            let v: Vec<f64> = (0..10).map(|i| x(&format!("x{i}"))).collect();
            let f: f64 = (0..9)
                .map(|i| 100.0 * (v[i + 1] - v[i] * v[i]).powi(2) + (1.0 - v[i]).powi(2))
                .sum();
            (1.0 + f).log10()
        }
        "mixed" => {
            let lr = x("lr");
            let layers = x("layers");
            let act = p["act"].as_str().unwrap();
            let dropout = x("dropout");
            let mut err = 0.05 + 0.04 * (lr.log10() + 2.5).powi(2) + 0.01 * (layers - 3.0).powi(2);
            err += match act {
                "relu" => 0.01,
                "tanh" => 0.03,
                _ => 0.0,
            } + 0.3 * (dropout - 0.2).powi(2);
            err
        }
        "overhead" => (0..10).map(|i| x(&format!("x{i}")).powi(2)).sum(),
        _ => unreachable!(),
    }
}

fn sampler_spec(name: &str) -> SamplerSpec {
    match name {
        "tpe" => SamplerSpec::tpe(),
        "tpe-univariate" => SamplerSpec::Tpe {
            n_startup_trials: 10,
            n_ei_candidates: 24,
            multivariate: false,
            constant_liar: true,
        },
        "random" => SamplerSpec::Random,
        "cmaes" => SamplerSpec::cmaes(),
        other => panic!("unknown sampler {other}"),
    }
}

fn flag<'a>(args: &'a [String], name: &str, default: &'a str) -> &'a str {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .unwrap_or(default)
}

/// Runs one study of `trials` trials; the best value after each trial.
fn best_curve(function: &str, sampler: &str, trials: usize, seed: u64) -> Vec<f64> {
    let s = Sampler::new(
        sampler_spec(sampler),
        space(function),
        Direction::Minimize,
        seed,
    );
    let mut history: Vec<Trial> = Vec::with_capacity(trials);
    let mut best = f64::INFINITY;
    let mut out = Vec::with_capacity(trials);
    for number in 0..trials {
        let params = s.ask(&history, number).unwrap();
        let v = evaluate(function, &params);
        best = best.min(v);
        out.push(best);
        history.push(Trial {
            number,
            state: TrialState::Complete,
            params,
            value: Some(v),
            intermediate: vec![],
        });
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("overhead");
    let sampler = flag(&args, "--sampler", "tpe");
    let trials: usize = flag(&args, "--trials", "1000").parse().unwrap();
    let seed: u64 = flag(&args, "--seed", "0").parse().unwrap();
    match mode {
        "overhead" => {
            let s = Sampler::new(
                sampler_spec(sampler),
                space("overhead"),
                Direction::Minimize,
                seed,
            );
            let marks: Vec<usize> = [10, 100, 300, 1000, 3000, 5000, 10000]
                .into_iter()
                .filter(|m| *m <= trials)
                .chain([trials])
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut history: Vec<Trial> = Vec::new();
            let (mut t0, mut last, mut done) = (Instant::now(), 0usize, 0.0f64);
            for n in 1..=trials {
                let params = s.ask(&history, n - 1).unwrap();
                let v = evaluate("overhead", &params);
                history.push(Trial {
                    number: n - 1,
                    state: TrialState::Complete,
                    params,
                    value: Some(v),
                    intermediate: vec![],
                });
                if marks.contains(&n) {
                    let dt = t0.elapsed().as_secs_f64();
                    println!(
                        "{{\"peer\": \"tuneup\", \"sampler\": \"{sampler}\", \"trials\": {n}, \"ms_per_trial_window\": {:.3}, \"total_s\": {:.3}}}",
                        1000.0 * dt / (n - last) as f64,
                        dt + done
                    );
                    done += dt;
                    t0 = Instant::now();
                    last = n;
                }
            }
        }
        "efficiency" => {
            let function = flag(&args, "--function", "branin");
            let seeds: u64 = flag(&args, "--seeds", "20").parse().unwrap();
            // One study per seed; the best after each of the requested trial counts.
            let counts: Vec<usize> = flag(&args, "--at", &trials.to_string())
                .split(',')
                .map(|c| c.parse().unwrap())
                .collect();
            let max = *counts.iter().max().unwrap();
            let curves: Vec<Vec<f64>> = (0..seeds)
                .map(|s| best_curve(function, sampler, max, s))
                .collect();
            for n in counts {
                let mut bests: Vec<f64> = curves.iter().map(|c| c[n - 1]).collect();
                bests.sort_by(f64::total_cmp);
                let median = if bests.len() % 2 == 1 {
                    bests[bests.len() / 2]
                } else {
                    0.5 * (bests[bests.len() / 2 - 1] + bests[bests.len() / 2])
                };
                println!(
                    "{{\"peer\": \"tuneup\", \"sampler\": \"{sampler}\", \"function\": \"{function}\", \"trials\": {n}, \"seeds\": {seeds}, \"median_best\": {median}}}"
                );
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
