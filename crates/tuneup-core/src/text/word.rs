//! The word tokenizer: runs of letters and digits are words, every other visible character is a
//! token of its own (`$`, `!` and `@` say a lot about spam); the most frequent words of the
//! training texts form the vocabulary.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::FIRST_TOKEN;

/// Words of a normalised text, in order.
pub fn split(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() || c == '_' {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            out.push(&text[s..i]);
        }
        if !c.is_whitespace() && !c.is_control() {
            out.push(&text[i..i + c.len_utf8()]);
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// The vocabulary: word `words[k]` has id `FIRST_TOKEN + k`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordVocab {
    pub words: Vec<String>,
    #[serde(skip)]
    index: HashMap<String, u32>,
}

impl WordVocab {
    /// The words seen in at least `min_count` texts, most frequent first (ties: first seen
    /// first), at most `size` ids in all.
    pub fn fit<'a>(
        texts: impl Iterator<Item = &'a str>,
        size: usize,
        min_count: usize,
    ) -> WordVocab {
        // Document frequency and the first text each word appears in.
        let mut df: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut seen: Vec<&str> = Vec::new();
        for (t, text) in texts.enumerate() {
            seen.clear();
            seen.extend(split(text));
            seen.sort_unstable();
            seen.dedup();
            for w in &seen {
                df.entry(w).or_insert((0, t)).0 += 1;
            }
        }
        let mut kept: Vec<(&str, usize, usize)> = df
            .into_iter()
            .filter(|(_, (n, _))| *n >= min_count)
            .map(|(w, (n, first))| (w, n, first))
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(b.0)));
        kept.truncate(size.saturating_sub(FIRST_TOKEN as usize));
        WordVocab::new(kept.into_iter().map(|(w, _, _)| w.to_string()).collect())
    }

    pub fn new(words: Vec<String>) -> WordVocab {
        let index = words
            .iter()
            .enumerate()
            .map(|(k, w)| (w.clone(), FIRST_TOKEN + k as u32))
            .collect();
        WordVocab { words, index }
    }

    /// Rebuilds the lookup after deserialising.
    pub fn reindex(&mut self) {
        if self.index.len() != self.words.len() {
            *self = WordVocab::new(std::mem::take(&mut self.words));
        }
    }

    /// Ids of a normalised text (unknown words: [`super::UNK`]).
    pub fn ids(&self, text: &str) -> Vec<u32> {
        split(text)
            .into_iter()
            .map(|w| self.index.get(w).copied().unwrap_or(super::UNK))
            .collect()
    }

    pub fn token(&self, id: u32) -> Option<&str> {
        id.checked_sub(FIRST_TOKEN)
            .and_then(|k| self.words.get(k as usize))
            .map(String::as_str)
    }
}
