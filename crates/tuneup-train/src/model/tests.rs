//! Parameter counts against PyTorch's and the zoo's, and a forward pass of every model.

use burn::tensor::Tensor;
use tuneup_core::spec::{Arch, ModelSpec, Norm, PoolPlacement};
use tuneup_core::zoo::{Inputs, TextBlock};

use super::*;

#[test]
fn parameter_counts_match_pytorch() {
    // torch: sum(p.numel()) of nn.Sequential(Linear(784,512), ReLU, Linear(512,512), ReLU,
    // Linear(512,10)) = 669,706; the CNN of shared/peers/torch_throughput.py = 1,199,882.
    let mlp = ModelSpec::new(Arch::Mlp(tuneup_core::spec::Mlp {
        hidden: vec![512, 512],
    }));
    assert_eq!(
        count_params(&mlp, &[784], &Inputs::default(), 10).unwrap(),
        669_706
    );
    let cnn = ModelSpec::new(Arch::Cnn(tuneup_core::spec::Cnn {
        channels: vec![32, 64],
        same_padding: false,
        pool: PoolPlacement::Last,
        hidden: 128,
        ..Default::default()
    }));
    assert_eq!(
        count_params(&cnn, &[1, 28, 28], &Inputs::default(), 10).unwrap(),
        1_199_882
    );
    // Normalization adds a scale and a shift per feature / channel (torch counts the same:
    // BatchNorm1d(512) x 2 = 2,048; BatchNorm2d(32) + BatchNorm2d(64) + BatchNorm1d(128) =
    // 448; running statistics are buffers, not parameters). Layer norm: the same counts.
    for norm in [Norm::Batch, Norm::Layer] {
        let with = |spec: &ModelSpec| spec.with_norm(norm);
        assert_eq!(
            count_params(&with(&mlp), &[784], &Inputs::default(), 10).unwrap(),
            669_706 + 2_048
        );
        assert_eq!(
            count_params(&with(&cnn), &[1, 28, 28], &Inputs::default(), 10).unwrap(),
            1_199_882 + 448
        );
    }
}

#[test]
fn every_zoo_model_has_the_zoo_count() {
    // burn's trainable parameters against the layer-by-layer count of tuneup-core's zoo.
    for e in tuneup_core::zoo::catalogue() {
        let shape: &[usize] = match e.input {
            "images" => &[1, 28, 28],
            "signals" => &[40],
            "text" => &[15],
            _ => &[64],
        };
        let inputs = inputs_of(e.input);
        for norm in [Norm::None, Norm::Batch, Norm::Layer] {
            let spec = e.spec.with_norm(norm);
            let want = tuneup_core::zoo::size_for(&spec, shape, &inputs, 10)
                .unwrap()
                .params;
            assert_eq!(
                count_params(&spec, shape, &inputs, 10).unwrap(),
                want,
                "{} with {norm:?}",
                e.name
            );
        }
    }
}

#[test]
fn every_zoo_model_runs_forward_on_small_and_large_inputs() {
    let device = crate::cpu();
    // Boosted trees are no network: their outputs are tuneup-core's (`gbdt` tests).
    for e in tuneup_core::zoo::catalogue()
        .into_iter()
        .filter(|e| e.spec.kind() != "gbdt")
    {
        let shapes: Vec<Vec<usize>> = match e.input {
            "images" => vec![vec![1, 28, 28], vec![1, 8, 8], vec![3, 12, 10]],
            "signals" => vec![vec![40], vec![2, 17]],
            "text" => vec![vec![15]],
            _ => vec![vec![64]],
        };
        for shape in shapes {
            let inputs = inputs_of(e.input);
            let net = Net::new(&e.spec, &shape, &inputs, 7, &device).unwrap();
            let n: usize = shape.iter().product();
            let x = match inputs.text {
                Some(_) => text_rows(&[&[5, 9, 49, 3], &[], &[7; 12]], &device),
                None => Tensor::<2>::random(
                    [3, n],
                    burn::tensor::Distribution::Normal(0.0, 1.0),
                    &device,
                ),
            };
            let y = net.forward(x);
            assert_eq!(y.dims(), [3, 7], "{} on {shape:?}", e.name);
            let v: Vec<f32> = y.into_data().try_into_vec::<f32>().unwrap();
            assert!(v.iter().all(|x| x.is_finite()), "{}", e.name);
        }
    }
}

#[test]
fn cnn_on_vectors_is_refused() {
    let cnn = ModelSpec::new(Arch::Cnn(tuneup_core::spec::Cnn {
        channels: vec![8],
        hidden: 8,
        ..Default::default()
    }));
    assert!(
        count_params(&cnn, &[64], &Inputs::default(), 10)
            .unwrap_err()
            .contains("mlp")
    );
}

