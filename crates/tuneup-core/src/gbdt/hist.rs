//! Gradient histograms of a leaf's rows and the best split they allow.
//!
//! A histogram sums the gradients, hessians and rows falling in each bin of each feature; a
//! child's is its parent's less its sibling's (only the smaller child is built). A number splits
//! at a bin boundary with the missing bin sent to the side that gains more; a categorical
//! feature splits its levels, ordered by gradient over hessian, into a prefix and the rest
//! (Fisher 1958, as LightGBM does).

use super::bins::Binned;

/// Sums over one bin.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bin {
    pub g: f64,
    pub h: f64,
    pub n: u32,
}

impl Bin {
    fn add(&mut self, o: &Bin) {
        self.g += o.g;
        self.h += o.h;
        self.n += o.n;
    }
    fn sub(&self, o: &Bin) -> Bin {
        Bin {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n - o.n,
        }
    }
}

/// Every feature's bins, flat; `offsets[f]` is where feature `f` starts.
#[derive(Debug, Clone)]
pub struct Hist {
    pub bins: Vec<Bin>,
}

/// Where each feature's bins start in a histogram.
pub fn offsets(data: &Binned) -> Vec<usize> {
    let mut o = Vec::with_capacity(data.binners.len() + 1);
    let mut at = 0;
    for b in &data.binners {
        o.push(at);
        at += b.bins;
    }
    o.push(at);
    o
}

/// Work (rows times features) below which a histogram is built on one thread.
const PARALLEL_FROM: usize = 200_000;

impl Hist {
    /// The histogram of `rows` over the features in `use_feature` (others stay empty).
    pub fn build(
        data: &Binned,
        offsets: &[usize],
        rows: &[u32],
        grad: &[f32],
        hess: &[f32],
        use_feature: &[bool],
    ) -> Hist {
        let mut bins = vec![Bin::default(); offsets[offsets.len() - 1]];
        let features = data.binners.len();
        let fill = |f: usize, out: &mut [Bin]| {
            let col = &data.cols[f];
            for &r in rows {
                let r = r as usize;
                let b = &mut out[col[r] as usize];
                b.g += grad[r] as f64;
                b.h += hess[r] as f64;
                b.n += 1;
            }
        };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8);
        if threads < 2 || rows.len() * features < PARALLEL_FROM {
            for f in (0..features).filter(|&f| use_feature[f]) {
                fill(f, &mut bins[offsets[f]..offsets[f + 1]]);
            }
            return Hist { bins };
        }
        // Features split into contiguous groups, one per thread, each writing its own slice.
        let mut slices: Vec<(usize, &mut [Bin])> = Vec::with_capacity(features);
        let mut rest: &mut [Bin] = &mut bins;
        for f in 0..features {
            let (head, tail) = rest.split_at_mut(offsets[f + 1] - offsets[f]);
            slices.push((f, head));
            rest = tail;
        }
        let per = features.div_ceil(threads);
        std::thread::scope(|s| {
            for group in slices.chunks_mut(per) {
                let fill = &fill;
                s.spawn(move || {
                    for (f, out) in group.iter_mut() {
                        if use_feature[*f] {
                            fill(*f, out);
                        }
                    }
                });
            }
        });
        Hist { bins }
    }

    /// `self - other`, bin by bin (a parent's histogram less one child's).
    pub fn minus(&self, other: &Hist) -> Hist {
        Hist {
            bins: self
                .bins
                .iter()
                .zip(&other.bins)
                .map(|(a, b)| a.sub(b))
                .collect(),
        }
    }
}

/// How a node sends rows left.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Bins `1..=bin` go left; the missing bin goes left when `missing_left`.
    Number { bin: u8, missing_left: bool },
    /// These bins go left (sorted).
    Levels(Vec<u8>),
}

/// The best split of a leaf.
#[derive(Debug, Clone)]
pub struct Split {
    pub feature: usize,
    pub rule: Rule,
    pub gain: f64,
    pub left: Bin,
    pub right: Bin,
}

