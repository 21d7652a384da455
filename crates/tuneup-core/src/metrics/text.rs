//! Text metrics: BLEU and chrF as sacreBLEU 2 computes them (default `13a` tokenisation for
//! BLEU; scores on a 0-100 scale), and WER / CER as jiwer computes them (word or character
//! edit distance summed over the corpus, divided by the reference length).

use std::collections::HashMap;

use super::{MetricError, Smooth};

/// Characters that the 13a tokenizer pads with spaces: `{|}~`, `[\]^_` and the backquote,
/// space to `&`, `(` to `+`, `:` to `@`, and `/`.
fn is_13a_symbol(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// sacreBLEU's `13a` tokenizer (mteval-v13a): the same tokens for the same line.
pub fn tokenize_13a(line: &str) -> String {
    let mut line = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let line = format!(" {line} ");
    // 1. pad symbols.
    let mut s = String::with_capacity(line.len() * 2);
    for c in line.chars() {
        if is_13a_symbol(c) {
            s.push(' ');
            s.push(c);
            s.push(' ');
        } else {
            s.push(c);
        }
    }
    let digit = |c: char| c.is_ascii_digit();
    let dot = |c: char| c == '.' || c == ',';
    // 2. `([^0-9])([\.,])` → `\1 \2 `; 3. `([\.,])([^0-9])` → ` \1 \2`; 4. `([0-9])(-)` → `\1 \2 `.
    // Each is one left-to-right pass of non-overlapping matches, as `re.sub` makes.
    let pass = |s: &str,
                first: &dyn Fn(char) -> bool,
                second: &dyn Fn(char) -> bool,
                out: &dyn Fn(char, char, &mut String)| {
        let chars: Vec<char> = s.chars().collect();
        let mut o = String::with_capacity(s.len() + 16);
        let mut i = 0;
        while i < chars.len() {
            if i + 1 < chars.len() && first(chars[i]) && second(chars[i + 1]) {
                out(chars[i], chars[i + 1], &mut o);
                i += 2;
            } else {
                o.push(chars[i]);
                i += 1;
            }
        }
        o
    };
    let s = pass(&s, &|c| !digit(c), &dot, &|a, b, o| {
        o.push(a);
        o.push(' ');
        o.push(b);
        o.push(' ');
    });
    let s = pass(&s, &dot, &|c| !digit(c), &|a, b, o| {
        o.push(' ');
        o.push(a);
        o.push(' ');
        o.push(b);
    });
    let s = pass(&s, &digit, &|c| c == '-', &|a, b, o| {
        o.push(a);
        o.push(' ');
        o.push(b);
        o.push(' ');
    });
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

const ORDER: usize = 4;

/// BLEU's sufficient statistics for one segment: matches and totals per order, lengths.
fn bleu_stats(hyp: &str, reference: &str) -> ([f64; ORDER], [f64; ORDER], f64, f64) {
    let h: Vec<&str> = hyp.split_whitespace().collect();
    let r: Vec<&str> = reference.split_whitespace().collect();
    let mut correct = [0.0; ORDER];
    let mut total = [0.0; ORDER];
    for n in 1..=ORDER {
        let mut ref_counts: HashMap<&[&str], usize> = HashMap::new();
        for g in r.windows(n) {
            *ref_counts.entry(g).or_default() += 1;
        }
        let mut hyp_counts: HashMap<&[&str], usize> = HashMap::new();
        for g in h.windows(n) {
            *hyp_counts.entry(g).or_default() += 1;
        }
        for (g, c) in hyp_counts {
            total[n - 1] += c as f64;
            correct[n - 1] += c.min(ref_counts.get(g).copied().unwrap_or(0)) as f64;
        }
    }
    (correct, total, h.len() as f64, r.len() as f64)
}

/// sacreBLEU's `compute_bleu`, from the summed statistics.
fn bleu_score(
    mut correct: [f64; ORDER],
    mut total: [f64; ORDER],
    sys_len: f64,
    ref_len: f64,
    smooth: Smooth,
    effective_order: bool,
) -> f64 {
    let bp = if sys_len < ref_len {
        if sys_len > 0.0 {
            (1.0 - ref_len / sys_len).exp()
        } else {
            0.0
        }
    } else {
        1.0
    };
    if correct.iter().all(|c| *c == 0.0) {
        return 0.0;
    }
    let mut precisions = [0.0; ORDER];
    let mut smooth_mteval = 1.0;
    let mut eff_order = ORDER;
    for n in 1..=ORDER {
        if smooth == Smooth::AddK && n > 1 {
            correct[n - 1] += 1.0;
            total[n - 1] += 1.0;
        }
        if total[n - 1] == 0.0 {
            break;
        }
        if effective_order {
            eff_order = n;
        }
        if correct[n - 1] == 0.0 {
            match smooth {
                Smooth::Exp => {
                    smooth_mteval *= 2.0;
                    precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1]);
                }
                Smooth::Floor => precisions[n - 1] = 100.0 * 0.1 / total[n - 1],
                _ => {}
            }
        } else {
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
        }
    }
    let my_log = |p: f64| if p == 0.0 { -9_999_999_999.0 } else { p.ln() };
    bp * (precisions[..eff_order]
        .iter()
        .map(|p| my_log(*p))
        .sum::<f64>()
        / eff_order as f64)
        .exp()
}

fn check(refs: &[String], hyps: &[String]) -> Result<(), MetricError> {
    if refs.len() != hyps.len() {
        return Err(MetricError(format!(
            "{} references but {} hypotheses: expected one line each",
            refs.len(),
            hyps.len()
        )));
    }
    if refs.is_empty() {
        return Err(MetricError("no segments".into()));
    }
    Ok(())
}

