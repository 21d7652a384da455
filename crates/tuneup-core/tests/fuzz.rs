//! Mutation fuzzing of every parser of outside input: valid seeds (a table with text
//! categories and missing cells, an IDX file, a PNG, an experiment file, a search space) are
//! cut, bit-flipped, spliced with hostile tokens and replaced by random bytes; each parser must
//! answer every input with a value or an error — never a panic, a hang or a huge allocation.
//! `TUNEUP_FUZZ_ITERS` sets the inputs per target (default 300 here; `bench/fuzz.sh` runs
//! many more for a fixed time). A crashing input is written to `target/fuzz-crashes/` to be
//! kept as a regression test.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tuneup_core::data::{self, ImageOptions};
use tuneup_core::rng::Rng;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::Search;

fn iters() -> usize {
    std::env::var("TUNEUP_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

const TOKENS: &[&[u8]] = &[
    b",",
    b"\n",
    b"\r\n",
    b"\"",
    b"\"\"",
    b";",
    b"\t",
    b"NaN",
    b"inf",
    b"-1e999",
    b"1e308",
    b"\xef\xbb\xbf",
    b"\0",
    b"\xff\xfe",
    b"=",
    b"[",
    b"]",
    b"{",
    b"}",
    b"'''",
    b"#",
    b"\\",
    b"18446744073709551616",
    b"-0",
    b"2024-02-30",
    b"  ",
    b"\xe2\x80\xa8",
];

/// One mutation of `seed`.
fn mutate(seed: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + r.below(4) {
        let at = if b.is_empty() {
            0
        } else {
            r.below(b.len() + 1)
        };
        match r.below(7) {
            0 if !b.is_empty() => {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
            1 => b.truncate(at),
            2 => {
                let t = TOKENS[r.below(TOKENS.len())];
                b.splice(at..at, t.iter().copied());
            }
            3 => {
                let n = r.below(64);
                let junk: Vec<u8> = (0..n).map(|_| r.below(256) as u8).collect();
                b.splice(at..at, junk);
            }
            4 if at < b.len() => {
                let end = (at + r.below(64)).min(b.len());
                b.drain(at..end);
            }
            5 if at < b.len() => {
                let end = (at + r.below(128)).min(b.len());
                let chunk = b[at..end].to_vec();
                b.splice(at..at, chunk);
            }
            _ => {
                b = (0..r.below(512)).map(|_| r.below(256) as u8).collect();
            }
        }
    }
    b
}

/// Feeds `iters()` mutations of `seeds` to `parse` (which gets the bytes and a fresh folder);
/// fails on a panic or an input that takes longer than `limit`.
fn fuzz(name: &str, seeds: &[Vec<u8>], limit: Duration, parse: impl Fn(&[u8], &Path)) {
    let mut r = Rng::new(0x5eed ^ name.len() as u64);
    let started = Instant::now();
    let crashes = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
    std::fs::create_dir_all(&crashes).unwrap();
    let last = crashes.join(format!("{name}-last.bin"));
    for i in 0..iters() {
        let input = mutate(&seeds[i % seeds.len()], &mut r);
        let dir = tempfile::tempdir().unwrap();
        // Kept before the call: an input that aborts the process (an allocation failure is
        // no panic) is still on disk afterwards.
        std::fs::write(&last, &input).unwrap();
        let t = Instant::now();
        let res = catch_unwind(AssertUnwindSafe(|| parse(&input, dir.path())));
        let took = t.elapsed();
        if res.is_err() || took > limit {
            let f = crashes.join(format!("{name}-{i}.bin"));
            std::fs::write(&f, &input).unwrap();
            panic!(
                "{name}: input {i} {} (kept as {})",
                if res.is_err() {
                    "panicked".to_string()
                } else {
                    format!("took {took:?}")
                },
                f.display()
            );
        }
    }
    let _ = std::fs::remove_file(&last);
    eprintln!(
        "fuzz {name}: {} inputs, no panic or hang, {:.1} s",
        iters(),
        started.elapsed().as_secs_f64()
    );
}

const TABLE: &str = "id,city,income,signup,smoker,y\n1,Paris,\"52,000\",2021-03-04,yes,1\n2,lyon ,n/a,2021-04-01,no,0\n3,Paris,61000,,Y,1\n4,Nice,$48k,2020-12-31,N,0\n5,  ,39000,2021-01-15,yes,1\n6,Lyon,45000,2021-02-02,no,0\n";

#[test]
fn csv_readers_never_panic() {
    let seeds = vec![
        TABLE.as_bytes().to_vec(),
        b"a;b;c\n1,5;2;x\n3;4;y\n".to_vec(),
    ];
    fuzz("csv", &seeds, Duration::from_secs(5), |b, dir| {
        let p = dir.join("t.csv");
        std::fs::write(&p, b).unwrap();
        let _ = data::csv::table(&p);
        let _ = tuneup_core::table::read(&p, &BTreeMap::new());
    });
}

#[test]
fn the_whole_table_pipeline_never_panics() {
    fuzz(
        "prepare",
        &[TABLE.as_bytes().to_vec()],
        Duration::from_secs(10),
        |b, dir| {
            let p = dir.join("t.csv");
            std::fs::write(&p, b).unwrap();
            let text = "task = \"classification\"\n[data]\ntrain = \"t.csv\"\ntarget = \"y\"\nval_fraction = 0.34\n[model]\nkind = \"mlp\"\nhidden = [4]\n";
            if let Ok(exp) = Experiment::parse(text, dir) {
                let _ = data::prepare(&exp);
            }
        },
    );
}

fn idx_seed() -> Vec<u8> {
    let mut b = vec![0, 0, 0x08, 3];
    for d in [3u32, 4, 4] {
        b.extend_from_slice(&d.to_be_bytes());
    }
    b.extend((0..48).map(|i| (i * 5) as u8));
    b
}

#[test]
fn idx_reader_never_panics_nor_trusts_sizes() {
    // A header claiming 4 billion images of 65535 x 65535 pixels, and nothing after it.
    let mut huge = vec![0, 0, 0x08, 3];
    for d in [u32::MAX, 65_535, 65_535] {
        huge.extend_from_slice(&d.to_be_bytes());
    }
    // Found by this fuzzer: 4 billion images of 65535 x 0 pixels, zero bytes of data, so the
    // size check passed and the reader made 4 billion sample ids (96 GiB).
    let empty_pixels = vec![0, 0, 8, 3, 255, 255, 255, 255, 0, 0, 255, 255, 0, 0, 0, 0];
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x-images-idx3-ubyte");
    std::fs::write(&p, &empty_pixels).unwrap();
    let e = data::idx::load(&p, None)
        .err()
        .expect("an error")
        .to_string();
    assert!(e.contains("65535x0 pixels"), "{e}");
    fuzz(
        "idx",
        &[idx_seed(), huge, empty_pixels],
        Duration::from_secs(5),
        |b, dir| {
            let p = dir.join("x-images-idx3-ubyte");
            std::fs::write(&p, b).unwrap();
            let _ = data::idx::load(&p, None);
        },
    );
}

fn png_seed() -> Vec<u8> {
    let img = image::RgbImage::from_fn(6, 5, |x, y| image::Rgb([x as u8 * 40, y as u8 * 50, 7]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

#[test]
fn image_folders_never_panic() {
    let good = png_seed();
    fuzz("png", &[good.clone()], Duration::from_secs(5), |b, dir| {
        for (class, bytes) in [("a", b), ("b", good.as_slice())] {
            std::fs::create_dir_all(dir.join(class)).unwrap();
            std::fs::write(dir.join(class).join("p.png"), bytes).unwrap();
        }
        let _ = data::images::load(dir, &ImageOptions::default(), true);
        let o = ImageOptions {
            skip_bad: true,
            ..Default::default()
        };
        let _ = data::images::load(dir, &o, true);
    });
}

#[test]
fn experiment_files_and_search_spaces_never_panic() {
    let exp = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mnist1d_tune.toml"),
    )
    .unwrap();
    let digits =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/digits.toml"))
            .unwrap();
    fuzz("toml", &[exp, digits], Duration::from_secs(5), |b, dir| {
        let text = String::from_utf8_lossy(b);
        let _ = Experiment::parse(&text, dir);
        if let Ok(t) = toml::from_str::<toml::Table>(&text)
            && let Some(toml::Value::Table(s)) = t.get("search")
        {
            let _ = Search::parse(s);
        }
    });
}
