//! The MobileNet's size.

use super::{Size, image};
use crate::spec::{Mobilenet, Norm};

pub(super) fn size(
    s: &mut Size,
    a: &Mobilenet,
    norm: Norm,
    shape: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let (c, mut h, mut w) = image(shape, "MobileNet")?;
    s.conv(c, a.stem, 3, 1, norm, h * w);
    let mut ch = a.stem;
    for (i, &out) in a.channels.iter().enumerate() {
        for b in 0..a.blocks {
            let hidden = ch * a.expansion;
            if a.expansion != 1 {
                s.conv(ch, hidden, 1, 1, norm, h * w);
            }
            let stride = if i > 0 && b == 0 { 2 } else { 1 };
            (h, w) = (h.div_ceil(stride), w.div_ceil(stride));
            s.conv(hidden, hidden, 3, hidden, norm, h * w);
            s.conv(hidden, out, 1, 1, norm, h * w);
            ch = out;
        }
    }
    s.linear(ch, outputs);
    Ok(())
}
