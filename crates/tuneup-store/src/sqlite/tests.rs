//! What only the SQLite store has: files that are not stores, and every older schema version
//! opened and migrated.

use rusqlite::Connection;

use super::*;
use crate::records::*;
use crate::storage::*;

#[test]
fn refuses_files_that_are_not_tuneup_stores() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "hello, not a database at all").unwrap();
    assert!(matches!(
        SqliteStore::open(&text),
        Err(StoreError::NotAStore { .. })
    ));
    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    let e = SqliteStore::open(&other).err().unwrap();
    assert!(e.to_string().contains("not a tuneup store"), "{e}");
    assert!(e.is_input());
    // Neither file was changed.
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "hello, not a database at all"
    );
    let newer = dir.path().join("newer.db");
    drop(SqliteStore::open(&newer).unwrap());
    Connection::open(&newer)
        .unwrap()
        .execute_batch("UPDATE tuneup_meta SET value = '99' WHERE key = 'schema_version'")
        .unwrap();
    let e = SqliteStore::open(&newer).err().unwrap();
    assert!(e.to_string().contains("newer than this tuneup's"), "{e}");
}

#[test]
fn artifacts_live_beside_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tuneup.db")).unwrap();
    assert_eq!(store.artifacts_dir(), dir.path().join("tuneup.db.runs"));
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

/// The tables of the first release (schema version 1), as it created them.
const V1: &str = "
    CREATE TABLE tuneup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO tuneup_meta VALUES ('format', 'tuneup-store'), ('schema_version', '1');
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT,
        parent_id INTEGER REFERENCES runs(id),
        state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'failed')),
        failure TEXT,
        experiment_path TEXT NOT NULL,
        config_json TEXT NOT NULL,
        data_info_json TEXT,
        model TEXT NOT NULL,
        metric_name TEXT NOT NULL,
        created_at REAL NOT NULL,
        finished_at REAL,
        seconds REAL,
        params INTEGER,
        best_epoch INTEGER,
        train_json TEXT,
        val_json TEXT,
        test_json TEXT,
        checkpoint TEXT
    );
    CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        epoch INTEGER NOT NULL,
        fit_loss REAL, train_loss REAL, train_error REAL,
        val_loss REAL, val_error REAL, val_metric REAL,
        lr REAL, seconds REAL,
        PRIMARY KEY (run_id, epoch)
    );";

/// A store at `version` as that version wrote it, with a run of each kind it could record.
fn old_store(path: &std::path::Path, version: i64, with_ledger: bool) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(V1).unwrap();
    for (to, sql) in schema::migrations().iter().filter(|(to, _)| *to <= version) {
        conn.execute_batch(&format!(
            "{sql} UPDATE tuneup_meta SET value = '{to}' WHERE key = 'schema_version';"
        ))
        .unwrap();
    }
    let exp = serde_json::to_string(&crate::contract::records_experiment("old")).unwrap();
    let scores = r#"{"loss":0.1,"error":0.05,"metric":0.95}"#;
    conn.execute(
        "INSERT INTO runs (name, state, experiment_path, config_json, model, metric_name, created_at, val_json, checkpoint)
         VALUES ('plain', 'complete', 'e.toml', ?1, 'mlp', 'accuracy', 1.0, ?2, '/c/best.bpk')",
        rusqlite::params![exp, scores],
    )
    .unwrap();
    conn.execute_batch("INSERT INTO epochs (run_id, epoch, val_metric) VALUES (1, 1, 0.9);")
        .unwrap();
    if version >= 2 {
        for (model, extra) in [
            (
                "mlp",
                r#"{"cv":{"scheme":"k-fold","folds":2,"repeats":1,"folds_runs":[1],"failed_runs":[],"mean":null}}"#,
            ),
            (
                "ensemble",
                r#"{"ensemble":{"members":[1,2],"kinds":["run","cv folds"],"models":3,"method":"soft","weights":[1.0,1.0],"fitted_on":null,"snapshots":false}}"#,
            ),
            (
                "mlp",
                r#"{"distill":{"teachers":[1],"alpha":0.5,"temperature":4.0}}"#,
            ),
            ("zoo", r#"{"zoo_bench":{"budget_seconds":60.0,"rows":[]}}"#),
        ] {
            conn.execute(
                "INSERT INTO runs (state, experiment_path, config_json, model, metric_name, created_at, extra_json)
                 VALUES ('complete', 'e.toml', ?1, ?2, 'accuracy', 2.0, ?3)",
                rusqlite::params![exp, model, extra],
            )
            .unwrap();
        }
    }
    if version >= 4 {
        let search = serde_json::to_string(&crate::contract::records_search()).unwrap();
        conn.execute(
            "INSERT INTO studies (name, experiment_path, config_json, search_json, created_at)
             VALUES ('s', 'e.toml', '{\"text\":\"\"}', ?1, 1.0)",
            [search],
        )
        .unwrap();
        conn.execute_batch(
            "INSERT INTO trials VALUES (1, 0, 'complete', '{}', 0.9, 1, NULL, 'w', 1.0, 2.0);
             INSERT INTO trials VALUES (1, 1, 'failed', '{}', NULL, NULL, 'interrupted: worker w exited during the trial', 'w', 1.0, 2.0);
             INSERT INTO trials VALUES (1, 2, 'failed', '{}', NULL, NULL, 'loss became NaN', 'w', 1.0, 2.0);",
        )
        .unwrap();
    }
    if with_ledger {
        conn.execute_batch(&format!(
            "{}
             INSERT INTO ledger (chain, step, kind, state, worker, started_at, value) VALUES ('c', 0, 'baseline', 'kept', 'w', 1.0, 0.9);",
            schema_ledger_v4()
        ))
        .unwrap();
    }
}

