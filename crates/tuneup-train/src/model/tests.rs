//! Parameter counts against PyTorch's and the zoo's, and a forward pass of every model.

use burn::tensor::Tensor;
use tuneup_core::spec::{Arch, ModelSpec, Norm, PoolPlacement};

use super::*;

#[test]
fn parameter_counts_match_pytorch() {
    // torch: sum(p.numel()) of nn.Sequential(Linear(784,512), ReLU, Linear(512,512), ReLU,
    // Linear(512,10)) = 669,706; the CNN of shared/peers/torch_throughput.py = 1,199,882.
    let mlp = ModelSpec::new(Arch::Mlp(tuneup_core::spec::Mlp {
        hidden: vec![512, 512],
    }));
    assert_eq!(count_params(&mlp, &[784], &[], 10).unwrap(), 669_706);
    let cnn = ModelSpec::new(Arch::Cnn(tuneup_core::spec::Cnn {
        channels: vec![32, 64],
        same_padding: false,
        pool: PoolPlacement::Last,
        hidden: 128,
        ..Default::default()
    }));
    assert_eq!(
        count_params(&cnn, &[1, 28, 28], &[], 10).unwrap(),
        1_199_882
    );
    // Normalization adds a scale and a shift per feature / channel (torch counts the same:
    // BatchNorm1d(512) x 2 = 2,048; BatchNorm2d(32) + BatchNorm2d(64) + BatchNorm1d(128) =
    // 448; running statistics are buffers, not parameters). Layer norm: the same counts.
    for norm in [Norm::Batch, Norm::Layer] {
        let with = |spec: &ModelSpec| spec.with_norm(norm);
        assert_eq!(
            count_params(&with(&mlp), &[784], &[], 10).unwrap(),
            669_706 + 2_048
        );
        assert_eq!(
            count_params(&with(&cnn), &[1, 28, 28], &[], 10).unwrap(),
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
            _ => &[64],
        };
        for norm in [Norm::None, Norm::Batch, Norm::Layer] {
            let spec = e.spec.with_norm(norm);
            let want = tuneup_core::zoo::size(&spec, shape, 10).unwrap().params;
            assert_eq!(
                count_params(&spec, shape, &[], 10).unwrap(),
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
            _ => vec![vec![64]],
        };
        for shape in shapes {
            let net = Net::new(&e.spec, &shape, &[], 7, &device).unwrap();
            let n: usize = shape.iter().product();
            let x = Tensor::<2>::random(
                [3, n],
                burn::tensor::Distribution::Normal(0.0, 1.0),
                &device,
            );
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
        count_params(&cnn, &[64], &[], 10)
            .unwrap_err()
            .contains("mlp")
    );
}

#[test]
fn tabular_model_embeds_its_codes_with_the_zoo_count() {
    // 5 numbers, then the codes of two categorical columns of 12 and 40 codes.
    let spec = ModelSpec::new(Arch::Tabular(Default::default()));
    let (shape, cats) = ([7usize], [12usize, 40]);
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
