//! Data augmentation and batch assembly: per-sample transforms for images, 1-D signals and
//! tabular rows, batch-level mixup / cutmix with their label mixing, label smoothing, and a
//! loader that builds batches in worker threads while the model trains.
//!
//! Plain Rust (no burn): a batch is `Vec<f32>` samples plus targets. Every random draw comes
//! from a generator seeded by (run seed, epoch, batch), so a batch is the same whichever thread
//! builds it, and a resumed run sees what one long run would.

pub mod loader;
pub mod preview;
pub mod spec;

pub use spec::AugmentSpec;

use crate::data::{DataInfo, Part, Y};
use crate::rng::Rng;

/// Per-sample transforms for one data set's samples. Works in the data's raw units (the
/// normaliser undone), so that zero padding is the raw zero and brightness is a factor of the
/// raw values; the result is normalised again.
#[derive(Debug, Clone)]
pub struct Augmenter {
    spec: AugmentSpec,
    shape: Vec<usize>,
    /// The normaliser's mean and std for every value of a sample.
    mean: Vec<f32>,
    std: Vec<f32>,
    /// A table's trailing categorical codes (embedded columns) and token ids: never perturbed
    /// by noise.
    codes: usize,
    /// A text model's token ids (the last of a row): how many, and what is done to them.
    text: Option<(usize, crate::text::augment::TokenOps)>,
}

impl Augmenter {
    /// An augmenter for the data described by `info`. The spec must have passed
    /// [`AugmentSpec::check_shape`] for these samples.
    pub fn new(spec: &AugmentSpec, info: &DataInfo) -> Augmenter {
        let n: usize = info.sample_shape.iter().product();
        let norm = &info.normalizer;
        let at = |v: &[f32], j: usize| v.get(j / norm.block.max(1)).copied();
        let mean = (0..n).map(|j| at(&norm.mean, j).unwrap_or(0.0)).collect();
        let std = (0..n).map(|j| at(&norm.std, j).unwrap_or(1.0)).collect();
        let inputs = info.inputs();
        Augmenter {
            spec: spec.clone(),
            shape: info.sample_shape.clone(),
            mean,
            std,
            codes: inputs.cats.len() + inputs.text.map_or(0, |t| t.len),
            text: inputs
                .text
                .map(|t| (t.len, spec.token_ops()))
                .filter(|(_, ops)| ops.is_on()),
        }
    }

    fn image(&self) -> Option<(usize, usize, usize)> {
        match self.shape[..] {
            [c, h, w] => Some((c, h, w)),
            _ => None,
        }
    }

    /// True when the transforms need raw units (anything but noise).
    fn needs_raw(&self) -> bool {
        let s = &self.spec;
        s.shift > 0
            || s.hflip > 0.0
            || s.vflip > 0.0
            || s.rotate > 0.0
            || s.scale > 0.0
            || s.resized_crop > 0.0
            || s.shear > 0.0
            || s.brightness > 0.0
            || s.contrast > 0.0
            || s.roll > 0
            || s.amplitude > 0.0
            || s.time_warp > 0.0
    }

    /// Transforms one normalised sample in place.
    pub fn sample(&self, x: &mut [f32], rng: &mut Rng) {
        let s = &self.spec;
        if self.needs_raw() {
            let mut raw: Vec<f32> = x
                .iter()
                .zip(self.mean.iter().zip(&self.std))
                .map(|(v, (m, sd))| v * sd + m)
                .collect();
            match self.image() {
                Some(dims) => self.image_raw(&mut raw, dims, rng),
                None => self.signal_raw(&mut raw, rng),
            }
            for (j, v) in x.iter_mut().enumerate() {
                *v = (raw[j] - self.mean[j]) / self.std[j];
            }
        }
        if s.noise > 0.0 {
            let numbers = x.len() - self.codes;
            for v in x[..numbers].iter_mut() {
                *v += (s.noise * rng.normal()) as f32;
            }
        }
        if let Some((len, ops)) = &self.text {
            let at = x.len() - len;
            ops.apply(&mut x[at..], rng);
        }
        if let Some((c, h, w)) = self.image() {
            if rng.chance(s.erase) {
                erase(x, (c, h, w), s.erase_area, rng);
            }
        }
    }

