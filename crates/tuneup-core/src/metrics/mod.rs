//! Metrics that judge a model, each with a name (as written in the experiment file and given to
//! `tuneup score`), a direction, the input it needs, and a clear error when it cannot be
//! computed. Plain Rust over predictions; the definitions follow scikit-learn (classification,
//! regression), sacreBLEU (BLEU, chrF) and jiwer (WER, CER), and the tests check them against
//! those libraries.

pub mod classification;
pub mod ranking;
pub mod regression;
pub mod text;

use crate::spec::Task;

pub use crate::direction::Direction;

/// How per-class scores are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// The positive class only (two-class problems).
    Binary,
    /// Counts pooled over classes.
    Micro,
    /// Unweighted mean over classes.
    Macro,
    /// Mean over classes weighted by their support.
    Weighted,
}

/// sacreBLEU's smoothing methods (Chen & Cherry 2014).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smooth {
    None,
    Floor,
    AddK,
    Exp,
}

/// What a metric reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Labels,
    Probabilities,
    Values,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    Accuracy,
    BalancedAccuracy,
    TopK(usize),
    Precision(Average),
    Recall(Average),
    /// F-beta (F1 for beta = 1).
    F(f64, Average),
    Mcc,
    CohenKappa,
    LogLoss,
    RocAuc(Average),
    AveragePrecision(Average),
    Mse,
    Rmse,
    Mae,
    R2,
    Mape,
    Rmsle,
    Bleu(Smooth),
    SentenceBleu,
    Chrf,
    Wer,
    Cer,
}

/// Why a metric could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricError(pub String);

impl std::fmt::Display for MetricError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MetricError {}

/// Predictions and what they are scored against.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    Classes {
        truth: &'a [u32],
        pred: &'a [u32],
        /// Per-class probabilities, row-major, `n_classes` per row.
        proba: Option<&'a [f64]>,
        n_classes: usize,
        /// The positive class of binary metrics (default: the last class).
        positive: Option<u32>,
    },
    Values {
        truth: &'a [f64],
        pred: &'a [f64],
    },
    Text {
        refs: &'a [String],
        hyps: &'a [String],
    },
}

const AVERAGES: [(&str, Average); 3] = [
    ("_micro", Average::Micro),
    ("_macro", Average::Macro),
    ("_weighted", Average::Weighted),
];

fn avg_suffix(a: Average) -> &'static str {
    match a {
        Average::Binary => "",
        Average::Micro => "_micro",
        Average::Macro => "_macro",
        Average::Weighted => "_weighted",
    }
}

impl Metric {
    /// One of each kind, for `tuneup score --list`.
    pub fn catalogue() -> Vec<Metric> {
        use Average::*;
        vec![
            Metric::Accuracy,
            Metric::BalancedAccuracy,
            Metric::TopK(5),
            Metric::Precision(Binary),
            Metric::Precision(Macro),
            Metric::Recall(Binary),
            Metric::Recall(Weighted),
            Metric::F(1.0, Binary),
            Metric::F(1.0, Micro),
            Metric::F(1.0, Macro),
            Metric::F(1.0, Weighted),
            Metric::F(2.0, Binary),
            Metric::F(0.5, Macro),
            Metric::Mcc,
            Metric::CohenKappa,
            Metric::LogLoss,
            Metric::RocAuc(Binary),
            Metric::RocAuc(Macro),
            Metric::RocAuc(Weighted),
            Metric::AveragePrecision(Binary),
            Metric::AveragePrecision(Macro),
            Metric::Mse,
            Metric::Rmse,
            Metric::Mae,
            Metric::R2,
            Metric::Mape,
            Metric::Rmsle,
            Metric::Bleu(Smooth::Exp),
            Metric::Bleu(Smooth::None),
            Metric::Bleu(Smooth::Floor),
            Metric::Bleu(Smooth::AddK),
            Metric::SentenceBleu,
            Metric::Chrf,
            Metric::Wer,
            Metric::Cer,
        ]
    }

