//! The model zoo without burn: each architecture's parameter count and forward FLOPs per sample
//! for an input shape, computed layer by layer (the training part builds the same layers; a test
//! there checks burn's count against these), and the named presets `tuneup zoo` lists.

use serde::Serialize;

use crate::spec::{ModelSpec, Norm, PoolPlacement, Rates};

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
    #[allow(clippy::too_many_arguments)]
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

/// The parameters and FLOPs of `spec` on samples of `shape` with `outputs` outputs; an error
/// (as text) when the model does not fit the input.
pub fn size(spec: &ModelSpec, shape: &[usize], outputs: usize) -> Result<Size, String> {
    let input: usize = shape.iter().product();
    let mut s = Size {
        params: 0,
        flops: 0,
    };
    match spec {
        ModelSpec::Mlp { hidden, norm, .. } => {
            let mut prev = input;
            for &w in hidden {
                s.linear(prev, w);
                s.norm(*norm, w, w);
                prev = w;
            }
            s.linear(prev, outputs);
        }
        ModelSpec::Resmlp {
            width,
            blocks,
            norm,
            ..
        } => {
            s.linear(input, *width);
            for _ in 0..*blocks {
                s.norm(*norm, *width, *width);
                s.linear(*width, *width);
                s.linear(*width, *width);
            }
            s.linear(*width, outputs);
        }
        ModelSpec::Cnn {
            channels,
            kernel_size,
            same_padding,
            pool,
            hidden,
            norm,
            ..
        } => {
            let [c, h, w] = match shape {
                [c, h, w] => [*c, *h, *w],
                _ => {
                    return Err(format!(
                        "the CNN needs image input (channels x height x width); this data has {input} features: use kind = \"mlp\", or data.shape for a CSV of pixels"
                    ));
                }
            };
            let k = *kernel_size;
            let (mut ch, mut hh, mut ww) = (c, h, w);
            for (i, &out) in channels.iter().enumerate() {
                if !*same_padding && (hh < k || ww < k) {
                    return Err(format!(
                        "conv {} sees a {hh}x{ww} input, smaller than its {k}x{k} kernel: use fewer convs or same_padding",
                        i + 1
                    ));
                }
                if !*same_padding {
                    hh = hh + 1 - k;
                    ww = ww + 1 - k;
                }
                s.params += ch * out * k * k + out;
                s.flops += 2 * (ch * out * k * k * hh * ww) as u64;
                s.norm(*norm, out, out * hh * ww);
                if *pool == PoolPlacement::Each || i + 1 == channels.len() {
                    hh /= 2;
                    ww /= 2;
                }
                if hh == 0 || ww == 0 {
                    return Err(format!(
                        "the image shrinks to nothing after conv {} ({h}x{w} input): use fewer convs or pool = \"last\"",
                        i + 1
                    ));
                }
                ch = out;
            }
            s.linear(ch * hh * ww, *hidden);
            s.norm(*norm, *hidden, *hidden);
            s.linear(*hidden, outputs);
        }
        ModelSpec::Conv1d {
            channels,
            kernel_size,
            stride,
            padding,
            hidden,
            norm,
            ..
        } => {
            let (mut ch, mut len) = signal(shape)?;
            let k = *kernel_size;
            for (i, &out) in channels.iter().enumerate() {
                if len + 2 * padding < k {
                    return Err(format!(
                        "conv {} sees a signal of {len} steps, shorter than its kernel of {k} (with padding {padding}): use fewer convs or a smaller stride",
                        i + 1
                    ));
                }
                len = (len + 2 * padding - k) / stride + 1;
                s.params += ch * out * k + out;
                s.flops += 2 * (ch * out * k * len) as u64;
                s.norm(*norm, out, out * len);
                ch = out;
            }
            let mut prev = ch * len;
            if *hidden > 0 {
                s.linear(prev, *hidden);
                s.norm(*norm, *hidden, *hidden);
                prev = *hidden;
            }
            s.linear(prev, outputs);
        }
        ModelSpec::Resnet {
            stem,
            channels,
            blocks,
            norm,
            ..
        } => {
            let (c, mut h, mut w) = image(shape, "ResNet")?;
            s.conv(c, *stem, 3, 1, *norm, h * w);
            let mut ch = *stem;
            for (i, &out) in channels.iter().enumerate() {
                for b in 0..*blocks {
                    let stride = if i > 0 && b == 0 { 2 } else { 1 };
                    (h, w) = (h.div_ceil(stride), w.div_ceil(stride));
                    s.conv(ch, out, 3, 1, *norm, h * w);
                    s.conv(out, out, 3, 1, *norm, h * w);
                    if stride != 1 || ch != out {
                        s.conv(ch, out, 1, 1, *norm, h * w);
                    }
                    ch = out;
                }
            }
            s.linear(ch, outputs);
        }
        ModelSpec::Mobilenet {
            stem,
            channels,
            blocks,
            expansion,
            norm,
            ..
        } => {
            let (c, mut h, mut w) = image(shape, "MobileNet")?;
            s.conv(c, *stem, 3, 1, *norm, h * w);
            let mut ch = *stem;
            for (i, &out) in channels.iter().enumerate() {
                for b in 0..*blocks {
                    let hidden = ch * expansion;
                    if *expansion != 1 {
                        s.conv(ch, hidden, 1, 1, *norm, h * w);
                    }
                    let stride = if i > 0 && b == 0 { 2 } else { 1 };
                    (h, w) = (h.div_ceil(stride), w.div_ceil(stride));
                    s.conv(hidden, hidden, 3, hidden, *norm, h * w);
                    s.conv(hidden, out, 1, 1, *norm, h * w);
                    ch = out;
                }
            }
            s.linear(ch, outputs);
        }
        ModelSpec::Squeezenet {
            stem,
            channels,
            blocks,
            norm,
            ..
        } => {
            let (c, mut h, mut w) = image(shape, "SqueezeNet")?;
            s.conv(c, *stem, 3, 1, *norm, h * w);
            let mut ch = *stem;
            for (i, &out) in channels.iter().enumerate() {
                // 2x2 max-pooling after the stem and between stages.
                (h, w) = (h / 2, w / 2);
                if h == 0 || w == 0 {
                    return Err(format!(
                        "the image shrinks to nothing before stage {} ({}x{} input): use fewer stages",
                        i + 1,
                        shape[1],
                        shape[2]
                    ));
                }
                for _ in 0..*blocks {
                    let (sq, e1) = fire(out);
                    s.conv(ch, sq, 1, 1, *norm, h * w);
                    s.conv(sq, e1, 1, 1, *norm, h * w);
                    s.conv(sq, out - e1, 3, 1, *norm, h * w);
                    ch = out;
                }
            }
            s.linear(ch, outputs);
        }
        ModelSpec::Shufflenet {
            stem,
            channels,
            blocks,
            groups,
            norm,
            ..
        } => {
            let (c, mut h, mut w) = image(shape, "ShuffleNet")?;
            s.conv(c, *stem, 3, 1, *norm, h * w);
            let mut ch = *stem;
            for &out in channels {
                for b in 0..*blocks {
                    let mid = out / 4;
                    let (branch, stride) = if b == 0 { (out - ch, 2) } else { (out, 1) };
                    s.conv(ch, mid, 1, shuffle_groups(ch, mid, *groups), *norm, h * w);
                    (h, w) = (h.div_ceil(stride), w.div_ceil(stride));
                    s.conv(mid, mid, 3, mid, *norm, h * w);
                    s.conv(mid, branch, 1, *groups, *norm, h * w);
                    ch = out;
                }
            }
            s.linear(ch, outputs);
        }
        ModelSpec::Gru { hidden, layers, .. } => {
            let (c, len) = signal(shape)?;
            let mut d = c;
            for _ in 0..*layers {
                // Update, reset and new gates: an input and a hidden transform each, with biases.
                s.params += 3 * (d * hidden + hidden + hidden * hidden + hidden);
                s.flops += 2 * (3 * (d * hidden + hidden * hidden) * len) as u64;
                d = *hidden;
            }
            s.linear(d, outputs);
        }
    }
    Ok(s)
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

/// A named architecture of the zoo and what it is for.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    pub input: &'static str,
    pub about: &'static str,
    pub spec: ModelSpec,
}

