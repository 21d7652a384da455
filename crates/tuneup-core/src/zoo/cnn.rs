//! The CNN's size.

use super::Size;
use crate::spec::{Cnn, Norm, PoolPlacement};

pub(super) fn size(
    s: &mut Size,
    a: &Cnn,
    norm: Norm,
    shape: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let [c, h, w] = match shape {
        [c, h, w] => [*c, *h, *w],
        _ => {
            let input: usize = shape.iter().product();
            return Err(format!(
                "the CNN needs image input (channels x height x width); this data has {input} features: use kind = \"mlp\", or data.shape for a CSV of pixels"
            ));
        }
    };
    let k = a.kernel_size;
    let (mut ch, mut hh, mut ww) = (c, h, w);
    for (i, &out) in a.channels.iter().enumerate() {
        if !a.same_padding && (hh < k || ww < k) {
            return Err(format!(
                "conv {} sees a {hh}x{ww} input, smaller than its {k}x{k} kernel: use fewer convs or same_padding",
                i + 1
            ));
        }
        if !a.same_padding {
            hh = hh + 1 - k;
            ww = ww + 1 - k;
        }
        s.params += ch * out * k * k + out;
        s.flops += 2 * (ch * out * k * k * hh * ww) as u64;
        s.norm(norm, out, out * hh * ww);
        if a.pool == PoolPlacement::Each || i + 1 == a.channels.len() {
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
    s.linear(ch * hh * ww, a.hidden);
    s.norm(norm, a.hidden, a.hidden);
    s.linear(a.hidden, outputs);
    Ok(())
}
