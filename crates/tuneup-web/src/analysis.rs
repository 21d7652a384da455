//! What a run's model does on its validation rows: the confusion matrix and per-class
//! precision / recall (classification) or the residuals (regression), and the samples it gets
//! most confidently wrong, as a person would look at them (images drawn, rows shown).

use std::collections::HashMap;
use std::io::Cursor;

use base64::Engine as _;
use tuneup_core::data::{self, DataInfo, Part, Y};
use tuneup_core::ensemble::MemberPred;
use tuneup_store::{Run, Storage};

/// How many wrong samples a page shows.
pub const SHOWN: usize = 12;

pub struct ClassScore {
    pub class: String,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub support: usize,
}

/// How a sample is shown.
pub enum View {
    /// A PNG as a `data:` URL.
    Image(String),
    /// Column name and raw value.
    Row(Vec<(String, String)>),
}

pub struct Sample {
    pub id: String,
    pub truth: String,
    pub predicted: String,
    /// The predicted class's probability, or the absolute error.
    pub score: f64,
    pub view: View,
}

pub enum Analysis {
    Classification {
        classes: Vec<String>,
        /// `counts[true][predicted]`.
        counts: Vec<Vec<usize>>,
        per_class: Vec<ClassScore>,
        /// Wrong predictions, most confident first.
        wrong: Vec<Sample>,
    },
    Regression {
        /// (truth, prediction) per validation row.
        points: Vec<(f64, f64)>,
        /// The largest absolute errors first.
        worst: Vec<Sample>,
    },
}

/// Runs the run's model on its validation rows (recomputed from its experiment, as the
/// ensemble step does). Only single-model runs: CV and ensemble runs have no one model.
pub fn analyze(store: &dyn Storage, run: &Run) -> anyhow::Result<Analysis> {
    let member = tuneup_lab::predictor::member(store, run.id, false)?;
    let [model] = member.models.as_slice() else {
        anyhow::bail!(
            "a run of {} models (cross-validation): open a fold's run",
            member.models.len()
        );
    };
    let data = data::prepare_with(&model.exp, false)?;
    let out = tuneup_lab::predictor::Model {
        info: data.info.clone(),
        ..model.clone()
    }
    .outputs(&data.val)?;
    let pred = MemberPred::from_outputs(&data.info, &out);
    let rows = RawRows::read(&model.exp.data.train, &data.info);
    Ok(match (&data.val.y, pred) {
        (Y::Classes(truth), MemberPred::Proba(p)) => {
            classification(&data.info, &data.val, truth, &p, &rows)
        }
        (Y::Values(truth), MemberPred::Values(p)) => {
            regression(&data.info, &data.val, truth, &p, &rows)
        }
        _ => anyhow::bail!("the validation rows have no labels"),
    })
}

fn classification(
    info: &DataInfo,
    val: &Part,
    truth: &[u32],
    proba: &[f64],
    rows: &RawRows,
) -> Analysis {
    let k = info.classes.len();
    let mut counts = vec![vec![0usize; k]; k];
    let mut wrong: Vec<(usize, usize, f64)> = Vec::new();
    for (i, &t) in truth.iter().enumerate() {
        let p = &proba[i * k..(i + 1) * k];
        let (best, conf) =
            p.iter().enumerate().fold(
                (0, f64::NEG_INFINITY),
                |a, (j, &v)| if v > a.1 { (j, v) } else { a },
            );
        counts[t as usize][best] += 1;
        if best != t as usize {
            wrong.push((i, best, conf));
        }
    }
    wrong.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    let per_class = (0..k)
        .map(|c| {
            let tp = counts[c][c];
            let predicted: usize = counts.iter().map(|r| r[c]).sum();
            let support: usize = counts[c].iter().sum();
            ClassScore {
                class: info.classes[c].clone(),
                precision: (predicted > 0).then(|| tp as f64 / predicted as f64),
                recall: (support > 0).then(|| tp as f64 / support as f64),
                support,
            }
        })
        .collect();
    let wrong = wrong
        .into_iter()
        .take(SHOWN)
        .map(|(i, p, conf)| Sample {
            id: val.ids[i].clone(),
            truth: info.classes[truth[i] as usize].clone(),
            predicted: info.classes[p].clone(),
            score: conf,
            view: view(info, val, i, rows),
        })
        .collect();
    Analysis::Classification {
        classes: info.classes.clone(),
        counts,
        per_class,
        wrong,
    }
}

