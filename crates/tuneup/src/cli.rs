//! Command-line flags, as plain structs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tuneup",
    version,
    about = "Build a baseline quickly, read its report card, find out why it falls short, iterate."
)]
pub struct Cli {
    /// The run store: an SQLite file (created when missing; checkpoints go to `<store>.runs/`),
    /// or a PostgreSQL database shared by workers on many hosts,
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (its tables are created in an empty
    /// database; run files are kept in it too).
    #[arg(
        long,
        global = true,
        env = "TUNEUP_STORE",
        hide_env_values = true,
        default_value = "tuneup.db"
    )]
    pub store: String,
    /// With a PostgreSQL store: the local folder for run files (default
    /// `tuneup-<database>.runs`); files written on other hosts are fetched into it on first use.
    #[arg(long, global = true, env = "TUNEUP_ARTIFACTS")]
    pub artifacts: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Inspect a data set and write a commented baseline experiment file.
    Init(InitArgs),
    /// Train the experiment's model and record the run.
    Train(TrainArgs),
    /// Continue a complete run for more epochs (model, optimizer and schedule state restored),
    /// recorded as a child run.
    Resume(ResumeArgs),
    /// List recorded runs.
    Runs(RunsArgs),
    /// Show one run: its experiment, numbers and curves.
    Show(ShowArgs),
    /// Write a Kaggle-style submission: an id column and the predicted label / value.
    Predict(PredictArgs),
    /// Diagnose a run: bias, variance, data mismatch, what the curves say, and the remedies.
    Diagnose(DiagnoseArgs),
    /// Learning curve over training-set size: train on growing fractions, fit a power law,
    /// forecast whether more data helps.
    Curve(CurveArgs),
    /// The learning rate over training, per epoch (and as an SVG plot with -o).
    Schedule(ScheduleArgs),
    /// LR range test: sweep the rate exponentially over a short run and suggest one.
    LrFind(LrFindArgs),
    /// Score predictions against the truth with any metric (`--list` shows them).
    Score(ScoreArgs),
    /// Write a PNG grid of training samples as the model will see them: the original, then
    /// augmented draws from successive epochs (and a mixed batch with mixup / cutmix).
    AugmentPreview(AugmentPreviewArgs),
    /// Cross-validate: one model per fold (child runs), the metric's mean and standard
    /// deviation, out-of-fold predictions for every training row, the fold models' ensemble on
    /// the test set.
    Cv(CvArgs),
    /// Combine recorded runs into an ensemble, recorded as a run that `predict` and `eval`
    /// accept. A CV run joins with its fold models; `--snapshots` uses each run's snapshots.
    Ensemble(EnsembleArgs),
    /// Knowledge distillation: train the experiment's model (the student) on the teachers'
    /// softened predictions and the labels: alpha T^2 KL(teacher || student) + (1 - alpha) CE.
    Distill(DistillArgs),
    /// The development cycle, automated: baseline, diagnosis, remedies as child runs kept only
    /// when they beat the best beyond noise, until the budget or the target; resumable.
    Improve(ImproveArgs),
    /// The ledger of an improve chain: each step's diagnosis, remedy and change, result, kept
    /// or rejected and why, time (default: the latest chain).
    History(HistoryArgs),
    /// A hyperparameter study over the experiment's [search]: samplers, pruners, resumable
    /// (rerun the same command after an interruption), several workers on one store.
    Tune(TuneArgs),
    /// A study's trials, best trial, parameter importance and charts (no NAME: list studies).
    Study(StudyArgs),
    /// Join studies other processes own (on any host that reaches the store) and train their
    /// trials: every open study, or the tuning studies of one improve chain.
    Worker(WorkerArgs),
    /// The model zoo: every architecture with its parameter count and forward FLOPs.
    Zoo(ZooArgs),
    /// Score a run's model on a labelled file.
    Eval(EvalArgs),
    /// One self-contained HTML file (charts, styles and data inlined; opens with no network)
    /// for a run, an improve chain or a study.
    Report(ReportArgs),
    /// A local web server showing every run, chain and study in the store, updated live as
    /// epochs, trials and ledger steps are recorded; reads the store without writing to it.
    Dashboard(DashboardArgs),
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A run id (or give --chain or --study).
    #[arg(conflicts_with_all = ["chain", "study"], required_unless_present_any = ["chain", "study"])]
    pub run: Option<i64>,
    /// An improve chain's name.
    #[arg(long, conflicts_with = "study")]
    pub chain: Option<String>,
    /// A study's name.
    #[arg(long)]
    pub study: Option<String>,
    /// Where to write the HTML file.
    #[arg(short = 'o', long, default_value = "report.html")]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct DashboardArgs {
    /// The port to listen on (0: any free port, printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. The default serves this machine only; another address
    /// (0.0.0.0) shows your runs to anyone who can reach it: there is no login.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
}

