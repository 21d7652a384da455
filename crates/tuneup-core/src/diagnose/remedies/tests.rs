//! The remedies each verdict gets, their changes, and that every change makes a valid
//! experiment.

use serde_json::json;

use super::*;
use crate::diagnose::Verdict;
use crate::spec::{Experiment, Task};

mod ranking {
    use super::*;

    fn exp(extra: &str) -> Experiment {
        Experiment::parse(
            &format!(
                "task = \"classification\"\n[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\n{extra}"
            ),
            std::path::Path::new(""),
        )
        .unwrap()
    }

    fn variance_remedies(e: &Experiment, shape: Option<&[usize]>) -> Vec<Remedy> {
        remedies(Verdict::HighVariance, &[], None, None, e, shape, Some(10))
    }

    fn keys(r: &Remedy) -> Vec<&str> {
        r.changes.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn augmentation_fits_the_samples() {
        let e = exp("");
        let find = |shape: &[usize]| {
            variance_remedies(&e, Some(shape))
                .into_iter()
                .find(|r| r.id == "augmentation")
                .unwrap()
        };
        let img = find(&[1, 28, 28]);
        assert!(img.available);
        assert_eq!(
            keys(&img),
            ["augment.shift", "augment.rotate", "augment.scale"]
        );
        assert_eq!(img.changes[0].to, json!(2));
        assert_eq!(
            keys(&find(&[40])),
            ["augment.shift", "augment.noise"],
            "a long vector is a signal"
        );
        assert_eq!(
            keys(&find(&[13])),
            ["augment.noise", "augment.mixup"],
            "a short vector is a tabular row"
        );
        // The first variance remedy is augmentation; normalization and label smoothing are on
        // the list with their keys.
        let all = variance_remedies(&e, Some(&[1, 28, 28]));
        assert_eq!(all[0].id, "augmentation");
        let norm = all.iter().find(|r| r.id == "normalization").unwrap();
        assert_eq!(norm.changes[0].to, json!("batch"));
        assert!(all.iter().any(|r| r.id == "label_smoothing"));
    }

    #[test]
    fn a_dense_net_on_signals_or_images_is_offered_a_convolutional_one() {
        let e = exp("");
        let find = |shape: &[usize]| {
            remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                &e,
                Some(shape),
                Some(10),
            )
            .into_iter()
            .find(|r| r.id == "model_selection")
            .unwrap()
        };
        let sig = find(&[40]);
        assert!(sig.available);
        assert_eq!(sig.changes[0].to["kind"], "conv1d");
        assert_eq!(sig.changes[1].key, "data.shape");
        assert_eq!(sig.changes[1].to, json!([1, 40]));
        assert_eq!(find(&[1, 28, 28]).changes[0].to["kind"], "cnn");
        assert!(!find(&[13]).available, "tabular rows keep their MLP");
        // 64 or 784 features: perhaps pixels; read as an image for a CNN.
        let sq = find(&[64]);
        assert_eq!(sq.changes[0].to["kind"], "cnn");
        assert_eq!(sq.changes[1].key, "data.shape");
        assert_eq!(sq.changes[1].to, json!([1, 8, 8]));
        assert_eq!(find(&[784]).changes[1].to, json!([1, 28, 28]));
    }

    #[test]
    fn an_augmented_experiment_gets_stronger_augmentation_then_more_data() {
        let e = exp("[augment]\nshift = 2\n");
        let r = variance_remedies(&e, Some(&[1, 28, 28]));
        let a = r.iter().find(|r| r.id == "augmentation").unwrap();
        assert_eq!(keys(a), ["augment.mixup"]);
        let e = exp("[augment]\nmixup = 0.2\nmix_off_epochs = 2\n");
        let r = variance_remedies(&e, Some(&[1, 28, 28]));
        let m = r.iter().find(|r| r.id == "more_data").unwrap();
        assert!(!m.available);
        // Per-layer dropout: the next step up from the largest rate.
        let e = exp("hidden = [32, 16]\ndropout = [0.1, 0.3]\n");
        let d = variance_remedies(&e, None)
            .into_iter()
            .find(|r| r.id == "dropout")
            .unwrap();
        assert_eq!(d.changes[0].to, json!(0.5));
    }
}

