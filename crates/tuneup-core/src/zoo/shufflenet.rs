//! The ShuffleNet's size.

use super::{Size, image, shuffle_groups};
use crate::spec::{Norm, Shufflenet};

pub(super) fn size(
    s: &mut Size,
    a: &Shufflenet,
    norm: Norm,
    shape: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let (c, mut h, mut w) = image(shape, "ShuffleNet")?;
    s.conv(c, a.stem, 3, 1, norm, h * w);
    let mut ch = a.stem;
    for &out in &a.channels {
        for b in 0..a.blocks {
            let mid = out / 4;
            let (branch, stride) = if b == 0 { (out - ch, 2) } else { (out, 1) };
            s.conv(ch, mid, 1, shuffle_groups(ch, mid, a.groups), norm, h * w);
            (h, w) = (h.div_ceil(stride), w.div_ceil(stride));
            s.conv(mid, mid, 3, mid, norm, h * w);
            s.conv(mid, branch, 1, a.groups, norm, h * w);
            ch = out;
        }
    }
    s.linear(ch, outputs);
    Ok(())
}