#[derive(Subcommand, Debug)]
pub enum ZooAction {
    /// Train every zoo model that fits the data for the same time budget; a results table
    /// (parameters, FLOPs, the metric, training samples/s, inference latency).
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// A table (CSV, TSV ..., `.gz`, Parquet), an MNIST folder or IDX file, or an image folder
    /// (one subfolder per class, or pictures with a labels.csv).
    pub data: PathBuf,
    #[command(flatten)]
    pub choices: DataChoices,
    /// Where to write the experiment (default: `<data name>.toml` in this folder).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// What to take from a data file: the target, a test file, rows without a target.
#[derive(Args, Debug, Default)]
pub struct DataChoices {
    /// A table's target column (default: the last column that is not an id).
    #[arg(long)]
    pub target: Option<String>,
    /// A test file (the same columns; the target too, to be scored), scored once at the end.
    #[arg(long)]
    pub test: Option<PathBuf>,
    /// Drop the rows whose target is missing (otherwise they are an error that counts them).
    #[arg(long)]
    pub drop_missing_target: bool,
}

impl DataChoices {
    pub fn lab(&self) -> tuneup_lab::init::Choices<'_> {
        tuneup_lab::init::Choices {
            target: self.target.as_deref(),
            test: self.test.as_deref(),
            drop_missing_target: self.drop_missing_target,
        }
    }
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    pub experiment: PathBuf,
    /// Print one JSON object on stdout (the summary goes to stderr).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ResumeArgs {
    pub run: i64,
    /// Total epochs to reach (more than the run trained).
    #[arg(long)]
    pub epochs: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RunsArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    pub run: i64,
    /// Also the N validation samples wrongly classified with the most confidence (fastai's
    /// top losses; the data is prepared again and the model scores it).
    #[arg(long, default_value_t = 0)]
    pub top_losses: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    pub run: i64,
    /// Data to predict (labels, if present, are ignored). For an MNIST folder, its t10k set.
    pub data: PathBuf,
    #[arg(short = 'o', long, default_value = "predictions.csv")]
    pub output: PathBuf,
    /// Add one `p_<class>` probability column per class.
    #[arg(long)]
    pub proba: bool,
}

