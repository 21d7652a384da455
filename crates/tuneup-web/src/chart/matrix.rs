//! A confusion matrix as an SVG heat map: rows are the true classes, columns the predicted
//! ones; each cell shows its count, shaded by the row's share.

use std::fmt::Write as _;

use crate::html::esc;

/// `counts[t][p]`: validation samples of true class `t` predicted as `p`.
pub fn confusion(classes: &[String], counts: &[Vec<usize>]) -> String {
    let k = classes.len().max(1);
    let cell = (480.0 / k as f64).clamp(18.0, 48.0);
    let (ml, mt) = (110.0, 70.0);
    let (w, h) = (ml + cell * k as f64 + 20.0, mt + cell * k as f64 + 20.0);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="18" font-size="14" font-weight="bold">confusion matrix (validation)</text>
<text x="{:.1}" y="38" text-anchor="middle">predicted</text>
<text x="14" y="{:.1}" text-anchor="middle" transform="rotate(-90 14 {:.1})">true</text>
"##,
        ml + cell * k as f64 / 2.0,
        mt + cell * k as f64 / 2.0,
        mt + cell * k as f64 / 2.0
    );
    let short = |s: &str| -> String {
        if s.chars().count() > 12 {
            format!("{}…", s.chars().take(11).collect::<String>())
        } else {
            s.to_string()
        }
    };
    for (i, c) in classes.iter().enumerate() {
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            ml - 4.0,
            mt + cell * (i as f64 + 0.5) + 4.0,
            esc(&short(c)),
            ml + cell * (i as f64 + 0.5),
            mt - 6.0,
            esc(&short(c))
        );
    }
    for (t, row) in counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (p, &n) in row.iter().enumerate() {
            let share = if total > 0 {
                n as f64 / total as f64
            } else {
                0.0
            };
            // Blue on the diagonal, red off it.
            let (r, g, b) = if t == p {
                (255.0 - 200.0 * share, 255.0 - 130.0 * share, 255.0)
            } else {
                (255.0, 255.0 - 200.0 * share, 255.0 - 200.0 * share)
            };
            let (x, y) = (ml + cell * p as f64, mt + cell * t as f64);
            let ink = if share > 0.6 { "white" } else { "black" };
            let _ = writeln!(
                out,
                r##"<rect class="cell" x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="rgb({:.0},{:.0},{:.0})" stroke="#ddd"><title>true {} → predicted {}: {n}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{ink}">{n}</text>"##,
                r,
                g,
                b,
                esc(&classes[t]),
                esc(&classes[p]),
                x + cell / 2.0,
                y + cell / 2.0 + 4.0
            );
        }
    }
    out.push_str("</svg>\n");
    out
}
