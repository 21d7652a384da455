//! The ShuffleNet unit: grouped 1x1, channel shuffle, 3x3 depthwise, grouped 1x1; added to the
//! input (stride 1) or concatenated with its 3x3 average pool (stride 2).

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, Norm, Shufflenet};

use super::layers::{ConvNorm, act};
use super::staged::Block;

#[derive(Module, Debug)]
pub struct ShuffleUnit {
    first: ConvNorm,
    depthwise: ConvNorm,
    second: ConvNorm,
    pool: Vec<AvgPool2d>,
    #[module(skip)]
    shuffle: usize,
}

impl ShuffleUnit {
    pub(super) fn forward(&self, x: Tensor<4>, a: Activation) -> Tensor<4> {
        let mut y = act(a, self.first.forward(x.clone()));
        if self.shuffle > 1 {
            let [b, c, h, w] = y.dims();
            let g = self.shuffle;
            y = y
                .reshape([b, g, c / g, h, w])
                .swap_dims(1, 2)
                .reshape([b, c, h, w]);
        }
        let y = self.second.forward(self.depthwise.forward(y));
        match self.pool.first() {
            Some(p) => act(a, Tensor::cat(vec![p.forward(x), y], 1)),
            None => act(a, y + x),
        }
    }

    pub(super) fn convs(&self) -> Vec<&ConvNorm> {
        vec![&self.first, &self.depthwise, &self.second]
    }
}

/// The stages of units, each starting with a stride-2 unit. Returns the blocks and their
/// output channels.
pub(super) fn body(a: &Shufflenet, norm: Norm, device: &Device) -> (Vec<Block>, usize) {
    let mut body = Vec::new();
    let mut ch = a.stem;
    for &out in &a.channels {
        for b in 0..a.blocks {
            let mid = out / 4;
            let (branch, stride) = if b == 0 { (out - ch, 2) } else { (out, 1) };
            let g1 = tuneup_core::zoo::shuffle_groups(ch, mid, a.groups);
            body.push(Block::Shuffle(ShuffleUnit {
                first: ConvNorm::new(ch, mid, 1, 1, g1, norm, device),
                depthwise: ConvNorm::new(mid, mid, 3, stride, mid, norm, device),
                second: ConvNorm::new(mid, branch, 1, 1, a.groups, norm, device),
                pool: (stride == 2)
                    .then(|| {
                        AvgPool2dConfig::new([3, 3])
                            .with_strides([2, 2])
                            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                            .init()
                    })
                    .into_iter()
                    .collect(),
                shuffle: g1,
            }));
            ch = out;
        }
    }
    (body, ch)
}
