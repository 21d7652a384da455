//! A study's charts as SVG: optimization history with the best so far, intermediate values
//! with pruning marks, slices of the most important parameters, parallel coordinates, and
//! parameter importance.

use std::fmt::Write as _;

use tuneup_core::tune::{Direction, Dist, Search, TrialState};
use tuneup_store::StoredTrial;

use super::line::{Panel, Series, svg};
use crate::html::esc;

/// Complete trials with a finite value, in number order.
pub fn complete(trials: &[StoredTrial]) -> Vec<&StoredTrial> {
    trials
        .iter()
        .filter(|t| {
            t.trial.state == TrialState::Complete && t.trial.value.is_some_and(f64::is_finite)
        })
        .collect()
}

/// Every complete trial's value and the best so far.
pub fn history(trials: &[StoredTrial], direction: Direction) -> String {
    let done = complete(trials);
    let mut best_so_far = Vec::new();
    let mut b: Option<f64> = None;
    for t in &done {
        let v = t.trial.value.unwrap_or(f64::NAN);
        if b.is_none_or(|x| direction.better(v, x)) {
            b = Some(v);
        }
        best_so_far.push((t.trial.number as f64, b.unwrap_or(v)));
    }
    svg(&[Panel {
        title: "optimization history".into(),
        x_label: "trial".into(),
        y_label: "objective".into(),
        series: vec![
            Series {
                name: "trial".into(),
                points: done
                    .iter()
                    .map(|t| (t.trial.number as f64, t.trial.value.unwrap_or(f64::NAN)))
                    .collect(),
                color: "#1f77b4",
                dashed: false,
                markers: true,
            },
            Series {
                name: "best so far".into(),
                points: best_so_far,
                color: "#d62728",
                dashed: false,
                markers: false,
            },
        ],
        hlines: vec![],
        vlines: vec![],
        log_x: false,
    }])
}