/// Corpus BLEU (sacreBLEU `corpus_bleu`, one reference per segment).
pub fn corpus_bleu(refs: &[String], hyps: &[String], smooth: Smooth) -> Result<f64, MetricError> {
    check(refs, hyps)?;
    let (mut c, mut t, mut hl, mut rl) = ([0.0; ORDER], [0.0; ORDER], 0.0, 0.0);
    for (r, h) in refs.iter().zip(hyps) {
        let (c1, t1, h1, r1) = bleu_stats(&tokenize_13a(h.trim_end()), &tokenize_13a(r.trim_end()));
        for n in 0..ORDER {
            c[n] += c1[n];
            t[n] += t1[n];
        }
        hl += h1;
        rl += r1;
    }
    Ok(bleu_score(c, t, hl, rl, smooth, false))
}

/// Mean sentence BLEU (sacreBLEU `sentence_bleu`: exp smoothing, effective order).
pub fn mean_sentence_bleu(refs: &[String], hyps: &[String]) -> Result<f64, MetricError> {
    check(refs, hyps)?;
    let total: f64 = refs
        .iter()
        .zip(hyps)
        .map(|(r, h)| {
            let (c, t, hl, rl) =
                bleu_stats(&tokenize_13a(h.trim_end()), &tokenize_13a(r.trim_end()));
            bleu_score(c, t, hl, rl, Smooth::Exp, true)
        })
        .sum();
    Ok(total / refs.len() as f64)
}

/// Corpus chrF (sacreBLEU `CHRF()`: character n-grams up to 6, whitespace removed, beta 2).
pub fn corpus_chrf(refs: &[String], hyps: &[String]) -> Result<f64, MetricError> {
    check(refs, hyps)?;
    const N: usize = 6;
    let mut stats = [[0.0f64; 3]; N];
    let grams = |s: &str, n: usize| -> HashMap<String, usize> {
        let chars: Vec<char> = s.split_whitespace().flat_map(|w| w.chars()).collect();
        let mut m = HashMap::new();
        for w in chars.windows(n) {
            *m.entry(w.iter().collect::<String>()).or_default() += 1;
        }
        m
    };
    for (r, h) in refs.iter().zip(hyps) {
        for n in 1..=N {
            let hg = grams(h, n);
            let rg = grams(r, n);
            let hyp_count: usize = hg.values().sum();
            let matches: usize = hg
                .iter()
                .map(|(g, c)| (*c).min(rg.get(g).copied().unwrap_or(0)))
                .sum();
            // sacreBLEU counts no hypothesis n-grams where the reference has none.
            stats[n - 1][0] += if rg.is_empty() { 0.0 } else { hyp_count as f64 };
            stats[n - 1][1] += rg.values().sum::<usize>() as f64;
            stats[n - 1][2] += matches as f64;
        }
    }
    let factor = 4.0; // beta²
    let eps = 1e-16;
    let (mut avg_p, mut avg_r, mut eff) = (0.0, 0.0, 0usize);
    for [nh, nr, nm] in stats {
        let p = if nh > 0.0 { nm / nh } else { eps };
        let r = if nr > 0.0 { nm / nr } else { eps };
        if nh > 0.0 && nr > 0.0 {
            avg_p += p;
            avg_r += r;
            eff += 1;
        }
    }
    if eff == 0 {
        return Ok(0.0);
    }
    avg_p /= eff as f64;
    avg_r /= eff as f64;
    if avg_p + avg_r == 0.0 {
        return Ok(0.0);
    }
    Ok(100.0 * (1.0 + factor) * avg_p * avg_r / (factor * avg_p + avg_r))
}

fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// jiwer's default word transform: runs of two or more whitespace characters become one space,
/// the line is stripped, and words are what lies between spaces.
fn jiwer_words(s: &str) -> Vec<String> {
    let mut collapsed = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() && i + 1 < chars.len() && chars[i + 1].is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            collapsed.push(' ');
        } else {
            collapsed.push(chars[i]);
            i += 1;
        }
    }
    let t = collapsed.trim();
    if t.is_empty() {
        Vec::new()
    } else {
        t.split(' ').map(str::to_string).collect()
    }
}

/// Word error rate (jiwer `wer`).
pub fn wer(refs: &[String], hyps: &[String]) -> Result<f64, MetricError> {
    check(refs, hyps)?;
    let (mut errors, mut n) = (0usize, 0usize);
    for (i, (r, h)) in refs.iter().zip(hyps).enumerate() {
        let rw = jiwer_words(r);
        if rw.is_empty() {
            return Err(MetricError(format!(
                "reference {} is empty: WER is not defined for it",
                i + 1
            )));
        }
        let hw = jiwer_words(h);
        errors += edit_distance(&rw, &hw);
        n += rw.len();
    }
    Ok(errors as f64 / n as f64)
}

/// Character error rate (jiwer `cer`: characters of the stripped line, spaces included).
pub fn cer(refs: &[String], hyps: &[String]) -> Result<f64, MetricError> {
    check(refs, hyps)?;
    let (mut errors, mut n) = (0usize, 0usize);
    for (i, (r, h)) in refs.iter().zip(hyps).enumerate() {
        let rc: Vec<char> = r.trim().chars().collect();
        if rc.is_empty() {
            return Err(MetricError(format!(
                "reference {} is empty: CER is not defined for it",
                i + 1
            )));
        }
        let hc: Vec<char> = h.trim().chars().collect();
        errors += edit_distance(&rc, &hc);
        n += rc.len();
    }
    Ok(errors as f64 / n as f64)
}
