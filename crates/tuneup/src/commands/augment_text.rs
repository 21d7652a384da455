//! `tuneup augment-preview` for text: a few training texts as the model reads them (tokens,
//! cut to `max_len`), each followed by what the token augmentation makes of it, draw by draw.

use serde_json::json;
use tuneup_core::augment::Augmenter;
use tuneup_core::data::{DataInfo, Part};
use tuneup_core::rng::Rng;
use tuneup_core::spec::Experiment;

/// Tokens shown per text.
const SHOWN: usize = 40;

pub fn preview(
    exp: &Experiment,
    info: &DataInfo,
    train: &Part,
    samples: usize,
    draws: usize,
    as_json: bool,
) {
    let Some(text) = info.text() else { return };
    let len = text.spec.max_len;
    let width: usize = info.sample_shape.iter().product();
    let aug = Augmenter::new(&exp.augment, info);
    let show = |block: &[f32]| -> String {
        let ids: Vec<u32> = block.iter().map(|v| *v as u32).take(SHOWN).collect();
        let more = block.iter().skip(SHOWN).any(|v| *v != 0.0);
        format!("{}{}", text.decode(&ids), if more { " ..." } else { "" })
    };
    let mut out = Vec::new();
    for s in 0..samples.min(train.len()) {
        let row = &train.x[s * width..(s + 1) * width];
        let original = show(&row[width - len..]);
        let augmented: Vec<String> = (0..draws)
            .map(|d| {
                let mut x = row.to_vec();
                aug.sample(&mut x, &mut Rng::derive(exp.seed, (s * 1000 + d) as u64));
                show(&x[width - len..])
            })
            .collect();
        out.push((train.ids[s].clone(), original, augmented));
    }
    if as_json {
        let rows: Vec<_> = out
            .iter()
            .map(|(id, o, a)| json!({"id": id, "original": o, "augmented": a}))
            .collect();
        println!(
            "{}",
            json!({"texts": rows, "augmentation": exp.augment.summary()})
        );
        return;
    }
    println!(
        "augmentation: {} (the first {SHOWN} tokens of each text, as the model reads them)",
        exp.augment.summary().unwrap_or_else(|| "none".into())
    );
    for (id, o, a) in out {
        println!("\n{id}\n  original  {o}");
        for (d, t) in a.iter().enumerate() {
            println!("  draw {:<3}  {t}", d + 1);
        }
    }
}