    pub fn name(self) -> String {
        match self {
            Metric::Accuracy => "accuracy".into(),
            Metric::BalancedAccuracy => "balanced_accuracy".into(),
            Metric::TopK(k) => format!("top{k}_accuracy"),
            Metric::Precision(a) => format!("precision{}", avg_suffix(a)),
            Metric::Recall(a) => format!("recall{}", avg_suffix(a)),
            Metric::F(b, a) => format!("f{b}{}", avg_suffix(a)),
            Metric::Mcc => "mcc".into(),
            Metric::CohenKappa => "cohen_kappa".into(),
            Metric::LogLoss => "log_loss".into(),
            Metric::RocAuc(Average::Binary) => "roc_auc".into(),
            Metric::RocAuc(Average::Weighted) => "roc_auc_ovr_weighted".into(),
            Metric::RocAuc(_) => "roc_auc_ovr".into(),
            Metric::AveragePrecision(a) => format!("average_precision{}", avg_suffix(a)),
            Metric::Mse => "mse".into(),
            Metric::Rmse => "rmse".into(),
            Metric::Mae => "mae".into(),
            Metric::R2 => "r2".into(),
            Metric::Mape => "mape".into(),
            Metric::Rmsle => "rmsle".into(),
            Metric::Bleu(Smooth::Exp) => "bleu".into(),
            Metric::Bleu(Smooth::None) => "bleu_none".into(),
            Metric::Bleu(Smooth::Floor) => "bleu_floor".into(),
            Metric::Bleu(Smooth::AddK) => "bleu_add_k".into(),
            Metric::SentenceBleu => "sentence_bleu".into(),
            Metric::Chrf => "chrf".into(),
            Metric::Wer => "wer".into(),
            Metric::Cer => "cer".into(),
        }
    }

    /// Parses a metric name: the fixed names of [`Metric::catalogue`], plus `top{k}_accuracy`,
    /// `f{beta}` with an optional `_micro` / `_macro` / `_weighted`, and the aliases
    /// `f1_score`, `matthews_corrcoef`, `r2_score`, `kappa`.
    pub fn from_name(name: &str) -> Option<Metric> {
        let name = name.trim();
        let alias = match name {
            "f1_score" => "f1",
            "matthews_corrcoef" => "mcc",
            "r2_score" => "r2",
            "kappa" => "cohen_kappa",
            "roc_auc_ovr_macro" => "roc_auc_ovr",
            other => other,
        };
        if let Some(m) = Metric::catalogue().into_iter().find(|m| m.name() == alias) {
            return Some(m);
        }
        if let Some(k) = alias
            .strip_prefix("top")
            .and_then(|r| r.strip_suffix("_accuracy"))
        {
            return k.parse().ok().filter(|k| *k >= 1).map(Metric::TopK);
        }
        let (base, avg) = AVERAGES
            .iter()
            .find_map(|(suf, a)| alias.strip_suffix(suf).map(|b| (b, *a)))
            .unwrap_or((alias, Average::Binary));
        match base {
            "precision" => return Some(Metric::Precision(avg)),
            "recall" => return Some(Metric::Recall(avg)),
            "average_precision" if avg != Average::Micro => {
                return Some(Metric::AveragePrecision(avg));
            }
            _ => {}
        }
        let beta: f64 = base.strip_prefix('f')?.parse().ok()?;
        (beta.is_finite() && beta > 0.0).then_some(Metric::F(beta, avg))
    }

    /// The training task a metric judges; `None` for text metrics (scored with `tuneup score`).
    pub fn task(self) -> Option<Task> {
        match self.needs() {
            Needs::Labels | Needs::Probabilities => Some(Task::Classification),
            Needs::Values => Some(Task::Regression),
            Needs::Text => None,
        }
    }