/// The values each trial reported per epoch; a pruned trial's last report is marked with a
/// red cross. At most `max_lines` trials are drawn (the latest), so a 1,000-trial study stays
/// readable.
pub fn intermediate(trials: &[StoredTrial], max_lines: usize) -> String {
    let (w, h, ml, mr, mt, mb) = (720.0, 360.0, 64.0, 16.0, 36.0, 48.0);
    let shown: Vec<&StoredTrial> = trials
        .iter()
        .filter(|t| !t.trial.intermediate.is_empty())
        .collect();
    let shown = &shown[shown.len().saturating_sub(max_lines)..];
    let pts = shown
        .iter()
        .flat_map(|t| t.trial.intermediate.iter())
        .filter(|(_, v)| v.is_finite());
    let (mut x1, mut y0, mut y1) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for (s, v) in pts {
        x1 = x1.max(*s as f64);
        y0 = y0.min(*v);
        y1 = y1.max(*v);
    }
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    if y1 - y0 < 1e-12 {
        y1 = y0 + 1.0;
    }
    let (pw, ph) = (w - ml - mr, h - mt - mb);
    let sx = |s: f64| ml + (s - 0.0) / x1 * pw;
    let sy = |v: f64| mt + ph - (v - y0) / (y1 - y0) * ph;
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="{ml}" y="22" font-size="14" font-weight="bold">intermediate values (pruned: ×)</text>
<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#999"/>
"##
    );
    for t in super::line::nice_ticks(y0, y1, 5) {
        let y = sy(t);
        let _ = writeln!(
            out,
            r##"<line x1="{ml}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            ml + pw,
            ml - 6.0,
            y + 4.0,
            super::line::fmt_tick(t)
        );
    }
    for t in super::line::nice_ticks(0.0, x1, 6)
        .into_iter()
        .filter(|t| t.fract() == 0.0)
    {
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{t}</text>"##,
            sx(t),
            mt + ph + 16.0
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">epoch</text>"##,
        ml + pw / 2.0,
        h - 10.0
    );
    for t in shown {
        let (color, width) = match t.trial.state {
            TrialState::Pruned => ("#bbbbbb", 1.0),
            TrialState::Complete => ("#1f77b4", 1.5),
            _ => ("#ff7f0e", 1.5),
        };
        let p: Vec<String> = t
            .trial
            .intermediate
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(s, v)| format!("{:.1},{:.1}", sx(*s as f64), sy(*v)))
            .collect();
        let _ = writeln!(
            out,
            r##"<polyline data-trial="{}" points="{}" fill="none" stroke="{color}" stroke-width="{width}"/>"##,
            t.trial.number,
            p.join(" ")
        );
        if t.trial.state == TrialState::Pruned
            && let Some((s, v)) = t.trial.intermediate.last().filter(|(_, v)| v.is_finite())
        {
            let _ = writeln!(
                out,
                r##"<text x="{:.1}" y="{:.1}" fill="#d62728" text-anchor="middle" font-size="12">×</text>"##,
                sx(*s as f64),
                sy(*v) + 4.0
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Objective against each of the most important numerical parameters (up to three).
pub fn slices(
    search: &Search,
    trials: &[StoredTrial],
    importance: Option<&[(String, f64)]>,
) -> Option<String> {
    let done = complete(trials);
    let mut order: Vec<String> = match importance {
        Some(v) => {
            let mut v = v.to_vec();
            v.sort_by(|a, b| b.1.total_cmp(&a.1));
            v.into_iter().map(|(k, _)| k).collect()
        }
        None => search.space.params.iter().map(|p| p.name.clone()).collect(),
    };
    order.retain(|k| search.space.get(k).is_some());
    let panels: Vec<Panel> = order
        .iter()
        .filter_map(|k| search.space.get(k))
        .filter(|p| !p.dist.is_categorical())
        .take(3)
        .map(|p| Panel {
            title: format!("slice: {}", p.name),
            x_label: p.name.clone(),
            y_label: "objective".into(),
            series: vec![Series {
                name: "trial".into(),
                points: done
                    .iter()
                    .filter_map(|t| Some((t.trial.params.get(&p.name)?.as_f64()?, t.trial.value?)))
                    .collect(),
                color: "#1f77b4",
                dashed: false,
                markers: true,
            }],
            hlines: vec![],
            vlines: vec![],
            log_x: matches!(
                p.dist,
                Dist::Float { log: true, .. } | Dist::Int { log: true, .. }
            ),
        })
        .collect();
    (!panels.is_empty()).then(|| svg(&panels))
}

/// Parallel coordinates: one vertical axis per parameter (internal coordinates scaled to the
/// domain) and one for the objective; one polyline per complete trial, darker = better.
pub fn parallel(search: &Search, trials: &[StoredTrial], direction: Direction) -> String {
    let done = complete(trials);
    let params = &search.space.params;
    let axes = params.len() + 1;
    let (w, h, m) = (160.0 * axes as f64, 360.0, 40.0);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
"##
    );
    let x_of = |i: usize| m + (w - 2.0 * m) * i as f64 / (axes - 1).max(1) as f64;
    let (vlo, vhi) = done
        .iter()
        .filter_map(|t| t.trial.value)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let span = if vhi > vlo { vhi - vlo } else { 1.0 };
    let y_of = |u: f64| h - m - (h - 2.0 * m) * u.clamp(0.0, 1.0);
    for t in &done {
        let v = t.trial.value.unwrap_or(vlo);
        let good = match direction {
            Direction::Maximize => (v - vlo) / span,
            Direction::Minimize => (vhi - v) / span,
        };
        let shade = (200.0 - 180.0 * good).round() as u8;
        let mut pts = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if let Some(x) = t
                .trial
                .params
                .get(&p.name)
                .and_then(|v| p.dist.to_internal(v))
            {
                let (lo, hi) = p.dist.bounds();
                let u = if hi > lo { (x - lo) / (hi - lo) } else { 0.5 };
                pts.push(format!("{:.1},{:.1}", x_of(i), y_of(u)));
            }
        }
        pts.push(format!(
            "{:.1},{:.1}",
            x_of(params.len()),
            y_of((v - vlo) / span)
        ));
        let _ = writeln!(
            out,
            r#"<polyline data-trial="{}" points="{}" fill="none" stroke="rgb({shade},{shade},255)" stroke-width="1.2" opacity="0.8"/>"#,
            t.trial.number,
            pts.join(" ")
        );
    }
    for i in 0..axes {
        let x = x_of(i);
        let label = if i < params.len() {
            params[i].name.as_str()
        } else {
            "objective"
        };
        let _ = writeln!(
            out,
            r#"<line x1="{x:.1}" y1="{m}" x2="{x:.1}" y2="{:.1}" stroke="black"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            h - m,
            m - 12.0,
            esc(label)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Horizontal bars: a label and a value in [0, 1] per row (parameter importance).
pub fn bars(title: &str, rows: &[(String, f64)]) -> String {
    let (w, row, ml) = (560.0, 24.0, 200.0);
    let h = 40.0 + row * rows.len() as f64;
    let max = rows.iter().map(|r| r.1).fold(0.0f64, f64::max).max(1e-12);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="20" font-size="14" font-weight="bold">{}</text>
"##,
        esc(title)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 32.0 + row * i as f64;
        let bw = (w - ml - 60.0) * (v / max).clamp(0.0, 1.0);
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{ml}" y="{y:.1}" width="{bw:.1}" height="{:.1}" fill="#1f77b4"/><text x="{:.1}" y="{:.1}">{v:.3}</text>"##,
            ml - 6.0,
            y + 14.0,
            esc(label),
            row - 6.0,
            ml + bw + 4.0,
            y + 14.0
        );
    }
    out.push_str("</svg>\n");
    out
}
