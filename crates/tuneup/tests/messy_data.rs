//! Data as users bring it: a messy real table from the raw file (init's column report and
//! [data.columns], training, prediction on a file without the target and with unseen levels),
//! pictures of mixed sizes and modes, and every bad input of such data: exit code 2, a message
//! naming the file / line / column / key, nothing recorded.

mod common;

use common::*;

fn nothing_recorded(env: &Env) {
    assert!(
        !env.store().exists(),
        "a store was created for a run that never started"
    );
}

const FAST: &str =
    "\n[model]\nkind = \"mlp\"\nhidden = [16]\n\n[train]\nepochs = 2\nbatch_size = 64\n";

fn rows(n: usize) -> String {
    (0..n)
        .map(|i| format!("{i},{},{}\n", i * 2, ["a", "b"][i % 2]))
        .collect()
}

fn train(env: &Env, csv: &str, extra: &str) -> std::process::Output {
    let data = env.write("data.csv", csv);
    let exp = env.experiment(
        "exp.toml",
        &data,
        "classification",
        &format!("{extra}{FAST}"),
    );
    env.tuneup(&["train", exp.to_str().unwrap()])
}

#[test]
fn target_with_missing_values() {
    let env = Env::new();
    let csv = format!("x,y,label\n{}1,2,\n3,4,NA\n", rows(30));
    let o = train(&env, &csv, "");
    assert_bad_input(
        &o,
        &[
            "data.csv",
            "line 32",
            "missing in 2 of 32 rows",
            "drop_missing_target",
        ],
    );
    nothing_recorded(&env);
    // Dropped on request: init writes the choice, and the experiment trains on 30 rows.
    let o = env.tuneup(&["init", "data.csv", "--drop-missing-target", "-o", "e.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(env.path("e.toml"))
            .unwrap()
            .contains("drop_missing_target = true")
    );
    assert!(stdout(&o).contains("30 samples"), "{}", stdout(&o));
}

#[test]
fn a_column_missing_everywhere() {
    let env = Env::new();
    let csv: String = (0..30)
        .map(|i| format!("{},,{}\n", i * 7 % 30, ["a", "b"][i % 2]))
        .collect();
    let o = train(&env, &format!("x,empty,label\n{csv}"), "");
    assert_bad_input(
        &o,
        &[
            "data.csv",
            "column `empty` is missing in every row",
            "ignore",
        ],
    );
    // Named as a feature all the same.
    let o = train(
        &env,
        &format!("x,empty,label\n{csv}"),
        "[data.columns]\nempty = \"numeric\"\n",
    );
    assert_bad_input(&o, &["column `empty` is missing in every row"]);
    nothing_recorded(&env);
    // Named "ignore", it is left out.
    let o = train(
        &env,
        &format!("x,empty,label\n{csv}"),
        "[data.columns]\nempty = \"ignore\"\n",
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn mixed_types_past_the_sniffed_rows() {
    let env = Env::new();
    let csv: String = (0..10_050)
        .map(|i| {
            let b = if i == 10_020 {
                "oops".to_string()
            } else {
                (i * 2).to_string()
            };
            format!("{i},{b},{}\n", ["a", "b"][i % 2])
        })
        .collect();
    let o = train(&env, &format!("x,y,label\n{csv}"), "");
    assert_bad_input(
        &o,
        &[
            "data.csv",
            "line 10022",
            "column 2 (`y`)",
            "`oops`",
            "mixed types",
        ],
    );
    nothing_recorded(&env);
}

#[test]
fn encoding_error_names_byte_and_line() {
    let env = Env::new();
    let mut bytes = format!("x,city,label\n{}", rows(5)).into_bytes();
    bytes.extend(b"7,caf\xe9,a\n");
    let data = env.write("data.csv", bytes);
    let exp = env.experiment("exp.toml", &data, "classification", FAST);
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(
        &o,
        &[
            "data.csv",
            "line 7",
            "column 2 (`city`)",
            "byte 0xe9",
            "UTF-8",
        ],
    );
    nothing_recorded(&env);
}

#[test]
fn corrupt_gzip_and_parquet() {
    let env = Env::new();
    let csv = format!("x,y,label\n{}", rows(200));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, csv.as_bytes()).unwrap();
    let full = gz.finish().unwrap();
    let data = env.write("data.csv.gz", &full[..full.len() / 2]);
    let exp = env.experiment("e1.toml", &data, "classification", FAST);
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["data.csv.gz", "corrupt gzip data"],
    );
    // The whole file reads.
    env.write("data.csv.gz", &full);
    assert_eq!(
        code(&env.tuneup(&["init", "data.csv.gz", "-o", "g.toml"])),
        0
    );
    let data = env.write("data.parquet", b"PAR1\x00\x01\x02 not really PAR1");
    let exp = env.experiment("e2.toml", &data, "classification", FAST);
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["data.parquet", "not a readable Parquet file"],
    );
    nothing_recorded(&env);
}