#[test]
fn tabular_model_embeds_its_codes_with_the_zoo_count() {
    // 5 numbers, then the codes of two categorical columns of 12 and 40 codes.
    let spec = ModelSpec::new(Arch::Tabular(Default::default()));
    let (shape, cats) = (
        [7usize],
        Inputs {
            cats: vec![12, 40],
            text: None,
        },
    );
    let want = tuneup_core::zoo::size_for(&spec, &shape, &cats, 3)
        .unwrap()
        .params;
    assert_eq!(count_params(&spec, &shape, &cats, 3).unwrap(), want);
    // Embeddings of 12 and 40 codes: widths 6 and 13 (fastai's rule), 5 + 19 inputs to the MLP.
    assert_eq!(tuneup_core::spec::embedding_width(12, 1.0), 6);
    assert_eq!(tuneup_core::spec::embedding_width(40, 1.0), 13);
    let device = crate::cpu();
    let net = Net::new(&spec, &shape, &cats, 3, &device).unwrap();
    let rows: Vec<f32> = vec![
        0.1, -0.2, 0.3, 1.0, 0.0, 11.0, 39.0, //
        -1.0, 0.5, 0.0, 0.0, 1.0, 0.0, 3.0,
    ];
    let x = Tensor::<2>::from_data(burn::tensor::TensorData::new(rows.clone(), [2, 7]), &device);
    let y = net.forward(x);
    assert_eq!(y.dims(), [2, 3]);
    // Another code for the second column changes the output: the codes reach the embeddings.
    let mut other = rows.clone();
    other[6] = 5.0;
    let x2 = Tensor::<2>::from_data(burn::tensor::TensorData::new(other, [2, 7]), &device);
    let (a, b): (Vec<f32>, Vec<f32>) = (
        y.into_data().try_into_vec().unwrap(),
        net.forward(x2).into_data().try_into_vec().unwrap(),
    );
    assert_ne!(a[..3], b[..3]);
    assert_eq!(a[3..], b[3..]);
}

/// A text model's input in the tests: 3 other features, then 12 token ids of a 50-id vocabulary.
fn inputs_of(input: &str) -> Inputs {
    Inputs {
        cats: Vec::new(),
        text: (input == "text").then_some(TextBlock { len: 12, vocab: 50 }),
    }
}

/// Rows of 3 other features and the given ids, padded to 12.
fn text_rows(texts: &[&[u32]], device: &burn::tensor::Device) -> Tensor<2> {
    let mut v = Vec::new();
    for (r, ids) in texts.iter().enumerate() {
        v.extend([0.5, -1.0, r as f32]);
        v.extend((0..12).map(|k| ids.get(k).map_or(0.0, |&i| i as f32)));
    }
    Tensor::from_data(burn::tensor::TensorData::new(v, [texts.len(), 15]), device)
}

#[test]
fn text_models_read_their_tokens_row_by_row() {
    let device = crate::cpu();
    for e in tuneup_core::zoo::catalogue()
        .into_iter()
        .filter(|e| e.input == "text")
    {
        let net = Net::new(&e.spec, &[15], &inputs_of("text"), 2, &device).unwrap();
        let out = |texts: &[&[u32]]| -> Vec<f32> {
            net.forward(text_rows(texts, &device))
                .into_data()
                .try_into_vec()
                .unwrap()
        };
        let both = out(&[&[5, 9, 11], &[20, 21, 22, 23]]);
        // A row's output does not depend on the other rows of its batch ...
        let alone = out(&[&[5, 9, 11]]);
        for k in 0..2 {
            assert!(
                (both[k] - alone[k]).abs() < 1e-5,
                "{}: {both:?} {alone:?}",
                e.name
            );
        }
        // ... and another token changes it.
        let other = out(&[&[5, 9, 12]]);
        assert!(
            (0..2).any(|k| (other[k] - alone[k]).abs() > 1e-6),
            "{}: a token does not reach the output",
            e.name
        );
    }
}

#[test]
fn text_models_refuse_data_without_text_and_others_refuse_text() {
    let fasttext = ModelSpec::new(Arch::Fasttext(Default::default()));
    let e = count_params(&fasttext, &[64], &Inputs::default(), 2).unwrap_err();
    assert!(e.contains("no text column"), "{e}");
    let mlp = ModelSpec::new(Arch::Mlp(Default::default()));
    let e = count_params(&mlp, &[15], &inputs_of("text"), 2).unwrap_err();
    assert!(
        e.contains("does not read text") && e.contains("fasttext"),
        "{e}"
    );
}
