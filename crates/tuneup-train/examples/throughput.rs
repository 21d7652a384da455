//! Training throughput of the two fixed models of `shared/peers/torch_throughput.py`, measured
//! the way that script measures PyTorch (see `tuneup_train::bench`). Prints one JSON line. Run
//! through `bench/throughput.sh`, which runs the PyTorch side in the same run and prints the
//! ratios.
//!
//!   cargo run --release -p tuneup-train --example throughput -- {mlp|cnn} [--batch 128] [--windows 7] [--seconds 2]

use tuneup_core::spec::{Arch, Cnn, Mlp, ModelSpec, PoolPlacement};

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
    let arch = match model.as_str() {
        "mlp" => Arch::Mlp(Mlp {
            hidden: vec![512, 512],
        }),
        "cnn" => Arch::Cnn(Cnn {
            channels: vec![32, 64],
            same_padding: false,
            pool: PoolPlacement::Last,
            hidden: 128,
            ..Cnn::default()
        }),
        other => {
            eprintln!("unknown model {other:?}: expected mlp or cnn");
            std::process::exit(2);
        }
    };
    let t = tuneup_train::bench::step_throughput(
        &ModelSpec::new(arch),
        &[1, 28, 28],
        batch,
        windows,
        seconds,
    )
    .expect("the model fits 1x28x28 images");
    println!(
        "{{\"peer\": \"tuneup\", \"backend\": \"burn-flex 0.22.1\", \"model\": \"{model}\", \"batch\": {batch}, \"params\": {}, \"samples_per_s\": {:.1}, \"windows\": {:?}}}",
        t.params,
        t.samples_per_s,
        t.windows
            .iter()
            .map(|r| r.round() as i64)
            .collect::<Vec<_>>()
    );
}
