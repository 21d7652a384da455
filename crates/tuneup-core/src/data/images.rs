//! An image folder: one subfolder per class holding PNG / JPEG files, grey or RGB, all the same
//! size. Pixels are scaled to [0, 1]; the channel count follows the first image (grey → 1, colour
//! → 3) and every image is converted to it.

use std::path::{Path, PathBuf};

use super::{Dataset, Targets};
use crate::error::InputError;

fn is_image(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("png" | "jpg" | "jpeg")
    )
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::in_file(dir, format!("cannot read folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

/// True when `dir` has at least one subfolder holding an image.
pub fn looks_like_image_folder(dir: &Path) -> bool {
    sorted_entries(dir)
        .map(|v| {
            v.iter().filter(|p| p.is_dir()).any(|d| {
                sorted_entries(d)
                    .map(|f| f.iter().any(|p| is_image(p)))
                    .unwrap_or(false)
            })
        })
        .unwrap_or(false)
}

pub fn load(dir: &Path) -> Result<Dataset, InputError> {
    let mut x = Vec::new();
    let mut labels = Vec::new();
    let mut ids = Vec::new();
    let mut shape: Option<(u32, u32, usize, PathBuf)> = None;
    for class_dir in sorted_entries(dir)?.into_iter().filter(|p| p.is_dir()) {
        let class = class_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        for file in sorted_entries(&class_dir)?
            .into_iter()
            .filter(|p| is_image(p))
        {
            let img = image::open(&file)
                .map_err(|e| InputError::in_file(&file, format!("cannot decode image: {e}")))?;
            let (w, h) = (img.width(), img.height());
            let channels = match &shape {
                Some((sw, sh, c, first)) => {
                    if (w, h) != (*sw, *sh) {
                        return Err(InputError::in_file(
                            &file,
                            format!(
                                "image is {w}x{h} but {} is {sw}x{sh}: all images must have the same size",
                                first.display()
                            ),
                        ));
                    }
                    *c
                }
                None => {
                    let c = if img.color().has_color() { 3 } else { 1 };
                    shape = Some((w, h, c, file.clone()));
                    c
                }
            };
            // Channel-major [c, h, w], as the CNN reads it.
            if channels == 1 {
                x.extend(img.to_luma8().as_raw().iter().map(|&b| b as f32 / 255.0));
            } else {
                let rgb = img.to_rgb8();
                let raw = rgb.as_raw();
                for c in 0..3 {
                    x.extend(raw.iter().skip(c).step_by(3).map(|&b| b as f32 / 255.0));
                }
            }
            labels.push(class.clone());
            ids.push(format!(
                "{class}/{}",
                file.file_name().and_then(|n| n.to_str()).unwrap_or("?")
            ));
        }
    }
    let Some((w, h, c, _)) = shape else {
        return Err(InputError::in_file(
            dir,
            "no images found: expected one subfolder per class with PNG or JPEG files",
        ));
    };
    Ok(Dataset {
        source: dir.to_path_buf(),
        sample_shape: vec![c, h as usize, w as usize],
        feature_names: Vec::new(),
        target_name: None,
        x,
        targets: Targets::Labels(labels),
        ids,
        id_name: None,
    })
}
