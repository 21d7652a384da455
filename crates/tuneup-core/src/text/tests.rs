use super::augment::TokenOps;
use super::*;
use crate::rng::Rng;

fn rows<'a>(texts: &[&'a str]) -> Vec<Vec<&'a str>> {
    texts.iter().map(|t| vec![*t]).collect()
}

const MAIL: [&str; 6] = [
    "Win FREE money now!!! Click http://spam.example/win",
    "Meeting moved to 3pm, see the agenda attached.",
    "FREE money: click now, offer ends today!",
    "Can you review the patch before the meeting?",
    "Cheap meds, FREE shipping, click here",
    "The build is green again; thanks for the patch.",
];

#[test]
fn words_split_on_punctuation_and_keep_it() {
    assert_eq!(
        word::split("free $$ money, now!"),
        vec!["free", "$", "$", "money", ",", "now", "!"]
    );
    assert_eq!(word::split("Ünïcödé  ﬁne"), vec!["Ünïcödé", "ﬁne"]);
    assert!(word::split("   \t\n").is_empty());
}

#[test]
fn normalisation_folds_compatibility_forms_and_case() {
    let spec = TextSpec::default();
    assert_eq!(normalize("ＦＲＥＥ ﬁne", &spec), "free fine");
    let keep = TextSpec {
        lowercase: false,
        normalize: Normalization::None,
        ..TextSpec::default()
    };
    assert_eq!(normalize("ＦＲＥＥ", &keep), "ＦＲＥＥ");
}

#[test]
fn word_vocabulary_is_frequent_words_first_and_deterministic() {
    let spec = TextSpec {
        min_count: 2,
        ..TextSpec::default()
    };
    let fit = TextFit::fit(&spec, vec!["text".into()], &rows(&MAIL)).unwrap();
    let Vocab::Word(w) = &fit.vocab else { panic!() };
    // "free" and "click" are in three texts each; words seen once are not kept.
    assert!(w.words[..3].contains(&"free".to_string()));
    assert!(!w.words.contains(&"agenda".to_string()));
    assert_eq!(fit.size, FIRST_TOKEN as usize + w.words.len());
    let again = TextFit::fit(&spec, vec!["text".into()], &rows(&MAIL)).unwrap();
    assert_eq!(fit, again);
    // Unknown words are UNK; the same text gives the same ids after a JSON round trip.
    let ids = fit.ids(&rows(&["free agenda"])).unwrap();
    assert_eq!(ids[0][1], UNK);
    let back: TextFit = serde_json::from_str(&serde_json::to_string(&fit).unwrap()).unwrap();
    assert_eq!(
        back.ids(&rows(&MAIL)).unwrap(),
        fit.ids(&rows(&MAIL)).unwrap()
    );
    assert_eq!(back.decode(&ids[0]), "free [UNK]");
}

#[test]
fn columns_join_with_a_separator_and_long_texts_are_cut() {
    let spec = TextSpec {
        min_count: 1,
        max_len: 4,
        ..TextSpec::default()
    };
    let fit = TextFit::fit(&spec, vec!["a".into(), "b".into()], &[vec!["x y", "z"]]).unwrap();
    let ids = fit.ids(&[vec!["x y", "z"]]).unwrap();
    assert_eq!(ids[0].len(), 4);
    assert_eq!(ids[0][2], SEP);
    let v: Vec<u32> = (10..20).collect();
    assert_eq!(cut(v.clone(), 4, Truncate::Head), vec![10, 11, 12, 13]);
    assert_eq!(cut(v.clone(), 4, Truncate::Tail), vec![16, 17, 18, 19]);
    assert_eq!(cut(v.clone(), 5, Truncate::Both), vec![10, 11, 12, 18, 19]);
    assert_eq!(cut(vec![1, 2], 5, Truncate::Both), vec![1, 2]);
}

