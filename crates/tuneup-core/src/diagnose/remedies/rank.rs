//! The remedies for a verdict, best first.

use super::{Category, Remedy, RemedyId, bias, optimization, trees, tuning, variance};
use crate::diagnose::{Assessed, CurveFinding, Verdict};
use crate::spec::Experiment;

/// Every candidate remedy for one experiment, built once.
struct Menu {
    improving: bool,
    overfit_at: Option<usize>,
    train_longer: Remedy,
    bigger_model: Remedy,
    distillation: Option<Remedy>,
    better_optimizer: Remedy,
    lr_schedule: Remedy,
    model_selection: Remedy,
    tuning: Remedy,
    tuning_regularization: Remedy,
    early_stopping: Remedy,
    dropout: Remedy,
    weight_decay: Remedy,
    more_data: Remedy,
    normalization: Remedy,
    label_smoothing: Option<Remedy>,
    smaller_model: Option<Remedy>,
    /// A constant learning rate leaves the weights bouncing at its noise floor; annealing it
    /// costs nothing extra (the same epochs) and settles lower: for variance it comes right
    /// after augmentation, before the remedies that cost more epochs; for bias right after a
    /// bigger model and longer training (fastai and timm decay by default).
    anneal_first: bool,
    /// A dense net on signals or images is the largest lever of all: an architecture whose
    /// inductive bias fits the data comes first when the zoo has one within the budget.
    architecture_first: bool,
    /// Boosted trees for a net on vectors: first on a table (or short vectors), else after the
    /// architectures; `None` for images.
    trees: Option<(Remedy, bool)>,
    /// Text models: a longer maximum length.
    longer_texts: Option<Remedy>,
}

impl Menu {
    fn new(
        curves: &[CurveFinding],
        exp: &Experiment,
        shape: Option<&[usize]>,
        outputs: Option<usize>,
    ) -> Menu {
        let improving = curves
            .iter()
            .any(|c| matches!(c, CurveFinding::StillImproving { .. }));
        let overfit_at = curves.iter().find_map(|c| match c {
            CurveFinding::Overfitting { since_epoch, .. } => Some(*since_epoch),
            _ => None,
        });
        let bigger_model = bias::bigger_model(exp, shape, outputs);
        let lr_schedule = bias::lr_schedule(exp);
        let model_selection = bias::model_selection(exp, shape, outputs);
        Menu {
            improving,
            overfit_at,
            train_longer: bias::train_longer(exp, improving),
            distillation: bias::distillation(exp, &bigger_model),
            better_optimizer: bias::better_optimizer(exp),
            anneal_first: lr_schedule.available && exp.schedule.kind() == "constant",
            architecture_first: model_selection.available,
            bigger_model,
            lr_schedule,
            model_selection,
            tuning: tuning::tuning(exp, shape, outputs),
            tuning_regularization: tuning::tuning_regularization(exp),
            early_stopping: variance::early_stopping(exp, overfit_at),
            dropout: variance::dropout(exp),
            weight_decay: variance::weight_decay(exp),
            more_data: variance::more_data(exp, shape),
            normalization: variance::normalization(exp),
            label_smoothing: variance::label_smoothing(exp),
            smaller_model: variance::smaller_model(exp),
            trees: trees_for_net(exp, shape),
            longer_texts: bias::longer_texts(exp),
        }
    }

    /// `v` with the trees remedy (in `category`) first or last but one.
    fn with_trees(&self, mut v: Vec<Remedy>, category: Category) -> Vec<Remedy> {
        if let Some((r, first)) = &self.trees {
            let r = Remedy {
                category,
                ..r.clone()
            };
            if *first {
                v.insert(0, r);
            } else {
                let at = v.len().saturating_sub(1);
                v.insert(at, r);
            }
        }
        v
    }

