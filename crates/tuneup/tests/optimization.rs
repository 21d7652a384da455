//! Issue 6 on real data: optimizers, early stopping, clipping, schedules, lr-find.

mod common;

use common::*;

fn exp_text(data: &std::path::Path, rest: &str) -> String {
    format!(
        "task = \"classification\"\nseed = 3\n[data]\ntrain = {:?}\n{rest}",
        data.display().to_string()
    )
}

#[test]
fn every_optimizer_trains() {
    let env = Env::new();
    for (kind, extra) in [
        ("sgd", "lr = 0.05\nnesterov = true"),
        ("adam", "amsgrad = true"),
        ("adamw", "weight_decay = 0.01"),
        ("adagrad", "lr = 0.05"),
        ("rmsprop", "lr = 0.001\ncentered = true"),
        ("lion", "lr = 0.0003"),
        ("lamb", "lr = 0.01"),
    ] {
        let exp = env.write(&format!("{kind}.toml"), exp_text(&digits_csv(), &format!("[model]\nkind = \"mlp\"\nhidden = [64]\n[optimizer]\nkind = \"{kind}\"\n{extra}\n[train]\nepochs = 5\n")));
        let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
        assert_eq!(code(&o), 0, "{kind}: {}", stderr(&o));
        let acc = json(&o)["metric"]["value"].as_f64().unwrap();
        assert!(acc > 0.8, "{kind}: val accuracy {acc} after 5 epochs");
    }
}

#[test]
fn early_stopping_stops_near_the_minimum_and_restores_its_weights() {
    let env = Env::new();
    // The over-trained run of the variance test: a wide MLP on 300 samples for up to 150 epochs.
    let exp = env.write(
        "es.toml",
        exp_text(
            &digits_csv(),
            "train_fraction = 0.2087\n[model]\nkind = \"mlp\"\nhidden = [1024, 1024]\n[early_stopping]\nmonitor = \"val_loss\"\npatience = 5\n[train]\nepochs = 150\nbatch_size = 32\n",
        ),
    );
    let j = json(&env.tuneup(&["train", exp.to_str().unwrap(), "--json"]));
    let stopped = j["stopped_early"]
        .as_u64()
        .expect("early stopping should end the run") as usize;
    let best = j["best_epoch"].as_u64().unwrap() as usize;
    assert_eq!(stopped, best + 5, "stops patience epochs after the best");
    assert!(stopped < 60, "stopped at {stopped} of 150");
    let epochs = json(&env.tuneup(&["show", "1", "--json"]))["epochs"].clone();
    let losses: Vec<f64> = epochs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["val_loss"].as_f64().unwrap())
        .collect();
    assert_eq!(losses.len(), stopped);
    let (argmin, min) =
        losses.iter().enumerate().fold(
            (0, f64::INFINITY),
            |a, (i, v)| if *v < a.1 { (i, *v) } else { a },
        );
    assert_eq!(
        argmin + 1,
        best,
        "the best epoch is the validation-loss minimum"
    );
    // The run ends with the best epoch's weights: its validation loss is the minimum's.
    assert!(
        (j["val"]["loss"].as_f64().unwrap() - min).abs() < 1e-6,
        "{} vs {min}",
        j["val"]["loss"]
    );
    let e = json(&env.tuneup(&["eval", "1", digits_csv().to_str().unwrap(), "--json"]));
    assert!(e["samples"].as_u64().unwrap() > 0);
}

#[test]
fn clipping_and_schedules_change_training() {
    let env = Env::new();
    let base = "[model]\nkind = \"mlp\"\nhidden = [64]\n[optimizer]\nkind = \"sgd\"\nlr = 0.1\n";
    let run = |name: &str, extra: &str| {
        let exp = env.write(
            name,
            exp_text(
                &digits_csv(),
                &format!("{base}{extra}[train]\nepochs = 4\n"),
            ),
        );
        let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        json(&o)
    };
    let plain = run("plain.toml", "");
    let constant = run("constant.toml", "[schedule]\nkind = \"constant\"\n");
    assert_eq!(
        plain["val"], constant["val"],
        "a constant schedule is no schedule"
    );
    let clipped = {
        let exp = env.write(
            "clip2.toml",
            exp_text(
                &digits_csv(),
                &format!("{base}[train]\nepochs = 4\nclip_norm = 0.01\n"),
            ),
        );
        json(&env.tuneup(&["train", exp.to_str().unwrap(), "--json"]))
    };
    assert_ne!(
        plain["val"]["loss"], clipped["val"]["loss"],
        "clipping to a tiny norm must change training"
    );
    let cosine = run("cos.toml", "[schedule]\nkind = \"cosine\"\nwarmup = 1\n");
    assert_ne!(plain["val"]["loss"], cosine["val"]["loss"]);
    // The recorded per-epoch rates follow the schedule: warm-up from 0, then cosine over 3 epochs.
    let n = json(&env.tuneup(&["runs", "--json"]))
        .as_array()
        .unwrap()
        .len();
    let epochs = json(&env.tuneup(&["show", &n.to_string(), "--json"]))["epochs"].clone();
    let lrs: Vec<f64> = epochs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["lr"].as_f64().unwrap())
        .collect();
    let want = [0.0, 0.1, 0.1 * 0.75, 0.1 * 0.25];
    for (g, w) in lrs.iter().zip(want) {
        assert!((g - w).abs() < 1e-9, "{lrs:?}");
    }
    // `tuneup schedule` shows the same sequence and plots it.
    let s = json(&env.tuneup(&["schedule", "cos.toml", "-o", "lr.svg", "--json"]));
    let per_epoch: Vec<f64> = s["lr_per_epoch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(per_epoch, lrs);
    assert!(
        std::fs::read_to_string(env.path("lr.svg"))
            .unwrap()
            .contains("end of warm-up")
    );
}

