//! `store-worker LOCATION JOB ...`: one process of the storage contract's process tests
//! (`tuneup_store::contract`), writing to a shared store.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((location, job)) = tuneup_store::contract::Job::parse(&args) else {
        eprintln!("usage: store-worker LOCATION concurrent STUDY COUNT | LOCATION churn");
        return std::process::ExitCode::from(2);
    };
    let open = |loc: &str| tuneup_store::open(loc);
    match tuneup_store::contract::work(&location, &job, &open) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("store-worker: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