/// The ledger as version 4 created it.
fn schema_ledger_v4() -> String {
    "CREATE TABLE ledger (
        chain TEXT NOT NULL, step INTEGER NOT NULL, kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'kept', 'rejected', 'failed', 'interrupted', 'done')),
        parent_run INTEGER, run_id INTEGER, remedy TEXT, title TEXT, changes_json TEXT, diagnosis_json TEXT,
        value REAL, best_before REAL, reason TEXT, worker TEXT NOT NULL, started_at REAL NOT NULL, finished_at REAL,
        PRIMARY KEY (chain, step));"
        .into()
}

#[test]
fn every_older_schema_version_opens_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    for (version, with_ledger) in [(1, false), (2, false), (3, false), (4, false), (4, true)] {
        let path = dir.path().join(format!("v{version}-{with_ledger}.db"));
        old_store(&path, version, with_ledger);
        let store = SqliteStore::open(&path).unwrap_or_else(|e| panic!("v{version}: {e}"));
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let runs = store.runs().unwrap();
        let plain = &runs[0];
        assert_eq!(
            (plain.kind, plain.state),
            (RunKind::Train, RunState::Complete)
        );
        assert_eq!(plain.val.map(|s| s.metric), Some(0.95));
        assert_eq!(plain.splits, None);
        let e = store.epochs(1).unwrap();
        assert_eq!((e.len(), e[0].fit_seconds), (1, 0.0));
        if version >= 2 {
            let kinds: Vec<RunKind> = runs.iter().map(|r| r.kind).collect();
            assert_eq!(
                kinds,
                vec![
                    RunKind::Train,
                    RunKind::Cv,
                    RunKind::Ensemble,
                    RunKind::Distill,
                    RunKind::ZooBench
                ],
                "v{version}"
            );
            assert_eq!(runs[1].fold_runs(), Some(&[1][..]));
        }
        if version >= 4 {
            let s = store.study("s").unwrap().unwrap();
            let states: Vec<TrialState> = store
                .trials(s.id)
                .unwrap()
                .iter()
                .map(|t| t.trial.state)
                .collect();
            assert_eq!(
                states,
                vec![
                    TrialState::Complete,
                    TrialState::Interrupted,
                    TrialState::Failed
                ]
            );
        }
        // Every table of the latest version takes writes.
        let exp = crate::contract::records_experiment("old");
        let id = store
            .create_run(&NewRun {
                name: None,
                parent_id: None,
                kind: RunKind::Cv,
                experiment_path: "e",
                experiment: &exp,
                model: "mlp",
                metric_name: "accuracy",
            })
            .unwrap();
        assert_eq!(store.run(id).unwrap().kind, RunKind::Cv);
        let step = store
            .begin_step(&NewStep {
                chain: "c",
                kind: StepKind::Remedy,
                parent_run: None,
                remedy: None,
                title: None,
                changes: None,
                diagnosis: None,
                best_before: None,
                worker: "w",
            })
            .unwrap();
        assert_eq!(step, usize::from(with_ledger));
        let search = crate::contract::records_search();
        let (s, _) = store
            .open_study(&NewStudy {
                name: "t",
                experiment_path: "e",
                text: "",
                search: &search,
            })
            .unwrap();
        let end = TrialEnd {
            state: TrialState::Interrupted,
            value: None,
            failure: None,
        };
        store
            .ask_trial(s.id, "w", &mut |_, _| Some(Default::default()))
            .unwrap();
        assert!(store.finish_trial(s.id, 0, &end).unwrap());
        // Opening again changes nothing.
        drop(store);
        let again = SqliteStore::open(&path).unwrap();
        assert_eq!(again.runs().unwrap().len(), runs.len() + 1);
    }
}
