//! Text as models read it: a tokenizer fitted on the training split's texts (tuneup's word
//! tokenizer, or a subword one from Hugging Face's `tokenizers`), kept with the run so that new
//! text gets the same ids; each sample's text columns as one sequence of ids (a separator
//! between columns), cut to `max_len` and padded with 0. Token augmentation is in
//! [`augment`], length statistics for `init` in [`lengths`].

pub mod augment;
pub mod subword;
pub mod word;

use std::path::Path;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::InputError;
use crate::spec::{Normalization, TextSpec, TokenizerKind, Truncate};
use crate::table::{MISSING, RawCol, RawTable};
use word::WordVocab;

/// Padding (also an empty text's only id).
pub const PAD: u32 = 0;
/// A token the vocabulary does not have.
pub const UNK: u32 = 1;
/// Between two text columns of one sample.
pub const SEP: u32 = 2;
/// The first id of a real token.
pub const FIRST_TOKEN: u32 = 3;

/// A text as the tokenizer sees it: Unicode-normalised, lowercased when asked.
pub fn normalize(text: &str, spec: &TextSpec) -> String {
    let t: String = match spec.normalize {
        Normalization::Nfkc => text.nfkc().collect(),
        Normalization::Nfc => text.nfc().collect(),
        Normalization::None => text.to_string(),
    };
    if spec.lowercase { t.to_lowercase() } else { t }
}

/// A fitted tokenizer's vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "vocab")]
pub enum Vocab {
    Word(WordVocab),
    /// A Hugging Face tokenizer, as its JSON.
    Subword {
        json: String,
    },
}

/// The text columns' tokenizer, fitted on the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextFit {
    /// The settings it was fitted with (`[data.text]`).
    pub spec: TextSpec,
    /// The text columns, joined in this order (a separator between them).
    pub columns: Vec<String>,
    pub vocab: Vocab,
    /// Ids in use: the model's embedding rows.
    pub size: usize,
}

impl TextFit {
    /// Fits the tokenizer on the training rows' texts (one string per text column per row); a
    /// tokenizer file named in `spec.file` is read instead.
    pub fn fit(
        spec: &TextSpec,
        columns: Vec<String>,
        rows: &[Vec<&str>],
    ) -> Result<TextFit, InputError> {
        let texts: Vec<String> = rows
            .iter()
            .flat_map(|r| r.iter().map(|t| normalize(t, spec)))
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vocab = match (&spec.file, spec.tokenizer) {
            (Some(file), _) => Vocab::Subword {
                json: read_tokenizer(file, spec)?,
            },
            (None, TokenizerKind::Word) => Vocab::Word(WordVocab::fit(
                refs.iter().copied(),
                spec.vocab_size,
                spec.min_count,
            )),
            (None, kind) => {
                let tk = subword::train(kind, &refs, spec.vocab_size)
                    .map_err(|e| InputError::new(e).key("data.text.tokenizer"))?;
                Vocab::Subword {
                    json: tk
                        .to_string(false)
                        .map_err(|e| InputError::new(e.to_string()))?,
                }
            }
        };
        let size = match &vocab {
            Vocab::Word(w) => FIRST_TOKEN as usize + w.words.len(),
            Vocab::Subword { json } => subword::size(&parse(json)?),
        };
        Ok(TextFit {
            spec: spec.clone(),
            columns,
            vocab,
            size,
        })
    }

    /// Each row's ids: its columns' tokens joined by [`SEP`], cut to `max_len` as
    /// `spec.truncate` says (not padded).
    pub fn ids(&self, rows: &[Vec<&str>]) -> Result<Vec<Vec<u32>>, InputError> {
        let ncol = self.columns.len();
        let texts: Vec<String> = rows
            .iter()
            .flat_map(|r| r.iter().map(|t| normalize(t, &self.spec)))
            .collect();
        let per_text: Vec<Vec<u32>> = match &self.vocab {
            Vocab::Word(w) => {
                let mut w = w.clone();
                w.reindex();
                texts.iter().map(|t| w.ids(t)).collect()
            }
            Vocab::Subword { json } => {
                let tk = parse(json)?;
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                subword::ids(&tk, &refs).map_err(InputError::new)?
            }
        };
        Ok(per_text
            .chunks(ncol.max(1))
            .map(|cols| {
                let mut ids = Vec::new();
                for (k, c) in cols.iter().enumerate() {
                    if k > 0 {
                        ids.push(SEP);
                    }
                    ids.extend_from_slice(c);
                }
                cut(ids, self.spec.max_len, self.spec.truncate)
            })
            .collect())
    }

    /// Each id's token text (`[PAD]`, `[UNK]`, `[SEP]` for the special ones; `[UNK]` for an id
    /// the vocabulary does not have). A subword tokenizer is read back once for all of them.
    pub fn tokens(&self, ids: &[u32]) -> Vec<String> {
        let subword = match &self.vocab {
            Vocab::Subword { json } => parse(json).ok(),
            Vocab::Word(_) => None,
        };
        ids.iter()
            .map(|&id| {
                if id < FIRST_TOKEN {
                    return subword::SPECIAL[id as usize].to_string();
                }
                let t = match &self.vocab {
                    Vocab::Word(w) => w.token(id).map(str::to_string),
                    Vocab::Subword { .. } => subword.as_ref().and_then(|t| t.id_to_token(id)),
                };
                t.unwrap_or_else(|| subword::SPECIAL[UNK as usize].to_string())
            })
            .collect()
    }

