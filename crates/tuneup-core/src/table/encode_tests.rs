//! Tests of the tabular encoder.

use super::*;
use crate::table::NumFormat;

fn table() -> RawTable {
    let strs = |v: &[&str]| {
        let mut levels: Vec<String> = Vec::new();
        let codes = v
            .iter()
            .map(|s| {
                if s.is_empty() {
                    return MISSING;
                }
                match levels.iter().position(|l| l == s) {
                    Some(i) => i as u32,
                    None => {
                        levels.push(s.to_string());
                        levels.len() as u32 - 1
                    }
                }
            })
            .collect();
        RawCol::Str(codes, levels)
    };
    RawTable {
        source: "t.csv".into(),
        names: vec!["age".into(), "city".into(), "member".into()],
        cols: vec![
            RawCol::Num(
                vec![20.0, f32::NAN, 40.0, 30.0, 50.0, 60.0],
                NumFormat::Plain,
            ),
            strs(&["a", "a", "b", "", "a", "c"]),
            strs(&["yes", "no", "yes", "yes", "", "no"]),
        ],
        lines: (2..8).collect(),
    }
}

fn kinds() -> Vec<(String, ColumnKind)> {
    vec![
        ("age".into(), ColumnKind::Numeric),
        ("city".into(), ColumnKind::Categorical),
        ("member".into(), ColumnKind::Boolean),
    ]
}

#[test]
fn one_hot_with_medians_indicators_and_rare_levels() {
    let t = table();
    let e = TabularEncoder::fit(&t, &kinds(), Layout::OneHot, 2, None).unwrap();
    assert_eq!(
        e.feature_names(),
        [
            "age",
            "age_missing",
            "city=a",
            "city=<missing>",
            "city=<rare>",
            "member",
            "member_missing"
        ]
    );
    let x = e.transform(&t).unwrap();
    let w = e.width();
    assert_eq!(w, 7);
    // Row 1: age missing takes the median (40), standardised; its indicator is 1.
    let Fit::Number { stats, .. } = &e.columns[0].fit else {
        panic!()
    };
    assert_eq!(stats.median, 40.0);
    assert!((x[w] - ((40.0 - stats.mean) / stats.std) as f32).abs() < 1e-6);
    assert_eq!(x[w + 1], 1.0);
    // city: b and c are rare (1 row each), row 3 is missing.
    assert_eq!(&x[2 * w + 2..2 * w + 5], &[0.0, 0.0, 1.0]);
    assert_eq!(&x[3 * w + 2..3 * w + 5], &[0.0, 1.0, 0.0]);
    // A level never seen in training is all zeros.
    let mut new = t.select(&[0]);
    new.cols[1] = RawCol::Str(vec![0], vec!["zzz".into()]);
    let y = e.transform(&new).unwrap();
    assert_eq!(&y[2..5], &[0.0, 0.0, 0.0]);
}

#[test]
fn codes_follow_the_other_features() {
    // Few levels stay one-hot under the codes layout.
    let few = TabularEncoder::fit(&table(), &kinds(), Layout::Codes, 1, None).unwrap();
    assert!(few.cat_levels().is_empty());
    assert_eq!(few.width(), 2 + 3 + 1 + 2);
    // Nine levels (and a missing row) are one code, after the other features.
    let mut t = table().select(&[0, 1, 2, 3, 4, 5, 0, 1, 2, 3]);
    let levels: Vec<String> = "abcdefghi".chars().map(String::from).collect();
    t.cols[1] = RawCol::Str(
        vec![0, 0, 1, MISSING, 2, 3, 4, 5, 6, 7, 8][1..].to_vec(),
        levels,
    );
    let e = TabularEncoder::fit(&t, &kinds(), Layout::Codes, 1, None).unwrap();
    assert_eq!(e.cat_levels(), vec![3 + 9]);
    assert_eq!(e.width(), 2 + 2 + 1);
    assert_eq!(e.feature_names().last().map(String::as_str), Some("city"));
    let x = e.transform(&t).unwrap();
    let codes: Vec<f32> = (0..10).map(|r| x[r * 5 + 4]).collect();
    // Levels seen once each keep their order of appearance (a is first, code 3); the
    // missing row is code 1.
    assert_eq!(
        codes,
        vec![3.0, 4.0, 1.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    );
    let mut lacking = t.clone();
    lacking.take(1);
    let err = e.transform(&lacking).unwrap_err();
    assert!(err.message.contains("no column `city`"), "{err}");
}

#[test]
fn the_native_layout_keeps_missing_numbers_and_codes_every_category() {
    let t = table();
    let e = TabularEncoder::fit(&t, &kinds(), Layout::Native, 1, None).unwrap();
    // Numbers and booleans without missing indicators, then the city's code (even with 3
    // levels).
    assert_eq!(e.feature_names(), ["age", "member", "city"]);
    assert_eq!(e.cat_levels(), vec![3 + 3]);
    let x = e.transform(&t).unwrap();
    let w = e.width();
    assert_eq!(w, 3);
    assert!(
        x[w].is_nan(),
        "the missing age stays missing: {:?}",
        &x[w..2 * w]
    );
    assert!(x[0].is_finite() && x[2 * w].is_finite());
    // City codes: a = 3, b = 4, missing = 1, c = 5.
    let codes: Vec<f32> = (0..6).map(|r| x[r * w + 2]).collect();
    assert!(x[4 * w + 1].is_nan(), "the missing boolean stays missing");
    assert_eq!(codes, vec![3.0, 3.0, 4.0, 1.0, 3.0, 5.0]);
}

#[test]
fn a_skewed_number_is_read_in_log_space_with_its_own_value_beside() {
    // Incomes: many small, a few large (skewness well past 1).
    let v = [1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 100.0, 250.0, f32::NAN];
    let t = RawTable {
        source: "t.csv".into(),
        names: vec!["income".into()],
        cols: vec![RawCol::Num(v.to_vec(), NumFormat::Plain)],
        lines: (2..12).collect(),
    };
    let kinds = vec![("income".to_string(), ColumnKind::Numeric)];
    let e = TabularEncoder::fit(&t, &kinds, Layout::OneHot, 1, None).unwrap();
    assert_eq!(
        e.feature_names(),
        ["income", "income_raw", "income_missing"]
    );
    let x = e.transform(&t).unwrap();
    // The log feature spreads the small values; the raw one keeps the large ones far out.
    let (log_gap, raw_gap) = (x[3] - x[0], x[3 + 1] - x[1]);
    assert!(log_gap > 4.0 * raw_gap, "{log_gap} vs {raw_gap}");
    let largest = 8 * 3;
    assert!(
        x[largest + 1] > x[largest],
        "the raw value is the extreme one"
    );
    assert_eq!(x[9 * 3 + 2], 1.0, "the missing row is flagged");
    // Trees: one feature, a log changes no split.
    let trees = TabularEncoder::fit(&t, &kinds, Layout::Native, 1, None).unwrap();
    assert_eq!(trees.feature_names(), ["income"]);
}
