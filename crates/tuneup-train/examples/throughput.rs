//! Training throughput of the two fixed models of `shared/peers/torch_throughput.py`, measured
//! the way that script measures PyTorch: random MNIST-shaped batches, Adam lr 1e-3,
//! cross-entropy, windows of whole steps lasting at least `--seconds`, the median window after
//! one warm-up window. Prints one JSON line. Run through `bench/throughput.sh`, which runs the
//! PyTorch side in the same run and prints the ratios.
//!
//!   cargo run --release -p tuneup-train --example throughput -- {mlp|cnn} [--batch 128] [--windows 7] [--seconds 2]

use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use tuneup_core::spec::{Activation, ModelSpec, PoolPlacement};
use tuneup_train::Net;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = args.get(1).cloned().unwrap_or_else(|| "mlp".into());
    let flag = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let batch = flag("--batch", 128.0) as usize;
    let windows = flag("--windows", 7.0) as usize;
    let seconds = flag("--seconds", 2.0);

    // The peer's models, exactly: mlp 784-512-512-10; cnn conv3x3(1->32) conv3x3(32->64)
    // (valid padding), maxpool 2, linear 9216->128, linear 128->10.
    let spec = match model.as_str() {
        "mlp" => ModelSpec::Mlp {
            hidden: vec![512, 512],
            activation: Activation::Relu,
            dropout: Default::default(),
            norm: Default::default(),
        },
        "cnn" => ModelSpec::Cnn {
            channels: vec![32, 64],
            kernel_size: 3,
            same_padding: false,
            pool: PoolPlacement::Last,
            hidden: 128,
            activation: Activation::Relu,
            dropout: 0.0,
            conv_dropout: Default::default(),
            norm: Default::default(),
        },
        other => {
            eprintln!("unknown model {other:?}: expected mlp or cnn");
            std::process::exit(2);
        }
    };
    let device = tuneup_train::cpu().autodiff();
    device.seed(0);
    let mut net = Net::new(&spec, &[1, 28, 28], 10, &device).expect("model");
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let ce = CrossEntropyLoss::new(None, &device);
    let data: Vec<(Vec<f32>, Vec<i64>)> = (0..8)
        .map(|_| {
            let x = Tensor::<2>::random(
                [batch, 784],
                Distribution::Uniform(0.0, 1.0),
                &tuneup_train::cpu(),
            );
            let y: Vec<i64> = (0..batch).map(|i| ((i * 7 + 3) % 10) as i64).collect();
            (x.into_data().try_into_vec::<f32>().unwrap(), y)
        })
        .collect();
    let mut step_no = 0;
    let mut step = |net: Net| -> Net {
        let (x, y) = &data[step_no % data.len()];
        step_no += 1;
        let x = Tensor::<2>::from_data(TensorData::new(x.clone(), [batch, 784]), &device);
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
    let (n, _) = window(net); // warm-up
    net = n;
    let mut rates = Vec::new();
    for _ in 0..windows {
        let (n, r) = window(net);
        net = n;
        rates.push(r);
    }
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let params = net.num_params();
    println!(
        "{{\"peer\": \"tuneup\", \"backend\": \"burn-flex 0.22.1\", \"model\": \"{model}\", \"batch\": {batch}, \"params\": {params}, \"samples_per_s\": {median:.1}, \"windows\": {:?}}}",
        rates.iter().map(|r| r.round() as i64).collect::<Vec<_>>()
    );
}
