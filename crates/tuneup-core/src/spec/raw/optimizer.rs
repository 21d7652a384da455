//! `[optimizer]` as written: a `kind` and every knob, each checked against the kind.

use serde::Deserialize;

use super::not_for;
use crate::spec::KeyError;
use crate::spec::optimizer::{
    OptimizerSpec, default_adam_lr, default_beta1, default_beta2, default_eps, default_momentum,
    default_sgd_lr,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OptimizerKind {
    Sgd,
    Adam,
    Adamw,
    Adagrad,
    Rmsprop,
    Lion,
    Lamb,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOptimizer {
    kind: OptimizerKind,
    lr: Option<f64>,
    momentum: Option<f64>,
    dampening: Option<f64>,
    nesterov: Option<bool>,
    beta1: Option<f64>,
    beta2: Option<f64>,
    eps: Option<f64>,
    weight_decay: Option<f64>,
    amsgrad: Option<bool>,
    alpha: Option<f64>,
    centered: Option<bool>,
    lr_decay: Option<f64>,
}

impl RawOptimizer {
    /// The keys that are set, by name.
    fn set_keys(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |k: &'static str, set: bool| {
            if set {
                v.push(k)
            }
        };
        add("momentum", self.momentum.is_some());
        add("dampening", self.dampening.is_some());
        add("nesterov", self.nesterov.is_some());
        add("beta1", self.beta1.is_some());
        add("beta2", self.beta2.is_some());
        add("eps", self.eps.is_some());
        add("amsgrad", self.amsgrad.is_some());
        add("alpha", self.alpha.is_some());
        add("centered", self.centered.is_some());
        add("lr_decay", self.lr_decay.is_some());
        v
    }

    pub(crate) fn into_spec(self) -> Result<OptimizerSpec, KeyError> {
        let (kind, allowed): (&str, &[&str]) = match self.kind {
            OptimizerKind::Sgd => ("sgd", &["momentum", "dampening", "nesterov"]),
            OptimizerKind::Adam => ("adam", &["beta1", "beta2", "eps", "amsgrad"]),
            OptimizerKind::Adamw => ("adamw", &["beta1", "beta2", "eps", "amsgrad"]),
            OptimizerKind::Adagrad => ("adagrad", &["eps", "lr_decay"]),
            OptimizerKind::Rmsprop => ("rmsprop", &["alpha", "eps", "momentum", "centered"]),
            OptimizerKind::Lion => ("lion", &["beta1", "beta2"]),
            OptimizerKind::Lamb => ("lamb", &["beta1", "beta2", "eps"]),
        };
        for k in self.set_keys() {
            not_for("optimizer", k, !allowed.contains(&k), kind)?;
        }
        let wd = self.weight_decay.unwrap_or(0.0);
        Ok(match self.kind {
            OptimizerKind::Sgd => OptimizerSpec::Sgd {
                lr: self.lr.unwrap_or_else(default_sgd_lr),
                momentum: self.momentum.unwrap_or_else(default_momentum),
                dampening: self.dampening.unwrap_or(0.0),
                nesterov: self.nesterov.unwrap_or(false),
                weight_decay: wd,
            },
            OptimizerKind::Adam | OptimizerKind::Adamw => {
                let (lr, b1, b2, eps, ams) = (
                    self.lr.unwrap_or_else(default_adam_lr),
                    self.beta1.unwrap_or_else(default_beta1),
                    self.beta2.unwrap_or_else(default_beta2),
                    self.eps.unwrap_or_else(default_eps),
                    self.amsgrad.unwrap_or(false),
                );
                if self.kind == OptimizerKind::Adam {
                    OptimizerSpec::Adam {
                        lr,
                        beta1: b1,
                        beta2: b2,
                        eps,
                        weight_decay: wd,
                        amsgrad: ams,
                    }
                } else {
                    OptimizerSpec::Adamw {
                        lr,
                        beta1: b1,
                        beta2: b2,
                        eps,
                        weight_decay: self.weight_decay.unwrap_or(0.01),
                        amsgrad: ams,
                    }
                }
            }
            OptimizerKind::Adagrad => OptimizerSpec::Adagrad {
                lr: self.lr.unwrap_or(0.01),
                lr_decay: self.lr_decay.unwrap_or(0.0),
                eps: self.eps.unwrap_or(1e-10),
                weight_decay: wd,
            },
            OptimizerKind::Rmsprop => OptimizerSpec::Rmsprop {
                lr: self.lr.unwrap_or(0.01),
                alpha: self.alpha.unwrap_or(0.99),
                eps: self.eps.unwrap_or(1e-8),
                momentum: self.momentum.unwrap_or(0.0),
                centered: self.centered.unwrap_or(false),
                weight_decay: wd,
            },
            OptimizerKind::Lion => OptimizerSpec::Lion {
                lr: self.lr.unwrap_or(1e-4),
                beta1: self.beta1.unwrap_or(0.9),
                beta2: self.beta2.unwrap_or(0.99),
                weight_decay: wd,
            },
            OptimizerKind::Lamb => OptimizerSpec::Lamb {
                lr: self.lr.unwrap_or(1e-3),
                beta1: self.beta1.unwrap_or(0.9),
                beta2: self.beta2.unwrap_or(0.999),
                eps: self.eps.unwrap_or(1e-6),
                weight_decay: wd,
            },
        })
    }
}
