//! Parsing, validation and round trips of experiment files.

use std::path::Path;

use super::*;
use crate::spec::model::*;

const GOOD: &str = r#"
task = "classification"
seed = 1

[data]
train = "digits.csv"

[model]
kind = "mlp"
hidden = [64]

[optimizer]
kind = "sgd"
lr = 0.1
"#;

#[test]
fn parses_and_fills_defaults() {
    let e = Experiment::parse(GOOD, Path::new("exp")).unwrap();
    assert_eq!(e.data.train, Path::new("exp/digits.csv"));
    assert_eq!(e.metric.as_deref(), Some("accuracy"));
    assert_eq!(e.train.epochs, 10);
    assert!(matches!(e.optimizer, OptimizerSpec::Sgd { momentum, .. } if momentum == 0.9));
    assert!(matches!(&e.model.arch, Arch::Mlp(m) if m.hidden == [64]));
}

#[test]
fn unknown_key_names_key_and_line() {
    let text = GOOD.replace("lr = 0.1", "lr = 0.1\nmomentun = 0.5");
    let e = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert!(e.message.contains("momentun"), "{e}");
    assert_eq!(e.line, Some(15), "{e}");
}

#[test]
fn unknown_top_level_key_names_line() {
    let text = format!("epochz = 3\n{GOOD}");
    let e = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert!(e.message.contains("epochz"), "{e}");
    assert_eq!(e.line, Some(1));
}

#[test]
fn wrong_value_names_key_and_line() {
    let text = GOOD.replace("lr = 0.1", "lr = -0.1");
    let e = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("optimizer.lr"));
    assert_eq!(e.line, Some(14));
    let text = GOOD.replace("lr = 0.1", "lr = \"fast\"");
    let e = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert_eq!(e.line, Some(14), "{e}");
}

#[test]
fn unknown_variant_and_metric_are_errors() {
    let text = GOOD.replace("kind = \"sgd\"", "kind = \"sgdd\"");
    let e = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert!(e.message.contains("sgdd"), "{e}");
    let text = format!("metric = \"rmse\"\n{GOOD}");
    let e = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("metric"));
    assert_eq!(e.line, Some(1));
}

#[test]
fn width_and_depth_multipliers() {
    let text = GOOD.replace(
        "hidden = [64]",
        "hidden = [64, 32]\nwidth_mult = 2.0\ndepth_mult = 1.5",
    );
    let e = Experiment::parse(&text, Path::new("")).unwrap();
    assert!(
        matches!(&e.model.arch, Arch::Mlp(m) if m.hidden == [128, 64, 64]),
        "{:?}",
        e.model
    );
    let text = GOOD.replace("hidden = [64]", "hidden = [64]\nwidth_mult = 0");
    let err = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("model.width_mult"));
    assert_eq!(err.line, Some(11));
}

#[test]
fn schedule_and_optimizer_tables() {
    let text = GOOD.replace("kind = \"sgd\"\nlr = 0.1", "kind = \"rmsprop\"\nlr = 0.01\ncentered = true\n\n[schedule]\nkind = \"cosine\"\nwarmup = 2\n\n[early_stopping]\npatience = 3");
    let e = Experiment::parse(&text, Path::new("")).unwrap();
    assert!(
        matches!(e.optimizer, OptimizerSpec::Rmsprop { centered: true, alpha, .. } if alpha == 0.99)
    );
    assert_eq!(e.schedule.kind(), "cosine");
    assert_eq!(e.schedule.warmup, 2);
    assert_eq!(e.early_stopping.as_ref().unwrap().patience, 3);
    // A knob of another kind is refused at its line.
    let text = GOOD.replace(
        "lr = 0.1",
        "lr = 0.1\n\n[schedule]\nkind = \"step\"\nt_max = 4",
    );
    let err = Experiment::parse(&text, Path::new("")).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("schedule.t_max"));
    assert_eq!(err.line, Some(18));
    let text = GOOD.replace("lr = 0.1", "lr = 0.1\namsgrad = true");
    assert_eq!(
        Experiment::parse(&text, Path::new(""))
            .unwrap_err()
            .key
            .as_deref(),
        Some("optimizer.amsgrad")
    );
}

#[test]
fn resolved_round_trips_through_json() {
    let e = Experiment::parse(GOOD, Path::new("")).unwrap();
    let j = serde_json::to_string(&e).unwrap();
    let back: Experiment = serde_json::from_str(&j).unwrap();
    assert_eq!(e, back);
}