#[test]
fn a_declared_kind_the_data_contradict() {
    let env = Env::new();
    let csv: String = (0..30)
        .map(|i| {
            let age = if i == 17 {
                "old".to_string()
            } else {
                i.to_string()
            };
            format!("{age},c{},{}\n", i % 3, ["a", "b"][i % 2])
        })
        .collect();
    let o = train(
        &env,
        &format!("age,city,label\n{csv}"),
        "[data.columns]\nage = \"numeric\"\n",
    );
    assert_bad_input(
        &o,
        &["data.csv", "line 19", "key `data.columns.age`", "`old`"],
    );
    let o = train(
        &env,
        &format!("age,city,label\n{csv}"),
        "[data.columns]\ncity = \"boolean\"\n",
    );
    assert_bad_input(&o, &["key `data.columns.city`", "3 values", "yes / no"]);
    nothing_recorded(&env);
}

fn png(env: &Env, name: &str, img: image::DynamicImage) {
    let p = env.path(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    img.save(&p).unwrap();
}

/// A picture of `w` x `h`: a bright disk (class "disk") or a bright bar (class "bar").
fn picture(w: u32, h: u32, disk: bool, mode: usize) -> image::DynamicImage {
    let rgb = image::RgbaImage::from_fn(w, h, |x, y| {
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let r = w.min(h) as f32 / 3.0;
        let on = if disk {
            dx * dx + dy * dy < r * r
        } else {
            dx.abs() < r / 3.0
        };
        let v = if on { 230 } else { 20 };
        image::Rgba([v, v / 2, 255 - v, if mode == 2 && !on { 0 } else { 255 }])
    });
    let img = image::DynamicImage::ImageRgba8(rgb);
    match mode {
        0 => image::DynamicImage::ImageLuma8(img.to_luma8()),
        1 => image::DynamicImage::ImageRgb8(img.to_rgb8()),
        _ => img,
    }
}

#[test]
fn pictures_of_mixed_sizes_and_modes_train_and_predict() {
    let env = Env::new();
    // Kaggle's layout: a folder of pictures and labels.csv; grey, RGB and RGBA, 20 sizes.
    let mut labels = String::from("file,label\n");
    for i in 0..40u32 {
        let (w, h) = (24 + (i * 7) % 40, 20 + (i * 11) % 36);
        let disk = i % 2 == 0;
        png(
            &env,
            &format!("pics/p{i}.png"),
            picture(w, h, disk, (i % 3) as usize),
        );
        labels += &format!("p{i},{}\n", if disk { "disk" } else { "bar" });
    }
    env.write("pics/labels.csv", &labels);
    let o = env.tuneup(&["init", "pics", "-o", "pics.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(env.path("pics.toml")).unwrap();
    assert!(text.contains("image_size = "), "{text}");
    assert!(stdout(&o).contains("RGBA:"), "{}", stdout(&o));
    let exp = text
        .replace("epochs = ", "epochs = 2 # ")
        .replace("channels = [32, 64]", "channels = [8, 16]");
    env.write("pics.toml", exp);
    let o = env.tuneup(&["train", "pics.toml", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let run = json(&o)["run_id"].as_i64().unwrap().to_string();
    // New pictures to predict: a flat folder, other sizes again.
    for i in 0..3u32 {
        png(
            &env,
            &format!("new/n{i}.jpg"),
            image::DynamicImage::ImageRgb8(picture(50 + i * 9, 31, i == 1, 1).to_rgb8()),
        );
    }
    let o = env.tuneup(&["predict", &run, "new", "-o", "pred.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pred = std::fs::read_to_string(env.path("pred.csv")).unwrap();
    assert_eq!(pred.lines().count(), 4, "{pred}");
    assert!(pred.contains("n1.jpg"), "{pred}");
}

#[test]
fn pictures_that_do_not_decode_or_are_not_there() {
    let env = Env::new();
    for i in 0..6u32 {
        png(
            &env,
            &format!("pics/{}/p{i}.png", ["a", "b"][i as usize % 2]),
            picture(16, 16, i % 2 == 0, 0),
        );
    }
    env.write("pics/a/broken.png", b"\x89PNG\r\n\x1a\n not a picture");
    let exp = env.experiment(
        "e.toml",
        &env.path("pics"),
        "classification",
        "\n[model]\nkind = \"cnn\"\nchannels = [4]\nhidden = 8\n[train]\nepochs = 1\n",
    );
    assert_bad_input(
        &env.tuneup(&["train", "e.toml"]),
        &["broken.png", "cannot decode image", "skip_bad"],
    );
    nothing_recorded(&env);
    // Skipped (and counted) on request.
    let text = std::fs::read_to_string(&exp)
        .unwrap()
        .replace("[data]\n", "[data]\nskip_bad = true\n");
    env.write("e.toml", text);
    let o = env.tuneup(&["train", "e.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A labels.csv naming a file that is not there: its line and the file.
    let env = Env::new();
    png(&env, "flat/x.png", picture(16, 16, true, 0));
    env.write("flat/labels.csv", "file,label\nx.png,a\ny.png,b\n");
    let exp = env.experiment(
        "e.toml",
        &env.path("flat"),
        "classification",
        "\n[model]\nkind = \"cnn\"\n",
    );
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["labels.csv", "line 3", "`y.png`", "not in"],
    );
    nothing_recorded(&env);
}

/// The messy credit table: init reports and writes its columns; a model trains on the raw file
/// and predicts a file without the target, with a level never seen in training.
#[test]
fn a_messy_table_from_the_raw_file() {
    let env = Env::new();
    let src = shared_data().join("messy/credit_data.csv");
    let text = std::fs::read_to_string(&src).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    env.write("credit.csv", lines[..1201].join("\n") + "\n");
    let o = env.tuneup(&["init", "credit.csv", "--target", "Status", "-o", "c.toml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report = stdout(&o);
    for want in [
        "Home",
        "categorical",
        "Income",
        "missing",
        "Records",
        "boolean",
    ] {
        assert!(report.contains(want), "{want}:\n{report}");
    }
    let exp = std::fs::read_to_string(env.path("c.toml")).unwrap();
    assert!(
        exp.contains("[data.columns]") && exp.contains("kind = \"tabular\""),
        "{exp}"
    );
    env.write("c.toml", exp.replace("epochs = ", "epochs = 3 # "));
    let o = env.tuneup(&["train", "c.toml", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let run = json(&o);
    let val = run["val"]["metric"].as_f64().unwrap();
    assert!(val > 0.6, "validation accuracy {val}");
    let id = run["run_id"].as_i64().unwrap().to_string();
    // New rows without the target; one with a home never seen in training.
    let header = lines[0].replacen("Status,", "", 1);
    let mut new = vec![header];
    for l in &lines[1201..1211] {
        new.push(l.split_once(',').unwrap().1.to_string());
    }
    new[1] = new[1]
        .replacen("rent", "houseboat", 1)
        .replacen("owner", "houseboat", 1);
    env.write("new.csv", new.join("\n") + "\n");
    let o = env.tuneup(&["predict", &id, "new.csv", "-o", "p.csv"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pred = std::fs::read_to_string(env.path("p.csv")).unwrap();
    assert_eq!(pred.lines().count(), 11, "{pred}");
    // A file with a column missing and one extra: both named.
    let other = new
        .iter()
        .map(|l| l.replacen("Seniority", "Tenure", 1))
        .collect::<Vec<_>>();
    env.write("other.csv", other.join("\n") + "\n");
    assert_bad_input(
        &env.tuneup(&["predict", &id, "other.csv", "-o", "q.csv"]),
        &[
            "other.csv",
            "missing column(s) Seniority",
            "extra column(s) Tenure",
        ],
    );
}