/// The zoo: every architecture tuneup builds, at its default size.
pub fn catalogue() -> Vec<Entry> {
    use crate::spec::Activation::Relu;
    vec![
        Entry {
            name: "mlp",
            input: "vectors",
            about: "multi-layer perceptron 256-128",
            spec: ModelSpec::Mlp {
                hidden: vec![256, 128],
                activation: Relu,
                dropout: Rates::default(),
                norm: Norm::None,
            },
        },
        Entry {
            name: "resmlp",
            input: "vectors",
            about: "residual MLP: width 256, 2 residual blocks, layer norm",
            spec: ModelSpec::Resmlp {
                width: 256,
                blocks: 2,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::Layer,
            },
        },
        Entry {
            name: "conv1d",
            input: "signals",
            about: "1-D CNN of the MNIST-1D paper: 3 x conv(25, k5, s2, p1) + linear",
            spec: ModelSpec::Conv1d {
                channels: vec![25, 25, 25],
                kernel_size: 5,
                stride: 2,
                padding: 1,
                hidden: 0,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::None,
            },
        },
        Entry {
            name: "conv1d-bn",
            input: "signals",
            about: "the same with 64 channels, batch norm and a hidden layer of 128",
            spec: ModelSpec::Conv1d {
                channels: vec![64, 64, 64],
                kernel_size: 5,
                stride: 2,
                padding: 1,
                hidden: 128,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::Batch,
            },
        },
        Entry {
            name: "cnn",
            input: "images",
            about: "conv3x3(32)-pool-conv3x3(64)-pool-fc128",
            spec: ModelSpec::Cnn {
                channels: vec![32, 64],
                kernel_size: 3,
                same_padding: true,
                pool: PoolPlacement::Each,
                hidden: 128,
                activation: Relu,
                dropout: 0.0,
                conv_dropout: Rates::default(),
                norm: Norm::None,
            },
        },
        Entry {
            name: "cnn-small",
            input: "images",
            about: "conv3x3(8)-pool-conv3x3(16)-pool-fc32: a parameter-budget CNN",
            spec: ModelSpec::Cnn {
                channels: vec![8, 16],
                kernel_size: 3,
                same_padding: true,
                pool: PoolPlacement::Each,
                hidden: 32,
                activation: Relu,
                dropout: 0.0,
                conv_dropout: Rates::default(),
                norm: Norm::Batch,
            },
        },
        Entry {
            name: "resnet",
            input: "images",
            about: "small ResNet: stem 16, basic blocks in stages of 16-32-64, batch norm",
            spec: ModelSpec::Resnet {
                stem: 16,
                channels: vec![16, 32, 64],
                blocks: 1,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::Batch,
            },
        },
        Entry {
            name: "mobilenet",
            input: "images",
            about: "MobileNetV2-style: inverted residuals (expansion 4, depthwise 3x3), stages 16-24-32",
            spec: ModelSpec::Mobilenet {
                stem: 16,
                channels: vec![16, 24, 32],
                blocks: 2,
                expansion: 4,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::Batch,
            },
        },
        Entry {
            name: "squeezenet",
            input: "images",
            about: "SqueezeNet-style: stem 32, fire modules in stages of 64-128",
            spec: ModelSpec::Squeezenet {
                stem: 32,
                channels: vec![64, 128],
                blocks: 2,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::None,
            },
        },
        Entry {
            name: "shufflenet",
            input: "images",
            about: "ShuffleNet-style: grouped 1x1 convs (3 groups) + channel shuffle, stages 48-96",
            spec: ModelSpec::Shufflenet {
                stem: 24,
                channels: vec![48, 96],
                blocks: 2,
                groups: 3,
                activation: Relu,
                dropout: 0.0,
                norm: Norm::Batch,
            },
        },
        Entry {
            name: "gru",
            input: "signals",
            about: "GRU of 64 units over the signal's steps, last state to the output",
            spec: ModelSpec::Gru {
                hidden: 64,
                layers: 1,
                dropout: 0.0,
            },
        },
    ]
}

