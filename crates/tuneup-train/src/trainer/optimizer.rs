//! burn's optimizer for an experiment's `[optimizer]`, with its gradient clipping.

use burn::grad_clipping::GradientClippingConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    AdaGradConfig, AdamConfig, AdamWConfig, LambConfig, LionConfig, ModuleOptimizer, RmsPropConfig,
    SgdConfig, decay::WeightDecayConfig,
};
use tuneup_core::spec::{OptimizerSpec, TrainSpec};

/// burn's optimizer for a spec; PyTorch's defaults were filled in by the spec.
pub(crate) fn optimizer(spec: &OptimizerSpec, train: &TrainSpec) -> ModuleOptimizer {
    let l2 = |w: f64| (w > 0.0).then(|| WeightDecayConfig::new(w as f32));
    let optim = match spec {
        OptimizerSpec::Sgd {
            momentum,
            dampening,
            nesterov,
            weight_decay,
            ..
        } => {
            let mut c = SgdConfig::new().with_weight_decay(l2(*weight_decay));
            if *momentum > 0.0 {
                c = c.with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(*momentum)
                        .with_dampening(*dampening)
                        .with_nesterov(*nesterov),
                ));
            }
            c.init()
        }
        OptimizerSpec::Adam {
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            ..
        } => AdamConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_epsilon(*eps as f32)
            .with_amsgrad(*amsgrad)
            .with_weight_decay(l2(*weight_decay))
            .init(),
        OptimizerSpec::Adamw {
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            ..
        } => AdamWConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_epsilon(*eps as f32)
            .with_amsgrad(*amsgrad)
            .with_weight_decay(*weight_decay as f32)
            .init(),
        OptimizerSpec::Adagrad {
            lr_decay,
            eps,
            weight_decay,
            ..
        } => AdaGradConfig::new()
            .with_lr_decay(*lr_decay)
            .with_epsilon(*eps as f32)
            .with_weight_decay(l2(*weight_decay))
            .init(),
        OptimizerSpec::Rmsprop {
            alpha,
            eps,
            momentum,
            centered,
            weight_decay,
            ..
        } => RmsPropConfig::new()
            .with_alpha(*alpha as f32)
            .with_epsilon(*eps as f32)
            .with_momentum(*momentum as f32)
            .with_centered(*centered)
            .with_weight_decay(l2(*weight_decay))
            .init(),
        OptimizerSpec::Lion {
            beta1,
            beta2,
            weight_decay,
            ..
        } => LionConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_weight_decay(*weight_decay as f32)
            .init(),
        OptimizerSpec::Lamb {
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        } => LambConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_epsilon(*eps as f32)
            .with_weight_decay(*weight_decay as f32)
            .init(),
    };
    match (train.clip_norm, train.clip_value) {
        (Some(n), _) => optim.with_grad_clipping(GradientClippingConfig::Norm(n as f32).init()),
        (None, Some(v)) => optim.with_grad_clipping(GradientClippingConfig::Value(v as f32).init()),
        (None, None) => optim,
    }
}
