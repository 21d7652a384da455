//! The residual MLP's size.

use super::Size;
use crate::spec::{Norm, Resmlp};

pub(super) fn size(s: &mut Size, a: &Resmlp, norm: Norm, shape: &[usize], outputs: usize) {
    let input: usize = shape.iter().product();
    s.linear(input, a.width);
    for _ in 0..a.blocks {
        s.norm(norm, a.width, a.width);
        s.linear(a.width, a.width);
        s.linear(a.width, a.width);
    }
    s.linear(a.width, outputs);
}
