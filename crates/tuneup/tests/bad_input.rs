//! Every class of bad input gets exit code 2, a message naming the file / line / column / key,
//! and leaves nothing half-written (no store created, no run recorded, no file changed).

mod common;

use common::*;

const CSV_HEAD: &str = "a,b,label\n";

fn train_csv(env: &Env, csv: &str) -> std::process::Output {
    let data = env.write("data.csv", csv);
    let exp = env.experiment("exp.toml", &data, "classification", MLP_FAST);
    env.tuneup(&["train", exp.to_str().unwrap()])
}

fn nothing_recorded(env: &Env) {
    assert!(
        !env.store().exists(),
        "a store was created for a run that never started"
    );
}

fn rows(n: usize) -> String {
    (0..n)
        .map(|i| format!("{},{},{}\n", i, i * 2, i % 2))
        .collect()
}

#[test]
fn missing_experiment_file() {
    let env = Env::new();
    let o = env.tuneup(&["train", "nope.toml"]);
    assert_bad_input(&o, &["nope.toml", "file not found"]);
    nothing_recorded(&env);
}

#[test]
fn missing_data_file() {
    let env = Env::new();
    let exp = env.experiment(
        "exp.toml",
        &env.path("absent.csv"),
        "classification",
        MLP_FAST,
    );
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(&o, &["absent.csv", "file not found"]);
    nothing_recorded(&env);
    let o = env.tuneup(&["init", "absent.csv"]);
    assert_bad_input(&o, &["absent.csv", "file not found"]);
}

#[test]
fn malformed_csv_row() {
    let env = Env::new();
    let o = train_csv(&env, &format!("{CSV_HEAD}1,2,0\n3,4,1\n5,6\n7,8,0\n"));
    assert_bad_input(&o, &["data.csv", "line 4", "expected 3 fields", "found 2"]);
    nothing_recorded(&env);
}

#[test]
fn infinity_in_features() {
    // A missing cell (NaN, NA, empty) is filled; infinity is not a value a model can read.
    for bad in ["inf", "-inf"] {
        let env = Env::new();
        let o = train_csv(
            &env,
            &format!("{CSV_HEAD}1,2,0\n3,4,1\n{bad},6,0\n{}", rows(10)),
        );
        assert_bad_input(&o, &["data.csv", "line 4", "column 1 (`a`)", "not finite"]);
        nothing_recorded(&env);
    }
}

#[test]
fn target_column_missing_lists_columns() {
    let env = Env::new();
    let data = env.write("data.csv", format!("{CSV_HEAD}{}", rows(20)));
    let exp = env.experiment(
        "exp.toml",
        &data,
        "classification",
        &format!("target = \"species\"\n{MLP_FAST}"),
    );
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(
        &o,
        &[
            "data.csv",
            "target column `species` not found",
            "a, b, label",
        ],
    );
    nothing_recorded(&env);
    let o = env.tuneup(&["init", "data.csv", "--target", "species"]);
    assert_bad_input(&o, &["target column `species` not found", "a, b, label"]);
}

#[test]
fn single_class() {
    let env = Env::new();
    let csv: String = (0..20).map(|i| format!("{i},{i},3\n")).collect();
    let o = train_csv(&env, &format!("{CSV_HEAD}{csv}"));
    assert_bad_input(&o, &["data.csv", "a single class (`3`)", "`label`"]);
    nothing_recorded(&env);
    let o = env.tuneup(&["init", "data.csv"]);
    assert_bad_input(&o, &["a single class"]);
}

#[test]
fn empty_file_and_header_only() {
    let env = Env::new();
    let o = train_csv(&env, "");
    assert_bad_input(&o, &["data.csv", "empty file"]);
    let o = train_csv(&env, CSV_HEAD);
    assert_bad_input(&o, &["data.csv", "no data rows"]);
    nothing_recorded(&env);
}

fn png(env: &Env, name: &str, w: u32, h: u32) {
    let img =
        image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x * 31 + y * 17) % 255) as u8]));
    let p = env.path(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    img.save(&p).unwrap();
}

#[test]
fn images_of_different_sizes() {
    let env = Env::new();
    png(&env, "imgs/cat/1.png", 8, 8);
    png(&env, "imgs/cat/2.png", 8, 8);
    png(&env, "imgs/dog/1.png", 9, 8);
    let exp = env.experiment(
        "exp.toml",
        &env.path("imgs"),
        "classification",
        "\n[model]\nkind = \"cnn\"\n",
    );
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(
        &o,
        &[
            "dog/1.png",
            "image is 9x8",
            "cat/1.png is 8x8",
            "data.image_size",
        ],
    );
    nothing_recorded(&env);
}

