//! Reads a table as tuneup does (sniffing each column, then every row strictly) and infers its
//! column kinds; prints one JSON line with the seconds each took. For bench/read_table.sh.
//!
//!   cargo run --release -p tuneup-core --example read_table -- FILE

use std::collections::BTreeMap;
use std::time::Instant;

use tuneup_core::table;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).expect("usage: read_table FILE");
    let t0 = Instant::now();
    let t = table::read(std::path::Path::new(&path), &BTreeMap::new()).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let read = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let kinds = table::infer::kinds(&t, &BTreeMap::new(), None).unwrap();
    let infer = t1.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {}, \"columns\": {}, \"read_s\": {read:.3}, \"infer_s\": {infer:.3}, \"kinds\": {}}}",
        t.len(),
        t.names.len(),
        kinds.len()
    );
}
