//! Contract tests every sampler and pruner shares.

use serde_json::{Value, json};

use super::*;

fn space() -> Space {
    let t: toml::Table = toml::from_str(
        r#"
"optimizer.lr" = { float = [1e-5, 1.0], log = true }
"model.layers" = { int = [1, 8] }
"train.batch_size" = { int = [32, 256], step = 32 }
"model.dropout" = { float = [0.0, 0.5], step = 0.1 }
"optimizer.kind" = { choices = ["adam", "sgd"] }
"optimizer.momentum" = { float = [0.5, 0.99], when = { "optimizer.kind" = "sgd" } }
"model.activation" = { choices = ["relu", "gelu", "tanh"] }
"#,
    )
    .unwrap();
    Space::parse(&t).unwrap()
}

/// A made-up validation error with its optimum at lr = 1e-2.5, 3 layers, gelu, sgd with
/// momentum 0.9.
fn objective(p: &Params) -> f64 {
    let f = |k: &str| p[k].as_f64().unwrap();
    let mut v = 0.05 + 0.04 * (f("optimizer.lr").log10() + 2.5).powi(2);
    v += 0.01 * (f("model.layers") - 3.0).powi(2) + 0.3 * (f("model.dropout") - 0.2).powi(2);
    v += if p["model.activation"] == "gelu" {
        0.0
    } else {
        0.02
    };
    v += match p.get("optimizer.momentum") {
        Some(m) => (m.as_f64().unwrap() - 0.9).abs(),
        None => 0.05,
    };
    v
}

fn samplers() -> Vec<SamplerSpec> {
    vec![
        SamplerSpec::Random,
        SamplerSpec::tpe(),
        SamplerSpec::Tpe {
            n_startup_trials: 5,
            n_ei_candidates: 24,
            multivariate: false,
            constant_liar: true,
        },
        SamplerSpec::cmaes(),
    ]
}

/// Runs `n` sequential trials; every `fail_every`-th one fails and every `run_every`-th stays
/// running (as a parallel worker's would).
fn study(spec: &SamplerSpec, seed: u64, n: usize) -> Vec<Trial> {
    let s = Sampler::new(spec.clone(), space(), Direction::Minimize, seed);
    let mut history: Vec<Trial> = Vec::new();
    for number in 0..n {
        let Some(params) = s.ask(&history, number) else {
            break;
        };
        let (state, value) = match number % 11 {
            7 => (TrialState::Failed, None),
            9 => (TrialState::Running, None),
            _ => (TrialState::Complete, Some(objective(&params))),
        };
        history.push(Trial {
            number,
            state,
            params,
            value,
            intermediate: vec![],
        });
    }
    history
}

#[test]
fn every_sampler_stays_in_the_space_and_respects_conditions() {
    let sp = space();
    for spec in samplers() {
        let h = study(&spec, 3, 80);
        assert_eq!(h.len(), 80);
        for t in &h {
            assert!(sp.contains(&t.params), "{}: {:?}", spec.name(), t.params);
            let sgd = t.params["optimizer.kind"] == "sgd";
            assert_eq!(
                t.params.contains_key("optimizer.momentum"),
                sgd,
                "{}",
                spec.name()
            );
        }
        // Both branches of the condition get explored.
        assert!(h.iter().any(|t| t.params["optimizer.kind"] == "sgd"));
        assert!(h.iter().any(|t| t.params["optimizer.kind"] == "adam"));
    }
}

#[test]
fn every_sampler_is_deterministic_under_its_seed() {
    for spec in samplers() {
        let a = study(&spec, 7, 40);
        let b = study(&spec, 7, 40);
        assert_eq!(a, b, "{}", spec.name());
        let c = study(&spec, 8, 40);
        assert_ne!(a, c, "{}: another seed, other draws", spec.name());
    }
}

