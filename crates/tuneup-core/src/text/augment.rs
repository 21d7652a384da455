//! Token augmentation of a sample's ids (training batches only), after Wei and Zou 2019's "easy
//! data augmentation": random deletion, swap and insertion of tokens; and token dropout (a
//! token replaced by the unknown id). EDA's insertion adds a synonym; without a thesaurus it adds
//! another token of the same text, at a random place. The separator between text columns is
//! never moved or dropped.

use super::{PAD, SEP, UNK};
use crate::rng::Rng;

/// Rates of the four operations (each a share of the text's tokens).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenOps {
    pub dropout: f64,
    pub delete: f64,
    pub swap: f64,
    pub insert: f64,
}

impl TokenOps {
    pub fn is_on(&self) -> bool {
        self.dropout > 0.0 || self.delete > 0.0 || self.swap > 0.0 || self.insert > 0.0
    }

    /// Transforms a block of ids (as `f32`, padded with 0) in place; its length stays.
    pub fn apply(&self, block: &mut [f32], rng: &mut Rng) {
        let mut ids: Vec<u32> = block
            .iter()
            .map(|v| *v as u32)
            .filter(|&i| i != PAD)
            .collect();
        let n = ids.len();
        if n == 0 {
            return;
        }
        if self.delete > 0.0 && n > 1 {
            let kept: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|&i| i == SEP || !rng.chance(self.delete))
                .collect();
            // Never the whole text: one random token stays.
            ids = if kept.iter().all(|&i| i == SEP) {
                vec![ids[rng.below(n)]]
            } else {
                kept
            };
        }
        if self.swap > 0.0 && ids.len() > 1 {
            let swaps = count(self.swap, ids.len(), rng);
            for _ in 0..swaps {
                let (a, b) = (rng.below(ids.len()), rng.below(ids.len()));
                if ids[a] != SEP && ids[b] != SEP {
                    ids.swap(a, b);
                }
            }
        }
        if self.insert > 0.0 {
            let inserts = count(self.insert, ids.len(), rng);
            for _ in 0..inserts {
                let t = ids[rng.below(ids.len())];
                if t != SEP {
                    let at = rng.below(ids.len() + 1);
                    ids.insert(at, t);
                }
            }
        }
        if self.dropout > 0.0 {
            for i in ids.iter_mut() {
                if *i != SEP && rng.chance(self.dropout) {
                    *i = UNK;
                }
            }
        }
        ids.truncate(block.len());
        for (k, v) in block.iter_mut().enumerate() {
            *v = ids.get(k).map_or(PAD as f32, |&i| i as f32);
        }
    }
}

/// `rate * n` operations, the fraction drawn (at least one when the rate is on).
fn count(rate: f64, n: usize, rng: &mut Rng) -> usize {
    let x = rate * n as f64;
    let whole = x.floor() as usize;
    (whole + usize::from(rng.chance(x - x.floor()))).max(1)
}