/// Parses an input shape such as `1x28x28` or `40`.
pub fn parse_shape(s: &str) -> Option<Vec<usize>> {
    let v: Option<Vec<usize>> = s
        .split(['x', 'X'])
        .map(|p| p.trim().parse().ok().filter(|n| *n > 0))
        .collect();
    v.filter(|v| (1..=3).contains(&v.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Activation;

    #[test]
    fn counts_by_hand() {
        // MLP 784-512-512-10: 784*512+512 + 512*512+512 + 512*10+10 (torch: 669,706).
        let mlp = ModelSpec::Mlp {
            hidden: vec![512, 512],
            activation: Activation::Relu,
            dropout: Rates::default(),
            norm: Norm::None,
        };
        let s = size(&mlp, &[784], 10).unwrap();
        assert_eq!(s.params, 669_706);
        assert_eq!(s.flops, 2 * (784 * 512 + 512 * 512 + 512 * 10));
        // The MNIST-1D paper's CNN on 40 steps: lengths 40 -> 19 -> 9 -> 4;
        // 1*25*5+25 + 2 * (25*25*5+25) + 100*10+10 = 7,460.
        let c = catalogue();
        let conv1d = &c.iter().find(|e| e.name == "conv1d").unwrap().spec;
        let s = size(conv1d, &[40], 10).unwrap();
        assert_eq!(s.params, 150 + 2 * 3150 + 1010);
        assert_eq!(s.flops, 2 * (125 * 19 + 3125 * 9 + 3125 * 4 + 1000) as u64);
        // Residual MLP on 40 features, width 256, 2 blocks, layer norm:
        // 40*256+256 + 2 * (2*256 + 2 * (256*256+256)) + 256*10+10.
        let res = &c.iter().find(|e| e.name == "resmlp").unwrap().spec;
        assert_eq!(
            size(res, &[40], 10).unwrap().params,
            10_496 + 2 * (512 + 131_584) + 2_570
        );
        // The CNN on 1x28x28 (same padding, pool each): 28 -> 14 -> 7;
        // 1*32*9+32 + 32*64*9+64 + 64*7*7*128+128 + 128*10+10.
        let cnn = &c.iter().find(|e| e.name == "cnn").unwrap().spec;
        assert_eq!(
            size(cnn, &[1, 28, 28], 10).unwrap().params,
            320 + 18_496 + 401_536 + 1_290
        );
        assert!(size(cnn, &[40], 10).unwrap_err().contains("image input"));
        let get = |n: &str| c.iter().find(|e| e.name == n).unwrap().spec.clone();
        // ResNet on 1x28x28, batch norm (convs without bias; a norm is 2 x channels):
        // stem 1*16*9 + 32; stage 16: 2 * (16*16*9 + 32); stage 32 (stride 2, 1x1 shortcut):
        // 16*32*9 + 32*32*9 + 16*32 + 3*64; stage 64: 32*64*9 + 64*64*9 + 32*64 + 3*128;
        // the output layer 64*10 + 10.
        assert_eq!(
            size(&get("resnet"), &[1, 28, 28], 10).unwrap().params,
            176 + 2 * 2_336 + 14_528 + 57_728 + 650
        );
        // MobileNet (expansion 4): per block expand ch*4ch + norm, depthwise 4ch*9 + norm,
        // project 4ch*out + norm. Stage 16: 2 x (1,024+128 + 576+128 + 1,024+32); stage 24:
        // (1,152 + 704 + 1,536+48) + (2,304+192 + 864+192 + 2,304+48); stage 32:
        // (2,496 + 1,056 + 3,072+64) + (4,096+256 + 1,152+256 + 4,096+64).
        assert_eq!(
            size(&get("mobilenet"), &[1, 28, 28], 10).unwrap().params,
            176 + 2 * 2_912 + 3_440 + 5_904 + 6_688 + 9_920 + 330
        );
        // SqueezeNet (no norm, biases): stem 1*32*9+32; fires of 64 (squeeze 8, expand 32 + 32):
        // (32*8+8 + 8*32+32 + 8*32*9+32) + (64*8+8 + 288 + 2,336); fires of 128 (squeeze 16,
        // expand 64 + 64): (64*16+16 + 16*64+64 + 16*64*9+64) + (128*16+16 + 1,088 + 9,280).
        assert_eq!(
            size(&get("squeezenet"), &[1, 28, 28], 10).unwrap().params,
            320 + 2_888 + 3_144 + 11_408 + 12_432 + 1_290
        );
        // ShuffleNet (3 groups): stem 1*24*9 + 48; stage 48: (24/3*12+24 + 12*9+24 + 12/3*24+48)
        // + (48/3*12+24 + 132 + 12/3*48+96); stage 96: (48/3*24+48 + 24*9+48 + 24/3*48+96)
        // + (96/3*24+48 + 264 + 24/3*96+192).
        assert_eq!(
            size(&get("shufflenet"), &[1, 28, 28], 10).unwrap().params,
            264 + 396 + 636 + 1_176 + 2_040 + 970
        );
        // GRU of 64 on 40 one-feature steps: 3 gates x (1*64 + 64 + 64*64 + 64), then 64*10+10.
        assert_eq!(
            size(&get("gru"), &[40], 10).unwrap().params,
            3 * (64 + 64 + 4_096 + 64) + 650
        );
        assert!(
            size(&get("resnet"), &[40], 10)
                .unwrap_err()
                .contains("image input")
        );
        assert!(
            size(conv1d, &[1, 28, 28], 10)
                .unwrap_err()
                .contains("signals")
        );
    }

    #[test]
    fn shapes_parse() {
        assert_eq!(parse_shape("1x28x28"), Some(vec![1, 28, 28]));
        assert_eq!(parse_shape("40"), Some(vec![40]));
        assert_eq!(parse_shape("0x3"), None);
        assert_eq!(parse_shape("a"), None);
    }
}