#[test]
fn model_based_samplers_beat_random_search() {
    // Median over seeds of the best value after 60 trials.
    let median_best = |spec: &SamplerSpec| {
        let mut bests: Vec<f64> = (0..9)
            .map(|seed| {
                study(spec, seed, 60)
                    .iter()
                    .filter_map(|t| t.value)
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        bests.sort_by(f64::total_cmp);
        bests[bests.len() / 2]
    };
    let random = median_best(&SamplerSpec::Random);
    let tpe = median_best(&SamplerSpec::tpe());
    assert!(tpe < random, "tpe {tpe} vs random {random}");
}

#[test]
fn the_grid_visits_every_point_once_then_stops() {
    let t: toml::Table = toml::from_str(
        r#"
"a" = { choices = ["x", "y"] }
"b" = { int = [1, 3] }
"c" = { float = [0.0, 1.0], step = 0.5, when = { "a" = "y" } }
"#,
    )
    .unwrap();
    let sp = Space::parse(&t).unwrap();
    let s = Sampler::new(SamplerSpec::Grid, sp.clone(), Direction::Minimize, 1);
    SamplerSpec::Grid.check(&sp).unwrap();
    let mut h: Vec<Trial> = Vec::new();
    while let Some(params) = s.ask(&h, h.len()) {
        assert!(sp.contains(&params));
        h.push(Trial {
            number: h.len(),
            state: TrialState::Complete,
            params,
            value: Some(0.0),
            intermediate: vec![],
        });
        assert!(h.len() <= 20);
    }
    // a = x: 3 points; a = y: 3 x 3.
    assert_eq!(h.len(), 12);
    let mut seen: Vec<String> = h.iter().map(|t| format!("{:?}", t.params)).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 12);
    // A failed point stays taken; one left out of the history (an interrupted trial) is
    // offered again.
    h[4].state = TrialState::Failed;
    assert_eq!(s.ask(&h, 12), None);
    let lost = h.remove(4);
    assert_eq!(s.ask(&h, 12), Some(lost.params));
    // A continuous float has no grid.
    let err = SamplerSpec::Grid.check(&space()).unwrap_err();
    assert!(err.contains("optimizer.lr"), "{err}");
}

#[test]
fn space_errors_name_the_key() {
    let parse = |s: &str| Space::parse(&toml::from_str::<toml::Table>(s).unwrap());
    let e = parse(r#""lr" = { float = [1.0, 0.1] }"#).unwrap_err();
    assert_eq!(e.0, "search.space.\"lr\".float");
    let e = parse(r#""lr" = { float = [0.0, 0.1], log = true }"#).unwrap_err();
    assert!(e.1.contains("low > 0"), "{e:?}");
    let e = parse(r#""m" = { float = [0.0, 1.0], when = { "opt" = "sgd" } }"#).unwrap_err();
    assert!(e.1.contains("`opt` is not a searched parameter"), "{e:?}");
    let e = parse(
        r#""opt" = { choices = ["adam"] }
"m" = { float = [0.0, 1.0], when = { "opt" = "sgd" } }"#,
    )
    .unwrap_err();
    assert!(e.1.contains("never takes"), "{e:?}");
    let e = parse(r#""n" = { int = [1, 4], choices = [1] }"#).unwrap_err();
    assert!(e.1.contains("exactly one"), "{e:?}");
    let e = parse(r#""n" = { int = [1, 4], stpe = 2 }"#).unwrap_err();
    assert_eq!(e.0, "search.space.\"n\".stpe");
}

#[test]
fn values_snap_to_their_domain() {
    let d = Dist::Int {
        low: 32,
        high: 256,
        step: 32,
        log: false,
    };
    assert_eq!(d.from_internal(70.0), json!(64));
    assert_eq!(d.from_internal(1000.0), json!(256));
    let f = Dist::Float {
        low: 0.0,
        high: 0.5,
        log: false,
        step: Some(0.2),
    };
    assert_eq!(f.grid().unwrap(), vec![json!(0.0), json!(0.2), json!(0.4)]);
    assert_eq!(f.from_internal(0.5), json!(0.4));
    let c = Dist::Categorical {
        choices: vec![json!([64]), json!([128, 64])],
    };
    assert_eq!(c.to_internal(&json!([128, 64])), Some(1.0));
    assert_eq!(c.to_internal(&Value::Null), None);
}

#[test]
fn every_pruner_leaves_a_leading_trial_alone() {
    let others: Vec<Trial> = (0..8)
        .map(|i| Trial {
            number: i,
            state: TrialState::Complete,
            params: Default::default(),
            value: Some(1.0),
            intermediate: (1..=9).map(|s| (s, 1.0 + i as f64 / s as f64)).collect(),
        })
        .collect();
    let leader = Trial {
        number: 20,
        state: TrialState::Running,
        params: Default::default(),
        value: None,
        intermediate: (1..=9).map(|s| (s, 0.5)).collect(),
    };
    let laggard = Trial {
        intermediate: (1..=9).map(|s| (s, 9.0)).collect(),
        ..leader.clone()
    };
    let pruners = [
        Pruner::Median {
            n_startup_trials: 5,
            n_warmup_steps: 0,
        },
        Pruner::Percentile {
            percentile: 25.0,
            n_startup_trials: 5,
            n_warmup_steps: 0,
        },
        Pruner::Asha {
            min_resource: 1,
            reduction_factor: 2,
            min_early_stopping_rate: 0,
        },
        Pruner::Hyperband {
            min_resource: 1,
            max_resource: Some(9),
            reduction_factor: 3,
        },
    ];
    for p in &pruners {
        p.check().unwrap();
        for step in 1..=9 {
            assert!(
                !p.prune(&leader, step, &others, Direction::Minimize, 9),
                "{} pruned the leader at {step}",
                p.name()
            );
        }
        assert!(
            (1..=9).any(|s| p.prune(&laggard, s, &others, Direction::Minimize, 9)),
            "{} never pruned the laggard",
            p.name()
        );
    }
}
