//! Raw training-step throughput, measured the way `shared/peers/torch_throughput.py` measures
//! PyTorch: random batches of one shape, Adam lr 1e-3, cross-entropy, windows of whole steps
//! lasting at least `seconds`, the median window after one warm-up window. The
//! `examples/throughput.rs` front end prints it for `bench/throughput.sh`.

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use tuneup_core::spec::ModelSpec;
use tuneup_core::zoo::Inputs;

use crate::model::Net;

/// Samples per second of training steps.
#[derive(Debug, Clone)]
pub struct Throughput {
    /// burn's parameter count (running statistics included).
    pub params: usize,
    /// The median window's rate.
    pub samples_per_s: f64,
    /// Every measured window's rate.
    pub windows: Vec<f64>,
}

/// Trains `spec` on random inputs of `shape` (labels of 10 classes) in batches of `batch` for
/// `windows` windows of at least `seconds` each, after a warm-up window.
pub fn step_throughput(
    spec: &ModelSpec,
    shape: &[usize],
    batch: usize,
    windows: usize,
    seconds: f64,
) -> Result<Throughput, String> {
    let device = crate::cpu().autodiff();
    device.seed(0);
    let len: usize = shape.iter().product();
    let mut net = Net::new(spec, shape, &Inputs::default(), 10, &device)?;
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let ce = CrossEntropyLoss::new(None, &device);
    let data: Vec<(Vec<f32>, Vec<i64>)> = (0..8)
        .map(|_| {
            let x =
                Tensor::<2>::random([batch, len], Distribution::Uniform(0.0, 1.0), &crate::cpu());
            let y: Vec<i64> = (0..batch).map(|i| ((i * 7 + 3) % 10) as i64).collect();
            (x.into_data().try_into_vec::<f32>().expect("float data"), y)
        })
        .collect();
    let mut step_no = 0;
    let mut step = |net: Net| -> Net {
        let (x, y) = &data[step_no % data.len()];
        step_no += 1;
        let x = Tensor::<2>::from_data(TensorData::new(x.clone(), [batch, len]), &device);
        let y = Tensor::<1, Int>::from_data(TensorData::new(y.clone(), [batch]), &device);
        let loss = ce.forward(net.forward(x), y);
        let _ = loss.clone().into_scalar::<f32>(); // as the peer's loss.item()
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        optim.step(1e-3, net, grads)
    };
    let mut window = |mut net: Net| -> (Net, f64) {
        let t0 = Instant::now();
        let mut n = 0;
        loop {
            net = step(net);
            n += 1;
            let dt = t0.elapsed().as_secs_f64();
            if dt >= seconds {
                return (net, (n * batch) as f64 / dt);
            }
        }
    };
    net = window(net).0; // warm-up
    let mut rates = Vec::new();
    for _ in 0..windows.max(1) {
        let (n, r) = window(net);
        net = n;
        rates.push(r);
    }
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(Throughput {
        params: net.num_params(),
        samples_per_s: sorted[sorted.len() / 2],
        windows: rates,
    })
}
