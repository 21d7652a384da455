//! Command-line flags, as plain structs.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tuneup",
    version,
    about = "Build a baseline quickly, read its report card, find out why it falls short, iterate."
)]
pub struct Cli {
    /// The run store (an SQLite file; created when missing). Checkpoints go to `<store>.runs/`.
    #[arg(long, global = true, default_value = "tuneup.db")]
    pub store: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Inspect a data set and write a commented baseline experiment file.
    Init {
        /// A CSV file, an MNIST folder or IDX file, or an image folder (one subfolder per class).
        data: PathBuf,
        /// The CSV target column (default: the last column).
        #[arg(long)]
        target: Option<String>,
        /// Where to write the experiment (default: `<data name>.toml` in this folder).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Overwrite the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Train the experiment's model and record the run.
    Train {
        experiment: PathBuf,
        /// Print one JSON object on stdout (the summary goes to stderr).
        #[arg(long)]
        json: bool,
    },
    /// Continue a complete run for more epochs (model, optimizer and schedule state restored),
    /// recorded as a child run.
    Resume {
        run: i64,
        /// Total epochs to reach (more than the run trained).
        #[arg(long)]
        epochs: usize,
        #[arg(long)]
        json: bool,
    },
    /// List recorded runs.
    Runs {
        #[arg(long)]
        json: bool,
    },
    /// Show one run: its experiment, numbers and curves.
    Show {
        run: i64,
        #[arg(long)]
        json: bool,
    },
    /// Write a Kaggle-style submission: an id column and the predicted label / value.
    Predict {
        run: i64,
        /// Data to predict (labels, if present, are ignored). For an MNIST folder, its t10k set.
        data: PathBuf,
        #[arg(short = 'o', long, default_value = "predictions.csv")]
        output: PathBuf,
        /// Add one `p_<class>` probability column per class.
        #[arg(long)]
        proba: bool,
    },
    /// Diagnose a run: bias, variance, data mismatch, what the curves say, and the remedies.
    Diagnose {
        run: i64,
        /// Human-level or best-known error (overrides the experiment's `target_error`).
        #[arg(long)]
        target_error: Option<f64>,
        /// Write the learning curves (loss and error per epoch) as SVG.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// A TOML file of diagnosis thresholds (any of the keys listed in the README).
        #[arg(long)]
        thresholds: Option<PathBuf>,
        /// Smallest gap that counts, classification (an error-rate difference; default 0.01).
        #[arg(long)]
        min_gap: Option<f64>,
        /// Smallest gap that counts, regression (a fraction of the validation error or RMSE; default 0.25).
        #[arg(long)]
        min_gap_relative: Option<f64>,
        /// z of the intervals (default 1.96, for 95%).
        #[arg(long)]
        z: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Learning curve over training-set size: train on growing fractions, fit a power law,
    /// forecast whether more data helps.
    Curve {
        experiment: PathBuf,
        /// Fractions of the training split, comma-separated.
        #[arg(long, default_value = "0.1,0.2,0.4,0.7,1.0")]
        sizes: String,
        /// Seeds per size (the experiment's seed, +1, +2 ...).
        #[arg(long, default_value_t = 1)]
        seeds: usize,
        /// Write the curve with its fit as SVG.
        #[arg(long)]
        plot: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The learning rate over training, per epoch (and as an SVG plot with -o).
    Schedule {
        experiment: PathBuf,
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// LR range test: sweep the rate exponentially over a short run and suggest one.
    LrFind {
        experiment: PathBuf,
        /// Plot of smoothed loss against rate (SVG).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[arg(long, default_value_t = 1e-7)]
        start: f64,
        #[arg(long, default_value_t = 10.0)]
        end: f64,
        #[arg(long, default_value_t = 100)]
        iters: usize,
        #[arg(long)]
        json: bool,
    },
    /// Score predictions against the truth with any metric (`--list` shows them).
    Score {
        /// A metric name; may be given several times.
        #[arg(long = "metric")]
        metrics: Vec<String>,
        /// The truth: a CSV with a `label` (or `target`) column, or text with one segment per line.
        #[arg(long, required_unless_present = "list")]
        truth: Option<PathBuf>,
        /// The predictions: a CSV with a `label` / `target` column and / or `p_<class>` columns
        /// (as `tuneup predict --proba` writes), or text with one segment per line.
        #[arg(long, required_unless_present = "list")]
        pred: Option<PathBuf>,
        /// The positive class of binary metrics (default: the last class in sorted order).
        #[arg(long)]
        pos_label: Option<String>,
        /// List the metrics with their direction and the input they need.
        #[arg(long)]
        list: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write a PNG grid of training samples as the model will see them: the original, then
    /// augmented draws from successive epochs (and a mixed batch with mixup / cutmix).
    AugmentPreview {
        experiment: PathBuf,
        #[arg(short = 'o', long, default_value = "augment-preview.png")]
        output: PathBuf,
        /// Training samples (rows).
        #[arg(long, default_value_t = 8)]
        samples: usize,
        /// Augmented draws per sample (columns).
        #[arg(long, default_value_t = 6)]
        draws: usize,
        #[arg(long)]
        json: bool,
    },
    /// Cross-validate: one model per fold (child runs), the metric's mean and standard
    /// deviation, out-of-fold predictions for every training row, the fold models' ensemble on
    /// the test set.
    Cv {
        experiment: PathBuf,
        /// Folds (default: the experiment's [cv] folds, else 5).
        #[arg(long)]
        folds: Option<usize>,
        /// Repeats with different shuffles (default: [cv] repeats, else 1).
        #[arg(long)]
        repeats: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Combine recorded runs into an ensemble, recorded as a run that `predict` and `eval`
    /// accept. A CV run joins with its fold models; `--snapshots` uses each run's snapshots.
    Ensemble {
        runs: Vec<i64>,
        /// soft (mean probabilities / values), hard (majority vote) or weighted (weights fitted
        /// on validation or out-of-fold predictions).
        #[arg(long, default_value = "soft")]
        method: String,
        /// Use each run's snapshot models (train.snapshots).
        #[arg(long)]
        snapshots: bool,
        #[arg(long)]
        name: Option<String>,
        /// Also write the ensemble's description as TOML.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Knowledge distillation: train the experiment's model (the student) on the teachers'
    /// softened predictions and the labels: alpha T^2 KL(teacher || student) + (1 - alpha) CE.
    Distill {
        experiment: PathBuf,
        /// A teacher run (a CV run brings its fold models); several are averaged.
        #[arg(long = "teacher", required = true)]
        teachers: Vec<i64>,
        #[arg(long, default_value_t = 0.5)]
        alpha: f64,
        #[arg(long, default_value_t = 4.0)]
        temperature: f64,
        #[arg(long)]
        json: bool,
    },
    /// The development cycle, automated: baseline, diagnosis, remedies as child runs kept only
    /// when they beat the best beyond noise, until the budget or the target; resumable.
    Improve {
        /// An experiment file, or a data set (its `tuneup init` baseline is the start).
        source: PathBuf,
        /// Total time for the chain (across resumes): 90s, 15m, 1h.
        #[arg(long, default_value = "15m")]
        budget: String,
        /// Stop after this many runs (the baseline included).
        #[arg(long)]
        max_runs: Option<usize>,
        /// Stop once the validation metric reaches this.
        #[arg(long)]
        target_metric: Option<f64>,
        /// A parameter budget every model must stay under.
        #[arg(long)]
        max_params: Option<usize>,
        /// The chain's name in the ledger (default: the file's name).
        #[arg(long)]
        chain: Option<String>,
        /// How far beyond noise a child must be to be kept: the paired test's one-sided z.
        #[arg(long, default_value_t = 1.0)]
        z: f64,
        /// At the end, ensemble up to this many of the chain's best runs (greedy selection on
        /// validation; kept only if it beats the best single run beyond noise); 0 or 1: off.
        #[arg(long, default_value_t = 3)]
        ensemble: usize,
        /// Only these remedies (comma-separated ids, e.g. tuning,dropout); default: all.
        #[arg(long, value_delimiter = ',')]
        remedies: Option<Vec<String>>,
        /// Judge every candidate by K-fold cross-validation over the training and validation
        /// rows (out-of-fold predictions, paired per row) instead of the validation split:
        /// `auto` (default) does so when the validation split has under 500 rows, `off` never,
        /// a number K always, with K folds. The final model is then the best candidate's fold
        /// models averaged.
        #[arg(long, default_value = "auto")]
        cv: String,
        #[arg(long)]
        json: bool,
    },
    /// The ledger of an improve chain: each step's diagnosis, remedy and change, result, kept
    /// or rejected and why, time (default: the latest chain).
    History {
        chain: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A hyperparameter study over the experiment's [search]: samplers, pruners, resumable
    /// (rerun the same command after an interruption), several workers on one store.
    Tune {
        experiment: PathBuf,
        /// Trials the study should have (default: search.trials, else 20); trials lost to an
        /// interruption do not count.
        #[arg(long)]
        trials: Option<usize>,
        /// Stop asking for new trials after this long: 90s, 10m, 1h.
        #[arg(long)]
        timeout: Option<String>,
        /// The study's name (default: the experiment file's name).
        #[arg(long)]
        study: Option<String>,
        /// Worker processes sharing the study.
        #[arg(long, default_value_t = 1)]
        workers: usize,
        #[arg(long)]
        json: bool,
    },
    /// A study's trials, best trial, parameter importance and charts (no NAME: list studies).
    Study {
        name: Option<String>,
        /// Write the best trial's experiment file.
        #[arg(long)]
        export: Option<PathBuf>,
        /// Write history.svg, parallel.svg and slices.svg into this folder.
        #[arg(long)]
        plots: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The model zoo: every architecture with its parameter count and forward FLOPs.
    Zoo {
        #[command(subcommand)]
        action: Option<ZooAction>,
        /// Input shape: 1x28x28 (images), 40 or 1x40 (signals / vectors).
        #[arg(long, default_value = "1x28x28")]
        input: String,
        #[arg(long, default_value_t = 10)]
        classes: usize,
        #[arg(long)]
        json: bool,
    },
    /// Score a run's model on a labelled file.
    Eval {
        run: i64,
        /// Labelled data. For an MNIST folder, its t10k set.
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ZooAction {
    /// Train every zoo model that fits the data for the same time budget; a results table
    /// (parameters, FLOPs, the metric, training samples/s, inference latency).
    Bench {
        /// A data set (its `tuneup init` baseline supplies the rest) or an experiment file.
        data: PathBuf,
        /// Time per model: 90s, 2m, 1h.
        #[arg(long, default_value = "2m")]
        budget: String,
        /// Write the table as CSV.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Only these models (comma-separated names).
        #[arg(long)]
        models: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