#[test]
fn subword_tokenizers_train_with_the_special_ids_first() {
    let many: Vec<String> = (0..200)
        .map(|i| format!("{} number {i}", MAIL[i % MAIL.len()]))
        .collect();
    let texts: Vec<Vec<&str>> = many.iter().map(|t| vec![t.as_str()]).collect();
    for kind in [
        TokenizerKind::Bpe,
        TokenizerKind::Wordpiece,
        TokenizerKind::Unigram,
    ] {
        let spec = TextSpec {
            tokenizer: kind,
            vocab_size: 300,
            ..TextSpec::default()
        };
        let fit = TextFit::fit(&spec, vec!["text".into()], &texts).unwrap();
        assert!(fit.size <= 300 && fit.size > 20, "{kind:?}: {}", fit.size);
        let ids = fit.ids(&texts[..2]).unwrap();
        assert!(
            ids[0]
                .iter()
                .all(|&i| i >= FIRST_TOKEN && (i as usize) < fit.size)
        );
        assert_eq!(fit.tokens(&[0, 2]), ["[PAD]", "[SEP]"]);
        // Decoded text has the original's words.
        assert!(
            fit.decode(&ids[0]).contains("money"),
            "{kind:?}: {}",
            fit.decode(&ids[0])
        );
    }
}

#[test]
fn a_tokenizer_file_must_be_one_and_fit_the_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<Vec<&str>> = MAIL.iter().cycle().take(60).map(|t| vec![*t]).collect();
    let spec = TextSpec {
        tokenizer: TokenizerKind::Bpe,
        vocab_size: 200,
        ..TextSpec::default()
    };
    let fit = TextFit::fit(&spec, vec!["t".into()], &many).unwrap();
    let (json, name) = fit.file_text();
    assert_eq!(name, "tokenizer.json");
    let file = dir.path().join("tokenizer.json");
    std::fs::write(&file, &json).unwrap();
    let reuse = TextSpec {
        file: Some(file.clone()),
        ..spec.clone()
    };
    let again = TextFit::fit(&reuse, vec!["t".into()], &many).unwrap();
    assert_eq!(again.ids(&many).unwrap(), fit.ids(&many).unwrap());
    // Too many ids for the model's vocabulary.
    let small = TextSpec {
        vocab_size: 10,
        ..reuse.clone()
    };
    let e = TextFit::fit(&small, vec!["t".into()], &many)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tokenizer.json") && e.contains("vocab_size"),
        "{e}"
    );
    // Not a tokenizer.
    std::fs::write(&file, "{\"weights\": [1, 2]}").unwrap();
    let e = TextFit::fit(&reuse, vec!["t".into()], &many)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a tokenizer file"), "{e}");
}

#[test]
fn token_augmentation_is_seeded_and_keeps_the_block_length() {
    let ops = TokenOps {
        dropout: 0.1,
        delete: 0.1,
        swap: 0.1,
        insert: 0.1,
    };
    let block: Vec<f32> = (3..23).map(|i| i as f32).chain([0.0; 12]).collect();
    let run = |seed| {
        let mut b = block.clone();
        ops.apply(&mut b, &mut Rng::new(seed));
        b
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    assert_eq!(run(1).len(), block.len());
    // Deletion only: fewer tokens, in their order.
    let del = TokenOps {
        delete: 0.3,
        ..TokenOps::default()
    };
    let mut b = block.clone();
    del.apply(&mut b, &mut Rng::new(3));
    let kept: Vec<f32> = b.iter().copied().filter(|v| *v != 0.0).collect();
    assert!(kept.len() < 20 && !kept.is_empty());
    assert!(kept.windows(2).all(|w| w[0] < w[1]));
    // An empty text stays empty.
    let mut empty = vec![0.0; 8];
    ops.apply(&mut empty, &mut Rng::new(1));
    assert!(empty.iter().all(|v| *v == 0.0));
}

#[test]
fn lengths_propose_a_maximum_covering_most_texts() {
    let texts: Vec<String> = (0..100).map(|i| "w ".repeat(i)).collect();
    let l = lengths(texts.iter().map(String::as_str));
    assert_eq!((l.texts, l.empty, l.max), (100, 1, 99));
    assert_eq!(l.p90, 89);
    assert_eq!(l.proposed_max_len(), 96);
}
