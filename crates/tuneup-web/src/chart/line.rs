//! Line and marker charts as standalone SVG: learning curves (loss and error per epoch, with the
//! target error and the early-stopping point), histories, slices, the data-size curve.

use std::fmt::Write as _;

use crate::html::esc;

pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub color: &'static str,
    pub dashed: bool,
    /// Draw markers instead of a line.
    pub markers: bool,
}

pub struct Mark {
    pub value: f64,
    pub label: String,
    pub color: &'static str,
}

pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub hlines: Vec<Mark>,
    pub vlines: Vec<Mark>,
    pub log_x: bool,
}

const W: f64 = 480.0;
const H: f64 = 360.0;
const ML: f64 = 64.0;
const MR: f64 = 16.0;
const MT: f64 = 36.0;
const MB: f64 = 48.0;

pub(crate) fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let raw = span / count as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

pub(crate) fn fmt_tick(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        // 7.50e-4 → 7.5e-4, 1.00e-5 → 1e-5.
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        };
        format!("{m}e{e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Where a panel's data land: its data bounds and plot area.
struct Frame {
    ox: f64,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    pw: f64,
    ph: f64,
    log_x: bool,
}

impl Frame {
    /// The bounds of the panel's points and horizontal marks, padded.
    fn new(p: &Panel, ox: f64) -> Frame {
        let tx = |x: f64| if p.log_x { x.max(1e-12).log10() } else { x };
        let pts = finite_points(p);
        let (mut x0, mut x1) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, (x, _)| {
                (a.0.min(tx(*x)), a.1.max(tx(*x)))
            });
        let (mut y0, mut y1) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, (_, y)| {
                (a.0.min(*y), a.1.max(*y))
            });
        for h in p.hlines.iter().filter(|h| h.value.is_finite()) {
            y0 = y0.min(h.value);
            y1 = y1.max(h.value);
        }
        if !x0.is_finite() {
            (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
        }
        if x1 - x0 < 1e-12 {
            x1 = x0 + 1.0;
        }
        // Start the axis at 0 unless the data sit far from it (a loss around 2.2 in an LR test).
        if y0 > 0.0 && y0 < (y1 - y0) * 2.0 {
            y0 = 0.0;
        }
        if y1 - y0 < 1e-12 {
            y1 = y0 + 1.0;
        }
        y1 += (y1 - y0) * 0.05;
        Frame {
            ox,
            x0,
            x1,
            y0,
            y1,
            pw: W - ML - MR,
            ph: H - MT - MB,
            log_x: p.log_x,
        }
    }

    fn sx(&self, x: f64) -> f64 {
        let x = if self.log_x { x.max(1e-12).log10() } else { x };
        self.ox + ML + (x - self.x0) / (self.x1 - self.x0) * self.pw
    }

    fn sy(&self, y: f64) -> f64 {
        MT + self.ph - (y - self.y0) / (self.y1 - self.y0) * self.ph
    }

    /// The left edge of the plot area.
    fn left(&self) -> f64 {
        self.ox + ML
    }
}

/// The panel's finite points, every series.
fn finite_points(p: &Panel) -> Vec<(f64, f64)> {
    p.series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect()
}

fn panel(p: &Panel, ox: f64, out: &mut String) {
    let f = Frame::new(p, ox);
    let _ = writeln!(
        out,
        r##"<text x="{}" y="22" font-size="14" font-weight="bold">{}</text>"##,
        f.left(),
        esc(&p.title)
    );
    let _ = writeln!(
        out,
        r##"<rect x="{}" y="{MT}" width="{}" height="{}" fill="#fafafa" stroke="#999"/>"##,
        f.left(),
        f.pw,
        f.ph
    );
    axes(p, &f, out);
    marks(p, &f, out);
    for (i, s) in p.series.iter().enumerate() {
        series(s, i, &f, out);
    }
}