mod budget {
    use super::*;

    #[test]
    fn a_bigger_model_stays_under_the_parameter_budget() {
        let e = |budget: &str| {
            Experiment::parse(
                &format!("task = \"classification\"\n{budget}[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\nhidden = [100]\n"),
                std::path::Path::new(""),
            )
            .unwrap()
        };
        let bigger = |exp: &Experiment| {
            remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                exp,
                Some(&[64]),
                Some(10),
            )
            .into_iter()
            .find(|r| r.id == "bigger_model")
            .unwrap()
        };
        // 64-100-10 has 7,510 parameters; x2 = 15,010; x1.5 = 11,260; x1.25 = 9,385.
        assert_eq!(bigger(&e("")).changes[0].to, json!(2.0));
        assert_eq!(bigger(&e("max_params = 12000\n")).changes[0].to, json!(1.5));
        assert_eq!(
            bigger(&e("max_params = 10000\n")).changes[0].to,
            json!(1.25)
        );
        let none = bigger(&e("max_params = 8000\n"));
        assert!(!none.available);
        assert!(none.why.contains("7510"), "{}", none.why);
    }

    #[test]
    fn model_selection_picks_the_first_image_net_within_the_budget() {
        let pick = |budget: &str| {
            let exp = Experiment::parse(
                &format!("task = \"classification\"\n{budget}[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\n"),
                std::path::Path::new(""),
            )
            .unwrap();
            let r = remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                &exp,
                Some(&[1, 28, 28]),
                Some(10),
            )
            .into_iter()
            .find(|r| r.id == "model_selection")
            .unwrap();
            r.available
                .then(|| r.changes[0].to["kind"].as_str().unwrap().to_string())
        };
        // On 1x28x28: cnn 421,642; resnet 77,754; mobilenet 32,282; squeezenet 31,482;
        // cnn-small 26,810; shufflenet 5,482 parameters.
        assert_eq!(pick("").as_deref(), Some("cnn"));
        assert_eq!(pick("max_params = 100000\n").as_deref(), Some("resnet"));
        assert_eq!(pick("max_params = 40000\n").as_deref(), Some("mobilenet"));
        assert_eq!(pick("max_params = 10000\n").as_deref(), Some("shufflenet"));
        assert_eq!(pick("max_params = 5000\n"), None);
    }
}

mod studies {
    use super::*;
    use crate::tune::{Direction, Sampler, SamplerSpec};
    use std::path::Path;