#[test]
fn lr_find_suggests_and_leaves_no_trace() {
    let env = Env::new();
    let exp = env.write(
        "f.toml",
        exp_text(
            &digits_csv(),
            "[model]\nkind = \"mlp\"\nhidden = [64]\n[train]\nepochs = 3\n",
        ),
    );
    let o = env.tuneup(&["lr-find", "f.toml", "-o", "lrf.svg", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let j = json(&o);
    let lr = j["suggestion"]["lr"].as_f64().unwrap();
    assert!(lr > 1e-5 && lr < 1.0, "suggested {lr}");
    assert!(
        std::fs::read_to_string(env.path("lrf.svg"))
            .unwrap()
            .contains("steepest")
    );
    assert!(!env.store().exists(), "lr-find records nothing");
    // Training afterwards starts from fresh weights: the same numbers as without lr-find.
    let a = json(&env.tuneup(&["train", "f.toml", "--json"]));
    let env2 = Env::new();
    let exp2 = env2.write("f.toml", std::fs::read_to_string(&exp).unwrap());
    let b = json(&env2.tuneup(&["train", exp2.to_str().unwrap(), "--json"]));
    assert_eq!(a["val"], b["val"]);
    assert_bad_input(
        &env.tuneup(&["lr-find", "f.toml", "--start", "1", "--end", "0.1"]),
        &["--start"],
    );
}

/// With batch norm (running statistics in the checkpoint) and augmentation (batches drawn from
/// the seed, epoch and step), too.
#[test]
fn resuming_gives_the_numbers_of_one_long_run() {
    let env = Env::new();
    let text = |epochs: usize| {
        exp_text(
            &digits_csv(),
            &format!(
                "[model]\nkind = \"mlp\"\nhidden = [64]\ndropout = 0.2\nnorm = \"batch\"\n[optimizer]\nkind = \"adam\"\n[schedule]\nkind = \"step\"\nstep_size = 3\ngamma = 0.5\n[augment]\nnoise = 0.1\nmixup = 0.2\n[train]\nepochs = {epochs}\n"
            ),
        )
    };
    env.write("short.toml", text(4));
    env.write("long.toml", text(9));
    assert_eq!(code(&env.tuneup(&["train", "short.toml"])), 0);
    let o = env.tuneup(&["resume", "1", "--epochs", "9", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let resumed = json(&o);
    let long = json(&env.tuneup(&["train", "long.toml", "--json"]));
    assert_eq!(
        resumed["val"], long["val"],
        "resumed {} vs one run {}",
        resumed["val"], long["val"]
    );
    assert_eq!(resumed["train"], long["train"]);
    assert_eq!(resumed["best_epoch"], long["best_epoch"]);
    // The resumed run is a child of the first; its curves are one long run's: epochs 1 to 4
    // copied from its parent, 5 to 9 its own.
    let child = json(&env.tuneup(&["show", "2", "--json"]));
    assert_eq!(child["parent_id"], 1);
    let eps = |v: &serde_json::Value| {
        v["epochs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["epoch"].as_u64().unwrap(),
                    e["val_loss"].as_f64().unwrap(),
                    e["lr"].as_f64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let all = eps(&json(&env.tuneup(&["show", "3", "--json"])));
    assert_eq!(eps(&child), all);
    assert_bad_input(
        &env.tuneup(&["resume", "1", "--epochs", "3"]),
        &["already trained 4 epochs"],
    );
}

#[test]
fn an_exploding_loss_ends_the_run_as_failed_and_is_diagnosed_unstable() {
    let env = Env::new();
    let exp = env.write("hot.toml", exp_text(&digits_csv(), "[model]\nkind = \"mlp\"\nhidden = [64]\n[optimizer]\nkind = \"sgd\"\nlr = 5.0\n[train]\nepochs = 3\n"));
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 1);
    let reason = json(&o)["failure"].as_str().unwrap().to_string();
    assert!(
        reason.contains("exploded") && reason.contains("epoch 1, step"),
        "{reason}"
    );
    let d = json(&env.tuneup(&["diagnose", "1", "--json"]));
    assert_eq!(d["verdict"], "unstable_optimization");
    let ids: Vec<&str> = d["remedies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[..2], ["lower_learning_rate", "warmup_and_clipping"]);
}
