//! Durations as people write them on the command line and in experiment files.

/// `90`, `90s`, `15m`, `1.5h` as seconds; `None` for anything else, zero, negative or infinite.
pub fn parse(s: &str) -> Option<f64> {
    let s = s.trim();
    let (n, mult) = match s.chars().last()? {
        's' => (&s[..s.len() - 1], 1.0),
        'm' => (&s[..s.len() - 1], 60.0),
        'h' => (&s[..s.len() - 1], 3600.0),
        _ => (s, 1.0),
    };
    n.parse::<f64>()
        .ok()
        .filter(|v| *v > 0.0 && v.is_finite())
        .map(|v| v * mult)
}

/// [`parse`], or an input error that names the flag and shows what is expected.
pub fn parse_flag(flag: &str, s: &str) -> Result<f64, crate::InputError> {
    parse(s).ok_or_else(|| {
        crate::InputError::new(format!(
            "{flag}: expected a duration such as 90s, 15m or 1h, found `{s}`"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn units_and_refusals() {
        assert_eq!(parse("90"), Some(90.0));
        assert_eq!(parse(" 2m "), Some(120.0));
        assert_eq!(parse("1.5h"), Some(5400.0));
        assert_eq!(parse("10s"), Some(10.0));
        for bad in ["", "m", "0", "-5m", "inf", "5 minutes", "NaNs"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
