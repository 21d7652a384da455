//! The SQLite schema: the tables a new store is created with (version 6), and what each older
//! version lacks, applied in order when an older store is opened. The historical statements are
//! frozen as those versions wrote them.

/// The value of `tuneup_meta.format` in every tuneup store.
pub const FORMAT: &str = "tuneup-store";
pub const SCHEMA_VERSION: i64 = 6;

const RUN_KINDS: &str = "'train', 'cv', 'ensemble', 'distill', 'curve', 'zoo_bench'";

/// A new store, at the latest version.
pub fn create() -> String {
    format!(
        "CREATE TABLE tuneup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO tuneup_meta VALUES ('format', '{FORMAT}'), ('schema_version', '{SCHEMA_VERSION}');
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
            train_dev_json TEXT,
            test_json TEXT,
            checkpoint TEXT,
            splits_json TEXT,
            extra_json TEXT,
            kind TEXT NOT NULL DEFAULT 'train' CHECK (kind IN ({RUN_KINDS})),
            worker TEXT,
            heartbeat REAL
        );
        CREATE TABLE epochs (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            epoch INTEGER NOT NULL,
            fit_loss REAL, train_loss REAL, train_error REAL,
            val_loss REAL, val_error REAL, val_metric REAL,
            lr REAL, seconds REAL, fit_seconds REAL,
            PRIMARY KEY (run_id, epoch)
        );
        CREATE TABLE studies (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            experiment_path TEXT NOT NULL,
            config_json TEXT NOT NULL,
            search_json TEXT NOT NULL,
            created_at REAL NOT NULL,
            plan_json TEXT
        );
        {TRIALS_V5}
        ALTER TABLE trials ADD COLUMN heartbeat REAL;
        CREATE TABLE trial_values (
            study_id INTEGER NOT NULL,
            number INTEGER NOT NULL,
            step INTEGER NOT NULL,
            value REAL,
            PRIMARY KEY (study_id, number, step)
        );
        {LEDGER}
        ALTER TABLE ledger ADD COLUMN heartbeat REAL;"
    )
}

const TRIALS_V5: &str = "CREATE TABLE trials (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed', 'interrupted')),
    params_json TEXT NOT NULL,
    value REAL,
    run_id INTEGER REFERENCES runs(id),
    failure TEXT,
    worker TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (study_id, number)
);";

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS ledger (
    chain TEXT NOT NULL,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'kept', 'rejected', 'failed', 'interrupted', 'done')),
    parent_run INTEGER,
    run_id INTEGER,
    remedy TEXT,
    title TEXT,
    changes_json TEXT,
    diagnosis_json TEXT,
    value REAL,
    best_before REAL,
    reason TEXT,
    worker TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (chain, step)
);";

/// Version 4 as it first shipped: studies and trials (a later build of version 4 added the
/// ledger without a new number; version 5 adds it where it is missing).
const STUDIES_V4: &str = "
CREATE TABLE studies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    experiment_path TEXT NOT NULL,
    config_json TEXT NOT NULL,
    search_json TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE trials (
    study_id INTEGER NOT NULL REFERENCES studies(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed')),
    params_json TEXT NOT NULL,
    value REAL,
    run_id INTEGER REFERENCES runs(id),
    failure TEXT,
    worker TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (study_id, number)
);
CREATE TABLE trial_values (
    study_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (study_id, number, step)
);
";

/// Version 5: every run says what kind it is (filled in from what older versions recorded);
/// trials can be `interrupted` (older versions marked them failed with an "interrupted" reason);
/// the ledger where a version-4 store lacks it.
fn v5() -> String {
    format!(
        "ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'train' CHECK (kind IN ({RUN_KINDS}));
        UPDATE runs SET kind = CASE
            WHEN model = 'ensemble' OR json_extract(extra_json, '$.ensemble') IS NOT NULL THEN 'ensemble'
            WHEN json_extract(extra_json, '$.cv') IS NOT NULL THEN 'cv'
            WHEN json_extract(extra_json, '$.distill') IS NOT NULL THEN 'distill'
            WHEN json_extract(extra_json, '$.curve') IS NOT NULL THEN 'curve'
            WHEN json_extract(extra_json, '$.zoo_bench') IS NOT NULL THEN 'zoo_bench'
            ELSE 'train' END
        WHERE json_valid(extra_json) OR model = 'ensemble';
        ALTER TABLE trials RENAME TO trials_v4;
        {TRIALS_V5}
        INSERT INTO trials SELECT study_id, number,
            CASE WHEN state = 'failed' AND failure LIKE 'interrupted%' THEN 'interrupted' ELSE state END,
            params_json, value, run_id, failure, worker, started_at, finished_at FROM trials_v4;
        DROP TABLE trials_v4;
        {LEDGER}"
    )
}

/// Version 6: heartbeats and study plans. A run records its worker; runs, trials and steps the
/// last time their worker said it was alive; a study what it wants, for workers that join it.
const V6: &str = "ALTER TABLE studies ADD COLUMN plan_json TEXT;
    ALTER TABLE runs ADD COLUMN worker TEXT;
    ALTER TABLE runs ADD COLUMN heartbeat REAL;
    ALTER TABLE trials ADD COLUMN heartbeat REAL;
    ALTER TABLE ledger ADD COLUMN heartbeat REAL;";

/// What each schema version adds to the one before it; applied in order to older stores.
pub fn migrations() -> Vec<(i64, String)> {
    vec![
        (
            2,
            "ALTER TABLE runs ADD COLUMN train_dev_json TEXT;
             ALTER TABLE runs ADD COLUMN splits_json TEXT;
             ALTER TABLE runs ADD COLUMN extra_json TEXT;"
                .into(),
        ),
        (3, "ALTER TABLE epochs ADD COLUMN fit_seconds REAL;".into()),
        (4, STUDIES_V4.into()),
        (5, v5()),
        (6, V6.into()),
    ]
}
