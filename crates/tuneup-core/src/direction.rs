//! Whether smaller or larger values are better: of a metric, of a study's objective, of the
//! value an early-stopping monitor watches. One type for all of them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Minimize,
    Maximize,
}

impl Direction {
    /// The value as a loss (smaller is better).
    pub fn loss(self, v: f64) -> f64 {
        match self {
            Direction::Minimize => v,
            Direction::Maximize => -v,
        }
    }

    /// True when `a` is strictly better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        self.loss(a) < self.loss(b)
    }

    pub fn higher_is_better(self) -> bool {
        self == Direction::Maximize
    }

    /// `maximising` / `minimising`, for messages.
    pub fn verb(self) -> &'static str {
        match self {
            Direction::Maximize => "maximising",
            Direction::Minimize => "minimising",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Direction;

    #[test]
    fn better_follows_the_direction() {
        assert!(Direction::Maximize.better(0.9, 0.8));
        assert!(!Direction::Maximize.better(0.8, 0.8));
        assert!(Direction::Minimize.better(0.1, 0.2));
        assert_eq!(Direction::Maximize.loss(2.0), -2.0);
        assert!(Direction::Maximize.higher_is_better());
    }
}