#[test]
fn image_zoo_kinds_parse_with_their_knobs() {
    let model = |m: &str| GOOD.replace("kind = \"mlp\"\nhidden = [64]", m);
    let e = Experiment::parse(&model("kind = \"resnet\"\nblocks = 2"), Path::new("")).unwrap();
    assert!(matches!(
        &e.model.arch,
        Arch::Resnet(r) if r.blocks == 2 && r.stem == 16 && r.channels == [16, 32, 64]
    ));
    assert_eq!(e.model.norm, Norm::Batch);
    let e = Experiment::parse(
        &model("kind = \"mobilenet\"\nexpansion = 6\nwidth_mult = 2.0"),
        Path::new(""),
    )
    .unwrap();
    assert!(matches!(
        &e.model.arch,
        Arch::Mobilenet(m) if m.expansion == 6 && m.stem == 32 && m.channels == [32, 48, 64]
    ));
    let e = Experiment::parse(&model("kind = \"squeezenet\""), Path::new("")).unwrap();
    assert_eq!(e.model.norm(), Norm::None);
    // ShuffleNet widths stay multiples of 4 x groups and keep widening stage by stage.
    let e = Experiment::parse(
        &model("kind = \"shufflenet\"\ngroups = 2\nwidth_mult = 1.5"),
        Path::new(""),
    )
    .unwrap();
    assert!(matches!(
        &e.model.arch,
        Arch::Shufflenet(m) if m.groups == 2 && m.stem == 36 && m.channels == [72, 144]
    ));
    let e = Experiment::parse(
        &model("kind = \"gru\"\nhidden = 32\nlayers = 2"),
        Path::new(""),
    )
    .unwrap();
    assert_eq!(
        e.model,
        ModelSpec::new(Arch::Gru(Gru {
            hidden: 32,
            layers: 2
        }))
    );
    // The GRU's JSON has no activation or normalization, as it has none.
    let j = serde_json::to_value(&e.model).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"kind": "gru", "hidden": 32, "layers": 2, "dropout": 0.0})
    );
    // A knob of another kind, a bad ShuffleNet width, a zero count: the key and its line.
    let err =
        Experiment::parse(&model("kind = \"resnet\"\ngroups = 2"), Path::new("")).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("model.groups"));
    assert_eq!(err.line, Some(10));
    assert!(err.message.contains("resnet"), "{err}");
    let err = Experiment::parse(
        &model("kind = \"shufflenet\"\nchannels = [48, 100]"),
        Path::new(""),
    )
    .unwrap_err();
    assert_eq!(err.key.as_deref(), Some("model.channels"), "{err}");
    assert!(err.message.contains("48 -> 100"), "{err}");
    let err =
        Experiment::parse(&model("kind = \"mobilenet\"\nblocks = 0"), Path::new("")).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("model.blocks"));
    let err = Experiment::parse(&model("kind = \"mlp\"\nstem = 8"), Path::new("")).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("model.stem"));
}

#[test]
fn resolved_experiments_round_trip_through_their_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let mut e = Experiment::parse(&text, &dir).unwrap();
        e.search = None;
        let again = Experiment::parse(&e.to_toml_text(), Path::new(""))
            .unwrap_or_else(|err| panic!("{}: {err}\n{}", p.display(), e.to_toml_text()));
        assert_eq!(e, again, "{}", p.display());
        n += 1;
    }
    assert!(n >= 5);
    // Every model kind, schedule and optimizer of the zoo and of the spec.
    for entry in crate::zoo::catalogue() {
        let mut e = Experiment::parse(GOOD, Path::new("")).unwrap();
        e.model = entry.spec.clone();
        let again = Experiment::parse(&e.to_toml_text(), Path::new("")).unwrap();
        assert_eq!(e, again, "{}", entry.name);
    }
    for (opt, sched) in [
        ("kind = \"adamw\"", "kind = \"one_cycle\"\nmax_lr = 0.01"),
        ("kind = \"lion\"", "kind = \"cosine_restarts\"\nt_0 = 3"),
        (
            "kind = \"rmsprop\"\ncentered = true",
            "kind = \"step\"\nstep_size = 2",
        ),
        ("kind = \"sgd\"\nnesterov = true", "kind = \"plateau\""),
    ] {
        let text = GOOD.replace(
            "kind = \"sgd\"\nlr = 0.1",
            &format!("{opt}\nlr = 0.1\n\n[schedule]\n{sched}"),
        );
        let e = Experiment::parse(&text, Path::new("")).unwrap();
        let again = Experiment::parse(&e.to_toml_text(), Path::new(""))
            .unwrap_or_else(|err| panic!("{opt} {sched}: {err}\n{}", e.to_toml_text()));
        assert_eq!(e, again);
    }
}

#[test]
fn distill_table_parses_round_trips_and_is_checked() {
    let text = format!("{GOOD}\n[distill]\nteachers = [3, 4]\ntemperature = 2.0\n");
    let e = Experiment::parse(&text, Path::new("")).unwrap();
    assert_eq!(
        e.distill,
        Some(DistillSpec {
            teachers: vec![3, 4],
            alpha: 0.5,
            temperature: 2.0
        })
    );
    // The resolved text keeps it, so the improve loop's edits and a stored run's config do.
    let back = Experiment::parse(&e.to_toml_text(), Path::new("")).unwrap();
    assert_eq!(back.distill, e.distill);
    assert!(
        !GOOD.contains("distill")
            && !Experiment::parse(GOOD, Path::new(""))
                .unwrap()
                .to_toml_text()
                .contains("distill")
    );
    for (bad, key) in [
        ("teachers = []", "distill.teachers"),
        ("teachers = [0]", "distill.teachers"),
        ("teachers = [1]\nalpha = 1.5", "distill.alpha"),
        ("teachers = [1]\ntemperature = 0", "distill.temperature"),
    ] {
        let e =
            Experiment::parse(&format!("{GOOD}\n[distill]\n{bad}\n"), Path::new("")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some(key), "{bad}: {e}");
        assert!(e.line.is_some(), "{e}");
    }
    let e = Experiment::parse(
        &format!("{GOOD}\n[distill]\nteacher = [1]\n"),
        Path::new(""),
    )
    .unwrap_err();
    assert!(e.message.contains("teacher"), "{e}");
    let reg = GOOD.replace("classification", "regression") + "\n[distill]\nteachers = [1]\n";
    let e = Experiment::parse(&reg, Path::new("")).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("distill"), "{e}");
}
