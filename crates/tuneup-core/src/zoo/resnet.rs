//! The ResNet's size.

use super::{Size, image};
use crate::spec::{Norm, Resnet};

pub(super) fn size(
    s: &mut Size,
    a: &Resnet,
    norm: Norm,
    shape: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let (c, mut h, mut w) = image(shape, "ResNet")?;
    s.conv(c, a.stem, 3, 1, norm, h * w);
    let mut ch = a.stem;
    for (i, &out) in a.channels.iter().enumerate() {
        for b in 0..a.blocks {
            let stride = if i > 0 && b == 0 { 2 } else { 1 };
            (h, w) = (h.div_ceil(stride), w.div_ceil(stride));
            s.conv(ch, out, 3, 1, norm, h * w);
            s.conv(out, out, 3, 1, norm, h * w);
            if stride != 1 || ch != out {
                s.conv(ch, out, 1, 1, norm, h * w);
            }
            ch = out;
        }
    }
    s.linear(ch, outputs);
    Ok(())
}
