//! `kind = "conv1d"`: a 1-D CNN for signals.

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::{RawModel, one_rate, scale_widths};

/// The MNIST-1D paper's CNN by default (three convs of 25 channels, kernel 5, stride 2,
/// padding 1, then a linear layer): convs over the signal, an optional hidden linear layer, the
/// output layer. The shared dropout is before the output layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conv1d {
    pub channels: Vec<usize>,
    pub kernel_size: usize,
    pub stride: usize,
    pub padding: usize,
    /// Width of a hidden linear layer after the convs; 0: none.
    pub hidden: usize,
}

impl Default for Conv1d {
    fn default() -> Self {
        Conv1d {
            channels: vec![25, 25, 25],
            kernel_size: 5,
            stride: 2,
            padding: 1,
            hidden: 0,
        }
    }
}

impl Conv1d {
    pub(crate) const KEYS: &[&str] = &[
        "channels",
        "kernel_size",
        "stride",
        "padding",
        "hidden",
        "activation",
        "dropout",
        "norm",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, depth: f64) -> Result<Conv1d, KeyError> {
        let d = Conv1d::default();
        let hidden = m.hidden_width(
            0,
            0,
            "the width of the hidden linear layer (an integer; 0 for none)",
        )?;
        one_rate(m.dropout.as_ref())?;
        Ok(Conv1d {
            channels: scale_widths(&m.channels.clone().unwrap_or(d.channels), width, depth),
            kernel_size: m.kernel_size.unwrap_or(d.kernel_size),
            stride: m.stride.unwrap_or(d.stride),
            padding: m.padding.unwrap_or(d.padding),
            hidden: (hidden as f64 * width).round() as usize,
        })
    }
}

impl ArchSpec for Conv1d {
    fn widen(&mut self, factor: f64) {
        self.channels
            .iter_mut()
            .for_each(|c| *c = scaled(*c, factor));
        if self.hidden > 0 {
            self.hidden = scaled(self.hidden, factor);
        }
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        let err = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
        if self.channels.is_empty() || self.channels.contains(&0) {
            return err(
                "model.channels",
                "expected one or more positive channel counts",
            );
        }
        if self.kernel_size == 0 {
            return err("model.kernel_size", "expected a positive size");
        }
        if self.stride == 0 {
            return err("model.stride", "expected a positive stride");
        }
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.channels.iter().any(|c| *c >= 8)
    }
}
