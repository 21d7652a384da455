//! Text end to end on real raw e-mails (a slice of ../shared/data/text/spam_assassin.csv.gz):
//! the text models learn spam from the raw text and predict new mail with the run's own
//! tokenizer; every text model and tokenizer trains; a table of text, numbers and levels trains
//! and predicts; bad text input is exit 2 naming what is wrong.

mod common;

use std::io::Read;
use std::path::PathBuf;

use common::*;

/// Every `step`-th mail of the corpus (ham and spam both: the file is sorted by folder), as
/// (id, label, text).
fn mails(step: usize, offset: usize) -> Vec<[String; 3]> {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(shared_data().join("text/spam_assassin.csv.gz")).unwrap(),
    )
    .read_to_end(&mut raw)
    .unwrap();
    let mut rdr = csv::Reader::from_reader(&raw[..]);
    rdr.records()
        .enumerate()
        .filter(|(i, _)| i % step == offset)
        .map(|(_, r)| {
            let r = r.unwrap();
            [r[0].to_string(), r[1].to_string(), r[2].to_string()]
        })
        .collect()
}

fn write_mails(env: &Env, name: &str, rows: &[[String; 3]], labels: bool) -> PathBuf {
    let mut w = csv::Writer::from_writer(Vec::new());
    if labels {
        w.write_record(["id", "label", "text"]).unwrap();
    } else {
        w.write_record(["id", "text"]).unwrap();
    }
    for [id, label, text] in rows {
        if labels {
            w.write_record([id, label, text]).unwrap();
        } else {
            w.write_record([id, text]).unwrap();
        }
    }
    env.write(name, w.into_inner().unwrap())
}

const COLUMNS: &str =
    "target = \"label\"\nval_fraction = 0.2\n\n[data.columns]\nid = \"id\"\ntext = \"text\"\n";

fn text_exp(
    env: &Env,
    name: &str,
    data: &std::path::Path,
    text: &str,
    model: &str,
    epochs: usize,
) -> PathBuf {
    env.experiment(
        name,
        data,
        "classification",
        &format!(
            "{COLUMNS}\n[data.text]\n{text}\n\n[model]\n{model}\n\n[optimizer]\nkind = \"adam\"\nlr = 0.01\n\n[train]\nepochs = {epochs}\nbatch_size = 32\n"
        ),
    )
}

