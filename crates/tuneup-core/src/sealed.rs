//! Files tuneup writes and reads back itself (checkpoints, optimizer state, resume state) are
//! sealed: a header with a magic, the payload's length and its CRC-32 goes before the payload,
//! and the whole is written atomically (`fsio`). Reading checks both, so a truncated or
//! bit-flipped file is an error naming it, never a panic or a silently wrong model. Files
//! written before sealing (no magic) are read as they are.

use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"tuneupS1";
const HEADER: usize = 8 + 8 + 4;

/// A sealed file that does not hold what was written.
#[derive(Debug, thiserror::Error)]
#[error("{} is damaged: {why} (truncated or changed after tuneup wrote it)", path.display())]
pub struct Damaged {
    pub path: PathBuf,
    pub why: String,
}

/// Why a sealed read failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Damaged(#[from] Damaged),
}

/// The bytes of a sealed file for `payload`.
pub fn seal(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of `bytes` read from `path`: checked when sealed, as it is otherwise.
pub fn unseal(path: &Path, mut bytes: Vec<u8>) -> Result<Vec<u8>, Damaged> {
    if !bytes.starts_with(MAGIC) {
        // A prefix of the magic is a sealed file cut inside its header.
        if !bytes.is_empty() && bytes.len() < MAGIC.len() && MAGIC.starts_with(&bytes) {
            return Err(damaged(path, "cut inside its header"));
        }
        return Ok(bytes);
    }
    if bytes.len() < HEADER {
        return Err(damaged(path, "cut inside its header"));
    }
    let len = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default()) as usize;
    let crc = u32::from_le_bytes(bytes[16..20].try_into().unwrap_or_default());
    let have = bytes.len() - HEADER;
    if have != len {
        return Err(damaged(
            path,
            &format!("{have} bytes of content where {len} were written"),
        ));
    }
    if crc32fast::hash(&bytes[HEADER..]) != crc {
        return Err(damaged(path, "its checksum does not match its content"));
    }
    bytes.drain(..HEADER);
    Ok(bytes)
}

fn damaged(path: &Path, why: &str) -> Damaged {
    Damaged {
        path: path.to_path_buf(),
        why: why.to_string(),
    }
}

/// Writes `payload` sealed to `path`, whole or not at all.
pub fn write(path: &Path, payload: &[u8]) -> std::io::Result<()> {
    crate::fsio::write_atomic(path, &seal(payload))
}

/// Reads the payload of the sealed file at `path`.
pub fn read(path: &Path) -> Result<Vec<u8>, SealError> {
    let bytes = std::fs::read(path).map_err(|source| SealError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(unseal(path, bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cut_and_every_flipped_bit_is_caught() {
        let p = Path::new("x.bpk");
        let payload: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
        let sealed = seal(&payload);
        assert_eq!(unseal(p, sealed.clone()).unwrap(), payload);
        for cut in 1..sealed.len() {
            assert!(unseal(p, sealed[..cut].to_vec()).is_err(), "cut at {cut}");
        }
        for byte in 0..sealed.len() {
            for bit in 0..8 {
                let mut b = sealed.clone();
                b[byte] ^= 1 << bit;
                let r = unseal(p, b);
                // A flip inside the magic makes it an unsealed file of other bytes; every
                // other flip is caught.
                if byte >= MAGIC.len() {
                    assert!(r.is_err(), "flip at byte {byte} bit {bit}");
                }
            }
        }
        // An unsealed (older) file is read as it is.
        assert_eq!(unseal(p, b"burnpack".to_vec()).unwrap(), b"burnpack");
        let e = unseal(p, sealed[..50].to_vec()).unwrap_err().to_string();
        assert!(
            e.contains("x.bpk is damaged") && e.contains("where 300 were written"),
            "{e}"
        );
    }
}
