//! A regression tree as trained: nodes with a rule on one feature's raw value, leaves with the
//! value they add to the score.

use serde::{Deserialize, Serialize};

/// One node; the root is node 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Node {
    Leaf {
        value: f32,
    },
    /// `x <= threshold` goes left; a missing value goes left when `missing_left`.
    Number {
        feature: u32,
        threshold: f32,
        missing_left: bool,
        left: u32,
        right: u32,
    },
    /// A level code in `codes` (sorted) goes left; others (unseen, missing) go right.
    Levels {
        feature: u32,
        codes: Vec<u32>,
        left: u32,
        right: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The value the tree gives one row (`features` values).
    pub fn value(&self, row: &[f32]) -> f32 {
        let mut at = 0usize;
        loop {
            match &self.nodes[at] {
                Node::Leaf { value } => return *value,
                Node::Number {
                    feature,
                    threshold,
                    missing_left,
                    left,
                    right,
                } => {
                    let x = row[*feature as usize];
                    let go_left = if x.is_nan() {
                        *missing_left
                    } else {
                        x <= *threshold
                    };
                    at = if go_left { *left } else { *right } as usize;
                }
                Node::Levels {
                    feature,
                    codes,
                    left,
                    right,
                } => {
                    let x = row[*feature as usize];
                    let go_left =
                        x >= 0.0 && x.is_finite() && codes.binary_search(&(x as u32)).is_ok();
                    at = if go_left { *left } else { *right } as usize;
                }
            }
        }
    }

    /// Leaves of the tree.
    pub fn leaves(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Leaf { .. }))
            .count()
    }
}