fn train(env: &Env, exp: &std::path::Path) -> serde_json::Value {
    let o = env.tuneup(&["train", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)
}

fn val_metric(env: &Env, run: &serde_json::Value) -> f64 {
    let o = env.tuneup(&["show", &run["run_id"].to_string(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)["val"]["metric"].as_f64().unwrap()
}

#[test]
fn fasttext_learns_spam_from_raw_mail_and_predicts_new_mail_the_same_way() {
    let env = Env::new();
    let train_rows = mails(8, 0); // 756 mails
    let new_rows = mails(24, 5); // 252 others
    let data = write_mails(&env, "mail.csv", &train_rows, true);
    let test = write_mails(&env, "test.csv", &new_rows, true);
    let unlabelled = write_mails(&env, "new.csv", &new_rows, false);
    let exp = text_exp(
        &env,
        "ft.toml",
        &data,
        "max_len = 256",
        "kind = \"fasttext\"\ndim = 32\nbuckets = 20000",
        4,
    );
    let run = train(&env, &exp);
    let acc = val_metric(&env, &run);
    // Two classes, 69% ham: the majority class scores 0.69.
    assert!(acc > 0.9, "validation accuracy {acc}");
    let id = run["run_id"].to_string();
    // The run's tokenizer is kept beside its weights.
    let vocab =
        std::fs::read_to_string(env.path(&format!("tuneup.db.runs/run-{id}/vocab.txt"))).unwrap();
    assert!(vocab.starts_with("[PAD]\n[UNK]\n[SEP]\n") && vocab.lines().count() > 1000);
    // New mail scored with the same tokens.
    let o = env.tuneup(&["eval", &id, test.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let test_acc = json(&o)["metric"]["value"].as_f64().unwrap();
    assert!(test_acc > 0.88, "test accuracy {test_acc}");
    let o = env.tuneup(&[
        "predict",
        &id,
        unlabelled.to_str().unwrap(),
        "-o",
        "pred.csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pred = std::fs::read_to_string(env.path("pred.csv")).unwrap();
    assert_eq!(pred.lines().count(), new_rows.len() + 1);
    assert!(pred.contains(",spam") && pred.contains(",ham"));
    // The report card ends with the most confidently wrong validation mails, as tokens.
    let o = env.tuneup(&["diagnose", &id, "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let top = json(&o)["top_losses"].as_array().unwrap().clone();
    let wrong = ((1.0 - acc) * 151.0).round() as usize;
    assert_eq!(top.len(), wrong.min(5), "{top:?}");
    for (k, t) in top.iter().enumerate() {
        assert_ne!(t["truth"], t["predicted"]);
        assert!(t["confidence"].as_f64().unwrap() >= 0.5);
        assert!(!t["text"].as_str().unwrap().is_empty());
        if k > 0 {
            assert!(t["loss"].as_f64() <= top[k - 1]["loss"].as_f64());
        }
    }
    // The same seed gives the same numbers.
    let again = train(&env, &exp);
    assert_eq!(acc, val_metric(&env, &again));
}

#[test]
fn augment_preview_shows_the_token_augmentation_of_training_texts() {
    let env = Env::new();
    let data = write_mails(&env, "mail.csv", &mails(60, 1), true);
    let exp = text_exp(
        &env,
        "aug.toml",
        &data,
        "max_len = 64",
        "kind = \"fasttext\"",
        1,
    );
    let with_aug = std::fs::read_to_string(&exp).unwrap() + "\n[augment]\ntoken_delete = 0.3\n";
    let exp = env.write("aug.toml", with_aug);
    let args = [
        "augment-preview",
        exp.to_str().unwrap(),
        "--samples",
        "2",
        "--draws",
        "2",
        "--json",
    ];
    let o = env.tuneup(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    let texts = v["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 2);
    for t in texts {
        let words = |s: &serde_json::Value| s.as_str().unwrap().split(' ').count();
        let (orig, draws) = (&t["original"], t["augmented"].as_array().unwrap());
        assert_eq!(draws.len(), 2);
        // A third of the tokens deleted: the first 40 shown are others, and the draws differ.
        assert_ne!(&draws[0], orig);
        assert_ne!(draws[0], draws[1]);
        assert!(words(orig) >= 30, "{orig}");
    }
    // Seeded: the same preview again.
    assert_eq!(json(&env.tuneup(&args)), v);
    // An image augmentation on text is refused with its key.
    let bad = std::fs::read_to_string(&exp)
        .unwrap()
        .replace("token_delete = 0.3", "rotate = 10.0");
    let exp = env.write("bad.toml", bad);
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["augment.rotate", "does not apply to text"],
    );
}

#[test]
fn every_text_model_and_tokenizer_trains() {
    let env = Env::new();
    let data = write_mails(&env, "mail.csv", &mails(30, 0), true); // 202 mails
    for (text, model) in [
        ("max_len = 64", "kind = \"embbag\"\ndim = 16\nhidden = [16]"),
        ("max_len = 64", "kind = \"textcnn\"\ndim = 16\nwidth = 8"),
        ("max_len = 32", "kind = \"bigru\"\ndim = 16\nhidden = 8"),
        (
            "max_len = 32",
            "kind = \"transformer\"\ndim = 16\nheads = 2\nlayers = 1\nhidden = 16",
        ),
        (
            "tokenizer = \"bpe\"\nvocab_size = 800\nmax_len = 64",
            "kind = \"fasttext\"\ndim = 16\nbuckets = 1000",
        ),
        (
            "tokenizer = \"wordpiece\"\nvocab_size = 800\nmax_len = 64\ntruncate = \"both\"",
            "kind = \"fasttext\"\ndim = 16\nngrams = 1",
        ),
        (
            "tokenizer = \"unigram\"\nvocab_size = 800\nmax_len = 64\ntruncate = \"tail\"",
            "kind = \"fasttext\"\ndim = 16\nngrams = 3\nbuckets = 1000",
        ),
    ] {
        let exp = text_exp(&env, "m.toml", &data, text, model, 1);
        let run = train(&env, &exp);
        let acc = val_metric(&env, &run);
        assert!((0.0..=1.0).contains(&acc), "{model}: {acc}");
    }
    // A subword run writes Hugging Face's tokenizer.json.
    let o = env.tuneup(&["runs", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let dir = env.path("tuneup.db.runs");
    let jsons = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("tokenizer.json").exists())
        .count();
    assert_eq!(jsons, 3);
}

#[test]
fn a_table_of_text_numbers_and_levels_trains_and_predicts() {
    let env = Env::new();
    let rows = mails(20, 3);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["id", "lines", "html", "subject", "body", "label"])
        .unwrap();
    for (i, [id, label, text]) in rows.iter().enumerate() {
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject:"))
            .unwrap_or("")
            .trim()
            .to_string();
        let body = text.split("\n\n").skip(1).collect::<Vec<_>>().join("\n\n");
        let html = if text.to_lowercase().contains("<html") {
            "yes"
        } else {
            "no"
        };
        // Some empty subjects: empty text, not an error.
        let subject = if i % 10 == 0 { String::new() } else { subject };
        w.write_record([
            id,
            &text.lines().count().to_string(),
            html,
            &subject,
            &body,
            label,
        ])
        .unwrap();
    }
    let data = env.write("mixed.csv", w.into_inner().unwrap());
    let exp = env.experiment(
        "mixed.toml",
        &data,
        "classification",
        "target = \"label\"\n\n[data.columns]\nid = \"id\"\nlines = \"numeric\"\nhtml = \"categorical\"\nsubject = \"text\"\nbody = \"text\"\n\n[data.text]\nmax_len = 128\n\n[model]\nkind = \"fasttext\"\ndim = 16\nbuckets = 5000\n\n[optimizer]\nkind = \"adam\"\nlr = 0.01\n\n[train]\nepochs = 3\nbatch_size = 32\n",
    );
    let run = train(&env, &exp);
    let id = run["run_id"].to_string();
    let o = env.tuneup(&["show", &id, "--json"]);
    let info = &json(&o)["data_info"]["tabular"];
    assert_eq!(
        info["text"]["columns"],
        serde_json::json!(["subject", "body"])
    );
    assert!(info["columns"].to_string().contains("\"lines\""), "{info}");
    let text = stdout(&env.tuneup(&["show", &id]));
    assert!(
        text.contains("word tokenizer") && text.contains("subject + body"),
        "{text}"
    );
    let o = env.tuneup(&["predict", &id, data.to_str().unwrap(), "-o", "p.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A model that reads no text trains on the other columns.
    let trees = std::fs::read_to_string(&exp).unwrap().replace(
        "kind = \"fasttext\"\ndim = 16\nbuckets = 5000",
        "kind = \"gbdt\"\nrounds = 20",
    );
    let exp2 = env.write("trees.toml", trees);
    train(&env, &exp2);
}

#[test]
fn bad_text_input_is_exit_2_and_named() {
    let env = Env::new();
    let rows = mails(60, 0);
    let data = write_mails(&env, "mail.csv", &rows, true);
    let model = "kind = \"fasttext\"\ndim = 8\nbuckets = 100";
    let run = |text: &str| {
        let exp = text_exp(&env, "bad.toml", &data, text, model, 1);
        env.tuneup(&["train", exp.to_str().unwrap()])
    };
    assert_bad_input(&run("vocab_size = 0"), &["data.text.vocab_size", "found 0"]);
    assert_bad_input(&run("max_len = 0"), &["data.text.max_len", "found 0"]);
    assert_bad_input(&run("truncate = \"middle\""), &["truncate", "middle"]);
    // A text model on data without text.
    let exp = env.experiment(
        "digits.toml",
        &digits_csv(),
        "classification",
        &format!("\n[model]\n{model}\n"),
    );
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["fasttext", "no text column"],
    );
    // A text column named that the file does not have.
    let exp = env.experiment(
        "missing.toml",
        &data,
        "classification",
        &format!("target = \"label\"\n\n[data.columns]\nbody = \"text\"\n\n[model]\n{model}\n"),
    );
    assert_bad_input(&env.tuneup(&["train", exp.to_str().unwrap()]), &["body"]);
    // Invalid UTF-8: the line and the byte; read as Latin-1 when the experiment says so.
    let mut bytes = std::fs::read(&data).unwrap();
    // In the last mail's id: the first field of the record, on the line where it starts.
    let last_id = rows.last().unwrap()[0].as_bytes();
    let at = bytes
        .windows(last_id.len())
        .rposition(|w| w == last_id)
        .unwrap();
    bytes[at] = 0xe9;
    let latin = env.write("latin.csv", &bytes);
    let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    let exp = text_exp(&env, "latin.toml", &latin, "max_len = 64", model, 1);
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["0xe9", &format!("line {line}"), "latin-1"],
    );
    let exp_text = std::fs::read_to_string(&exp)
        .unwrap()
        .replace("[data.columns]", "encoding = \"latin-1\"\n\n[data.columns]");
    let exp = env.write("latin.toml", exp_text);
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A tokenizer file that is not one, and one from another run too big for the vocabulary.
    let junk = env.write("junk.json", "{\"weights\": [1, 2, 3]}");
    assert_bad_input(
        &run(&format!("file = {:?}", junk.display().to_string())),
        &["junk.json", "not a tokenizer file"],
    );
    let bpe = train(
        &env,
        &text_exp(
            &env,
            "bpe.toml",
            &data,
            "tokenizer = \"bpe\"\nvocab_size = 500\nmax_len = 64",
            model,
            1,
        ),
    );
    let file = env.path(&format!(
        "tuneup.db.runs/run-{}/tokenizer.json",
        bpe["run_id"]
    ));
    assert!(file.exists());
    assert_bad_input(
        &run(&format!(
            "file = {:?}\nvocab_size = 50",
            file.display().to_string()
        )),
        &["tokenizer.json", "data.text.vocab_size is 50"],
    );
    // The same file with room for its ids gives the same tokens as the run it came from.
    let o = run(&format!(
        "file = {:?}\nvocab_size = 500\nmax_len = 64",
        file.display().to_string()
    ));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_folder_of_text_files_per_class_trains_predicts_and_benches_the_text_zoo() {
    let env = Env::new();
    for (k, [id, label, text]) in mails(30, 2).iter().enumerate() {
        let dir = env.path(&format!("mail/{label}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{}.txt", id.replace('/', "_"))), text).unwrap();
        if k < 3 {
            std::fs::create_dir_all(env.path("new")).unwrap();
            std::fs::write(env.path(&format!("new/{k}.txt")), text).unwrap();
        }
    }
    // init sees texts in class folders and writes a text baseline.
    let o = env.tuneup(&[
        "init",
        env.path("mail").to_str().unwrap(),
        "-o",
        "mail.toml",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("texts in class folders"),
        "{}",
        stdout(&o)
    );
    let exp = std::fs::read_to_string(env.path("mail.toml")).unwrap();
    assert!(
        exp.contains("kind = \"fasttext\"") && exp.contains("[data.text]"),
        "{exp}"
    );
    let exp = env.write("mail.toml", exp.replace("epochs = 10", "epochs = 2"));
    let run = train(&env, &exp);
    let id = run["run_id"].to_string();
    let o = env.tuneup(&[
        "predict",
        &id,
        env.path("new").to_str().unwrap(),
        "-o",
        "p.csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pred = std::fs::read_to_string(env.path("p.csv")).unwrap();
    assert!(pred.starts_with("file,label\n0.txt,"), "{pred}");
    assert_eq!(pred.lines().count(), 4);
    // The text models of the zoo, each for the same short budget.
    let o = env.tuneup(&[
        "zoo",
        "bench",
        exp.to_str().unwrap(),
        "--budget",
        "3s",
        "--models",
        "fasttext,textcnn",
        "--json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = json(&o).to_string();
    assert!(
        table.contains("textcnn") && table.contains("fasttext"),
        "{table}"
    );
    // A file that is not UTF-8 is named.
    let bad = env.path("mail/ham/bad.txt");
    std::fs::write(&bad, b"caf\xe9 au lait").unwrap();
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(&o, &["bad.txt", "0xe9", "offset 3"]);
}

#[test]
fn the_zoo_sizes_the_text_models_for_a_text_input() {
    let env = Env::new();
    let o = env.tuneup(&["zoo", "--input", "text:256", "--classes", "2", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    let model = |n: &str| {
        v["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == n)
            .unwrap()
            .clone()
    };
    // fastText: (20,000 words + 100,000 hashed pairs) x 64, then 64 x 2 + 2.
    assert_eq!(model("fasttext")["params"], 120_000 * 64 + 64 * 2 + 2);
    assert_eq!(model("textcnn")["fits"], true);
    assert_eq!(model("cnn")["fits"], false);
    let o = env.tuneup(&["zoo", "--input", "text:0"]);
    assert_bad_input(&o, &["--input", "text:256"]);
}

#[test]
fn a_study_tunes_the_tokenizer_and_the_text_model_together() {
    let env = Env::new();
    let data = write_mails(&env, "mail.csv", &mails(30, 4), true);
    let exp = text_exp(
        &env,
        "t.toml",
        &data,
        "max_len = 64",
        "kind = \"fasttext\"\ndim = 16\nbuckets = 2000",
        1,
    );
    let text = std::fs::read_to_string(&exp).unwrap()
        + "\n[search]\nsampler = \"random\"\ntrials = 3\n\n[search.space]\n\"data.text.max_len\" = { choices = [32, 128] }\n\"data.text.tokenizer\" = { choices = [\"word\", \"bpe\"] }\n\"model.dim\" = { int = [8, 32] }\n";
    let exp = env.write("t.toml", text);
    let o = env.tuneup(&["tune", exp.to_str().unwrap(), "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    // Each trial's tokenizer is fitted with its own settings: three complete trials.
    assert_eq!(v["complete"], 3, "{v}");
    assert_eq!(v["failed"], 0, "{v}");
    let tok = &v["best"]["params"]["data.text.tokenizer"];
    assert!(tok == "word" || tok == "bpe", "{v}");
}
