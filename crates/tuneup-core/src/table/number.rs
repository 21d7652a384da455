//! Numbers as tables write them: plain (`3.5`, `-2e3`), with thousands separators (`1,234.5`),
//! as money (`$5.00`, `-€1,200`, `£3`), as percentages (`12%`, `12.5 %`: read as 0.125).

use serde::{Deserialize, Serialize};

/// How a column writes its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumFormat {
    Plain,
    Grouped,
    Currency,
    Percent,
}

impl NumFormat {
    /// Every format, in the order a column is tried against them.
    pub const ALL: [NumFormat; 4] = [
        NumFormat::Plain,
        NumFormat::Grouped,
        NumFormat::Currency,
        NumFormat::Percent,
    ];

    /// The value of `s` (trimmed, not missing) in this format.
    pub fn parse(self, s: &str) -> Option<f32> {
        match self {
            NumFormat::Plain => s.parse().ok(),
            NumFormat::Grouped => grouped(s),
            NumFormat::Currency => {
                let (neg, rest) = match s.strip_prefix('-') {
                    Some(r) => (true, r.trim_start()),
                    None => (false, s),
                };
                let rest = ["$", "€", "£", "¥"]
                    .iter()
                    .find_map(|c| rest.strip_prefix(c))
                    .or_else(|| {
                        ["$", "€", "£", "¥"]
                            .iter()
                            .find_map(|c| rest.strip_suffix(c))
                    })?
                    .trim();
                if rest.starts_with('-') {
                    return None;
                }
                let v = grouped(rest).or_else(|| rest.parse().ok())?;
                Some(if neg { -v } else { v })
            }
            NumFormat::Percent => {
                let rest = s.strip_suffix('%')?.trim_end();
                let v: f32 = grouped(rest).or_else(|| rest.parse().ok())?;
                Some(v / 100.0)
            }
        }
    }

    /// The first format every value parses in.
    pub fn detect<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Option<NumFormat> {
        NumFormat::ALL
            .into_iter()
            .find(|f| values.clone().all(|v| f.parse(v).is_some()))
    }

    pub fn describe(self) -> &'static str {
        match self {
            NumFormat::Plain => "numbers",
            NumFormat::Grouped => "numbers with thousands separators",
            NumFormat::Currency => "amounts of money",
            NumFormat::Percent => "percentages",
        }
    }
}

/// `1,234,567.89` (groups of three after the first, an optional sign and decimals).
fn grouped(s: &str) -> Option<f32> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = int.split(',').collect();
    let ok = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        return None;
    }
    s.replace(',', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::NumFormat::*;
    use super::*;

    #[test]
    fn formats_parse_and_detect() {
        assert_eq!(Plain.parse("-2.5e1"), Some(-25.0));
        assert_eq!(Grouped.parse("1,234.5"), Some(1234.5));
        assert_eq!(Grouped.parse("-12,000"), Some(-12000.0));
        assert_eq!(Grouped.parse("12,34"), None);
        assert_eq!(
            Grouped.parse("1234"),
            None,
            "no separator: plain, not grouped"
        );
        assert_eq!(Currency.parse("$5.00"), Some(5.0));
        assert_eq!(Currency.parse("-$1,200"), Some(-1200.0));
        assert_eq!(Currency.parse("12 €"), Some(12.0));
        assert_eq!(Currency.parse("5"), None);
        assert_eq!(Percent.parse("12%"), Some(0.12));
        assert_eq!(Percent.parse("12.5 %"), Some(0.125));
        let vals = ["1,234", "56", "7,890.5"];
        assert_eq!(
            NumFormat::detect(vals.iter().copied()),
            None,
            "56 has no separator"
        );
        let vals = ["1,234", "5,600", "7,890.5"];
        assert_eq!(NumFormat::detect(vals.iter().copied()), Some(Grouped));
        let vals = ["$1", "$2.50", "-$3"];
        assert_eq!(NumFormat::detect(vals.iter().copied()), Some(Currency));
        let vals = ["1", "2.5", "x"];
        assert_eq!(NumFormat::detect(vals.iter().copied()), None);
    }
}
