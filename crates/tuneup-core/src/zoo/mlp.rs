//! The MLP's size.

use super::Size;
use crate::spec::{Mlp, Norm};

pub(super) fn size(s: &mut Size, a: &Mlp, norm: Norm, shape: &[usize], outputs: usize) {
    let mut prev: usize = shape.iter().product();
    for &w in &a.hidden {
        s.linear(prev, w);
        s.norm(norm, w, w);
        prev = w;
    }
    s.linear(prev, outputs);
}
