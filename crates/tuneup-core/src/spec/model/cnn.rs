//! `kind = "cnn"`: a small CNN for images.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, Rates, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, rates, scale_widths};

/// Where the CNN max-pools (2x2): after every conv, or once after the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolPlacement {
    #[default]
    Each,
    Last,
}

/// 3x3 (or `kernel_size`) convs with the given channel counts, 2x2 max-pooling, one hidden
/// linear layer, the output layer. The shared dropout is before the output layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cnn {
    pub channels: Vec<usize>,
    pub kernel_size: usize,
    /// Zero-pad convs so they keep the spatial size ("same"); otherwise "valid".
    pub same_padding: bool,
    pub pool: PoolPlacement,
    pub hidden: usize,
    /// After each conv block: one rate, or a list with one per conv.
    pub conv_dropout: Rates,
}

impl Default for Cnn {
    fn default() -> Self {
        Cnn {
            channels: vec![32, 64],
            kernel_size: 3,
            same_padding: true,
            pool: PoolPlacement::Each,
            hidden: 128,
            conv_dropout: Rates::default(),
        }
    }
}

impl Cnn {
    pub(crate) const KEYS: &[&str] = &[
        "hidden",
        "activation",
        "dropout",
        "conv_dropout",
        "norm",
        "channels",
        "kernel_size",
        "same_padding",
        "pool",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Cnn, KeyError> {
        let d = Cnn::default();
        let hidden = m.hidden_width(
            d.hidden,
            0,
            "the width of the hidden linear layer (an integer)",
        )?;
        if let Rates::Each(_) = rates("model.dropout", m.dropout.as_ref())? {
            return Err((
                "model.dropout".into(),
                "the CNN's dropout (before the output layer) is one rate; per-conv rates go in conv_dropout".into(),
            ));
        }
        Ok(Cnn {
            channels: scale_widths(&m.channels.clone().unwrap_or(d.channels), width, depth),
            kernel_size: m.kernel_size.unwrap_or(d.kernel_size),
            same_padding: m.same_padding.unwrap_or(true),
            pool: m.pool.unwrap_or_default(),
            hidden: scaled(hidden, width),
            conv_dropout: rates("model.conv_dropout", m.conv_dropout.as_ref())?,
        })
    }
}

impl ArchSpec for Cnn {
    fn widen(&mut self, factor: f64) {
        self.channels
            .iter_mut()
            .for_each(|c| *c = scaled(*c, factor));
        self.hidden = scaled(self.hidden, factor);
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        self.conv_dropout
            .check("model.conv_dropout", Some((self.channels.len(), "conv")))?;
        if self.channels.is_empty() || self.channels.contains(&0) {
            return err(
                "model.channels",
                "expected one or more positive channel counts".into(),
            );
        }
        let k = self.kernel_size;
        if k == 0 || k % 2 == 0 {
            return err(
                "model.kernel_size",
                format!("expected an odd positive size, found {k}"),
            );
        }
        if self.hidden == 0 {
            return err("model.hidden", "expected a positive width".into());
        }
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.hidden >= 16
    }
}
