//! What `init` writes about a table's columns and an image folder's pictures: the line saying
//! what it saw, the `[data]` keys it proposes (`log_target`, `image_size`, ...) and the
//! `[data.columns]` table of each column's kind, for the user to edit.

use std::fmt::Write as _;

use tuneup_core::spec::ColumnKind;

use super::{Inspection, shape_text};

/// What the samples are: numeric features, images, or a table's columns by kind.
pub fn seen_text(ins: &Inspection) -> String {
    match &ins.table {
        Some(t) if !t.clean => {
            let mut by_kind = std::collections::BTreeMap::<ColumnKind, usize>::new();
            for c in &t.columns {
                *by_kind.entry(c.kind).or_default() += 1;
            }
            let kinds: Vec<String> = by_kind
                .iter()
                .map(|(k, n)| format!("{n} {}", k.as_str()))
                .collect();
            format!(
                "{} columns besides the target ({})",
                t.columns.len(),
                kinds.join(", ")
            )
        }
        _ => match (&ins.images, ins.image_size) {
            (Some(s), Some(side)) => format!(
                "{} pictures of {} sizes, resized to {side}x{side} ({})",
                s.count,
                distinct_sizes(s),
                if ins.sample_shape.first() == Some(&1) {
                    "grey"
                } else {
                    "colour"
                }
            ),
            _ => shape_text(&ins.sample_shape),
        },
    }
}

fn distinct_sizes(s: &tuneup_core::data::images::Survey) -> usize {
    let mut v = s.sizes.clone();
    v.sort_unstable();
    v.dedup();
    v.len()
}

/// The `[data]` keys that follow from what init saw.
pub(super) fn data_keys(s: &mut String, ins: &Inspection) {
    if ins.drop_missing_target {
        let _ = writeln!(s, "# Rows whose target is missing are dropped.");
        let _ = writeln!(s, "drop_missing_target = true");
    }
    if let Some(skew) = ins.log_skew {
        let _ = writeln!(
            s,
            "# The target is positive and skewed (skewness {skew:.1}): the model learns ln(1 + y); metrics and"
        );
        let _ = writeln!(
            s,
            "# predictions stay in the target's units (metric = \"rmsle\" judges relative error)."
        );
        let _ = writeln!(s, "log_target = true");
    }
    if let (Some(side), Some(survey)) = (ins.image_size, &ins.images) {
        let (mut w, mut h): (Vec<u32>, Vec<u32>) = survey.sizes.iter().copied().unzip();
        w.sort_unstable();
        h.sort_unstable();
        let modes: Vec<String> = survey
            .modes
            .iter()
            .map(|(m, n)| format!("{n} {m}"))
            .collect();
        let _ = writeln!(
            s,
            "# The pictures differ in size (width {}-{}, height {}-{}; {}): each is resized (shorter side)",
            w[0],
            w[w.len() - 1],
            h[0],
            h[h.len() - 1],
            modes.join(", ")
        );
        let _ = writeln!(
            s,
            "# and centre-cropped to this side (the median shorter side, at most 128 for a CPU)."
        );
        let _ = writeln!(s, "image_size = {side}");
    }
    if ins
        .images
        .as_ref()
        .is_some_and(|s| !s.unreadable.is_empty())
    {
        let _ = writeln!(
            s,
            "# Some pictures do not decode: skip them (counted) rather than stop."
        );
        let _ = writeln!(s, "skip_bad = true");
    }
}

/// A TOML key: bare when it can be, else quoted.
fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// `[data.columns]`: every column's kind, with what init saw in it; only for a table that is
/// not clean numbers (a clean one is read as a numeric matrix).
pub(super) fn columns_table(s: &mut String, ins: &Inspection) {
    let Some(t) = ins.table.as_ref().filter(|t| !t.clean) else {
        return;
    };
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# What each column is: numeric, categorical, boolean, date, text (for the text models), id (kept for"
    );
    let _ = writeln!(
        s,
        "# submissions), ignore. Inferred from the data; edit any (an edit the data contradicts is an error)."
    );
    let _ = writeln!(s, "[data.columns]");
    let width = t
        .columns
        .iter()
        .map(|c| toml_key(&c.name).len() + c.kind.as_str().len())
        .max()
        .unwrap_or(0);
    for c in &t.columns {
        let key = toml_key(&c.name);
        let pad = width - key.len() - c.kind.as_str().len();
        let missing = if c.missing > 0 {
            format!(
                ", {:.0}% missing",
                100.0 * c.missing as f64 / c.rows.max(1) as f64
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "{key} = \"{}\"{:pad$}  # {} distinct{missing}; e.g. {}",
            c.kind.as_str(),
            "",
            c.distinct,
            c.examples.join(", "),
        );
    }
}

/// `[data.text]`: how the text columns become tokens, with the texts' lengths and a maximum
/// length that covers most of them.
pub(super) fn text_table(s: &mut String, ins: &Inspection) {
    let Some(l) = &ins.text_lengths else {
        return;
    };
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "# Texts are tokenized by a tokenizer trained on the training split (kept with the run). Their lengths"
    );
    let _ = writeln!(
        s,
        "# in words: median {}, 90% {}, 95% {}, 99% {}, longest {}{}.",
        l.p50,
        l.p90,
        l.p95,
        l.p99,
        l.max,
        if l.empty > 0 {
            format!("; {} empty (read as empty text)", l.empty)
        } else {
            String::new()
        }
    );
    let _ = writeln!(s, "[data.text]");
    let _ = writeln!(
        s,
        "tokenizer = \"word\"    # word, bpe, wordpiece or unigram (subwords; Hugging Face's tokenizers)"
    );
    let _ = writeln!(s, "vocab_size = 20000");
    let _ = writeln!(
        s,
        "max_len = {}         # tokens per sample (the 90th percentile, rounded up; at most 1024)",
        l.proposed_max_len()
    );
    let _ = writeln!(
        s,
        "truncate = \"head\"    # a longer text keeps its head, its tail, or both (half each)"
    );
    let _ = writeln!(s, "# lowercase = true, normalize = \"nfkc\", min_count = 2");
}
