//! `[optimizer]`: the optimizer and its knobs; defaults are PyTorch's (`torch.optim`).

use serde::{Deserialize, Serialize};

use super::KeyError;

/// The optimizer and its knobs; defaults are PyTorch's (`torch.optim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerSpec {
    /// SGD with momentum, dampening, Nesterov (`torch.optim.SGD`).
    Sgd {
        lr: f64,
        momentum: f64,
        #[serde(default)]
        dampening: f64,
        nesterov: bool,
        weight_decay: f64,
    },
    /// Adam (Kingma & Ba 2014), AMSGrad option; weight decay as an L2 term (`torch.optim.Adam`).
    Adam {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        #[serde(default)]
        amsgrad: bool,
    },
    /// AdamW: decoupled weight decay (Loshchilov & Hutter 2019; `torch.optim.AdamW`).
    Adamw {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
        amsgrad: bool,
    },
    /// AdaGrad (Duchi et al. 2011; `torch.optim.Adagrad`).
    Adagrad {
        lr: f64,
        lr_decay: f64,
        eps: f64,
        weight_decay: f64,
    },
    /// RMSProp, centered option (`torch.optim.RMSprop`).
    Rmsprop {
        lr: f64,
        alpha: f64,
        eps: f64,
        momentum: f64,
        centered: bool,
        weight_decay: f64,
    },
    /// Lion (Chen et al. 2023).
    Lion {
        lr: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
    },
    /// LAMB (You et al. 2019).
    Lamb {
        lr: f64,
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
}

pub(crate) fn default_sgd_lr() -> f64 {
    0.01
}
pub(crate) fn default_momentum() -> f64 {
    0.9
}
pub(crate) fn default_adam_lr() -> f64 {
    1e-3
}
pub(crate) fn default_beta1() -> f64 {
    0.9
}
pub(crate) fn default_beta2() -> f64 {
    0.999
}
pub(crate) fn default_eps() -> f64 {
    1e-8
}

impl Default for OptimizerSpec {
    fn default() -> Self {
        OptimizerSpec::Adam {
            lr: default_adam_lr(),
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_eps(),
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

impl OptimizerSpec {
    pub fn lr(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd { lr, .. }
            | OptimizerSpec::Adam { lr, .. }
            | OptimizerSpec::Adamw { lr, .. }
            | OptimizerSpec::Adagrad { lr, .. }
            | OptimizerSpec::Rmsprop { lr, .. }
            | OptimizerSpec::Lion { lr, .. }
            | OptimizerSpec::Lamb { lr, .. } => *lr,
        }
    }

    pub fn weight_decay(&self) -> f64 {
        match self {
            OptimizerSpec::Sgd { weight_decay, .. }
            | OptimizerSpec::Adam { weight_decay, .. }
            | OptimizerSpec::Adamw { weight_decay, .. }
            | OptimizerSpec::Adagrad { weight_decay, .. }
            | OptimizerSpec::Rmsprop { weight_decay, .. }
            | OptimizerSpec::Lion { weight_decay, .. }
            | OptimizerSpec::Lamb { weight_decay, .. } => *weight_decay,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::Adamw { .. } => "adamw",
            OptimizerSpec::Adagrad { .. } => "adagrad",
            OptimizerSpec::Rmsprop { .. } => "rmsprop",
            OptimizerSpec::Lion { .. } => "lion",
            OptimizerSpec::Lamb { .. } => "lamb",
        }
    }
}

impl OptimizerSpec {
    /// The knobs' ranges, each error naming its key.
    pub(crate) fn validate(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        let lr = self.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return err(
                "optimizer.lr",
                format!("expected a positive learning rate, found {lr}"),
            );
        }
        let w = self.weight_decay();
        if !(w.is_finite() && w >= 0.0) {
            return err(
                "optimizer.weight_decay",
                format!("expected a value >= 0, found {w}"),
            );
        }
        let unit = |k: &str, v: f64| -> Result<(), (String, String)> {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err((
                    format!("optimizer.{k}"),
                    format!("expected a value in [0, 1), found {v}"),
                ))
            }
        };
        let positive = |k: &str, v: f64| -> Result<(), (String, String)> {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err((
                    format!("optimizer.{k}"),
                    format!("expected a positive value, found {v}"),
                ))
            }
        };
        match self {
            OptimizerSpec::Sgd {
                momentum,
                dampening,
                nesterov,
                ..
            } => {
                unit("momentum", *momentum)?;
                if !(0.0..=1.0).contains(dampening) {
                    return err(
                        "optimizer.dampening",
                        format!("expected a value in [0, 1], found {dampening}"),
                    );
                }
                if *nesterov && (*momentum == 0.0 || *dampening != 0.0) {
                    return err(
                        "optimizer.nesterov",
                        "Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch)"
                            .into(),
                    );
                }
            }
            OptimizerSpec::Adam {
                beta1, beta2, eps, ..
            }
            | OptimizerSpec::Adamw {
                beta1, beta2, eps, ..
            }
            | OptimizerSpec::Lamb {
                beta1, beta2, eps, ..
            } => {
                unit("beta1", *beta1)?;
                unit("beta2", *beta2)?;
                positive("eps", *eps)?;
            }
            OptimizerSpec::Lion { beta1, beta2, .. } => {
                unit("beta1", *beta1)?;
                unit("beta2", *beta2)?;
            }
            OptimizerSpec::Adagrad { eps, lr_decay, .. } => {
                positive("eps", *eps)?;
                if !(*lr_decay >= 0.0) {
                    return err(
                        "optimizer.lr_decay",
                        format!("expected a value >= 0, found {lr_decay}"),
                    );
                }
            }
            OptimizerSpec::Rmsprop {
                alpha,
                eps,
                momentum,
                ..
            } => {
                unit("alpha", *alpha)?;
                positive("eps", *eps)?;
                unit("momentum", *momentum)?;
            }
        }
        Ok(())
    }
}