    fn bias_list(&self) -> Vec<Remedy> {
        let mut v = if self.improving {
            vec![self.train_longer.clone(), self.bigger_model.clone()]
        } else {
            vec![self.bigger_model.clone(), self.train_longer.clone()]
        };
        v.extend(self.distillation.clone());
        if self.anneal_first {
            // After the two levers of bias itself, before another optimizer.
            v.insert(2, self.lr_schedule.clone());
            v.push(self.better_optimizer.clone());
        } else {
            v.extend([self.better_optimizer.clone(), self.lr_schedule.clone()]);
        }
        if self.architecture_first {
            v.insert(0, self.model_selection.clone());
        } else {
            v.push(self.model_selection.clone());
        }
        if let Some(longer) = &self.longer_texts {
            // After a bigger model: the words past the cut are data the model never saw.
            v.insert(2.min(v.len()), longer.clone());
        }
        v.push(self.tuning.clone());
        self.with_trees(v, Category::Bias)
    }

    fn variance_list(&self) -> Vec<Remedy> {
        let mut v = vec![
            self.more_data.clone(),
            self.dropout.clone(),
            self.weight_decay.clone(),
            self.normalization.clone(),
        ];
        v.extend(self.label_smoothing.clone());
        if self.overfit_at.is_some() {
            v.insert(1, self.early_stopping.clone());
        }
        if self.anneal_first {
            v.insert(0, self.lr_schedule.clone());
        }
        v.extend(self.smaller_model.clone());
        // Augmentation (the most reliable variance remedy) first, then a better-fitting
        // architecture.
        if let Some(i) = v.iter().position(|r| r.id == self.more_data.id) {
            let aug = v.remove(i);
            v.insert(0, aug);
        }
        let selection = Remedy {
            category: Category::Variance,
            ..self.model_selection.clone()
        };
        if self.architecture_first {
            v.insert(1.min(v.len()), selection);
        } else {
            v.push(selection);
        }
        if self.improving {
            // Validation loss is still falling, so the model has not started to overfit: more
            // epochs come first (with a rate that does not depend on the epoch count they
            // continue the run, so they cost only the new epochs).
            v.insert(0, self.train_longer.clone());
        }
        v.push(self.tuning_regularization.clone());
        self.with_trees(v, Category::Variance)
    }
}

/// The trees remedy for a network whose samples are vectors (a table, a short CSV row, a
/// signal), and whether it comes first (a table or at most 32 features).
fn trees_for_net(exp: &Experiment, shape: Option<&[usize]>) -> Option<(Remedy, bool)> {
    if super::is_text(exp) {
        // Trees read no text.
        return None;
    }
    let table = super::is_table(exp);
    let first = table || matches!(shape, Some([n]) if *n <= 32);
    let vectors = table || matches!(shape, Some([_]) | Some([1, _]));
    vectors.then(|| (trees::boosted_trees(exp, Category::Bias), first))
}

/// The remedies for a verdict, best first. With both bias and variance high, the larger gap's
/// remedies come first (the bigger model and the regularizer are each other's counterweights:
/// fix one, then the other). A remedy that comes from both lists keeps its first place.
pub fn remedies(
    verdict: Verdict,
    curves: &[CurveFinding],
    bias: Option<&Assessed>,
    variance: Option<&Assessed>,
    exp: &Experiment,
    sample_shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> Vec<Remedy> {
    if let crate::spec::Arch::Gbdt(g) = &exp.model.arch {
        return trees::remedies(verdict, curves, bias, variance, exp, g);
    }
    let m = Menu::new(curves, exp, sample_shape, outputs);
    let mut out = match verdict {
        Verdict::UnstableOptimization => vec![
            optimization::lower_learning_rate(exp),
            optimization::warmup_and_clipping(exp),
            m.lr_schedule.clone(),
        ],
        Verdict::HighBias => m.bias_list(),
        Verdict::HighVariance => m.variance_list(),
        Verdict::HighBiasAndVariance => {
            let b = bias.map(|a| a.gap.value).unwrap_or(0.0);
            let v = variance.map(|a| a.gap.value).unwrap_or(0.0);
            let (first, second) = if b >= v {
                (m.bias_list(), m.variance_list())
            } else {
                (m.variance_list(), m.bias_list())
            };
            first.into_iter().chain(second).collect()
        }
        Verdict::DataMismatch => vec![variance::match_training_data(), m.more_data.clone()],
        Verdict::UnderTrained => vec![
            m.train_longer.clone(),
            m.better_optimizer.clone(),
            m.lr_schedule.clone(),
        ],
        Verdict::Good => vec![],
    };
    let mut seen = std::collections::HashSet::<RemedyId>::new();
    out.retain(|r| seen.insert(r.id));
    out
}
