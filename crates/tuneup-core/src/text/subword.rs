//! Subword tokenizers (BPE, WordPiece, unigram) trained with Hugging Face's `tokenizers` (pure
//! Rust, nothing fetched), kept as its JSON so that a run's tokenizer is a `tokenizer.json` any
//! of its tools read. Texts arrive normalised ([`super::normalize`]); the tokenizer splits them
//! into words (at spaces, SentencePiece's way; BERT's for WordPiece), then into subwords.

use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::models::unigram::{Unigram, UnigramTrainerBuilder};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
use tokenizers::models::{ModelWrapper, TrainerWrapper};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, Model, Tokenizer};

use crate::spec::TokenizerKind;

/// What marks a word's start in BPE and unigram pieces.
pub const METASPACE: char = '\u{2581}';

/// The special tokens, in id order: padding, unknown, separator.
pub const SPECIAL: [&str; 3] = ["[PAD]", "[UNK]", "[SEP]"];

fn specials() -> Vec<AddedToken> {
    SPECIAL
        .iter()
        .map(|s| AddedToken::from(s.to_string(), true))
        .collect()
}

/// Trains a tokenizer of `kind` (not [`TokenizerKind::Word`]) of at most `size` ids on
/// `texts`.
pub fn train(kind: TokenizerKind, texts: &[&str], size: usize) -> Result<Tokenizer, String> {
    let (model, mut trainer): (ModelWrapper, TrainerWrapper) = match kind {
        TokenizerKind::Bpe => (
            BPE::builder()
                .unk_token(SPECIAL[1].into())
                .build()
                .map_err(|e| e.to_string())?
                .into(),
            BpeTrainerBuilder::new()
                .vocab_size(size)
                .min_frequency(2)
                .show_progress(false)
                .special_tokens(specials())
                .build()
                .into(),
        ),
        TokenizerKind::Wordpiece => (
            WordPiece::builder()
                .unk_token(SPECIAL[1].into())
                .build()
                .map_err(|e| e.to_string())?
                .into(),
            WordPieceTrainerBuilder::new()
                .vocab_size(size)
                .min_frequency(2)
                .show_progress(false)
                .special_tokens(specials())
                .build()
                .into(),
        ),
        TokenizerKind::Unigram => (
            Unigram::default().into(),
            UnigramTrainerBuilder::default()
                .vocab_size(size as u32)
                .show_progress(false)
                .special_tokens(specials())
                .unk_token(Some(SPECIAL[1].into()))
                .build()
                .map_err(|e| e.to_string())?
                .into(),
        ),
        TokenizerKind::Word => unreachable!("the word tokenizer is tuneup's own"),
    };
    let mut tk = Tokenizer::new(model);
    if kind == TokenizerKind::Wordpiece {
        // BERT's: words and punctuation apart; a word's later pieces start with `##`.
        tk.with_pre_tokenizer(Some(Whitespace {}));
    } else {
        // SentencePiece's: split at spaces, each word's first piece starting with `▁`, so that
        // the pieces decode back to the text.
        tk.with_pre_tokenizer(Some(Metaspace::new(METASPACE, PrependScheme::Always, true)));
    }
    tk.train(&mut trainer, texts.iter().copied())
        .map_err(|e| format!("training the {} tokenizer: {e}", kind.as_str()))?;
    check_specials(&tk)?;
    Ok(tk)
}

/// The padding, unknown and separator tokens must have ids 0, 1 and 2.
pub fn check_specials(tk: &Tokenizer) -> Result<(), String> {
    for (id, s) in SPECIAL.iter().enumerate() {
        match tk.token_to_id(s) {
            Some(i) if i as usize == id => {}
            found => {
                return Err(format!(
                    "expected the special token {s} at id {id}, found {}",
                    found.map_or("none".to_string(), |i| format!("id {i}"))
                ));
            }
        }
    }
    Ok(())
}

/// Ids of many normalised texts.
pub fn ids(tk: &Tokenizer, texts: &[&str]) -> Result<Vec<Vec<u32>>, String> {
    let enc = tk
        .encode_batch(texts.to_vec(), false)
        .map_err(|e| e.to_string())?;
    Ok(enc.into_iter().map(|e| e.get_ids().to_vec()).collect())
}

/// Ids in the tokenizer's vocabulary.
pub fn size(tk: &Tokenizer) -> usize {
    tk.get_model().get_vocab_size()
}
