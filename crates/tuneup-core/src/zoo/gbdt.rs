//! Boosted trees' size: counted in leaves (each a learned value) rather than parameters, and in
//! comparisons per sample rather than FLOPs, at most: every round's trees full, each root-to-leaf
//! path as deep as a balanced tree of `max_leaves` leaves (or `max_depth`). The trained run
//! records its actual leaves.

use super::Size;
use crate::spec::Gbdt;

pub(super) fn size(s: &mut Size, a: &Gbdt, outputs: usize) {
    // Two classes need one score; more need one per class.
    let groups = if outputs == 2 { 1 } else { outputs };
    let trees = a.rounds * groups;
    let mut leaves = a.max_leaves;
    let mut depth = (usize::BITS - (leaves - 1).leading_zeros()) as usize;
    if a.max_depth > 0 {
        depth = depth.min(a.max_depth);
        leaves = leaves.min(1 << a.max_depth.min(20));
    }
    s.params += trees * leaves;
    s.flops += (trees * depth) as u64;
}
