//! The SqueezeNet's size.

use super::{Size, fire, image};
use crate::spec::{Norm, Squeezenet};

pub(super) fn size(
    s: &mut Size,
    a: &Squeezenet,
    norm: Norm,
    shape: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let (c, mut h, mut w) = image(shape, "SqueezeNet")?;
    s.conv(c, a.stem, 3, 1, norm, h * w);
    let mut ch = a.stem;
    for (i, &out) in a.channels.iter().enumerate() {
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
        for _ in 0..a.blocks {
            let (sq, e1) = fire(out);
            s.conv(ch, sq, 1, 1, norm, h * w);
            s.conv(sq, e1, 1, 1, norm, h * w);
            s.conv(sq, out - e1, 3, 1, norm, h * w);
            ch = out;
        }
    }
    s.linear(ch, outputs);
    Ok(())
}
