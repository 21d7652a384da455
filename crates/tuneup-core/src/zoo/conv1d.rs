//! The 1-D CNN's size.

use super::{Size, signal};
use crate::spec::{Conv1d, Norm};

pub(super) fn size(
    s: &mut Size,
    a: &Conv1d,
    norm: Norm,
    shape: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let (mut ch, mut len) = signal(shape)?;
    let (k, padding, stride) = (a.kernel_size, a.padding, a.stride);
    for (i, &out) in a.channels.iter().enumerate() {
        if len + 2 * padding < k {
            return Err(format!(
                "conv {} sees a signal of {len} steps, shorter than its kernel of {k} (with padding {padding}): use fewer convs or a smaller stride",
                i + 1
            ));
        }
        len = (len + 2 * padding - k) / stride + 1;
        s.params += ch * out * k + out;
        s.flops += 2 * (ch * out * k * len) as u64;
        s.norm(norm, out, out * len);
        ch = out;
    }
    let mut prev = ch * len;
    if a.hidden > 0 {
        s.linear(prev, a.hidden);
        s.norm(norm, a.hidden, a.hidden);
        prev = a.hidden;
    }
    s.linear(prev, outputs);
    Ok(())
}
