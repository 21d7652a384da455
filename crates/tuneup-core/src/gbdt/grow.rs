//! Growing one tree leaf-wise (best-first, as LightGBM does): the leaf whose best split gains
//! most splits next, until `max_leaves` leaves, the depth limit, or no split gains.

use super::bins::Binned;
use super::hist::{Bin, Hist, Limits, Rule, Split, best_split};
use super::tree::{Node, Tree};

/// What one tree is grown with.
pub struct Grow<'a> {
    pub data: &'a Binned,
    pub offsets: &'a [usize],
    pub grad: &'a [f32],
    pub hess: &'a [f32],
    pub limits: Limits,
    pub max_leaves: usize,
    /// 0: no limit.
    pub max_depth: usize,
    pub learning_rate: f64,
    /// The features this tree may split on.
    pub use_feature: &'a [bool],
}

/// A leaf being grown: its rows (a range of the shared index), sums, histogram and best split.
struct Open {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    total: Bin,
    hist: Hist,
    split: Option<Split>,
}

/// A grown tree, and each feature's summed split gain.
pub struct Grown {
    pub tree: Tree,
    pub gains: Vec<(usize, f64)>,
}

impl Grow<'_> {
    /// Grows a tree on `rows` (the in-bag rows; reordered here).
    pub fn tree(&self, rows: &mut [u32]) -> Grown {
        let mut nodes = vec![Node::Leaf { value: 0.0 }];
        let mut gains = Vec::new();
        let hist = self.hist(rows);
        let total = self.sum(rows);
        let mut open = vec![self.open(0, 0, rows.len(), 0, total, hist)];
        let mut leaves = 1;
        while leaves < self.max_leaves {
            let Some(k) = open
                .iter()
                .enumerate()
                .filter(|(_, o)| o.split.is_some())
                .max_by(|a, b| {
                    let ga = a.1.split.as_ref().map(|s| s.gain).unwrap_or(0.0);
                    let gb = b.1.split.as_ref().map(|s| s.gain).unwrap_or(0.0);
                    ga.total_cmp(&gb).then(b.0.cmp(&a.0))
                })
                .map(|(k, _)| k)
            else {
                break;
            };
            let leaf = open.swap_remove(k);
            let split = leaf.split.clone().expect("a split");
            let mid = self.partition(&mut rows[leaf.start..leaf.end], &split) + leaf.start;
            let (l, r) = (nodes.len(), nodes.len() + 1);
            nodes.push(Node::Leaf { value: 0.0 });
            nodes.push(Node::Leaf { value: 0.0 });
            nodes[leaf.node] = self.node(&split, l, r);
            gains.push((split.feature, split.gain));
            // Build the smaller child's histogram; the larger's is the parent's less it.
            let (small, large) = if mid - leaf.start <= leaf.end - mid {
                (
                    (l, leaf.start, mid, split.left),
                    (r, mid, leaf.end, split.right),
                )
            } else {
                (
                    (r, mid, leaf.end, split.right),
                    (l, leaf.start, mid, split.left),
                )
            };
            let small_hist = self.hist(&rows[small.1..small.2]);
            let large_hist = leaf.hist.minus(&small_hist);
            let depth = leaf.depth + 1;
            open.push(self.open(small.0, small.1, small.2, depth, small.3, small_hist));
            open.push(self.open(large.0, large.1, large.2, depth, large.3, large_hist));
            leaves += 1;
        }
        for o in &open {
            nodes[o.node] = Node::Leaf {
                value: self.leaf_value(&o.total),
            };
        }
        Grown {
            tree: Tree { nodes },
            gains,
        }
    }

    fn open(
        &self,
        node: usize,
        start: usize,
        end: usize,
        depth: usize,
        total: Bin,
        hist: Hist,
    ) -> Open {
        let can_split = (self.max_depth == 0 || depth < self.max_depth)
            && total.n >= 2 * self.limits.min_leaf.max(1);
        let split = can_split
            .then(|| {
                best_split(
                    &hist,
                    self.data,
                    self.offsets,
                    &total,
                    &self.limits,
                    self.use_feature,
                )
            })
            .flatten();
        Open {
            node,
            start,
            end,
            depth,
            total,
            hist,
            split,
        }
    }

    fn hist(&self, rows: &[u32]) -> Hist {
        Hist::build(
            self.data,
            self.offsets,
            rows,
            self.grad,
            self.hess,
            self.use_feature,
        )
    }

    fn sum(&self, rows: &[u32]) -> Bin {
        let mut b = Bin::default();
        for &r in rows {
            b.g += self.grad[r as usize] as f64;
            b.h += self.hess[r as usize] as f64;
            b.n += 1;
        }
        b
    }

    /// The leaf's Newton step, shrunk by the learning rate.
    fn leaf_value(&self, b: &Bin) -> f32 {
        (-b.g / (b.h + self.limits.l2) * self.learning_rate) as f32
    }

    /// Moves the rows going left to the front (in their order); returns how many.
    fn partition(&self, rows: &mut [u32], split: &Split) -> usize {
        let col = &self.data.cols[split.feature];
        let goes_left = |r: u32| {
            let b = col[r as usize];
            match &split.rule {
                Rule::Number { bin, missing_left } => {
                    if b == 0 {
                        *missing_left
                    } else {
                        b <= *bin
                    }
                }
                Rule::Levels(set) => set.binary_search(&b).is_ok(),
            }
        };
        let (left, right): (Vec<u32>, Vec<u32>) = rows.iter().partition(|&&r| goes_left(r));
        rows[..left.len()].copy_from_slice(&left);
        rows[left.len()..].copy_from_slice(&right);
        left.len()
    }

    /// The node a split becomes, its rule on raw values.
    fn node(&self, split: &Split, left: usize, right: usize) -> Node {
        let feature = split.feature as u32;
        let (left, right) = (left as u32, right as u32);
        match &split.rule {
            Rule::Number { bin, missing_left } => {
                let cuts = &self.data.binners[split.feature].cuts;
                // Bin b holds values up to cuts[b - 1]; the last bin has no upper cut: every
                // finite value (not infinity, which the model's JSON cannot hold).
                let threshold = cuts.get(*bin as usize - 1).copied().unwrap_or(f32::MAX);
                Node::Number {
                    feature,
                    threshold,
                    missing_left: *missing_left,
                    left,
                    right,
                }
            }
            Rule::Levels(set) => Node::Levels {
                feature,
                codes: set.iter().map(|b| *b as u32 - 1).collect(),
                left,
                right,
            },
        }
    }
}
