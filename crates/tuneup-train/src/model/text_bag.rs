//! The bag-of-tokens text models: fastText (the mean embedding of the words and their hashed
//! n-grams, then a linear layer) and the embedding-bag MLP (the mean and the maximum of the
//! token embeddings, then hidden layers).

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig, Initializer};
use burn::tensor::{Device, Int, Tensor, TensorData};
use tuneup_core::spec::{Embbag, Fasttext, ModelSpec};
use tuneup_core::zoo::TextBlock;

use super::mlp::Mlp;
use super::text::{Head, masked_max, masked_mean, others, split};

#[derive(Module, Debug)]
pub struct FasttextNet {
    embedding: Embedding,
    head: Head,
    #[module(skip)]
    block: [usize; 4],
}

/// fastText's hash of an n-gram of ids (FNV-1a over the ids' bytes).
fn hash(ids: &[u32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

impl FasttextNet {
    pub(super) fn new(
        a: &Fasttext,
        m: &ModelSpec,
        shape: &[usize],
        t: TextBlock,
        outputs: usize,
        device: &Device,
    ) -> FasttextNet {
        let buckets = if a.ngrams > 1 { a.buckets } else { 0 };
        // fastText's initialisation: uniform in ±1/dim.
        let r = 1.0 / a.dim as f64;
        FasttextNet {
            embedding: EmbeddingConfig::new(t.vocab + buckets, a.dim)
                .with_initializer(Initializer::Uniform { min: -r, max: r })
                .init(device),
            head: Head::new(a.dim, others(shape, t), outputs, m.output_dropout(), device),
            block: [t.len, t.vocab, a.ngrams, buckets],
        }
    }

    /// Each row's bag: its token ids, then the ids of its hashed n-grams (in rows after the
    /// vocabulary), 0 where an n-gram runs into padding.
    fn bag(&self, ids_f: Vec<f32>, rows: usize, device: &Device) -> (Tensor<2, Int>, Tensor<2>) {
        let [len, vocab, ngrams, buckets] = self.block;
        let width = len * ngrams.max(1);
        let mut bag = vec![0i64; rows * width];
        let mut mask = vec![0f32; rows * width];
        for r in 0..rows {
            let ids: Vec<u32> = ids_f[r * len..(r + 1) * len]
                .iter()
                .map(|v| *v as u32)
                .collect();
            let out = &mut bag[r * width..(r + 1) * width];
            let m = &mut mask[r * width..(r + 1) * width];
            let mut k = 0;
            for (i, &id) in ids.iter().enumerate() {
                out[k] = i64::from(id);
                m[k] = f32::from(u8::from(id != 0 || i == 0));
                k += 1;
            }
            for n in 2..=ngrams {
                for i in 0..len {
                    if i + n <= len && ids[i..i + n].iter().all(|&t| t != 0) {
                        out[k] = (vocab as u64 + hash(&ids[i..i + n]) % buckets as u64) as i64;
                        m[k] = 1.0;
                    }
                    k += 1;
                }
            }
        }
        (
            Tensor::from_data(TensorData::new(bag, [rows, width]), device),
            Tensor::from_data(TensorData::new(mask, [rows, width]), device),
        )
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, w] = x.dims();
        let len = self.block[0];
        let device = x.device();
        let others = (w > len).then(|| x.clone().slice([0..b, 0..w - len]));
        let ids_f: Vec<f32> = x
            .slice([0..b, w - len..w])
            .into_data()
            .try_into_vec::<f32>()
            .expect("f32 ids");
        let (bag, mask) = self.bag(ids_f, b, &device);
        let pooled = masked_mean(self.embedding.forward(bag), &mask);
        self.head.forward(pooled, others)
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        self.head.l1()
    }
}

#[derive(Module, Debug)]
pub struct EmbbagNet {
    embedding: Embedding,
    mlp: Mlp,
    #[module(skip)]
    len: usize,
}

impl EmbbagNet {
    pub(super) fn new(
        a: &Embbag,
        m: &ModelSpec,
        shape: &[usize],
        t: TextBlock,
        outputs: usize,
        device: &Device,
    ) -> EmbbagNet {
        let mlp = tuneup_core::spec::Mlp {
            hidden: a.hidden.clone(),
        };
        EmbbagNet {
            embedding: EmbeddingConfig::new(t.vocab, a.dim).init(device),
            mlp: Mlp::new(&mlp, m, 2 * a.dim + others(shape, t), outputs, device),
            len: t.len,
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let t = split(x, self.len);
        let h = self.embedding.forward(t.ids);
        let mut parts = vec![masked_mean(h.clone(), &t.mask), masked_max(h, &t.mask)];
        parts.extend(t.others);
        self.mlp.forward(Tensor::cat(parts, 1))
    }

    pub(super) fn norms(&self) -> Vec<&super::layers::NormLayer> {
        self.mlp.norms()
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        self.mlp.l1()
    }
}
