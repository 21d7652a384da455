//! The improve loop's judge on null cases: the same experiment trained with different seeds
//! (the same validation rows: `data.split_seed` fixed), every ordered pair judged as if the
//! second were a remedy of the first. A kept pair is a false acceptance. Prints the rate for
//! accuracy (McNemar), macro F1 (paired bootstrap) and RMSE (per-sample squared errors).
//!
//!   cargo run --release -p tuneup-lab --example judge_null [SEEDS] [Z]
//!
//! (`bench/judge_null.sh` runs it.)

use std::path::Path;

use tuneup_core::data::DataInfo;
use tuneup_core::ensemble::MemberPred;
use tuneup_core::paired_metric::HeldOut;
use tuneup_lab::{Lab, Quiet};

fn main() -> anyhow::Result<()> {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let z: f64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let digits = root.join("data/digits_8x8.csv").canonicalize()?;
    let diabetes = root
        .join("../shared/data/tabular/diabetes_raw.csv")
        .canonicalize()?;
    let cases = [
        ("accuracy", "classification", &digits, "label", "[64]", 15),
        ("f1_macro", "classification", &digits, "label", "[64]", 15),
        ("rmse", "regression", &diabetes, "target", "[32]", 60),
    ];
    println!("null cases: {seeds} seeds of one experiment, every ordered pair judged at z >= {z}");
    println!(
        "{:<10} {:>6} {:>9} {:>8}  test",
        "metric", "pairs", "accepted", "rate"
    );
    for (metric, task, data, target, hidden, epochs) in cases {
        let dir = tempfile::tempdir()?;
        let store = tuneup_store::open(dir.path().join("s.db").to_str().unwrap_or("s.db"))?;
        let lab = Lab::new(store.as_ref(), &Quiet);
        let mut held: Vec<(MemberPred, tuneup_core::data::Y, DataInfo)> = Vec::new();
        for seed in 1..=seeds {
            let exp = dir.path().join(format!("e{seed}.toml"));
            std::fs::write(
                &exp,
                format!(
                    "task = \"{task}\"\nseed = {seed}\nmetric = \"{metric}\"\n[data]\ntrain = \"{}\"\ntarget = \"{target}\"\nval_fraction = 0.25\nsplit_seed = 1\n[model]\nkind = \"mlp\"\nhidden = {hidden}\n[train]\nepochs = {epochs}\nbatch_size = 64\n",
                    data.display()
                ),
            )?;
            let checked = tuneup_lab::record::check_file(&exp)?;
            let t = tuneup_lab::record::train_checked(lab, &checked)?;
            let m = tuneup_lab::predictor::member(lab.store, t.run_id, false)?;
            let info = m.models[0].info.clone();
            let (mut p, y, _) = tuneup_lab::held_out::held_out(lab.store, &[m])?;
            held.push((p.remove(0), y, info));
        }
        let metric_ = tuneup_core::metrics::Metric::from_name(metric).expect("a metric");
        let (mut pairs, mut kept) = (0, 0);
        let mut how = String::new();
        for (i, a) in held.iter().enumerate() {
            for (j, b) in held.iter().enumerate() {
                if i == j {
                    continue;
                }
                let h = HeldOut {
                    info: &a.2,
                    metric: metric_,
                    y: &a.1,
                };
                let judged = h.judge(&a.0, &b.0, metric_.direction(), z);
                pairs += 1;
                kept += usize::from(judged.keep);
                how = judged.wording.split(':').next().unwrap_or("").to_string();
            }
        }
        println!(
            "{metric:<10} {pairs:>6} {kept:>9} {:>8.3}  {how}",
            kept as f64 / pairs as f64
        );
    }
    Ok(())
}
