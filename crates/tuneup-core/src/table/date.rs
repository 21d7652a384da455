//! Dates and times as tables write them: ISO (`2024-03-07`, `2024-03-07 14:30`,
//! `2024-03-07T14:30:05Z`), year first with slashes, and the day / month forms (`07/03/2024`,
//! `3/7/2024`, `07.03.2024`), read as days since 1970-01-01 (a fraction for the time of day).

use serde::{Deserialize, Serialize};

/// How a column writes its dates. A date and time has the time after a space or `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `2024-03-07` or `2024/03/07`.
    YearFirst,
    /// `07/03/2024`, `07.03.2024`, `07-03-2024`.
    DayFirst,
    /// `3/7/2024`.
    MonthFirst,
}

impl DateFormat {
    /// Days since 1970-01-01 of `s` (trimmed) in this format, the time of day as a fraction.
    pub fn parse(self, s: &str) -> Option<f64> {
        let (date, time) = match s.find(['T', ' ']) {
            Some(i) => (&s[..i], Some(s[i + 1..].trim())),
            None => (s, None),
        };
        let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
        let [a, b, c] = parts[..] else {
            return None;
        };
        let num = |p: &str, len: std::ops::RangeInclusive<usize>| {
            (len.contains(&p.len()) && p.bytes().all(|x| x.is_ascii_digit()))
                .then(|| p.parse::<i64>().ok())
                .flatten()
        };
        let (y, m, d) = match self {
            DateFormat::YearFirst => (num(a, 4..=4)?, num(b, 1..=2)?, num(c, 1..=2)?),
            DateFormat::DayFirst => (num(c, 4..=4)?, num(b, 1..=2)?, num(a, 1..=2)?),
            DateFormat::MonthFirst => (num(c, 4..=4)?, num(a, 1..=2)?, num(b, 1..=2)?),
        };
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        let day = days_from_civil(y, m, d) as f64;
        match time.filter(|t| !t.is_empty()) {
            None => Some(day),
            Some(t) => Some(day + time_of_day(t)?),
        }
    }

    /// The format every value parses in: year first, then day first or month first (a first
    /// field over 12 means day first; when both fit, month first, as most tools read it).
    pub fn detect<'a>(values: impl Iterator<Item = &'a str> + Clone) -> Option<DateFormat> {
        let all = |f: DateFormat| values.clone().all(|v| f.parse(v).is_some());
        if values.clone().next().is_none() {
            return None;
        }
        [
            DateFormat::YearFirst,
            DateFormat::MonthFirst,
            DateFormat::DayFirst,
        ]
        .into_iter()
        .find(|f| all(*f))
    }
}

/// `14:30`, `14:30:05`, `14:30:05.25`, with an optional `Z` or `+hh:mm` ignored: a fraction of
/// a day.
fn time_of_day(t: &str) -> Option<f64> {
    let t = t.trim_end_matches('Z');
    let t = match t.rfind(['+', '-']) {
        Some(i) if i >= 5 => &t[..i],
        _ => t,
    };
    let mut it = t.split(':');
    let h: f64 = it.next()?.parse().ok()?;
    let m: f64 = it.next()?.parse().ok()?;
    let s: f64 = match it.next() {
        Some(s) => s.parse().ok()?,
        None => 0.0,
    };
    if it.next().is_some() || !(0.0..24.0).contains(&h) || !(0.0..60.0).contains(&m) {
        return None;
    }
    Some((h * 3600.0 + m * 60.0 + s) / 86_400.0)
}

fn leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The features a date becomes: year, month, day, day of week (Monday 0), day of year (1-366),
/// and the days since 1970-01-01.
pub fn parts(days: f64) -> [f64; 6] {
    let z = days.floor() as i64;
    let (y, m, d) = civil_from_days(z);
    let dow = (z + 3).rem_euclid(7);
    let doy = z - days_from_civil(y, 1, 1) + 1;
    [y as f64, m as f64, d as f64, dow as f64, doy as f64, days]
}

/// The names of [`parts`].
pub const PARTS: [&str; 6] = ["year", "month", "day", "weekday", "dayofyear", "elapsed"];

#[cfg(test)]
mod tests {
    use super::DateFormat::*;
    use super::*;

    #[test]
    fn civil_round_trip_and_known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in [-800_000, -1, 0, 59, 10_957, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        // 2024-03-07 was a Thursday (3), day 67 of a leap year.
        let p = parts(YearFirst.parse("2024-03-07").unwrap());
        assert_eq!(&p[..5], &[2024.0, 3.0, 7.0, 3.0, 67.0]);
    }

    #[test]
    fn formats_parse_and_detect() {
        assert_eq!(YearFirst.parse("1970-01-02"), Some(1.0));
        assert_eq!(YearFirst.parse("1970-01-01 12:00"), Some(0.5));
        assert_eq!(YearFirst.parse("1970-01-01T06:00:00Z"), Some(0.25));
        assert_eq!(YearFirst.parse("2023-02-29"), None);
        assert_eq!(DayFirst.parse("31/12/1970"), Some(364.0));
        assert_eq!(MonthFirst.parse("12/31/1970"), Some(364.0));
        assert_eq!(DayFirst.parse("07.03.2024"), YearFirst.parse("2024/03/07"));
        let v = ["03/07/2024", "25/12/2023"];
        assert_eq!(DateFormat::detect(v.iter().copied()), Some(DayFirst));
        let v = ["03/07/2024", "12/25/2023"];
        assert_eq!(DateFormat::detect(v.iter().copied()), Some(MonthFirst));
        let v = ["2024-01-01", "soon"];
        assert_eq!(DateFormat::detect(v.iter().copied()), None);
        assert_eq!(YearFirst.parse("12345"), None);
    }
}