    /// Ids back to readable text (padding dropped), for previews and reports.
    pub fn decode(&self, ids: &[u32]) -> String {
        let real: Vec<u32> = ids.iter().copied().filter(|&i| i != PAD).collect();
        let toks = self.tokens(&real);
        if toks.iter().any(|t| t.starts_with(subword::METASPACE)) {
            let glued: String = toks.concat();
            return glued.replace(subword::METASPACE, " ").trim().to_string();
        }
        let mut out = String::new();
        for t in toks {
            // WordPiece continues a word with `##`.
            if let Some(rest) = t.strip_prefix("##") {
                out.push_str(rest);
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t);
        }
        out
    }

    /// The tokenizer as Hugging Face's `tokenizer.json` (a subword one), or a word list, one
    /// per line after the special tokens (the word tokenizer): what a run writes beside its
    /// model.
    pub fn file_text(&self) -> (String, &'static str) {
        match &self.vocab {
            Vocab::Subword { json } => (json.clone(), "tokenizer.json"),
            Vocab::Word(w) => {
                let mut s: String = subword::SPECIAL.iter().map(|t| format!("{t}\n")).collect();
                for word in &w.words {
                    s.push_str(word);
                    s.push('\n');
                }
                (s, "vocab.txt")
            }
        }
    }
}

fn parse(json: &str) -> Result<tokenizers::Tokenizer, InputError> {
    json.parse::<tokenizers::Tokenizer>()
        .map_err(|e| InputError::new(format!("the run's tokenizer does not read back: {e}")))
}

/// A tokenizer file (`[data.text] file`): Hugging Face's JSON with the padding, unknown and
/// separator tokens at ids 0, 1, 2 and no more ids than `vocab_size`.
fn read_tokenizer(path: &Path, spec: &TextSpec) -> Result<String, InputError> {
    let bytes = crate::error::read_file(path)?;
    let json = String::from_utf8(bytes)
        .map_err(|_| InputError::in_file(path, "not UTF-8 text: expected a tokenizer.json"))?;
    let tk = json.parse::<tokenizers::Tokenizer>().map_err(|e| {
        InputError::in_file(
            path,
            format!("not a tokenizer file ({e}): expected Hugging Face's tokenizer.json, such as a text run writes into its folder"),
        )
        .key("data.text.file")
    })?;
    subword::check_specials(&tk).map_err(|e| InputError::in_file(path, e).key("data.text.file"))?;
    let n = subword::size(&tk);
    if n > spec.vocab_size {
        return Err(InputError::in_file(
            path,
            format!(
                "the tokenizer has {n} ids but data.text.vocab_size is {}: it does not match the model (set vocab_size to at least {n}, or train a tokenizer on this data)",
                spec.vocab_size
            ),
        )
        .key("data.text.vocab_size"));
    }
    Ok(json)
}

/// `ids` cut to `max` tokens: the first, the last, or half of each.
pub fn cut(ids: Vec<u32>, max: usize, how: Truncate) -> Vec<u32> {
    if ids.len() <= max {
        return ids;
    }
    match how {
        Truncate::Head => ids[..max].to_vec(),
        Truncate::Tail => ids[ids.len() - max..].to_vec(),
        Truncate::Both => {
            let head = max.div_ceil(2);
            let tail = max - head;
            let mut v = ids[..head].to_vec();
            v.extend_from_slice(&ids[ids.len() - tail..]);
            v
        }
    }
}

/// Each row's texts, one per column (a missing cell is an empty text).
pub fn rows_of<'a>(table: &'a RawTable, cols: &[String]) -> Result<Vec<Vec<&'a str>>, InputError> {
    let mut per_col = Vec::with_capacity(cols.len());
    for name in cols {
        let Some(i) = table.position(name) else {
            return Err(InputError::in_file(
                &table.source,
                format!("no text column `{name}`, which the model was trained with"),
            ));
        };
        per_col.push(&table.cols[i]);
    }
    Ok((0..table.len())
        .map(|r| {
            per_col
                .iter()
                .map(|c| match c {
                    RawCol::Str(codes, levels) if codes[r] != MISSING => {
                        levels[codes[r] as usize].as_str()
                    }
                    _ => "",
                })
                .collect()
        })
        .collect())
}

/// Token counts of texts by the word tokenizer: what `init` reports, and the maximum length it
/// proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct Lengths {
    pub texts: usize,
    pub empty: usize,
    /// The 50th, 90th, 95th and 99th percentiles and the longest.
    pub p50: usize,
    pub p90: usize,
    pub p95: usize,
    pub p99: usize,
    pub max: usize,
}

pub fn lengths<'a>(texts: impl Iterator<Item = &'a str>) -> Lengths {
    let spec = TextSpec::default();
    let mut n: Vec<usize> = texts
        .map(|t| word::split(&normalize(t, &spec)).len())
        .collect();
    n.sort_unstable();
    let q = |p: f64| -> usize {
        if n.is_empty() {
            0
        } else {
            n[((n.len() - 1) as f64 * p).round() as usize]
        }
    };
    Lengths {
        texts: n.len(),
        empty: n.iter().filter(|&&k| k == 0).count(),
        p50: q(0.5),
        p90: q(0.9),
        p95: q(0.95),
        p99: q(0.99),
        max: n.last().copied().unwrap_or(0),
    }
}

impl Lengths {
    /// A maximum length covering 90% of the texts whole: the 90th percentile rounded up to a
    /// multiple of 32, between 32 and 1024.
    pub fn proposed_max_len(&self) -> usize {
        (self.p90.div_ceil(32) * 32).clamp(32, 1024)
    }
}

#[cfg(test)]
mod tests;
