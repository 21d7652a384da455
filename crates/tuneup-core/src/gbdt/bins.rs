//! Binning: each feature's values as at most 256 bin codes, fitted on the training rows.
//!
//! Bin 0 holds missing values (NaN). A number's bins are the intervals between its cut points
//! (`x <= cuts[0]` is bin 1, and so on): the midpoints between its distinct values when it has
//! few, else quantiles of its values. A categorical feature's level code `c` is bin `c + 1`
//! (codes past the last bin share it).

use serde::{Deserialize, Serialize};

/// Bins per feature, the missing bin included.
pub const MAX_BINS: usize = 256;

/// How one feature's values become bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Binner {
    /// Sorted cut points of a number (empty for a categorical feature).
    pub cuts: Vec<f32>,
    pub categorical: bool,
    /// Bins in use: the missing bin, then the values' bins.
    pub bins: usize,
}

impl Binner {
    /// Fits a number's cut points on its training values (at most `max_bins` value bins).
    pub fn numeric(values: &[f32], max_bins: usize) -> Binner {
        let max_bins = max_bins.clamp(2, MAX_BINS - 1);
        let mut v: Vec<f32> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f32::total_cmp);
        let mut distinct = v.clone();
        distinct.dedup();
        let cuts: Vec<f32> = if distinct.len() <= max_bins {
            distinct.windows(2).map(|w| midpoint(w[0], w[1])).collect()
        } else {
            let mut cuts: Vec<f32> = (1..max_bins)
                .map(|i| {
                    let q = i * v.len() / max_bins;
                    let (lo, hi) = (v[q.saturating_sub(1)], v[q]);
                    if lo == hi { lo } else { midpoint(lo, hi) }
                })
                .collect();
            cuts.dedup();
            // A cut at the largest value would leave its upper bin empty.
            cuts.retain(|c| *c < v[v.len() - 1]);
            cuts
        };
        Binner {
            bins: cuts.len() + 2,
            cuts,
            categorical: false,
        }
    }

    /// A categorical feature whose codes go up to `levels - 1`.
    pub fn categorical(levels: usize) -> Binner {
        Binner {
            cuts: Vec::new(),
            categorical: true,
            bins: (levels + 1).clamp(2, MAX_BINS),
        }
    }

    /// The bin of a value.
    pub fn bin(&self, x: f32) -> u8 {
        if x.is_nan() {
            return 0;
        }
        if self.categorical {
            let code = if x < 0.0 { 0 } else { x as usize };
            return (code + 1).min(self.bins - 1) as u8;
        }
        (1 + self.cuts.partition_point(|c| *c < x)) as u8
    }
}

fn midpoint(a: f32, b: f32) -> f32 {
    let m = a + (b - a) / 2.0;
    // Between two adjacent floats the midpoint rounds to one of them; keep `a <= m < b`.
    if m >= b { a } else { m }
}

/// A table's rows as bins, column by column.
pub struct Binned {
    pub binners: Vec<Binner>,
    /// `cols[f][row]`.
    pub cols: Vec<Vec<u8>>,
}

impl Binned {
    /// Fits the binners on `x` (`rows x features`, row-major) and bins it; `categorical[f]` is
    /// the level count of a categorical feature.
    pub fn fit(x: &[f32], rows: usize, categorical: &[Option<usize>], max_bins: usize) -> Binned {
        let features = categorical.len();
        let binners: Vec<Binner> = (0..features)
            .map(|f| match categorical[f] {
                // Too many levels for the bins: their codes are split as numbers.
                Some(levels) if levels < MAX_BINS => Binner::categorical(levels),
                _ => {
                    let col: Vec<f32> = (0..rows).map(|r| x[r * features + f]).collect();
                    Binner::numeric(&col, max_bins)
                }
            })
            .collect();
        let cols = binners
            .iter()
            .enumerate()
            .map(|(f, b)| (0..rows).map(|r| b.bin(x[r * features + f])).collect())
            .collect();
        Binned { binners, cols }
    }
}
