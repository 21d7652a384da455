//! The models as burn modules, built from a [`ModelSpec`]: one file per architecture (the
//! staged image nets share [`staged`]), the layers they share in [`layers`]. Nothing here is
//! public outside the crate but [`count_params`].

mod bigru;
mod cnn;
mod conv1d;
mod gru;
mod layers;
mod mlp;
mod mobilenet;
mod resmlp;
mod resnet;
mod shufflenet;
mod squeezenet;
mod staged;
mod tabular;
#[cfg(test)]
mod tests;
mod text;
mod text_bag;
mod textcnn;
mod transformer;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Arch, ModelSpec};
use tuneup_core::zoo::Inputs;

use layers::NormLayer;

/// Any of tuneup's models. Input is always `[batch, sample_len]`; convs reshape it.
#[derive(Module, Debug)]
pub enum Net {
    Mlp(mlp::Mlp),
    Cnn(cnn::Cnn),
    Conv1d(conv1d::Conv1dNet),
    ResMlp(resmlp::ResMlp),
    Staged(staged::Staged),
    Gru(gru::GruNet),
    Tabular(tabular::TabularNet),
    Fasttext(text_bag::FasttextNet),
    Embbag(text_bag::EmbbagNet),
    Textcnn(textcnn::TextCnn),
    Bigru(bigru::BigruNet),
    Transformer(transformer::TransformerNet),
}

