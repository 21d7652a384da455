//! The text models' sizes. The embedding tables count as parameters, but a sample touches only
//! its tokens' rows, so the FLOPs count a lookup as the `dim` values it adds.

use super::{Size, TextBlock};
use crate::spec::{Bigru, Embbag, Fasttext, Textcnn, Transformer};

/// Plain features beside the text (numbers, one-hot levels).
fn others(shape: &[usize], t: TextBlock) -> usize {
    shape.iter().product::<usize>() - t.len
}

fn embedding(s: &mut Size, rows: usize, dim: usize, lookups: usize) {
    s.params += rows * dim;
    s.flops += (lookups * dim) as u64;
}

pub(super) fn fasttext(s: &mut Size, a: &Fasttext, shape: &[usize], t: TextBlock, outputs: usize) {
    let buckets = if a.ngrams > 1 { a.buckets } else { 0 };
    embedding(s, t.vocab + buckets, a.dim, t.len * a.ngrams);
    s.linear(a.dim + others(shape, t), outputs);
}

pub(super) fn embbag(s: &mut Size, a: &Embbag, shape: &[usize], t: TextBlock, outputs: usize) {
    embedding(s, t.vocab, a.dim, t.len);
    // The mean and the maximum of the embeddings.
    let mut d = 2 * a.dim + others(shape, t);
    for &h in &a.hidden {
        s.linear(d, h);
        d = h;
    }
    s.linear(d, outputs);
}

pub(super) fn textcnn(s: &mut Size, a: &Textcnn, shape: &[usize], t: TextBlock, outputs: usize) {
    embedding(s, t.vocab, a.dim, t.len);
    for &k in &a.kernel_sizes {
        // Padded to the kernel when the text block is shorter.
        let positions = t.len.max(k) - k + 1;
        s.params += a.dim * a.width * k + a.width;
        s.flops += 2 * (a.dim * a.width * k * positions) as u64;
    }
    s.linear(a.width * a.kernel_sizes.len() + others(shape, t), outputs);
}

pub(super) fn bigru(s: &mut Size, a: &Bigru, shape: &[usize], t: TextBlock, outputs: usize) {
    embedding(s, t.vocab, a.dim, t.len);
    let h = a.hidden;
    let mut d = a.dim;
    for _ in 0..a.layers {
        // Each direction: update, reset and new gates, an input and a hidden transform each.
        s.params += 2 * 3 * (d * h + h + h * h + h);
        s.flops += 2 * 2 * (3 * (d * h + h * h) * t.len) as u64;
        d = 2 * h;
    }
    s.linear(2 * h + others(shape, t), outputs);
}

pub(super) fn transformer(
    s: &mut Size,
    a: &Transformer,
    shape: &[usize],
    t: TextBlock,
    outputs: usize,
) {
    let (d, f, l) = (a.dim, a.hidden, t.len);
    embedding(s, t.vocab, d, l);
    // Learned positions.
    embedding(s, l, d, l);
    for _ in 0..a.layers {
        // Query, key, value and output projections; two layer norms; the feed-forward.
        s.params += 4 * (d * d + d) + 2 * 2 * d + (d * f + f) + (f * d + d);
        s.flops +=
            2 * (4 * l * d * d) as u64 + 2 * (2 * l * l * d) as u64 + 2 * (2 * l * d * f) as u64;
    }
    // The final layer norm (pre-norm blocks).
    s.norm(crate::spec::Norm::Layer, d, l * d);
    s.linear(d + others(shape, t), outputs);
}