#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    pub run: i64,
    /// Human-level or best-known error (overrides the experiment's `target_error`).
    #[arg(long)]
    pub target_error: Option<f64>,
    /// Write the learning curves (loss and error per epoch) as SVG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// A TOML file of diagnosis thresholds (any of the keys listed in the README).
    #[arg(long)]
    pub thresholds: Option<PathBuf>,
    /// Smallest gap that counts, classification (an error-rate difference; default 0.01).
    #[arg(long)]
    pub min_gap: Option<f64>,
    /// Smallest gap that counts, regression (a fraction of the validation error or RMSE; default 0.25).
    #[arg(long)]
    pub min_gap_relative: Option<f64>,
    /// z of the intervals (default 1.96, for 95%).
    #[arg(long)]
    pub z: Option<f64>,
    /// The validation samples wrongly classified with the most confidence (fastai's top
    /// losses), with the tokens a text model read; default 5 for a text model, else 0.
    #[arg(long)]
    pub top_losses: Option<usize>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CurveArgs {
    pub experiment: PathBuf,
    /// Fractions of the training split, comma-separated.
    #[arg(long, default_value = "0.1,0.2,0.4,0.7,1.0")]
    pub sizes: String,
    /// Seeds per size (the experiment's seed, +1, +2 ...).
    #[arg(long, default_value_t = 1)]
    pub seeds: usize,
    /// Write the curve with its fit as SVG.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ScheduleArgs {
    pub experiment: PathBuf,
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct LrFindArgs {
    pub experiment: PathBuf,
    /// Plot of smoothed loss against rate (SVG).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[arg(long, default_value_t = 1e-7)]
    pub start: f64,
    #[arg(long, default_value_t = 10.0)]
    pub end: f64,
    #[arg(long, default_value_t = 100)]
    pub iters: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// A metric name; may be given several times.
    #[arg(long = "metric")]
    pub metrics: Vec<String>,
    /// The truth: a CSV with a `label` (or `target`) column, or text with one segment per line.
    #[arg(long, required_unless_present = "list")]
    pub truth: Option<PathBuf>,
    /// The predictions: a CSV with a `label` / `target` column and / or `p_<class>` columns
    /// (as `tuneup predict --proba` writes), or text with one segment per line.
    #[arg(long, required_unless_present = "list")]
    pub pred: Option<PathBuf>,
    /// The positive class of binary metrics (default: the last class in sorted order).
    #[arg(long)]
    pub pos_label: Option<String>,
    /// List the metrics with their direction and the input they need.
    #[arg(long)]
    pub list: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct AugmentPreviewArgs {
    pub experiment: PathBuf,
    #[arg(short = 'o', long, default_value = "augment-preview.png")]
    pub output: PathBuf,
    /// Training samples (rows).
    #[arg(long, default_value_t = 8)]
    pub samples: usize,
    /// Augmented draws per sample (columns).
    #[arg(long, default_value_t = 6)]
    pub draws: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CvArgs {
    pub experiment: PathBuf,
    /// Folds (default: the experiment's [cv] folds, else 5).
    #[arg(long)]
    pub folds: Option<usize>,
    /// Repeats with different shuffles (default: [cv] repeats, else 1).
    #[arg(long)]
    pub repeats: Option<usize>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EnsembleArgs {
    pub runs: Vec<i64>,
    /// soft (mean probabilities / values), hard (majority vote) or weighted (weights fitted
    /// on validation or out-of-fold predictions).
    #[arg(long, default_value = "soft")]
    pub method: String,
    /// Use each run's snapshot models (train.snapshots).
    #[arg(long)]
    pub snapshots: bool,
    #[arg(long)]
    pub name: Option<String>,
    /// Also write the ensemble's description as TOML.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DistillArgs {
    pub experiment: PathBuf,
    /// A teacher run (a CV run brings its fold models); several are averaged. Default: the
    /// experiment's `[distill]` teachers.
    #[arg(long = "teacher")]
    pub teachers: Vec<i64>,
    /// The soft targets' weight (default: the experiment's, else 0.5).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// The softening temperature (default: the experiment's, else 4).
    #[arg(long)]
    pub temperature: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ImproveArgs {
    /// An experiment file, or a data set (its `tuneup init` baseline is the start).
    pub source: PathBuf,
    /// For a data set: its target, a test file, rows without a target.
    #[command(flatten)]
    pub data: DataChoices,
    /// Total time for the chain (across resumes): 90s, 15m, 1h.
    #[arg(long, default_value = "15m")]
    pub budget: String,
    /// Stop after this many runs (the baseline included).
    #[arg(long)]
    pub max_runs: Option<usize>,
    /// Stop once the validation metric reaches this.
    #[arg(long)]
    pub target_metric: Option<f64>,
    /// A parameter budget every model must stay under.
    #[arg(long)]
    pub max_params: Option<usize>,
    /// The chain's name in the ledger (default: the file's name).
    #[arg(long)]
    pub chain: Option<String>,
    /// How far beyond noise a child must be to be kept: the paired test's one-sided z.
    #[arg(long, default_value_t = 1.0)]
    pub z: f64,
    /// At the end, ensemble up to this many of the chain's best runs (greedy selection on
    /// validation; kept only if it beats the best single run beyond noise); 0 or 1: off.
    #[arg(long, default_value_t = 3)]
    pub ensemble: usize,
    /// Only these remedies (comma-separated ids, e.g. tuning,dropout); default: all.
    #[arg(long, value_delimiter = ',')]
    pub remedies: Option<Vec<String>>,
    /// Judge every candidate by K-fold cross-validation over the training and validation
    /// rows (out-of-fold predictions, paired per row) instead of the validation split:
    /// `auto` (default) does so when the validation split has under 500 rows, `off` never,
    /// a number K always, with K folds. The final model is then the best candidate's fold
    /// models averaged.
    #[arg(long, default_value = "auto")]
    pub cv: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    pub chain: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct TuneArgs {
    pub experiment: PathBuf,
    /// Trials the study should have (default: search.trials, else 20); trials lost to an
    /// interruption do not count.
    #[arg(long)]
    pub trials: Option<usize>,
    /// Stop asking for new trials after this long: 90s, 10m, 1h.
    #[arg(long)]
    pub timeout: Option<String>,
    /// The study's name (default: the experiment file's name).
    #[arg(long)]
    pub study: Option<String>,
    /// Worker processes sharing the study.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// Only the tuning studies of this improve chain (`tuneup improve --chain`).
    #[arg(long)]
    pub chain: Option<String>,
    /// Exit after this long with no open study, e.g. 10m (default: serve until stopped).
    #[arg(long)]
    pub idle_exit: Option<String>,
    /// How often to look for open studies, in seconds.
    #[arg(long, default_value_t = 2.0)]
    pub poll: f64,
}

#[derive(Args, Debug)]
pub struct StudyArgs {
    pub name: Option<String>,
    /// Write the best trial's experiment file.
    #[arg(long)]
    pub export: Option<PathBuf>,
    /// Write history.svg, parallel.svg and slices.svg into this folder.
    #[arg(long)]
    pub plots: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ZooArgs {
    #[command(subcommand)]
    pub action: Option<ZooAction>,
    /// Input shape: 1x28x28 (images), 40 or 1x40 (signals / vectors), text:256 (tokens per
    /// sample; text:256x30000 with a 30,000-id vocabulary).
    #[arg(long, default_value = "1x28x28")]
    pub input: String,
    #[arg(long, default_value_t = 10)]
    pub classes: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    pub run: i64,
    /// Labelled data. For an MNIST folder, its t10k set.
    pub data: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// A data set (its `tuneup init` baseline supplies the rest) or an experiment file.
    pub data: PathBuf,
    /// Time per model: 90s, 2m, 1h.
    #[arg(long, default_value = "2m")]
    pub budget: String,
    /// Write the table as CSV.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Only these models (comma-separated names).
    #[arg(long)]
    pub models: Option<String>,
    #[arg(long)]
    pub json: bool,
}
