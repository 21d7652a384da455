//! Batches built in worker threads while the model trains on the previous ones.
//!
//! Worker `w` of `W` builds batches `w, w + W, w + 2W, ...` into its own bounded channel; the
//! trainer takes them round-robin, so batches arrive in order and are the same for any number
//! of workers (each batch's randomness depends on its epoch and step only).

use std::sync::mpsc::{Receiver, sync_channel};

use super::{Batch, BatchMaker, Mix};

/// Batches each worker may have ready ahead of the trainer.
const PREFETCH: usize = 2;

/// Calls `f(step, batch)` for the batches of `order` in chunks of `batch`, built by `workers`
/// threads (0: on this thread). `f` returns false to stop early (the workers then stop too).
pub fn for_each_batch(
    maker: &BatchMaker<'_>,
    order: &[usize],
    batch: usize,
    epoch: usize,
    mix: Mix,
    workers: usize,
    mut f: impl FnMut(usize, Batch) -> bool,
) {
    let chunks: Vec<&[usize]> = order.chunks(batch.max(1)).collect();
    if workers == 0 {
        for (step, idx) in chunks.iter().enumerate() {
            if !f(step, maker.make(idx, epoch, step, mix)) {
                return;
            }
        }
        return;
    }
    let workers = workers.min(chunks.len().max(1));
    std::thread::scope(|scope| {
        let mut receivers: Vec<Receiver<Batch>> = Vec::with_capacity(workers);
        for w in 0..workers {
            let (tx, rx) = sync_channel::<Batch>(PREFETCH);
            receivers.push(rx);
            let chunks = &chunks;
            scope.spawn(move || {
                for step in (w..chunks.len()).step_by(workers) {
                    // A send fails once the trainer has stopped and dropped the receivers.
                    if tx.send(maker.make(chunks[step], epoch, step, mix)).is_err() {
                        return;
                    }
                }
            });
        }
        for step in 0..chunks.len() {
            let Ok(b) = receivers[step % workers].recv() else {
                break;
            };
            if !f(step, b) {
                break;
            }
        }
        drop(receivers);
    });
}
