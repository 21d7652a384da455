//! Image folders as they come: one subfolder of pictures per class, or a folder of pictures with
//! a `labels.csv` of (file, label) (Kaggle's layout), or (for prediction) a folder of pictures.
//! PNG and JPEG of any size and mode (grey, RGB, RGBA, palette): with `data.image_size` each is
//! resized (shorter side) and centre-cropped to a square of that side; transparency is laid on
//! white. Pixels are scaled to [0, 1], channel-major; colour when any picture has colour.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{DynamicImage, ImageReader, RgbImage};

use super::{Dataset, Targets};
use crate::error::InputError;

/// How to read an image folder (`[data]`'s `image_size`, `skip_bad`, `labels`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageOptions<'a> {
    /// Resize and centre-crop every picture to this side.
    pub size: Option<usize>,
    /// Skip pictures that do not decode (counted) instead of stopping.
    pub skip_bad: bool,
    /// The (file, label) CSV; default: the folder's `labels.csv`.
    pub labels: Option<&'a Path>,
    /// Channels to read (a trained model's); default: 3 when any picture has colour, else 1.
    pub channels: Option<usize>,
}

fn is_image(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("png" | "jpg" | "jpeg")
    )
}

pub(super) fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::in_file(dir, format!("cannot read folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

/// True when `dir` has a subfolder holding an image, or images of its own (with a `labels.csv`
/// to train on, or without one to predict).
pub fn looks_like_image_folder(dir: &Path) -> bool {
    let Ok(entries) = sorted_entries(dir) else {
        return false;
    };
    let has_images = |d: &Path| sorted_entries(d).is_ok_and(|f| f.iter().any(|p| is_image(p)));
    entries.iter().filter(|p| p.is_dir()).any(|d| has_images(d)) || has_images(dir)
}

/// One picture to read: its file, its label (when the folder has labels), its id.
#[derive(Debug, Clone)]
struct Item {
    file: PathBuf,
    label: Option<String>,
    id: String,
}

/// The pictures of a folder and their labels, by the folder's layout.
fn items(dir: &Path, o: &ImageOptions, require_labels: bool) -> Result<Vec<Item>, InputError> {
    let labels = o
        .labels
        .map(Path::to_path_buf)
        .or_else(|| Some(dir.join("labels.csv")).filter(|p| p.is_file()));
    if let Some(csv) = labels {
        return labelled_items(dir, &csv);
    }
    let entries = sorted_entries(dir)?;
    let mut out = Vec::new();
    for class_dir in entries.iter().filter(|p| p.is_dir()) {
        let class = class_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?");
        for file in sorted_entries(class_dir)?
            .into_iter()
            .filter(|p| is_image(p))
        {
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            out.push(Item {
                id: format!("{class}/{name}"),
                label: Some(class.to_string()),
                file,
            });
        }
    }
    if out.is_empty() && !require_labels {
        // A flat folder of pictures to predict.
        for file in entries.into_iter().filter(|p| is_image(p)) {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("?")
                .to_string();
            out.push(Item {
                id: name,
                label: None,
                file,
            });
        }
    }
    if out.is_empty() {
        return Err(InputError::in_file(
            dir,
            "no images found: expected one subfolder per class with PNG or JPEG files, or pictures with a labels.csv (file, label)",
        ));
    }
    Ok(out)
}

/// The file a `labels.csv` row names: as written, relative to the images' folder (or its
/// `images/` or `train/` subfolder), with `.png` / `.jpg` / `.jpeg` added when it has no
/// extension.
fn resolve(dir: &Path, name: &str) -> Option<PathBuf> {
    let bases = [dir.to_path_buf(), dir.join("images"), dir.join("train")];
    for base in &bases {
        let p = base.join(name);
        if p.is_file() {
            return Some(p);
        }
        if Path::new(name).extension().is_none() {
            for ext in ["png", "jpg", "jpeg"] {
                let p = base.join(format!("{name}.{ext}"));
                if p.is_file() {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// The pictures a `labels.csv` names: its file column (`file`, `filename`, `image`, `id`,
/// `path`, else the first) and its label column (`label`, `class`, `target`, `category`, else
/// the second). A file that is not there is an error naming the line.
fn labelled_items(dir: &Path, csv: &Path) -> Result<Vec<Item>, InputError> {
    let (header, rows) = super::csv::table(csv)?;
    if header.len() < 2 {
        return Err(InputError::in_file(
            csv,
            format!("expected two columns (file, label), found {}", header.len()),
        )
        .line(1));
    }
    let find = |names: &[&str], default: usize| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
            .unwrap_or(default)
    };
    let f = find(
        &[
            "file",
            "filename",
            "file_name",
            "image",
            "image_id",
            "id",
            "path",
        ],
        0,
    );
    let l = find(
        &["label", "class", "target", "category", "labels"],
        if f == 0 { 1 } else { 0 },
    );
    let mut out = Vec::with_capacity(rows.len());
    for (line, r) in rows {
        let name = r[f].trim();
        let file = resolve(dir, name).ok_or_else(|| {
            InputError::in_file(
                csv,
                format!("names `{name}`, which is not in {}", dir.display()),
            )
            .line(line)
            .column(header[f].clone())
        })?;
        let label = r[l].trim();
        if label.is_empty() {
            return Err(InputError::in_file(csv, "empty label: expected a class")
                .line(line)
                .column(header[l].clone()));
        }
        out.push(Item {
            id: name.to_string(),
            label: Some(label.to_string()),
            file,
        });
    }
    Ok(out)
}

/// A picture's size and mode, read from its header without decoding it.
fn header_of(file: &Path) -> Result<(u32, u32, &'static str), String> {
    let reader = ImageReader::open(file)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    use image::ImageDecoder;
    let (w, h) = decoder.dimensions();
    let palette = png_palette(file);
    let mode = match decoder.color_type() {
        _ if palette => "palette",
        image::ColorType::L8 | image::ColorType::L16 => "grey",
        image::ColorType::La8 | image::ColorType::La16 => "grey+alpha",
        c if c.has_alpha() => "RGBA",
        _ => "RGB",
    };
    Ok((w, h, mode))
}

/// Whether a PNG stores palette indices (its IHDR colour type is 3).
fn png_palette(file: &Path) -> bool {
    let mut head = [0u8; 26];
    std::fs::File::open(file)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head.starts_with(b"\x89PNG")
        && head[25] == 3
}

/// What `init` reports about an image folder: pictures, their sizes and modes.
#[derive(Debug, Clone)]
pub struct Survey {
    pub count: usize,
    /// Each readable picture's (width, height).
    pub sizes: Vec<(u32, u32)>,
    /// Mode → pictures.
    pub modes: std::collections::BTreeMap<&'static str, usize>,
    /// Pictures whose header does not read.
    pub unreadable: Vec<PathBuf>,
}

impl Survey {
    /// A side to resize to: the median shorter side, a multiple of 8 between 16 and 128 (small
    /// enough to train on a CPU; raise it on a GPU). `None` when all pictures share one size.
    pub fn proposed_size(&self) -> Option<usize> {
        let first = self.sizes.first()?;
        if self.sizes.iter().all(|s| s == first) {
            return None;
        }
        let mut short: Vec<u32> = self.sizes.iter().map(|(w, h)| *w.min(h)).collect();
        short.sort_unstable();
        let median = short[short.len() / 2] as usize;
        Some((median / 8 * 8).clamp(16, 128))
    }
}

/// The pictures' sizes and modes, from their headers.
pub fn survey(dir: &Path, o: &ImageOptions) -> Result<Survey, InputError> {
    let items = items(dir, o, true)?;
    let mut s = Survey {
        count: items.len(),
        sizes: Vec::new(),
        modes: Default::default(),
        unreadable: Vec::new(),
    };
    for it in &items {
        match header_of(&it.file) {
            Ok((w, h, mode)) => {
                s.sizes.push((w, h));
                *s.modes.entry(mode).or_default() += 1;
            }
            Err(_) => s.unreadable.push(it.file.clone()),
        }
    }
    Ok(s)
}

/// A decoded picture as RGB or grey, transparency laid on white.
fn flatten(img: DynamicImage) -> DynamicImage {
    if !img.color().has_alpha() {
        return img;
    }
    let rgba = img.to_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (p, q) in rgba.pixels().zip(rgb.pixels_mut()) {
        let a = p[3] as u32;
        for c in 0..3 {
            q[c] = ((p[c] as u32 * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    if img.color().has_color() {
        DynamicImage::ImageRgb8(rgb)
    } else {
        DynamicImage::ImageLuma8(DynamicImage::ImageRgb8(rgb).to_luma8())
    }
}

/// Loads an image folder. `require_labels = false` also takes a flat folder of pictures
/// (unlabelled, for prediction).
pub fn load(dir: &Path, o: &ImageOptions, require_labels: bool) -> Result<Dataset, InputError> {
    let items = items(dir, o, require_labels)?;
    let channels = match o.channels {
        Some(c) => c,
        None if items.iter().any(|it| {
            header_of(&it.file).is_ok_and(|(_, _, m)| m != "grey" && m != "grey+alpha")
        }) =>
        {
            3
        }
        None => 1,
    };
    let mut x = Vec::new();
    let mut labels = Vec::new();
    let mut ids = Vec::new();
    let mut skipped = Vec::new();
    let mut shape: Option<(u32, u32, PathBuf)> = None;
    for it in items {
        let img = match image::open(&it.file) {
            Ok(img) => flatten(img),
            Err(_) if o.skip_bad => {
                skipped.push(it.file);
                continue;
            }
            Err(e) => {
                return Err(InputError::in_file(
                    &it.file,
                    format!(
                        "cannot decode image: {e} (data.skip_bad = true skips such pictures, counted)"
                    ),
                ));
            }
        };
        let img = match o.size {
            Some(s) => img.resize_to_fill(s as u32, s as u32, FilterType::Triangle),
            None => img,
        };
        let (w, h) = (img.width(), img.height());
        match &shape {
            Some((sw, sh, first)) if (w, h) != (*sw, *sh) => {
                return Err(InputError::in_file(
                    &it.file,
                    format!(
                        "image is {w}x{h} but {} is {sw}x{sh}: set data.image_size to resize every picture to one size (`tuneup init` proposes one)",
                        first.display()
                    ),
                ));
            }
            Some(_) => {}
            None => shape = Some((w, h, it.file.clone())),
        }
        push_pixels(&mut x, &img, channels);
        if let Some(l) = it.label {
            labels.push(l);
        }
        ids.push(it.id);
    }
    let Some((w, h, _)) = shape else {
        return Err(InputError::in_file(
            dir,
            format!("none of the {} pictures decodes", skipped.len()),
        ));
    };
    let targets = if labels.is_empty() {
        Targets::None
    } else {
        Targets::Labels(labels)
    };
    let notes = if skipped.is_empty() {
        Vec::new()
    } else {
        let names: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        vec![format!(
            "skipped {} picture(s) that do not decode (data.skip_bad): {}{}",
            skipped.len(),
            names.join(", "),
            if skipped.len() > 3 { " ..." } else { "" }
        )]
    };
    Ok(Dataset {
        source: dir.to_path_buf(),
        sample_shape: vec![channels, h as usize, w as usize],
        feature_names: Vec::new(),
        target_name: None,
        x,
        targets,
        ids,
        id_name: None,
        table: None,
        notes,
    })
}

/// A picture's pixels in [0, 1], channel-major [c, h, w].
fn push_pixels(x: &mut Vec<f32>, img: &DynamicImage, channels: usize) {
    if channels == 1 {
        x.extend(img.to_luma8().as_raw().iter().map(|&b| b as f32 / 255.0));
    } else {
        let rgb = img.to_rgb8();
        let raw = rgb.as_raw();
        for c in 0..3 {
            x.extend(raw.iter().skip(c).step_by(3).map(|&b| b as f32 / 255.0));
        }
    }
}