    pub fn needs(self) -> Needs {
        match self {
            Metric::TopK(_) | Metric::LogLoss | Metric::RocAuc(_) | Metric::AveragePrecision(_) => {
                Needs::Probabilities
            }
            Metric::Mse
            | Metric::Rmse
            | Metric::Mae
            | Metric::R2
            | Metric::Mape
            | Metric::Rmsle => Needs::Values,
            Metric::Bleu(_) | Metric::SentenceBleu | Metric::Chrf | Metric::Wer | Metric::Cer => {
                Needs::Text
            }
            _ => Needs::Labels,
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Metric::LogLoss
            | Metric::Mse
            | Metric::Rmse
            | Metric::Mae
            | Metric::Mape
            | Metric::Rmsle
            | Metric::Wer
            | Metric::Cer => Direction::Minimize,
            _ => Direction::Maximize,
        }
    }

    /// True when `a` is strictly better than `b` under this metric's direction.
    pub fn better(self, a: f64, b: f64) -> bool {
        self.direction().better(a, b)
    }

    /// One line on what it is, for `--list`.
    pub fn describe(self) -> &'static str {
        match self {
            Metric::Accuracy => "fraction of labels predicted exactly",
            Metric::BalancedAccuracy => "mean recall over classes (robust to imbalance)",
            Metric::TopK(_) => "true class among the k most probable (any k: top3_accuracy ...)",
            Metric::Precision(_) => "of those predicted positive, how many are",
            Metric::Recall(_) => "of the positives, how many were found",
            Metric::F(..) => {
                "weighted harmonic mean of precision and recall (any beta: f2, f0.5_macro ...)"
            }
            Metric::Mcc => "Matthews correlation coefficient, -1 to 1",
            Metric::CohenKappa => "agreement beyond chance",
            Metric::LogLoss => "cross-entropy of the predicted probabilities",
            Metric::RocAuc(Average::Binary) => "area under the ROC curve (two classes)",
            Metric::RocAuc(_) => "one-vs-rest ROC AUC over classes",
            Metric::AveragePrecision(_) => "area under the precision-recall curve",
            Metric::Mse => "mean squared error",
            Metric::Rmse => "root mean squared error",
            Metric::Mae => "mean absolute error",
            Metric::R2 => "coefficient of determination",
            Metric::Mape => "mean absolute percentage error (a fraction)",
            Metric::Rmsle => "root mean squared error of log(1 + y)",
            Metric::Bleu(_) => {
                "corpus BLEU, 0-100 (sacreBLEU, 13a tokens; _none, _floor, _add_k smoothing)"
            }
            Metric::SentenceBleu => "mean sentence BLEU, 0-100 (exp smoothing, effective order)",
            Metric::Chrf => "character n-gram F-score chrF2, 0-100 (sacreBLEU)",
            Metric::Wer => "word error rate (jiwer)",
            Metric::Cer => "character error rate (jiwer)",
        }
    }

    /// Computes the metric.
    pub fn compute(self, input: &Input) -> Result<f64, MetricError> {
        let need = |what: &str| MetricError(format!("`{}` needs {what}", self.name()));
        let v = match (*input, self.needs()) {
            (
                Input::Classes {
                    truth,
                    pred,
                    proba,
                    n_classes,
                    positive,
                },
                Needs::Labels | Needs::Probabilities,
            ) => self.on_classes(truth, pred, proba, n_classes, positive)?,
            (Input::Values { truth, pred }, Needs::Values) => self.on_values(truth, pred)?,
            (Input::Text { refs, hyps }, Needs::Text) => match self {
                Metric::Bleu(s) => text::corpus_bleu(refs, hyps, s)?,
                Metric::SentenceBleu => text::mean_sentence_bleu(refs, hyps)?,
                Metric::Chrf => text::corpus_chrf(refs, hyps)?,
                Metric::Wer => text::wer(refs, hyps)?,
                Metric::Cer => text::cer(refs, hyps)?,
                _ => unreachable!("text metrics only"),
            },
            (_, Needs::Labels | Needs::Probabilities) => return Err(need("class labels")),
            (_, Needs::Values) => return Err(need("numeric values")),
            (_, Needs::Text) => return Err(need("text segments")),
        };
        if v.is_nan() {
            return Err(MetricError(format!(
                "`{}` is not defined for these predictions",
                self.name()
            )));
        }
        Ok(v)
    }

    /// A label or probability metric on class indices (and probabilities, rows x classes).
    fn on_classes(
        self,
        truth: &[u32],
        pred: &[u32],
        proba: Option<&[f64]>,
        n_classes: usize,
        positive: Option<u32>,
    ) -> Result<f64, MetricError> {
        if truth.len() != pred.len() {
            return Err(MetricError(format!(
                "{} true labels but {} predictions",
                truth.len(),
                pred.len()
            )));
        }
        if truth.is_empty() {
            return Err(MetricError("no samples".into()));
        }
        if let Some(bad) = truth.iter().chain(pred).find(|c| **c as usize >= n_classes) {
            return Err(MetricError(format!(
                "class index {bad} is outside the {n_classes} classes"
            )));
        }
        let m = || classification::confusion(truth, pred, n_classes);
        let pos = positive.map(|p| p as usize);
        let proba = || -> Result<&[f64], MetricError> {
            let p = proba.ok_or_else(|| {
                MetricError(format!(
                    "`{}` needs per-class probabilities (p_<class> columns)",
                    self.name()
                ))
            })?;
            if p.len() != truth.len() * n_classes {
                return Err(MetricError(format!(
                    "{} probabilities for {} samples of {n_classes} classes",
                    p.len(),
                    truth.len()
                )));
            }
            Ok(p)
        };
        use classification::Prf;
        Ok(match self {
            Metric::Accuracy => classification::accuracy(truth, pred),
            Metric::BalancedAccuracy => classification::balanced_accuracy(&m()),
            Metric::Precision(a) => classification::prf(&m(), Prf::Precision, a, pos)?,
            Metric::Recall(a) => classification::prf(&m(), Prf::Recall, a, pos)?,
            Metric::F(b, a) => classification::prf(&m(), Prf::F(b), a, pos)?,
            Metric::Mcc => classification::mcc(&m()),
            Metric::CohenKappa => classification::cohen_kappa(&m()),
            Metric::LogLoss => ranking::log_loss(truth, proba()?, n_classes)?,
            Metric::TopK(k) => ranking::top_k(truth, proba()?, n_classes, k)?,
            Metric::RocAuc(a) => {
                ranking::one_vs_rest(truth, proba()?, n_classes, ranking::Curve::Roc, a, pos)?
            }
            Metric::AveragePrecision(a) => {
                ranking::one_vs_rest(truth, proba()?, n_classes, ranking::Curve::Pr, a, pos)?
            }
            _ => unreachable!("label metrics only"),
        })
    }

    /// A regression metric on true and predicted values.
    fn on_values(self, truth: &[f64], pred: &[f64]) -> Result<f64, MetricError> {
        if truth.len() != pred.len() {
            return Err(MetricError(format!(
                "{} true values but {} predictions",
                truth.len(),
                pred.len()
            )));
        }
        if truth.is_empty() {
            return Err(MetricError("no samples".into()));
        }
        if let Some(i) = truth.iter().chain(pred).position(|v| !v.is_finite()) {
            let which = if i < truth.len() {
                format!("true value {}", i + 1)
            } else {
                format!("prediction {}", i - truth.len() + 1)
            };
            return Err(MetricError(format!("{which} is not a finite number")));
        }
        Ok(match self {
            Metric::Mse => regression::mse(truth, pred),
            Metric::Rmse => regression::mse(truth, pred).sqrt(),
            Metric::Mae => regression::mae(truth, pred),
            Metric::R2 => regression::r2(truth, pred),
            Metric::Mape => regression::mape(truth, pred),
            Metric::Rmsle => regression::rmsle(truth, pred)?,
            _ => unreachable!("value metrics only"),
        })
    }
}

/// The default metric of a task.
pub fn default_for(task: Task) -> Metric {
    match task {
        Task::Classification => Metric::Accuracy,
        Task::Regression => Metric::Rmse,
    }
}

/// The error tuneup's diagnosis reads: misclassification rate for classification.
pub fn error_rate(truth: &[u32], pred: &[u32]) -> f64 {
    1.0 - classification::accuracy(truth, pred)
}

#[cfg(test)]
mod tests;
