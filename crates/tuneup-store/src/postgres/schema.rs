//! The PostgreSQL schema (version 2): the SQLite store's tables with the server's types, plus
//! what many workers on many hosts need: a trial counter and a change sequence per study (both
//! on the study's row, so taking a number or writing a trial is one short row lock, never a
//! table lock), `seq` on every trial and intermediate value (incremental reads), heartbeats, and
//! run files in chunks.

pub const SCHEMA_VERSION: i64 = 2;

/// The server's clock, in seconds since the Unix epoch.
pub const NOW: &str = "extract(epoch from clock_timestamp())::float8";

const RUN_KINDS: &str = "'train', 'cv', 'ensemble', 'distill', 'curve', 'zoo_bench'";

/// A new store, at the latest version.
pub fn create() -> String {
    let format = crate::sqlite::FORMAT;
    format!(
        "CREATE TABLE tuneup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO tuneup_meta VALUES ('format', '{format}'), ('schema_version', '{SCHEMA_VERSION}');
        CREATE TABLE runs (
            id BIGSERIAL PRIMARY KEY,
            name TEXT,
            parent_id BIGINT REFERENCES runs(id),
            state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'failed')),
            failure TEXT,
            experiment_path TEXT NOT NULL,
            config_json TEXT NOT NULL,
            data_info_json TEXT,
            model TEXT NOT NULL,
            metric_name TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            finished_at DOUBLE PRECISION,
            seconds DOUBLE PRECISION,
            params BIGINT,
            best_epoch BIGINT,
            train_json TEXT,
            val_json TEXT,
            train_dev_json TEXT,
            test_json TEXT,
            checkpoint TEXT,
            splits_json TEXT,
            extra_json TEXT,
            kind TEXT NOT NULL CHECK (kind IN ({RUN_KINDS})),
            worker TEXT,
            heartbeat DOUBLE PRECISION
        );
        CREATE INDEX runs_running ON runs (worker) WHERE state = 'running';
        CREATE TABLE epochs (
            run_id BIGINT NOT NULL REFERENCES runs(id),
            epoch BIGINT NOT NULL,
            fit_loss DOUBLE PRECISION, train_loss DOUBLE PRECISION, train_error DOUBLE PRECISION,
            val_loss DOUBLE PRECISION, val_error DOUBLE PRECISION, val_metric DOUBLE PRECISION,
            lr DOUBLE PRECISION, seconds DOUBLE PRECISION, fit_seconds DOUBLE PRECISION,
            PRIMARY KEY (run_id, epoch)
        );
        CREATE TABLE studies (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            experiment_path TEXT NOT NULL,
            config_json TEXT NOT NULL,
            search_json TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            next_number BIGINT NOT NULL DEFAULT 0,
            seq BIGINT NOT NULL DEFAULT 0,
            plan_json TEXT
        );
        CREATE TABLE trials (
            study_id BIGINT NOT NULL REFERENCES studies(id),
            number BIGINT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'failed', 'interrupted')),
            params_json TEXT NOT NULL,
            value DOUBLE PRECISION,
            run_id BIGINT REFERENCES runs(id),
            failure TEXT,
            worker TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            finished_at DOUBLE PRECISION,
            heartbeat DOUBLE PRECISION,
            seq BIGINT NOT NULL,
            PRIMARY KEY (study_id, number)
        );
        CREATE INDEX trials_seq ON trials (study_id, seq);
        CREATE INDEX trials_running ON trials (worker) WHERE state = 'running';
        CREATE TABLE trial_values (
            study_id BIGINT NOT NULL,
            number BIGINT NOT NULL,
            step BIGINT NOT NULL,
            value DOUBLE PRECISION,
            seq BIGINT NOT NULL,
            PRIMARY KEY (study_id, number, step)
        );
        CREATE INDEX trial_values_seq ON trial_values (study_id, seq);
        CREATE TABLE ledger (
            chain TEXT NOT NULL,
            step BIGINT NOT NULL,
            kind TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('running', 'kept', 'rejected', 'failed', 'interrupted', 'done')),
            parent_run BIGINT,
            run_id BIGINT,
            remedy TEXT,
            title TEXT,
            changes_json TEXT,
            diagnosis_json TEXT,
            value DOUBLE PRECISION,
            best_before DOUBLE PRECISION,
            reason TEXT,
            worker TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            finished_at DOUBLE PRECISION,
            heartbeat DOUBLE PRECISION,
            PRIMARY KEY (chain, step)
        );
        CREATE INDEX ledger_running ON ledger (worker) WHERE state = 'running';
        CREATE TABLE artifacts (
            name TEXT PRIMARY KEY,
            size BIGINT NOT NULL,
            chunks INTEGER NOT NULL,
            written_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE artifact_chunks (
            name TEXT NOT NULL REFERENCES artifacts(name) ON DELETE CASCADE,
            chunk INTEGER NOT NULL,
            data BYTEA NOT NULL,
            PRIMARY KEY (name, chunk)
        );"
    )
}

/// What each schema version adds to the one before it, applied in order to older stores.
pub fn migrations() -> Vec<(i64, String)> {
    // Version 2: a study's plan (trials wanted, deadline) for workers that join it.
    vec![(2, "ALTER TABLE studies ADD COLUMN plan_json TEXT;".into())]
}
