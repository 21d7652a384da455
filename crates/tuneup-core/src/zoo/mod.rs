//! The model zoo without burn: each architecture's parameter count and forward FLOPs per sample
//! for an input shape, computed layer by layer (the training part builds the same layers; a test
//! there checks burn's count against these), one file per architecture; and the named presets
//! `tuneup zoo` lists ([`catalogue`]).

mod catalogue;
mod cnn;
mod conv1d;
mod gbdt;
mod gru;
mod mlp;
mod mobilenet;
mod resmlp;
mod resnet;
mod shufflenet;
mod squeezenet;
mod tabular;
#[cfg(test)]
mod tests;
mod text;

use serde::Serialize;

pub use catalogue::{Entry, catalogue};

use crate::spec::{Arch, ModelSpec, Norm};

/// Size of a model for one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Size {
    /// Trainable parameters (batch norm's running statistics are not parameters).
    pub params: usize,
    /// Forward FLOPs for one sample; a multiply-add counts 2.
    pub flops: u64,
}

impl Size {
    fn linear(&mut self, i: usize, o: usize) {
        self.params += i * o + o;
        self.flops += 2 * (i * o) as u64;
    }

    /// A 2-D conv (padding k/2) producing `hw` output positions, with a bias unless a norm
    /// follows, and that norm.
    fn conv(&mut self, cin: usize, cout: usize, k: usize, groups: usize, norm: Norm, hw: usize) {
        let bias = norm == Norm::None;
        self.params += cin / groups * cout * k * k + if bias { cout } else { 0 };
        self.flops += 2 * (cin / groups * cout * k * k * hw) as u64;
        self.norm(norm, cout, cout * hw);
    }

    fn norm(&mut self, norm: Norm, features: usize, values: usize) {
        if norm != Norm::None {
            self.params += 2 * features;
            // Normalise, scale and shift: a few operations per value.
            self.flops += 4 * values as u64;
        }
    }
}

/// A text model's token ids: the last `len` features of a row, each an id below `vocab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TextBlock {
    pub len: usize,
    pub vocab: usize,
}

/// What a row holds besides plain features: categorical codes (the tabular model embeds
/// them; each column with that many codes, after the plain features) and token ids (after the
/// codes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub cats: Vec<usize>,
    pub text: Option<TextBlock>,
}

/// The parameters and FLOPs of `spec` on samples of `shape` with `outputs` outputs; an error
/// (as text) when the model does not fit the input. A table's categorical columns count as
/// numbers here: [`size_for`] sizes their embeddings.
pub fn size(spec: &ModelSpec, shape: &[usize], outputs: usize) -> Result<Size, String> {
    size_for(spec, shape, &Inputs::default(), outputs)
}

/// [`size`], for rows with categorical codes or token ids ([`Inputs`]).
pub fn size_for(
    spec: &ModelSpec,
    shape: &[usize],
    inputs: &Inputs,
    outputs: usize,
) -> Result<Size, String> {
    let cats = &inputs.cats[..];
    if spec.arch.reads_text() != inputs.text.is_some() {
        return Err(if inputs.text.is_some() {
            format!(
                "model kind `{}` does not read text: this data's features are text; use one of {}",
                spec.kind(),
                crate::spec::Arch::TEXT_KINDS.join(", ")
            )
        } else {
            format!(
                "model kind `{}` reads text, and this data has no text column (name one `text` in [data.columns])",
                spec.kind()
            )
        });
    }
    let mut s = Size {
        params: 0,
        flops: 0,
    };
    let norm = spec.norm();
    match &spec.arch {
        Arch::Mlp(a) => mlp::size(&mut s, a, norm, shape, outputs),
        Arch::Cnn(a) => cnn::size(&mut s, a, norm, shape, outputs)?,
        Arch::Conv1d(a) => conv1d::size(&mut s, a, norm, shape, outputs)?,
        Arch::Resmlp(a) => resmlp::size(&mut s, a, norm, shape, outputs),
        Arch::Resnet(a) => resnet::size(&mut s, a, norm, shape, outputs)?,
        Arch::Mobilenet(a) => mobilenet::size(&mut s, a, norm, shape, outputs)?,
        Arch::Squeezenet(a) => squeezenet::size(&mut s, a, norm, shape, outputs)?,
        Arch::Shufflenet(a) => shufflenet::size(&mut s, a, norm, shape, outputs)?,
        Arch::Gru(a) => gru::size(&mut s, a, shape, outputs)?,
        Arch::Tabular(a) => tabular::size(&mut s, a, norm, shape, cats, outputs)?,
        Arch::Gbdt(a) => gbdt::size(&mut s, a, outputs),
        Arch::Fasttext(a) => text::fasttext(&mut s, a, shape, text_of(inputs), outputs),
        Arch::Embbag(a) => text::embbag(&mut s, a, shape, text_of(inputs), outputs),
        Arch::Textcnn(a) => text::textcnn(&mut s, a, shape, text_of(inputs), outputs),
        Arch::Bigru(a) => text::bigru(&mut s, a, shape, text_of(inputs), outputs),
        Arch::Transformer(a) => text::transformer(&mut s, a, shape, text_of(inputs), outputs),
    }
    Ok(s)
}

/// The text block of a text model's input (checked present above).
fn text_of(inputs: &Inputs) -> TextBlock {
    inputs.text.expect("a text model's input has token ids")
}

/// An image's (channels, height, width), or why the `what` model needs one.
fn image(shape: &[usize], what: &str) -> Result<(usize, usize, usize), String> {
    match shape {
        [c, h, w] => Ok((*c, *h, *w)),
        _ => Err(format!(
            "the {what} needs image input (channels x height x width); this data is {shape:?}: use data.shape for a CSV of pixels, or a model for vectors / signals"
        )),
    }
}

/// A fire module of `out` channels: (squeeze channels, 1x1 expand channels); the 3x3 expand
/// has the rest.
pub fn fire(out: usize) -> (usize, usize) {
    ((out / 8).max(1), out / 2)
}

/// Groups of a ShuffleNet unit's first 1x1 conv (`cin` -> `mid`): `groups` where both divide,
/// else 1 (as the paper does after the stem).
pub fn shuffle_groups(cin: usize, mid: usize, groups: usize) -> usize {
    if cin % groups == 0 && mid % groups == 0 {
        groups
    } else {
        1
    }
}

/// A signal's (channels, length): `[length]` or `[channels, length]`.
pub fn signal(shape: &[usize]) -> Result<(usize, usize), String> {
    match shape {
        [l] => Ok((1, *l)),
        [c, l] => Ok((*c, *l)),
        _ => Err(format!(
            "this model needs signals ([length] or [channels, length]); this data is {shape:?}: use kind = \"cnn\" for images"
        )),
    }
}

/// Parses an input shape such as `1x28x28` or `40`.
pub fn parse_shape(s: &str) -> Option<Vec<usize>> {
    let v: Option<Vec<usize>> = s
        .split(['x', 'X'])
        .map(|p| p.trim().parse().ok().filter(|n| *n > 0))
        .collect();
    v.filter(|v| (1..=3).contains(&v.len()))
}
