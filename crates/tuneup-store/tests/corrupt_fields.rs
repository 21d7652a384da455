//! The store's JSON columns changed behind its back (another program, a disk error): reading
//! a run, a study's trials or a chain's ledger answers a value or an error naming what is
//! corrupt — never a panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tuneup_core::rng::Rng;
use tuneup_store::contract::{records_experiment, records_search};
use tuneup_store::{NewRun, NewStudy, RunKind, Storage};

/// A mutation of `seed`: cut, a byte flipped, junk spliced in, or random text.
fn mutate(seed: &str, r: &mut Rng) -> Vec<u8> {
    let mut b = seed.as_bytes().to_vec();
    match r.below(4) {
        0 => b.truncate(r.below(b.len() + 1)),
        1 if !b.is_empty() => {
            let i = r.below(b.len());
            b[i] ^= 1 << r.below(8);
        }
        2 => {
            let at = r.below(b.len() + 1);
            let junk: Vec<u8> = (0..r.below(16))
                .map(|_| b"{}[]\",:0e-9nul\\"[r.below(15)])
                .collect();
            b.splice(at..at, junk);
        }
        _ => b = (0..r.below(64)).map(|_| r.below(256) as u8).collect(),
    }
    b
}

#[test]
fn corrupt_json_columns_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let at = path.to_str().unwrap();
    let store = tuneup_store::open(at).unwrap();
    let exp = records_experiment("c");
    let id = store
        .create_run(&NewRun {
            name: Some("c"),
            parent_id: None,
            kind: RunKind::Train,
            experiment_path: "e.toml",
            experiment: &exp,
            model: "mlp",
            metric_name: "accuracy",
        })
        .unwrap();
    let search = records_search();
    let (study, _) = store
        .open_study(&NewStudy {
            name: "s",
            experiment_path: "e.toml",
            text: "task = \"classification\"",
            search: &search,
        })
        .unwrap();
    let mut ask = |_: &[tuneup_store::StoredTrial], _: usize| {
        Some(tuneup_core::tune::Params::from([(
            "optimizer.lr".to_string(),
            serde_json::json!(0.01),
        )]))
    };
    store.ask_trial(study.id, "w", &mut ask).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let seeds: Vec<(String, Option<String>)> = [
        ("runs", "config_json"),
        ("runs", "extra_json"),
        ("runs", "data_info_json"),
        ("studies", "search_json"),
        ("trials", "params_json"),
    ]
    .iter()
    .map(|(t, c)| {
        let v: Option<String> = conn
            .query_row(&format!("SELECT {c} FROM {t} LIMIT 1"), [], |r| r.get(0))
            .unwrap();
        (format!("{t}.{c}"), v)
    })
    .collect();
    let mut r = Rng::new(11);
    let mut errors = 0;
    for i in 0..400 {
        let (col, seed) = &seeds[i % seeds.len()];
        let (table, column) = col.split_once('.').unwrap();
        let text = seed.as_deref().unwrap_or("{\"a\": [1, 2.5, null]}");
        let bad = String::from_utf8_lossy(&mutate(text, &mut r)).into_owned();
        conn.execute(&format!("UPDATE {table} SET {column} = ?1"), [&bad])
            .unwrap();
        let store = tuneup_store::open(at).unwrap();
        let read = catch_unwind(AssertUnwindSafe(|| {
            let a = store.run(id).is_err();
            let b = store.runs().is_err();
            let c = store.study("s").map(|s| s.map(|s| store.trials(s.id)));
            a || b || !matches!(c, Ok(Some(Ok(_))))
        }));
        assert!(read.is_ok(), "{col} = {bad:?} panicked");
        errors += usize::from(read.unwrap());
        conn.execute(&format!("UPDATE {table} SET {column} = ?1"), [seed])
            .unwrap();
        // (the original value back, NULL included)
    }
    assert!(
        errors > 100,
        "only {errors} of 400 corruptions were noticed"
    );
    let _ = store_is_fine(at);
}

fn store_is_fine(at: &str) -> Box<dyn Storage> {
    let store = tuneup_store::open(at).unwrap();
    assert_eq!(store.runs().unwrap().len(), 1);
    store
}
