//! The GRU's size.

use super::{Size, signal};
use crate::spec::Gru;

pub(super) fn size(s: &mut Size, a: &Gru, shape: &[usize], outputs: usize) -> Result<(), String> {
    let (c, len) = signal(shape)?;
    let hidden = a.hidden;
    let mut d = c;
    for _ in 0..a.layers {
        // Update, reset and new gates: an input and a hidden transform each, with biases.
        s.params += 3 * (d * hidden + hidden + hidden * hidden + hidden);
        s.flops += 2 * (3 * (d * hidden + hidden * hidden) * len) as u64;
        d = hidden;
    }
    s.linear(d, outputs);
    Ok(())
}
