//! The named presets `tuneup zoo` lists: every architecture tuneup builds, at its default size.

use crate::spec::model::*;

/// A named architecture of the zoo and what it is for.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    pub input: &'static str,
    pub about: &'static str,
    pub spec: ModelSpec,
}

fn entry(
    name: &'static str,
    input: &'static str,
    about: &'static str,
    arch: Arch,
    norm: Norm,
) -> Entry {
    Entry {
        name,
        input,
        about,
        spec: ModelSpec {
            arch,
            activation: Activation::Relu,
            dropout: Rates::default(),
            norm,
        },
    }
}

/// The zoo: every architecture tuneup builds, at its default size.
pub fn catalogue() -> Vec<Entry> {
    vec![
        entry(
            "mlp",
            "vectors",
            "multi-layer perceptron 256-128",
            Arch::Mlp(Mlp::default()),
            Norm::None,
        ),
        entry(
            "resmlp",
            "vectors",
            "residual MLP: width 256, 2 residual blocks, layer norm",
            Arch::Resmlp(Resmlp::default()),
            Norm::Layer,
        ),
        entry(
            "tabular",
            "tables",
            "fastai's tabular model: embeddings for many-level categories, batch norm, 200-100",
            Arch::Tabular(Tabular::default()),
            Norm::Batch,
        ),
        entry(
            "gbdt",
            "tables",
            "gradient-boosted trees: 31-leaf trees, rate 0.1, up to 1000 rounds, early stopping; sized in leaves",
            Arch::Gbdt(Gbdt::default()),
            Norm::None,
        ),
        entry(
            "fasttext",
            "text",
            "fastText: mean of 64-d word and hashed word-pair embeddings (100k buckets), linear",
            Arch::Fasttext(Fasttext::default()),
            Norm::None,
        ),
        entry(
            "embbag",
            "text",
            "embedding bag: mean and max of 64-d token embeddings, MLP 128",
            Arch::Embbag(Embbag::default()),
            Norm::None,
        ),
        entry(
            "textcnn",
            "text",
            "Kim's CNN: 64-d embeddings, 100 filters each of sizes 3, 4, 5, max over positions",
            Arch::Textcnn(Textcnn::default()),
            Norm::None,
        ),
        entry(
            "bigru",
            "text",
            "bidirectional GRU: 64-d embeddings, 64 units each way, mean over tokens",
            Arch::Bigru(Bigru::default()),
            Norm::None,
        ),
        entry(
            "transformer",
            "text",
            "Transformer encoder: 64-d, 2 pre-norm layers of 4 heads, feed-forward 128, masked mean",
            Arch::Transformer(Transformer::default()),
            Norm::None,
        ),
        entry(
            "conv1d",
            "signals",
            "1-D CNN of the MNIST-1D paper: 3 x conv(25, k5, s2, p1) + linear",
            Arch::Conv1d(Conv1d::default()),
            Norm::None,
        ),
        entry(
            "conv1d-bn",
            "signals",
            "the same with 64 channels, batch norm and a hidden layer of 128",
            Arch::Conv1d(Conv1d {
                channels: vec![64, 64, 64],
                hidden: 128,
                ..Conv1d::default()
            }),
            Norm::Batch,
        ),
        entry(
            "cnn",
            "images",
            "conv3x3(32)-pool-conv3x3(64)-pool-fc128",
            Arch::Cnn(Cnn::default()),
            Norm::None,
        ),
        entry(
            "cnn-small",
            "images",
            "conv3x3(8)-pool-conv3x3(16)-pool-fc32: a parameter-budget CNN",
            Arch::Cnn(Cnn {
                channels: vec![8, 16],
                hidden: 32,
                ..Cnn::default()
            }),
            Norm::Batch,
        ),
        entry(
            "resnet",
            "images",
            "small ResNet: stem 16, basic blocks in stages of 16-32-64, batch norm",
            Arch::Resnet(Resnet::default()),
            Norm::Batch,
        ),
        entry(
            "mobilenet",
            "images",
            "MobileNetV2-style: inverted residuals (expansion 4, depthwise 3x3), stages 16-24-32",
            Arch::Mobilenet(Mobilenet::default()),
            Norm::Batch,
        ),
        entry(
            "squeezenet",
            "images",
            "SqueezeNet-style: stem 32, fire modules in stages of 64-128",
            Arch::Squeezenet(Squeezenet::default()),
            Norm::None,
        ),
        entry(
            "shufflenet",
            "images",
            "ShuffleNet-style: grouped 1x1 convs (3 groups) + channel shuffle, stages 48-96",
            Arch::Shufflenet(Shufflenet::default()),
            Norm::Batch,
        ),
        entry(
            "gru",
            "signals",
            "GRU of 64 units over the signal's steps, last state to the output",
            Arch::Gru(Gru::default()),
            Norm::None,
        ),
    ]
}
