//! MNIST IDX files (LeCun's format: big-endian magic, dimension sizes, then u8 data), raw or
//! gzipped. Images are scaled to [0, 1].

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Dataset, Targets};
use crate::error::{InputError, read_file};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, InputError> {
    let raw = read_file(path)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| InputError::in_file(path, format!("corrupt gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses an IDX file with the expected magic number; returns the dimension sizes and the data.
fn parse(path: &Path, expected_magic: u32) -> Result<(Vec<usize>, Vec<u8>), InputError> {
    let bytes = read_maybe_gz(path)?;
    if bytes.len() < 4 {
        return Err(InputError::in_file(
            path,
            format!("{} bytes: too short for an IDX header", bytes.len()),
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if magic != expected_magic {
        return Err(InputError::in_file(
            path,
            format!(
                "wrong IDX magic number 0x{magic:08x}: expected 0x{expected_magic:08x} ({})",
                if expected_magic == IMAGES_MAGIC {
                    "u8 images, 3 dimensions"
                } else {
                    "u8 labels, 1 dimension"
                }
            ),
        ));
    }
    let ndim = (magic & 0xff) as usize;
    let header = 4 + 4 * ndim;
    if bytes.len() < header {
        return Err(InputError::in_file(
            path,
            format!(
                "truncated IDX header: expected {header} bytes, file has {}",
                bytes.len()
            ),
        ));
    }
    let dims: Vec<usize> = (0..ndim)
        .map(|i| u32::from_be_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap()) as usize)
        .collect();
    // Checked: a header whose sizes multiply past the address space must not wrap around to
    // the file's length (it would then claim billions of samples).
    let expected = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let have = bytes.len() - header;
    if expected != Some(have) {
        let expected = expected.map_or("more than can be addressed".into(), |e| e.to_string());
        let shape: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
        return Err(InputError::in_file(
            path,
            format!(
                "size does not match the IDX header: header says {} = {expected} bytes of data, file has {have}",
                shape.join("x")
            ),
        ));
    }
    Ok((dims, bytes[header..].to_vec()))
}

/// Finds `<prefix>-images-idx3-ubyte[.gz]` / `<prefix>-labels-idx1-ubyte[.gz]` in a folder.
pub fn find_pair(dir: &Path, prefix: &str) -> Option<(PathBuf, PathBuf)> {
    let pick = |stem: String| {
        [dir.join(&stem), dir.join(format!("{stem}.gz"))]
            .into_iter()
            .find(|p| p.is_file())
    };
    Some((
        pick(format!("{prefix}-images-idx3-ubyte"))?,
        pick(format!("{prefix}-labels-idx1-ubyte"))?,
    ))
}

/// The labels file that sits beside an images file (`...-images-idx3-ubyte` →
/// `...-labels-idx1-ubyte`).
pub fn labels_beside(images: &Path) -> Option<PathBuf> {
    let name = images.file_name()?.to_str()?;
    let other = name.replace("images-idx3", "labels-idx1");
    (other != name)
        .then(|| images.with_file_name(other))
        .filter(|p| p.is_file())
}

/// Loads images (and labels, when given) into a dataset of `[1, rows, cols]` samples.
pub fn load(images: &Path, labels: Option<&Path>) -> Result<Dataset, InputError> {
    let (dims, data) = parse(images, IMAGES_MAGIC)?;
    if dims.len() != 3 {
        return Err(InputError::in_file(
            images,
            "expected 3 dimensions (count, rows, cols)",
        ));
    }
    let (n, rows, cols) = (dims[0], dims[1], dims[2]);
    if n == 0 {
        return Err(InputError::in_file(images, "no images: the header says 0"));
    }
    // Images of no pixels hold no data, whatever count the header claims (a fuzzed header
    // claimed 4 billion of them).
    if rows == 0 || cols == 0 {
        return Err(InputError::in_file(
            images,
            format!("images of {rows}x{cols} pixels: the header says there is nothing to read"),
        ));
    }
    let targets = match labels {
        Some(lp) => {
            let (ldims, ldata) = parse(lp, LABELS_MAGIC)?;
            if ldims[0] != n {
                return Err(InputError::in_file(
                    lp,
                    format!("{} labels for {n} images in {}", ldims[0], images.display()),
                ));
            }
            Targets::Labels(ldata.iter().map(|l| l.to_string()).collect())
        }
        None => Targets::None,
    };
    Ok(Dataset {
        source: images.to_path_buf(),
        sample_shape: vec![1, rows, cols],
        feature_names: Vec::new(),
        target_name: None,
        x: data.iter().map(|&b| b as f32 / 255.0).collect(),
        targets,
        ids: (0..n).map(|i| i.to_string()).collect(),
        id_name: None,
        table: None,
        notes: Vec::new(),
    })
}