/// What a split must respect.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub l2: f64,
    pub min_leaf: u32,
    pub min_hess: f64,
    /// Extra L2 for categorical splits, and the smoothing of their ordering.
    pub cat_l2: f64,
    pub cat_smooth: f64,
}

fn score(b: &Bin, l2: f64) -> f64 {
    b.g * b.g / (b.h + l2)
}

impl Limits {
    fn allows(&self, l: &Bin, r: &Bin) -> bool {
        l.n >= self.min_leaf && r.n >= self.min_leaf && l.h >= self.min_hess && r.h >= self.min_hess
    }
}

/// The best split of a leaf whose rows sum to `total`, over the features in `use_feature`.
pub fn best_split(
    hist: &Hist,
    data: &Binned,
    offsets: &[usize],
    total: &Bin,
    lim: &Limits,
    use_feature: &[bool],
) -> Option<Split> {
    let mut best: Option<Split> = None;
    for (f, binner) in data.binners.iter().enumerate() {
        if !use_feature[f] {
            continue;
        }
        let bins = &hist.bins[offsets[f]..offsets[f + 1]];
        let found = if binner.categorical {
            levels_split(bins, total, lim)
        } else {
            number_split(bins, total, lim)
        };
        if let Some((rule, gain, left)) = found {
            if best.as_ref().is_none_or(|b| gain > b.gain) {
                best = Some(Split {
                    feature: f,
                    rule,
                    gain,
                    right: total.sub(&left),
                    left,
                });
            }
        }
    }
    best
}

/// Least gain that counts as a split.
const MIN_GAIN: f64 = 1e-9;

fn number_split(bins: &[Bin], total: &Bin, lim: &Limits) -> Option<(Rule, f64, Bin)> {
    let parent = score(total, lim.l2);
    let missing = bins[0];
    let mut best: Option<(Rule, f64, Bin)> = None;
    let mut left = Bin::default();
    let last = bins.len() - 1;
    for s in 1..=last {
        left.add(&bins[s]);
        for missing_left in [false, true] {
            // With every value left, only "missing right" is a split (present vs missing).
            let skip = if s == last {
                missing_left || missing.n == 0
            } else {
                missing_left && missing.n == 0
            };
            if skip {
                continue;
            }
            let mut l = left;
            if missing_left {
                l.add(&missing);
            }
            let r = total.sub(&l);
            if !lim.allows(&l, &r) {
                continue;
            }
            let gain = score(&l, lim.l2) + score(&r, lim.l2) - parent;
            if gain > MIN_GAIN && best.as_ref().is_none_or(|b| gain > b.1) {
                best = Some((
                    Rule::Number {
                        bin: s as u8,
                        missing_left,
                    },
                    gain,
                    l,
                ));
            }
        }
    }
    best
}

fn levels_split(bins: &[Bin], total: &Bin, lim: &Limits) -> Option<(Rule, f64, Bin)> {
    let l2 = lim.l2 + lim.cat_l2;
    let parent = score(total, l2);
    let mut used: Vec<usize> = (1..bins.len()).filter(|&b| bins[b].n > 0).collect();
    if used.len() < 2 {
        return None;
    }
    let ratio = |b: usize| bins[b].g / (bins[b].h + lim.cat_smooth);
    used.sort_by(|a, b| ratio(*a).total_cmp(&ratio(*b)).then(a.cmp(b)));
    let mut best: Option<(usize, f64, Bin)> = None;
    let mut left = Bin::default();
    for (k, &b) in used[..used.len() - 1].iter().enumerate() {
        left.add(&bins[b]);
        let r = total.sub(&left);
        if !lim.allows(&left, &r) {
            continue;
        }
        let gain = score(&left, l2) + score(&r, l2) - parent;
        if gain > MIN_GAIN && best.as_ref().is_none_or(|x| gain > x.1) {
            best = Some((k + 1, gain, left));
        }
    }
    best.map(|(k, gain, left)| {
        let mut set: Vec<u8> = used[..k].iter().map(|&b| b as u8).collect();
        set.sort_unstable();
        (Rule::Levels(set), gain, left)
    })
}
