//! `tuneup augment-preview`: a PNG grid of training samples as the model will see them. One row
//! per sample: the original, then augmented draws from successive epochs, then (with mixup /
//! cutmix) the sample as a mixed batch gives it.

use std::path::Path;

use super::{BatchMaker, Mix, Mixed};
use crate::data::{DataInfo, Part};
use crate::error::InputError;

/// What the grid shows, for the caption.
#[derive(Debug, Clone)]
pub struct Preview {
    /// Training-sample indices, one per row.
    pub rows: Vec<usize>,
    /// Columns: `original`, `epoch 1` ... and `mixed`.
    pub columns: Vec<String>,
    pub mixed: Option<Mixed>,
    /// Each row's label(s) in the mixed column, e.g. `0.72 x 7 + 0.28 x 1`.
    pub mixed_labels: Vec<String>,
    pub width: u32,
    pub height: u32,
}

const PAD: u32 = 4;

/// Cell size: images scaled up to at least 64 px; signals and rows as 160 x 64 plots / strips.
fn cell_size(shape: &[usize]) -> (u32, u32, u32) {
    match shape {
        [_, h, w] => {
            let s = (64 / (*h.max(w) as u32)).max(1);
            (*w as u32 * s, *h as u32 * s, s)
        }
        _ => (160, 64, 1),
    }
}

/// Renders `samples` rows x `draws` augmented columns of `part` (the training split) to `out`.
pub fn write_grid(
    maker: &BatchMaker<'_>,
    info: &DataInfo,
    part: &Part,
    samples: usize,
    draws: usize,
    mixes: bool,
    seed: u64,
    out: &Path,
) -> Result<Preview, InputError> {
    let len: usize = info.sample_shape.iter().product();
    let n = part.len();
    let mut rng = crate::rng::Rng::derive(seed, 77);
    let mut rows: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut rows);
    rows.truncate(samples.min(n));
    let mut columns: Vec<Vec<f32>> = vec![
        rows.iter()
            .flat_map(|&i| part.x[i * len..(i + 1) * len].iter().copied())
            .collect(),
    ];
    let mut names = vec!["original".to_string()];
    for e in 1..=draws {
        columns.push(maker.make(&rows, e, 0, Mix::Off).x);
        names.push(format!("epoch {e}"));
    }
    let mut mixed = None;
    let mut mixed_labels = Vec::new();
    if mixes {
        let b = maker.make(&rows, 1, 0, Mix::Always);
        if let Some(m) = b.mixed {
            let label = |i: usize| match &part.y {
                crate::data::Y::Classes(c) => {
                    info.classes.get(c[i] as usize).cloned().unwrap_or_default()
                }
                crate::data::Y::Values(v) => format!("{}", v[i]),
                crate::data::Y::None => String::new(),
            };
            for (r, &i) in rows.iter().enumerate() {
                let p = rows[rows.len() - 1 - r];
                mixed_labels.push(format!(
                    "{:.2} x {} + {:.2} x {}",
                    m.lambda,
                    label(i),
                    1.0 - m.lambda,
                    label(p)
                ));
            }
            mixed = Some(m);
            columns.push(b.x);
            names.push(m.kind.to_string());
        }
    }
    let (cw, ch, scale) = cell_size(&info.sample_shape);
    let width = PAD + columns.len() as u32 * (cw + PAD);
    let height = PAD + rows.len() as u32 * (ch + PAD);
    let mut img = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
    for (r, _) in rows.iter().enumerate() {
        // One value range per row, from the original, so the columns are comparable.
        let orig = &columns[0][r * len..(r + 1) * len];
        let (lo, hi) = orig
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        let (lo, hi) = if hi - lo < 1e-6 {
            (lo - 1.0, hi + 1.0)
        } else {
            (lo, hi)
        };
        for (c, col) in columns.iter().enumerate() {
            let x0 = PAD + c as u32 * (cw + PAD);
            let y0 = PAD + r as u32 * (ch + PAD);
            let v = &col[r * len..(r + 1) * len];
            draw_cell(&mut img, info, v, (lo, hi), (x0, y0), (cw, ch, scale));
        }
    }
    let tmp = out.with_extension("png.tmp");
    img.save_with_format(&tmp, image::ImageFormat::Png)
        .and_then(|_| std::fs::rename(&tmp, out).map_err(image::ImageError::IoError))
        .map_err(|e| InputError::in_file(out, format!("cannot write the preview: {e}")))?;
    Ok(Preview {
        rows,
        columns: names,
        mixed,
        mixed_labels,
        width,
        height,
    })
}

fn draw_cell(
    img: &mut image::RgbImage,
    info: &DataInfo,
    v: &[f32],
    (lo, hi): (f32, f32),
    (x0, y0): (u32, u32),
    (cw, ch, scale): (u32, u32, u32),
) {
    let level = |x: f32| (((x - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0) as u8;
    match info.sample_shape[..] {
        [c, h, w] => {
            for i in 0..h {
                for j in 0..w {
                    let px = |k: usize| level(v[k * h * w + i * w + j]);
                    let rgb = if c >= 3 {
                        [px(0), px(1), px(2)]
                    } else {
                        [px(0); 3]
                    };
                    for dy in 0..scale {
                        for dx in 0..scale {
                            img.put_pixel(
                                x0 + j as u32 * scale + dx,
                                y0 + i as u32 * scale + dy,
                                image::Rgb(rgb),
                            );
                        }
                    }
                }
            }
        }
        _ if info.feature_names.len() > 32 || v.len() > 32 => {
            // A signal: a line plot on a light background.
            for y in 0..ch {
                for x in 0..cw {
                    img.put_pixel(x0 + x, y0 + y, image::Rgb([245, 245, 245]));
                }
            }
            let n = v.len();
            let at = |k: usize| {
                let x = k as f32 / (n - 1).max(1) as f32 * (cw - 1) as f32;
                let y = (1.0 - (v[k] - lo) / (hi - lo)).clamp(0.0, 1.0) * (ch - 1) as f32;
                (x, y)
            };
            for k in 1..n {
                let (a, b) = (at(k - 1), at(k));
                let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).max(1);
                for s in 0..=steps {
                    let t = s as f32 / steps as f32;
                    let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
                    img.put_pixel(x0 + x as u32, y0 + y as u32, image::Rgb([31, 119, 180]));
                }
            }
        }
        _ => {
            // A tabular row: one cell per feature, blue (low) to red (high), standardised values.
            let n = v.len().max(1);
            for (k, x) in v.iter().enumerate() {
                let t = ((x + 3.0) / 6.0).clamp(0.0, 1.0);
                let rgb = [
                    (255.0 * t.min(0.5) * 2.0) as u8,
                    (255.0 * (1.0 - (t - 0.5).abs() * 2.0)) as u8,
                    (255.0 * (1.0 - t).min(0.5) * 2.0) as u8,
                ];
                let xa = x0 + (k as u32 * cw) / n as u32;
                let xb = x0 + ((k as u32 + 1) * cw) / n as u32;
                for x in xa..xb.max(xa + 1) {
                    for y in 0..ch {
                        img.put_pixel(x, y0 + y, image::Rgb(rgb));
                    }
                }
            }
        }
    }
}
