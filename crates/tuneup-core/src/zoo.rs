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
    }
    Ok(s)
}

/// A signal's (channels, length): `[length]` or `[channels, length]`.
pub fn signal(shape: &[usize]) -> Result<(usize, usize), String> {
    match shape {
        [l] => Ok((1, *l)),
        [c, l] => Ok((*c, *l)),
        _ => Err(format!(
            "the 1-D CNN needs signals ([length] or [channels, length]); this data is {shape:?}: use kind = \"cnn\" for images"
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