impl Net {
    /// Builds a freshly initialised model for samples of `sample_shape` (a table's rows ending
    /// in categorical codes or token ids, as `inputs` says) and `outputs` outputs. Errors (as text) when the spec does not fit the input (a CNN on vectors, a
    /// spatial size that shrinks to nothing).
    pub fn new(
        spec: &ModelSpec,
        sample_shape: &[usize],
        inputs: &Inputs,
        outputs: usize,
        device: &Device,
    ) -> Result<Net, String> {
        // Whether the model fits the input (images for the CNN, signals for the 1-D CNN, no
        // spatial size shrinking to nothing) is the zoo's size check, shared with `tuneup zoo`.
        tuneup_core::zoo::size_for(spec, sample_shape, inputs, outputs)?;
        let cats = &inputs.cats[..];
        let text = || text::block(inputs.text, spec.kind());
        let input: usize = sample_shape.iter().product();
        let norm = spec.norm;
        let staged = |(body, ch): (Vec<staged::Block>, usize), stem: usize| {
            Net::Staged(staged::Staged::new(
                spec,
                sample_shape,
                stem,
                body,
                ch,
                outputs,
                device,
            ))
        };
        Ok(match &spec.arch {
            Arch::Mlp(a) => Net::Mlp(mlp::Mlp::new(a, spec, input, outputs, device)),
            Arch::Cnn(a) => Net::Cnn(cnn::Cnn::new(a, spec, sample_shape, outputs, device)),
            Arch::Conv1d(a) => Net::Conv1d(conv1d::Conv1dNet::new(
                a,
                spec,
                sample_shape,
                outputs,
                device,
            )?),
            Arch::Resmlp(a) => Net::ResMlp(resmlp::ResMlp::new(a, spec, input, outputs, device)),
            Arch::Resnet(a) => staged(resnet::body(a, norm, device), a.stem),
            Arch::Mobilenet(a) => staged(mobilenet::body(a, norm, device), a.stem),
            Arch::Squeezenet(a) => staged(squeezenet::body(a, norm, device), a.stem),
            Arch::Shufflenet(a) => staged(shufflenet::body(a, norm, device), a.stem),
            Arch::Gru(a) => Net::Gru(gru::GruNet::new(a, spec, sample_shape, outputs, device)?),
            Arch::Tabular(a) => Net::Tabular(tabular::TabularNet::new(
                a, spec, input, cats, outputs, device,
            )),
            Arch::Fasttext(a) => Net::Fasttext(text_bag::FasttextNet::new(
                a,
                spec,
                sample_shape,
                text()?,
                outputs,
                device,
            )),
            Arch::Embbag(a) => Net::Embbag(text_bag::EmbbagNet::new(
                a,
                spec,
                sample_shape,
                text()?,
                outputs,
                device,
            )),
            Arch::Textcnn(a) => Net::Textcnn(textcnn::TextCnn::new(
                a,
                spec,
                sample_shape,
                text()?,
                outputs,
                device,
            )),
            Arch::Bigru(a) => Net::Bigru(bigru::BigruNet::new(
                a,
                spec,
                sample_shape,
                text()?,
                outputs,
                device,
            )),
            Arch::Transformer(a) => Net::Transformer(transformer::TransformerNet::new(
                a,
                spec,
                sample_shape,
                text()?,
                outputs,
                device,
            )),
            Arch::Gbdt(_) => {
                return Err(
                    "boosted trees (kind = \"gbdt\") are not a network: this needs a network model"
                        .into(),
                );
            }
        })
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Net::Mlp(m) => m.forward(x),
            Net::Cnn(c) => c.forward(x),
            Net::Conv1d(c) => c.forward(x),
            Net::ResMlp(r) => r.forward(x),
            Net::Staged(s) => s.forward(x),
            Net::Gru(g) => g.forward(x),
            Net::Tabular(t) => t.forward(x),
            Net::Fasttext(t) => t.forward(x),
            Net::Embbag(t) => t.forward(x),
            Net::Textcnn(t) => t.forward(x),
            Net::Bigru(t) => t.forward(x),
            Net::Transformer(t) => t.forward(x),
        }
    }

    /// Trainable parameters, as PyTorch counts them: burn's count less batch norm's running
    /// mean and variance (buffers, not parameters).
    pub fn trainable_params(&self) -> usize {
        let norms: Vec<&NormLayer> = match self {
            Net::Mlp(m) => m.norms(),
            Net::Cnn(c) => c.norms(),
            Net::Conv1d(c) => c.norms(),
            Net::ResMlp(r) => r.norms(),
            Net::Staged(s) => s.norms(),
            Net::Gru(_) => Vec::new(),
            Net::Tabular(t) => t.norms(),
            Net::Embbag(t) => t.norms(),
            Net::Fasttext(_) | Net::Textcnn(_) | Net::Bigru(_) | Net::Transformer(_) => Vec::new(),
        };
        let buffers: usize = norms.iter().map(|n| n.buffers()).sum();
        self.num_params() - buffers
    }

    /// `sum |w|` over the weights of the linear and conv layers (not biases, not norms): the L1
    /// penalty's sum.
    pub fn l1(&self) -> Tensor<1> {
        match self {
            Net::Mlp(m) => m.l1(),
            Net::Cnn(c) => c.l1(),
            Net::Conv1d(c) => c.l1(),
            Net::ResMlp(r) => r.l1(),
            Net::Staged(s) => s.l1(),
            Net::Gru(g) => g.l1(),
            Net::Tabular(t) => t.l1(),
            Net::Fasttext(t) => t.l1(),
            Net::Embbag(t) => t.l1(),
            Net::Textcnn(t) => t.l1(),
            Net::Bigru(t) => t.l1(),
            Net::Transformer(t) => t.l1(),
        }
    }
}

/// The parameter count of a spec for an input, without training it.
pub fn count_params(
    spec: &ModelSpec,
    sample_shape: &[usize],
    inputs: &Inputs,
    outputs: usize,
) -> Result<usize, String> {
    if let Arch::Gbdt(_) = spec.arch {
        // Trees are counted in leaves, known once trained; the zoo gives the most.
        return Ok(tuneup_core::zoo::size_for(spec, sample_shape, inputs, outputs)?.params);
    }
    Ok(Net::new(spec, sample_shape, inputs, outputs, &crate::cpu())?.trainable_params())
}