fn regression(
    info: &DataInfo,
    val: &Part,
    truth: &[f32],
    pred: &[f64],
    rows: &RawRows,
) -> Analysis {
    let points: Vec<(f64, f64)> = truth
        .iter()
        .map(|t| *t as f64)
        .zip(pred.iter().copied())
        .collect();
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        let e = |i: usize| (points[i].1 - points[i].0).abs();
        e(b).total_cmp(&e(a)).then(a.cmp(&b))
    });
    let worst = order
        .into_iter()
        .take(SHOWN)
        .map(|i| Sample {
            id: val.ids[i].clone(),
            truth: format!("{:.4}", points[i].0),
            predicted: format!("{:.4}", points[i].1),
            score: (points[i].1 - points[i].0).abs(),
            view: view(info, val, i, rows),
        })
        .collect();
    Analysis::Regression { points, worst }
}

/// Sample `i` as an image (a 2-D or channels-first 3-D sample) or its raw row.
fn view(info: &DataInfo, part: &Part, i: usize, rows: &RawRows) -> View {
    let n: usize = info.sample_shape.iter().product();
    let x = &part.x[i * n..(i + 1) * n];
    let shape = &info.sample_shape;
    if shape.len() >= 2
        && let Some(png) = png(x, shape)
    {
        return View::Image(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ));
    }
    match rows.get(&part.ids[i]) {
        Some(r) => View::Row(r),
        None => View::Row(
            info.feature_names
                .iter()
                .zip(x)
                .take(12)
                .map(|(n, v)| (n.clone(), format!("{v:.3}")))
                .collect(),
        ),
    }
}

/// The sample scaled to 0..255 (per image) as PNG: gray for one channel, RGB for three.
fn png(x: &[f32], shape: &[usize]) -> Option<Vec<u8>> {
    let (c, h, w) = match shape {
        [h, w] => (1, *h, *w),
        [c, h, w] if *c == 1 || *c == 3 => (*c, *h, *w),
        _ => return None,
    };
    let (lo, hi) = x.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |a, v| {
        (a.0.min(*v), a.1.max(*v))
    });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |v: f32| (((v - lo) / span) * 255.0).round().clamp(0.0, 255.0) as u8;
    let mut buf = Vec::new();
    let img: image::DynamicImage = if c == 1 {
        image::GrayImage::from_fn(w as u32, h as u32, |a, b| {
            image::Luma([px(x[b as usize * w + a as usize])])
        })
        .into()
    } else {
        image::RgbImage::from_fn(w as u32, h as u32, |a, b| {
            let at = |ch: usize| px(x[ch * h * w + b as usize * w + a as usize]);
            image::Rgb([at(0), at(1), at(2)])
        })
        .into()
    };
    img.write_to(&mut Cursor::new(&mut buf), image::ImageFormat::Png)
        .ok()?;
    Some(buf)
}

/// The raw rows of a CSV table by id (its id column, else the row number), to show a table's
/// sample as the user wrote it. Empty for anything else (images, parquet).
struct RawRows {
    header: Vec<String>,
    by_id: HashMap<String, Vec<String>>,
}

impl RawRows {
    fn read(path: &std::path::Path, info: &DataInfo) -> RawRows {
        let empty = RawRows {
            header: vec![],
            by_id: HashMap::new(),
        };
        if info.sample_shape.len() != 1 {
            return empty;
        }
        let name = path.to_string_lossy().to_lowercase();
        if !(name.ends_with(".csv") || name.ends_with(".csv.gz")) {
            return empty;
        }
        let Ok((header, rows)) = data::csv::table(path) else {
            return empty;
        };
        let id_col = info
            .id_name
            .as_ref()
            .and_then(|n| header.iter().position(|h| h == n));
        let by_id = rows
            .into_iter()
            .enumerate()
            .map(|(i, (_, r))| (id_col.map(|c| r[c].clone()).unwrap_or(i.to_string()), r))
            .collect();
        RawRows { header, by_id }
    }

    fn get(&self, id: &str) -> Option<Vec<(String, String)>> {
        let r = self.by_id.get(id)?;
        Some(self.header.iter().cloned().zip(r.iter().cloned()).collect())
    }
}
