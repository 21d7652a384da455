//! A reader (the dashboard's connection): opens only an existing store, cannot write, sees
//! every commit of another connection through its revision, and holds nothing that keeps a
//! writer waiting.

use std::time::{Duration, Instant};

use super::Backend;
use super::records::{epoch, experiment, new_run};
use crate::RunKind;

pub fn readers(b: &dyn Backend) {
    let at = b.fresh();
    let never = crate::open_read_only(&at, None);
    assert!(
        never.is_err(),
        "{}: a reader opened a store that does not exist",
        b.name()
    );
    if !crate::is_server(&at) {
        assert!(
            !std::path::Path::new(&at).exists(),
            "a reader created the file"
        );
    }
    let writer = b.open(&at).expect("a fresh store");
    let reader = crate::open_read_only(&at, None).expect("a reader of an existing store");
    let before = reader.revision().unwrap();
    let exp = experiment("read");
    let id = writer
        .create_run(&new_run(&exp, RunKind::Train, None))
        .unwrap();
    let after = reader.revision().unwrap();
    assert_ne!(
        before,
        after,
        "{}: the revision did not move on a commit",
        b.name()
    );
    assert_eq!(reader.run(id).unwrap().experiment, exp);
    // Nothing through the reader writes.
    assert!(
        reader
            .create_run(&new_run(&exp, RunKind::Train, None))
            .is_err(),
        "{}: a reader wrote",
        b.name()
    );
    assert_eq!(writer.runs().unwrap().len(), 1);
    // The writer goes on at once while the reader reads between its writes.
    let t = Instant::now();
    for e in 1..=20 {
        writer.record_epoch(id, &epoch(e, 0.5)).unwrap();
        assert_eq!(reader.epochs(id).unwrap().len(), e);
        assert_ne!(reader.revision().unwrap(), after);
    }
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "{}: 20 writes beside a reader took {:?}",
        b.name(),
        t.elapsed()
    );
}