fn idx(magic: u32, dims: &[u32], data_len: usize) -> Vec<u8> {
    let mut v = magic.to_be_bytes().to_vec();
    for d in dims {
        v.extend(d.to_be_bytes());
    }
    v.extend(std::iter::repeat_n(7u8, data_len));
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn idx_wrong_magic() {
    let env = Env::new();
    // An images file that carries the labels magic number (gzipped, as MNIST ships).
    env.write(
        "mnist/train-images-idx3-ubyte.gz",
        gz(&idx(0x0801, &[4], 4)),
    );
    env.write(
        "mnist/train-labels-idx1-ubyte.gz",
        gz(&idx(0x0801, &[4], 4)),
    );
    let exp = env.experiment(
        "exp.toml",
        &env.path("mnist"),
        "classification",
        "\n[model]\nkind = \"cnn\"\n",
    );
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(
        &o,
        &[
            "train-images-idx3-ubyte.gz",
            "wrong IDX magic number 0x00000801",
            "expected 0x00000803",
        ],
    );
    nothing_recorded(&env);
}

#[test]
fn idx_size_does_not_match_header() {
    let env = Env::new();
    env.write(
        "mnist/train-images-idx3-ubyte",
        idx(0x0803, &[10, 28, 28], 28 * 28 * 9),
    );
    env.write("mnist/train-labels-idx1-ubyte", idx(0x0801, &[10], 10));
    let exp = env.experiment(
        "exp.toml",
        &env.path("mnist"),
        "classification",
        "\n[model]\nkind = \"cnn\"\n",
    );
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(
        &o,
        &[
            "train-images-idx3-ubyte",
            "10x28x28 = 7840 bytes",
            "file has 7056",
        ],
    );
    nothing_recorded(&env);
}

#[test]
fn invalid_experiment_files() {
    let env = Env::new();
    let data = common::digits_csv();
    let d = data.display().to_string();
    // Unknown key: named, with its line.
    let exp = env.write("e1.toml", format!("task = \"classification\"\n[data]\ntrain = {d:?}\n[model]\nkind = \"mlp\"\nhiden = [3]\n"));
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e1.toml", "line 6", "hiden"],
    );
    // Wrong value type: the line and key.
    let exp = env.write("e2.toml", format!("task = \"classification\"\n[data]\ntrain = {d:?}\n[model]\nkind = \"mlp\"\n[train]\nepochs = \"ten\"\n"));
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &[
            "e2.toml",
            "line 7",
            "key `epochs`",
            "expected a non-negative integer",
        ],
    );
    // Out-of-range value: the dotted key and line.
    let exp = env.write("e3.toml", format!("task = \"classification\"\n[data]\ntrain = {d:?}\n[model]\nkind = \"mlp\"\ndropout = 1.5\n"));
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e3.toml", "line 6", "key `model.dropout`", "[0, 1)"],
    );
    // Unknown variant.
    let exp = env.write(
        "e4.toml",
        format!(
            "task = \"classification\"\n[data]\ntrain = {d:?}\n[model]\nkind = \"perceiver\"\n"
        ),
    );
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e4.toml", "line 5", "perceiver", "mlp"],
    );
    // Not TOML at all.
    let exp = env.write("e5.toml", "task = \n[[[");
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e5.toml", "line 1"],
    );
    // Not text.
    let exp = env.write("e6.toml", [0xff, 0xfe, 0x00, 0x41]);
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e6.toml", "not UTF-8"],
    );
    // A key that does not apply to the chosen kind.
    let exp = env.write("e7.toml", format!("task = \"classification\"\n[data]\ntrain = {d:?}\n[model]\nkind = \"mlp\"\n[optimizer]\nkind = \"adam\"\nmomentum = 0.9\n"));
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e7.toml", "line 8", "optimizer.momentum", "adam"],
    );
    // A CNN on vectors is refused before any run is recorded.
    let exp = env.write(
        "e8.toml",
        format!("task = \"classification\"\n[data]\ntrain = {d:?}\n[model]\nkind = \"cnn\"\n"),
    );
    assert_bad_input(
        &env.tuneup(&["train", exp.to_str().unwrap()]),
        &["e8.toml", "model.kind", "mlp"],
    );
    nothing_recorded(&env);
}

#[test]
fn store_that_is_not_a_tuneup_store() {
    let env = Env::new();
    let exp = env.experiment(
        "exp.toml",
        &common::digits_csv(),
        "classification",
        MLP_FAST,
    );
    let before = "my shopping list, not a database\n";
    env.write("tuneup.db", before);
    let o = env.tuneup(&["train", exp.to_str().unwrap()]);
    assert_bad_input(&o, &["tuneup.db", "not a tuneup store"]);
    assert_eq!(
        std::fs::read_to_string(env.store()).unwrap(),
        before,
        "the file was changed"
    );
    // Another program's SQLite database is refused too, for reading commands as well.
    let other = env.path("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT);")
        .unwrap();
    assert_bad_input(
        &env.tuneup(&["runs", "--store", other.to_str().unwrap()]),
        &["other.db", "not a tuneup store"],
    );
    assert_bad_input(
        &env.tuneup(&[
            "train",
            exp.to_str().unwrap(),
            "--store",
            other.to_str().unwrap(),
        ]),
        &["other.db", "not a tuneup store"],
    );
}

#[test]
fn unknown_run_and_unlabelled_eval() {
    let env = Env::new();
    let exp = env.experiment(
        "exp.toml",
        &common::digits_csv(),
        "classification",
        MLP_FAST,
    );
    assert_eq!(code(&env.tuneup(&["train", exp.to_str().unwrap()])), 0);
    assert_bad_input(&env.tuneup(&["show", "42"]), &["no run 42"]);
    // Scoring needs labels: a file without the target column is refused, naming it.
    let text = std::fs::read_to_string(common::digits_csv()).unwrap();
    let unlabelled: String = text
        .lines()
        .take(5)
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    env.write("unlabelled.csv", unlabelled);
    assert_bad_input(
        &env.tuneup(&["eval", "1", "unlabelled.csv"]),
        &["unlabelled.csv", "target column `label` not found"],
    );
}