    fn image_raw(&self, raw: &mut [f32], (c, h, w): (usize, usize, usize), rng: &mut Rng) {
        let s = &self.spec;
        let plane = h * w;
        if rng.chance(s.hflip) {
            for ch in raw.chunks_mut(plane) {
                for row in ch.chunks_mut(w) {
                    row.reverse();
                }
            }
        }
        if rng.chance(s.vflip) {
            for ch in raw.chunks_mut(plane) {
                for i in 0..h / 2 {
                    for j in 0..w {
                        ch.swap(i * w + j, (h - 1 - i) * w + j);
                    }
                }
            }
        }
        if s.resized_crop > 0.0 {
            resized_crop(raw, (c, h, w), s.resized_crop, rng);
        }
        let shift = s.shift as i64;
        let (dx, dy) = if shift > 0 {
            (
                rng.below(2 * s.shift + 1) as i64 - shift,
                rng.below(2 * s.shift + 1) as i64 - shift,
            )
        } else {
            (0, 0)
        };
        if s.rotate > 0.0 || s.scale > 0.0 || s.shear > 0.0 {
            let angle = rng.uniform(-s.rotate, s.rotate).to_radians();
            let zoom = rng.uniform(1.0 - s.scale, 1.0 + s.scale);
            let shear = rng.uniform(-s.shear, s.shear).to_radians().tan();
            let src = raw.to_vec();
            let (cos, sin) = (angle.cos(), angle.sin());
            let (cx, cy) = ((w as f64 - 1.0) / 2.0, (h as f64 - 1.0) / 2.0);
            for i in 0..h {
                for j in 0..w {
                    // Output offset from the centre, the translation taken off, mapped back
                    // through (rotation . shear . zoom)^-1.
                    let u = j as f64 - cx - dx as f64;
                    let v = i as f64 - cy - dy as f64;
                    let (a, b) = (cos * u + sin * v, -sin * u + cos * v);
                    let (a, b) = ((a - shear * b) / zoom, b / zoom);
                    let (sx, sy) = (a + cx, b + cy);
                    for ch in 0..c {
                        raw[ch * plane + i * w + j] =
                            bilinear(&src[ch * plane..(ch + 1) * plane], h, w, sy, sx);
                    }
                }
            }
        } else if dx != 0 || dy != 0 {
            let src = raw.to_vec();
            for ch in 0..c {
                for i in 0..h as i64 {
                    for j in 0..w as i64 {
                        let (si, sj) = (i - dy, j - dx);
                        let inside = si >= 0 && si < h as i64 && sj >= 0 && sj < w as i64;
                        raw[ch * plane + (i as usize) * w + j as usize] = if inside {
                            src[ch * plane + (si as usize) * w + sj as usize]
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        if s.brightness > 0.0 {
            let f = rng.uniform(1.0 - s.brightness, 1.0 + s.brightness) as f32;
            raw.iter_mut().for_each(|v| *v *= f);
        }
        if s.contrast > 0.0 {
            let f = rng.uniform(1.0 - s.contrast, 1.0 + s.contrast) as f32;
            let m = raw.iter().sum::<f32>() / raw.len() as f32;
            raw.iter_mut().for_each(|v| *v = m + f * (*v - m));
        }
    }

    fn signal_raw(&self, raw: &mut [f32], rng: &mut Rng) {
        let s = &self.spec;
        let n = raw.len();
        if s.roll > 0 {
            let k = rng.below(2 * s.roll + 1) as i64 - s.roll as i64;
            raw.rotate_right(k.rem_euclid(n as i64) as usize);
        }
        if s.shift > 0 {
            let d = rng.below(2 * s.shift + 1) as i64 - s.shift as i64;
            let src = raw.to_vec();
            for (i, v) in raw.iter_mut().enumerate() {
                let j = i as i64 - d;
                *v = if j >= 0 && j < n as i64 {
                    src[j as usize]
                } else {
                    0.0
                };
            }
        }
        if s.time_warp > 0.0 && n > 2 {
            // Local speed: linear between 5 knots, each 1 ± time_warp; positions are its running
            // sum, rescaled to span the signal, so the ends stay the ends.
            let knots: Vec<f64> = (0..5)
                .map(|_| rng.uniform(1.0 - s.time_warp, 1.0 + s.time_warp))
                .collect();
            let mut pos = Vec::with_capacity(n);
            let mut acc = 0.0;
            for i in 0..n {
                let t = i as f64 / (n - 1) as f64 * 4.0;
                let k = (t.floor() as usize).min(3);
                let f = t - k as f64;
                pos.push(acc);
                acc += knots[k] * (1.0 - f) + knots[k + 1] * f;
            }
            let last = pos[n - 1];
            let src = raw.to_vec();
            for (i, v) in raw.iter_mut().enumerate() {
                let p = pos[i] / last * (n - 1) as f64;
                let j = (p.floor() as usize).min(n - 2);
                let f = (p - j as f64) as f32;
                *v = src[j] * (1.0 - f) + src[j + 1] * f;
            }
        }
        if s.amplitude > 0.0 {
            let f = rng.uniform(1.0 - s.amplitude, 1.0 + s.amplitude) as f32;
            raw.iter_mut().for_each(|v| *v *= f);
        }
    }
}

/// Bilinear sample of one `h x w` plane at (y, x); zero outside.
/// A crop of at least `min_area` of the image (aspect ratio in [3/4, 4/3], log-uniform), placed
/// at random and resized back to `h x w` (bilinear).
fn resized_crop(raw: &mut [f32], (c, h, w): (usize, usize, usize), min_area: f64, rng: &mut Rng) {
    let area = rng.uniform(min_area, 1.0) * (h * w) as f64;
    let ratio = rng.uniform((0.75f64).ln(), (4.0f64 / 3.0).ln()).exp();
    let cw = (area * ratio).sqrt().min(w as f64);
    let ch = (area / ratio).sqrt().min(h as f64);
    let x0 = rng.uniform(0.0, w as f64 - cw);
    let y0 = rng.uniform(0.0, h as f64 - ch);
    let plane = h * w;
    let src = raw.to_vec();
    for i in 0..h {
        // Sample centres, kept inside the image (no black border at the crop's edges).
        let sy = (y0 + (i as f64 + 0.5) * ch / h as f64 - 0.5).clamp(0.0, (h - 1) as f64);
        for j in 0..w {
            let sx = (x0 + (j as f64 + 0.5) * cw / w as f64 - 0.5).clamp(0.0, (w - 1) as f64);
            for k in 0..c {
                raw[k * plane + i * w + j] =
                    bilinear(&src[k * plane..(k + 1) * plane], h, w, sy, sx);
            }
        }
    }
}

fn bilinear(p: &[f32], h: usize, w: usize, y: f64, x: f64) -> f32 {
    let (y0, x0) = (y.floor(), x.floor());
    let (fy, fx) = ((y - y0) as f32, (x - x0) as f32);
    let get = |yy: f64, xx: f64| -> f32 {
        if yy < 0.0 || xx < 0.0 || yy >= h as f64 || xx >= w as f64 {
            0.0
        } else {
            p[yy as usize * w + xx as usize]
        }
    };
    let top = get(y0, x0) * (1.0 - fx) + get(y0, x0 + 1.0) * fx;
    let bottom = get(y0 + 1.0, x0) * (1.0 - fx) + get(y0 + 1.0, x0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Random erasing: a rectangle of `area` share and aspect ratio in [0.3, 3.3] set to 0 (the mean,
/// in standardised units) in every channel; up to 10 tries to fit one.
fn erase(x: &mut [f32], (c, h, w): (usize, usize, usize), area: [f64; 2], rng: &mut Rng) {
    for _ in 0..10 {
        let a = rng.uniform(area[0], area[1]) * (h * w) as f64;
        let r = rng.uniform(0.3f64.ln(), 3.3f64.ln()).exp();
        let eh = (a * r).sqrt().round() as usize;
        let ew = (a / r).sqrt().round() as usize;
        if eh == 0 || ew == 0 || eh >= h || ew >= w {
            continue;
        }
        let y0 = rng.below(h - eh + 1);
        let x0 = rng.below(w - ew + 1);
        for ch in 0..c {
            for i in y0..y0 + eh {
                let row = ch * h * w + i * w;
                x[row + x0..row + x0 + ew].fill(0.0);
            }
        }
        return;
    }
}

/// A batch's targets.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchTarget {
    /// Class indices (no smoothing, no mixing).
    Classes(Vec<u32>),
    /// Class probabilities, `rows x classes` (label smoothing and / or mixing); rows sum to 1.
    Soft { probs: Vec<f32>, classes: usize },
    /// Regression targets, standardised (`(y - y_mean) / y_std`).
    Values(Vec<f32>),
}

/// How a batch was mixed, for reports and the preview.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mixed {
    /// `mixup` or `cutmix`.
    pub kind: &'static str,
    /// The weight of each sample's own label; `1 - lambda` goes to its partner's.
    pub lambda: f64,
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub x: Vec<f32>,
    pub rows: usize,
    pub target: BatchTarget,
    /// Set when mixup / cutmix mixed this batch. Row `i`'s partner is row `rows - 1 - i`.
    pub mixed: Option<Mixed>,
    /// The training samples the rows came from.
    pub idx: Vec<usize>,
}

/// Whether a batch may be mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    Off,
    /// As the spec says (`mix_prob`).
    Spec,
    /// Always (for the preview).
    Always,
}

/// Builds training batches: copies the samples, augments them, builds the targets.
#[derive(Debug, Clone)]
pub struct BatchMaker<'a> {
    part: &'a Part,
    info: &'a DataInfo,
    spec: AugmentSpec,
    augmenter: Option<Augmenter>,
    smoothing: f64,
    seed: u64,
}

impl<'a> BatchMaker<'a> {
    pub fn new(
        part: &'a Part,
        info: &'a DataInfo,
        spec: &AugmentSpec,
        label_smoothing: f64,
        seed: u64,
    ) -> BatchMaker<'a> {
        let per_sample = spec
            .active()
            .iter()
            .any(|(k, _)| *k != "mixup" && *k != "cutmix");
        BatchMaker {
            part,
            info,
            spec: spec.clone(),
            augmenter: per_sample.then(|| Augmenter::new(spec, info)),
            smoothing: label_smoothing,
            seed,
        }
    }

    /// Whether mixing is on in `epoch` of `epochs` (off in the last `mix_off_epochs`).
    pub fn mix_in_epoch(&self, epoch: usize, epochs: usize) -> Mix {
        if self.spec.mixes() && epoch + self.spec.mix_off_epochs <= epochs {
            Mix::Spec
        } else {
            Mix::Off
        }
    }

    /// The generator of one batch: a function of the seed, the epoch and the step only.
    fn rng(&self, epoch: usize, step: usize) -> Rng {
        Rng::derive(
            self.seed ^ (epoch as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
            1_000_000 + step as u64,
        )
    }

    /// The batch of training samples `idx`, the `step`-th of `epoch`.
    pub fn make(&self, idx: &[usize], epoch: usize, step: usize, mix: Mix) -> Batch {
        let len: usize = self.info.sample_shape.iter().product();
        let rows = idx.len();
        let mut rng = self.rng(epoch, step);
        let mut x = Vec::with_capacity(rows * len);
        for &i in idx {
            x.extend_from_slice(&self.part.x[i * len..(i + 1) * len]);
        }
        if let Some(a) = &self.augmenter {
            for sample in x.chunks_mut(len) {
                a.sample(sample, &mut rng);
            }
        }
        let k = self.info.outputs();
        let may_mix = mix != Mix::Off && self.spec.mixes();
        let mut target = match &self.part.y {
            Y::Classes(y) if self.smoothing > 0.0 || may_mix => {
                let (off, on) = (
                    (self.smoothing / k as f64) as f32,
                    (1.0 - self.smoothing + self.smoothing / k as f64) as f32,
                );
                let mut probs = vec![off; rows * k];
                for (r, &i) in idx.iter().enumerate() {
                    probs[r * k + y[i] as usize] = on;
                }
                BatchTarget::Soft { probs, classes: k }
            }
            Y::Classes(y) => BatchTarget::Classes(idx.iter().map(|&i| y[i]).collect()),
            Y::Values(v) => {
                BatchTarget::Values(idx.iter().map(|&i| self.info.to_model(v[i])).collect())
            }
            Y::None => unreachable!("training data is labelled"),
        };
        let s = &self.spec;
        let mixing = match mix {
            Mix::Off => false,
            Mix::Spec => s.mixes() && rng.chance(s.mix_prob),
            Mix::Always => s.mixes(),
        };
        let mut mixed = None;
        if mixing && rows > 1 {
            let use_cutmix = match (s.mixup > 0.0, s.cutmix > 0.0) {
                (true, true) => rng.chance(0.5),
                (false, true) => true,
                _ => false,
            };
            let alpha = if use_cutmix { s.cutmix } else { s.mixup };
            let mut lambda = rng.beta(alpha, alpha);
            let src = x.clone();
            if use_cutmix {
                lambda = self.cutmix(&mut x, &src, rows, len, lambda, &mut rng);
            } else {
                let l = lambda as f32;
                // A table's categorical codes are not mixed: each row keeps the code of the
                // sample that dominates it.
                let numbers = len - self.info.cat_levels().len();
                for r in 0..rows {
                    let p = rows - 1 - r;
                    for j in 0..numbers {
                        x[r * len + j] = l * src[r * len + j] + (1.0 - l) * src[p * len + j];
                    }
                    if l < 0.5 {
                        x[r * len + numbers..(r + 1) * len]
                            .copy_from_slice(&src[p * len + numbers..(p + 1) * len]);
                    }
                }
            }
            mix_targets(&mut target, rows, lambda as f32);
            mixed = Some(Mixed {
                kind: if use_cutmix { "cutmix" } else { "mixup" },
                lambda,
            });
        }
        Batch {
            x,
            rows,
            target,
            mixed,
            idx: idx.to_vec(),
        }
    }

    /// Pastes a box (images) or segment (vectors) of each partner into each sample; returns the
    /// share of each sample that is still its own.
    fn cutmix(
        &self,
        x: &mut [f32],
        src: &[f32],
        rows: usize,
        len: usize,
        lambda: f64,
        rng: &mut Rng,
    ) -> f64 {
        let cut = (1.0 - lambda).sqrt();
        let (c, h, w) = match self.info.sample_shape[..] {
            [c, h, w] => (c, h, w),
            _ => (1, 1, len),
        };
        // Box centre uniform, box clipped to the image (Yun et al. 2019), the same for the batch.
        let (ch, cw) = if h == 1 {
            (1.0, w as f64 * (1.0 - lambda))
        } else {
            (h as f64 * cut, w as f64 * cut)
        };
        let (yc, xc) = (rng.below(h) as f64, rng.below(w) as f64);
        let clip = |v: f64, n: usize| v.round().clamp(0.0, n as f64) as usize;
        let (y0, y1) = if h == 1 {
            (0, 1)
        } else {
            (clip(yc - ch / 2.0, h), clip(yc + ch / 2.0, h))
        };
        let (x0, x1) = (clip(xc - cw / 2.0, w), clip(xc + cw / 2.0, w));
        for r in 0..rows {
            let p = rows - 1 - r;
            for chn in 0..c {
                for i in y0..y1 {
                    let o = chn * h * w + i * w;
                    x[r * len + o + x0..r * len + o + x1]
                        .copy_from_slice(&src[p * len + o + x0..p * len + o + x1]);
                }
            }
        }
        1.0 - ((y1 - y0) * (x1 - x0)) as f64 / (h * w) as f64
    }
}

/// Row `i`'s target becomes `lambda * own + (1 - lambda) * partner's` (partner `rows - 1 - i`).
fn mix_targets(target: &mut BatchTarget, rows: usize, lambda: f32) {
    match target {
        BatchTarget::Soft { probs, classes } => {
            let k = *classes;
            let src = probs.clone();
            for r in 0..rows {
                let p = rows - 1 - r;
                for j in 0..k {
                    probs[r * k + j] = lambda * src[r * k + j] + (1.0 - lambda) * src[p * k + j];
                }
            }
        }
        BatchTarget::Values(v) => {
            let src = v.clone();
            for r in 0..rows {
                v[r] = lambda * src[r] + (1.0 - lambda) * src[rows - 1 - r];
            }
        }
        BatchTarget::Classes(_) => unreachable!("mixed batches have soft targets"),
    }
}

#[cfg(test)]
mod tests;
