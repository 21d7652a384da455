//! `[data.text]`: how text columns become tokens (the tokenizer, its vocabulary, normalisation
//! and the maximum length), fitted on the training split and kept with the run.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::KeyError;

/// Which tokenizer is trained on the training split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenizerKind {
    /// Words (runs of letters and digits) and single punctuation marks, the most frequent
    /// `vocab_size` of them kept.
    #[default]
    Word,
    /// Byte-pair encoding (Sennrich et al. 2016), through Hugging Face's `tokenizers`.
    Bpe,
    /// WordPiece (BERT's subwords).
    Wordpiece,
    /// A unigram language model (Kudo 2018, SentencePiece's default).
    Unigram,
}

impl TokenizerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenizerKind::Word => "word",
            TokenizerKind::Bpe => "bpe",
            TokenizerKind::Wordpiece => "wordpiece",
            TokenizerKind::Unigram => "unigram",
        }
    }
}

/// Unicode normalisation before tokenizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalization {
    /// Compatibility composition: `ﬁ` → `fi`, full-width letters → ASCII, composed accents.
    #[default]
    Nfkc,
    /// Canonical composition only.
    Nfc,
    None,
}

/// Which tokens a text longer than `max_len` keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truncate {
    /// The first `max_len` tokens.
    #[default]
    Head,
    /// The last `max_len`.
    Tail,
    /// The first half and the last half (an e-mail's headers and its signature; Sun et al.
    /// 2019 found head + tail best for long reviews).
    Both,
}

/// `[data.text]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TextSpec {
    pub tokenizer: TokenizerKind,
    /// Token ids at most, the padding, unknown and separator tokens included.
    pub vocab_size: usize,
    pub lowercase: bool,
    pub normalize: Normalization,
    /// Tokens per sample at most (the model's sequence length).
    pub max_len: usize,
    pub truncate: Truncate,
    /// Word tokenizer: a word seen in fewer training texts than this is unknown.
    pub min_count: usize,
    /// A tokenizer file to use instead of training one (a `tokenizer.json` of Hugging Face's
    /// format, such as the one a text run writes into its folder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

impl Default for TextSpec {
    fn default() -> Self {
        TextSpec {
            tokenizer: TokenizerKind::Word,
            vocab_size: 20_000,
            lowercase: true,
            normalize: Normalization::Nfkc,
            max_len: 256,
            truncate: Truncate::Head,
            min_count: 2,
            file: None,
        }
    }
}

/// Largest vocabulary: ids travel as `f32` features, exact below 2^24.
pub const MAX_VOCAB: usize = 1 << 22;

impl TextSpec {
    pub(crate) fn validate(&self) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((format!("data.text.{k}"), m));
        if self.vocab_size < 4 || self.vocab_size > MAX_VOCAB {
            return err(
                "vocab_size",
                format!(
                    "expected a vocabulary of 4 to {MAX_VOCAB} tokens (padding, unknown and separator included), found {}",
                    self.vocab_size
                ),
            );
        }
        if self.max_len < 1 || self.max_len > 65_536 {
            return err(
                "max_len",
                format!(
                    "expected a maximum length of 1 to 65536 tokens, found {}",
                    self.max_len
                ),
            );
        }
        if self.min_count < 1 {
            return err(
                "min_count",
                "expected a count of at least 1 text, found 0".into(),
            );
        }
        Ok(())
    }
}