/// Ticks, grid lines and axis labels.
fn axes(p: &Panel, f: &Frame, out: &mut String) {
    let (ph, pw) = (f.ph, f.pw);
    for t in nice_ticks(f.y0, f.y1, 5) {
        let y = f.sy(t);
        let _ = writeln!(
            out,
            r##"<line x1="{}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#e3e3e3"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            f.left(),
            f.left() + pw,
            f.left() - 6.0,
            y + 4.0,
            fmt_tick(t)
        );
    }
    let integer_x = !p.log_x && finite_points(p).iter().all(|(x, _)| x.fract() == 0.0);
    let xticks: Vec<f64> = if p.log_x {
        nice_ticks(f.x0, f.x1, 5)
            .into_iter()
            .map(|t| 10f64.powf(t))
            .collect()
    } else {
        // Epochs are whole numbers: no tick at 1.5.
        nice_ticks(f.x0, f.x1, 6)
            .into_iter()
            .filter(|t| !integer_x || t.fract().abs() < 1e-9)
            .collect()
    };
    for t in xticks {
        let x = f.sx(t);
        let label = if p.log_x && (1.0..1e4).contains(&t) {
            format!("{t:.0}")
        } else {
            fmt_tick(t)
        };
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{MT}" x2="{x:.1}" y2="{}" stroke="#e3e3e3"/><text x="{x:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
            MT + ph,
            MT + ph + 16.0,
            label
        );
    }
    let _ = writeln!(
        out,
        r##"<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>"##,
        f.left() + pw / 2.0,
        H - 10.0,
        esc(&p.x_label)
    );
    let (yx, yy) = (f.ox + 16.0, MT + ph / 2.0);
    let _ = writeln!(
        out,
        r##"<text x="{yx}" y="{yy}" font-size="12" text-anchor="middle" transform="rotate(-90 {yx} {yy})">{}</text>"##,
        esc(&p.y_label)
    );
}

/// Horizontal and vertical marks with their labels.
fn marks(p: &Panel, f: &Frame, out: &mut String) {
    let (ph, pw) = (f.ph, f.pw);
    for h in p.hlines.iter().filter(|h| h.value.is_finite()) {
        let y = f.sy(h.value);
        let _ = writeln!(
            out,
            r##"<line x1="{}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{}" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" font-size="11" fill="{}" text-anchor="end">{}</text>"##,
            f.left(),
            f.left() + pw,
            h.color,
            f.left() + pw - 4.0,
            y - 4.0,
            h.color,
            esc(&h.label)
        );
    }
    for (i, v) in p.vlines.iter().enumerate() {
        let x = f.sx(v.value);
        // Labels near the right edge go on the line's left.
        let (lx, anchor) = if x > f.left() + pw * 0.7 {
            (x - 4.0, "end")
        } else {
            (x + 4.0, "start")
        };
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{MT}" x2="{x:.1}" y2="{}" stroke="{}" stroke-dasharray="3 3"/><text x="{lx:.1}" y="{}" font-size="11" fill="{}" text-anchor="{anchor}">{}</text>"##,
            MT + ph,
            v.color,
            MT + ph - 8.0 - 14.0 * i as f64,
            v.color,
            esc(&v.label)
        );
    }
}

/// One series (a line, or markers) and its legend entry, the `i`-th.
fn series(s: &Series, i: usize, f: &Frame, out: &mut String) {
    let finite: Vec<&(f64, f64)> = s
        .points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let dash = if s.dashed {
        r#" stroke-dasharray="5 3""#
    } else {
        ""
    };
    if s.markers {
        for (x, y) in &finite {
            let _ = writeln!(
                out,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"/>"##,
                f.sx(*x),
                f.sy(*y),
                s.color
            );
        }
    } else if !finite.is_empty() {
        let d: Vec<String> = finite
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", f.sx(*x), f.sy(*y)))
            .collect();
        let _ = writeln!(
            out,
            r##"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"##,
            d.join(" "),
            s.color
        );
    }
    let ly = MT + 10.0 + 16.0 * i as f64;
    let lx = f.left() + f.pw - 150.0;
    let _ = writeln!(
        out,
        r##"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}" font-size="11">{}</text>"##,
        lx + 18.0,
        s.color,
        lx + 24.0,
        ly + 4.0,
        esc(&s.name)
    );
}

/// Panels side by side in one SVG document.
pub fn svg(panels: &[Panel]) -> String {
    let width = W * panels.len() as f64;
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{H}" viewBox="0 0 {width} {H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
"##
    );
    for (i, p) in panels.iter().enumerate() {
        panel(p, W * i as f64, &mut out);
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
    }

    #[test]
    fn svg_is_well_formed_enough() {
        let p = Panel {
            title: "t <1>".into(),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            series: vec![Series {
                name: "train".into(),
                points: vec![(1.0, 1.0), (2.0, f64::NAN), (3.0, 0.5)],
                color: "#1f77b4",
                dashed: false,
                markers: false,
            }],
            hlines: vec![Mark {
                value: 0.1,
                label: "target".into(),
                color: "#2ca02c",
            }],
            vlines: vec![],
            log_x: false,
        };
        let s = svg(&[p]);
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert!(s.contains("t &lt;1&gt;") && !s.contains("NaN"));
    }
}