    /// Every available remedy of every example makes a valid experiment, and both studies'
    /// spaces make valid trial experiments at every point drawn.
    #[test]
    fn every_remedy_and_study_point_makes_a_valid_experiment() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut studies = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let mut exp = Experiment::parse(&std::fs::read_to_string(&p).unwrap(), &dir).unwrap();
            exp.search = None;
            let shape: Vec<usize> = match exp.model.kind() {
                "cnn" | "resnet" | "mobilenet" | "squeezenet" | "shufflenet" => vec![1, 28, 28],
                _ => vec![40],
            };
            for budget in [None, Some(200_000)] {
                exp.max_params = budget;
                let all = remedies(
                    Verdict::HighBiasAndVariance,
                    &[],
                    None,
                    None,
                    &exp,
                    Some(&shape),
                    Some(10),
                );
                for r in all
                    .iter()
                    .filter(|r| r.available && r.id != RemedyId::Distillation)
                {
                    let child = apply(&exp, &r.changes)
                        .unwrap_or_else(|e| panic!("{} {}: {e}", p.display(), r.id));
                    if r.id.is_study() {
                        let search = child.search.clone().expect("a study has a [search]");
                        let text = child.to_toml_text();
                        let sampler =
                            Sampler::new(SamplerSpec::Random, search.space, Direction::Maximize, 7);
                        for n in 0..8 {
                            let params = sampler.ask(&[], n).unwrap();
                            crate::tune::search::trial_experiment(&text, Path::new(""), &params)
                                .unwrap_or_else(|e| {
                                    panic!("{} {} {params:?}: {e}", p.display(), r.id)
                                });
                        }
                        studies += 1;
                    }
                }
                let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
                assert!(ids.contains(&"tuning") && ids.contains(&"tuning_regularization"));
                assert!(ids.iter().all(|i| RemedyId::parse(i).is_some()), "{ids:?}");
            }
        }
        assert!(studies >= 8, "{studies}");
    }

    /// Hand-made curves: the first remedies of a high-variance and a high-bias start.
    #[test]
    fn the_first_remedies_match_the_verdict() {
        use crate::diagnose::{Evidence, Observed, Thresholds, diagnose};
        use crate::run::EpochRecord;
        let exp = Experiment::parse(
            "task = \"classification\"\n[data]\ntrain = \"x.csv\"\n[model]\nkind = \"mlp\"\nhidden = [64]\n",
            Path::new(""),
        )
        .unwrap();
        // Training error falls to 0 while validation loss turns up after epoch 8.
        let overfit: Vec<EpochRecord> = (1..=30)
            .map(|e| {
                let t = 1.0 / e as f64;
                let v = 0.3 + 0.002 * (e as f64 - 8.0).powi(2);
                EpochRecord {
                    epoch: e,
                    fit_loss: t,
                    train_loss: t,
                    train_error: (0.2 * t).min(0.2),
                    val_loss: v,
                    val_error: 0.12,
                    val_metric: 0.88,
                    lr: 1e-3,
                    seconds: 1.0,
                    fit_seconds: 0.5,
                }
            })
            .collect();
        // Both errors flat and high: a plateau.
        let plateau: Vec<EpochRecord> = (1..=30)
            .map(|e| EpochRecord {
                epoch: e,
                fit_loss: 1.2,
                train_loss: 1.2,
                train_error: 0.45,
                val_loss: 1.21,
                val_error: 0.46,
                val_metric: 0.54,
                lr: 1e-3,
                seconds: 1.0,
                fit_seconds: 0.5,
            })
            .collect();
        let first = |train: f64, val: f64, epochs: &[EpochRecord]| {
            let ev = Evidence {
                task: Task::Classification,
                target_error: Some(0.01),
                estimate: None,
                train: Some(Observed {
                    error: train,
                    n: 4000,
                }),
                train_dev: None,
                val: Some(Observed {
                    error: val,
                    n: 1000,
                }),
                epochs,
                failure: None,
                sample_shape: Some(&[12]),
                outputs: Some(3),
            };
            let d = diagnose(&ev, &exp, &Thresholds::default());
            let ids: Vec<String> = d
                .remedies
                .iter()
                .filter(|r| r.available)
                .map(|r| r.id.as_str().to_string())
                .collect();
            (d.verdict, ids)
        };
        let (v, ids) = first(0.0, 0.12, &overfit);
        assert_eq!(v, Verdict::HighVariance);
        // Twelve features: a table, where boosted trees come first.
        assert_eq!(
            ids[..4],
            [
                "boosted_trees",
                "augmentation",
                "lr_schedule",
                "early_stopping"
            ],
            "{ids:?}"
        );
        let (v, ids) = first(0.45, 0.46, &plateau);
        assert_eq!(v, Verdict::HighBias);
        assert_eq!(
            ids[..4],
            [
                "boosted_trees",
                "bigger_model",
                "train_longer",
                "lr_schedule"
            ],
            "{ids:?}"
        );
    }

    #[test]
    fn a_binding_budget_offers_distillation_instead_of_a_bigger_model() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let text = std::fs::read_to_string(dir.join("mnist.toml")).unwrap();
        let mut exp = Experiment::parse(&text, &dir).unwrap();
        let shape = [1, 28, 28];
        let own = crate::zoo::size(&exp.model, &shape, 10).unwrap().params;
        let list = |exp: &Experiment| {
            remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                exp,
                Some(&shape),
                Some(10),
            )
        };
        let free = list(&exp);
        assert!(!free.iter().any(|r| r.id == "distillation"));
        exp.max_params = Some(own);
        let bound = list(&exp);
        let big = bound.iter().find(|r| r.id == "bigger_model").unwrap();
        assert!(!big.available);
        let d = bound.iter().find(|r| r.id == "distillation").unwrap();
        assert!(d.available);
        assert_eq!(d.changes[0].key, DISTILL_KEY);
        assert_eq!(d.changes[0].to["teacher_width_mult"], 3.0);
    }

    #[test]
    fn trees_get_tree_remedies_and_nets_on_images_no_trees() {
        let parse = |model: &str| {
            Experiment::parse(
                &format!(
                    "task = \"classification\"\n[data]\ntrain = \"d.csv\"\n[model]\n{model}\n"
                ),
                Path::new(""),
            )
            .unwrap()
        };
        let g = parse("kind = \"gbdt\"\nrounds = 200");
        let ids = |v: Verdict, e: &Experiment, shape: &[usize]| -> Vec<String> {
            remedies(v, &[], None, None, e, Some(shape), Some(3))
                .iter()
                .filter(|r| r.available)
                .map(|r| r.id.as_str().to_string())
                .collect()
        };
        let var = ids(Verdict::HighVariance, &g, &[12]);
        assert_eq!(
            var[..4],
            [
                "tree_regularization",
                "subsampling",
                "smaller_model",
                "lower_learning_rate"
            ],
            "{var:?}"
        );
        assert!(var.contains(&"model_selection".to_string()));
        assert!(
            !var.iter()
                .any(|r| r == "dropout" || r == "augmentation" || r == "weight_decay")
        );
        let bias = ids(Verdict::HighBias, &g, &[12]);
        assert_eq!(
            bias[..2],
            ["bigger_model", "raise_learning_rate"],
            "{bias:?}"
        );
        let all = remedies(Verdict::HighBias, &[], None, None, &g, Some(&[12]), Some(3));
        let leaves = all.iter().find(|r| r.id == "bigger_model").unwrap();
        assert_eq!(
            (leaves.changes[0].key.as_str(), &leaves.changes[0].to),
            ("model.max_leaves", &serde_json::json!(62))
        );
        // Every change applies to the experiment as an edit of its file.
        for r in all.iter().filter(|r| r.available && r.id != "tuning") {
            apply(&g, &r.changes).unwrap_or_else(|e| panic!("{}: {e}", r.id));
        }
        // A CNN on images is not offered trees; an MLP on a 12-feature table is, first.
        let mlp = parse("kind = \"mlp\"");
        assert!(
            !ids(Verdict::HighVariance, &mlp, &[1, 28, 28]).contains(&"boosted_trees".to_string())
        );
        let t = remedies(
            Verdict::HighVariance,
            &[],
            None,
            None,
            &mlp,
            Some(&[12]),
            Some(3),
        );
        assert_eq!(t[0].id, RemedyId::BoostedTrees);
        let as_trees = apply(&mlp, &t[0].changes).unwrap();
        assert_eq!(as_trees.model.kind(), "gbdt");
        // Knobs at their limits are not offered as changes that change nothing.
        let small = parse("kind = \"gbdt\"\nmax_leaves = 4\nlearning_rate = 0.5");
        let v = ids(Verdict::HighBiasAndVariance, &small, &[12]);
        assert!(!v.contains(&"smaller_model".to_string()), "{v:?}");
        assert!(!v.contains(&"raise_learning_rate".to_string()), "{v:?}");
        assert!(v.contains(&"bigger_model".to_string()), "{v:?}");
    }
}
