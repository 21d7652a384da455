//! `tuneup dashboard`: pages over a live store, updated without reload while a study runs;
//! filters and the run diff in a browser; 404 and 400 with messages; 200 clients at once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::chrome::{Browser, find};
use crate::fixture::{Fixture, get, ok, shot_path, tuneup};

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tuneup dashboard --port 0 EXTRA`: the process, its first line, its stderr.
fn spawn(f: &Fixture, extra: &[&str]) -> (Child, String, std::process::ChildStderr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(["dashboard", "--port", "0"])
        .args(extra)
        .current_dir(&f.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    (child, line, stderr)
}

/// A dashboard on a free port of 127.0.0.1 and its address; its stderr drained.
fn start(f: &Fixture, extra: &[&str]) -> (Server, String) {
    let (child, line, mut stderr) = spawn(f, extra);
    let addr = line
        .trim()
        .strip_prefix("dashboard: http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_string();
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = stderr.read_to_string(&mut sink);
    });
    (Server { child }, addr)
}

/// A plain HTTP/1.1 GET: status and body.
fn get_url(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

#[test]
fn bad_requests_get_404_or_400_with_a_message_and_200_clients_are_served() {
    let f = get();
    let (_server, addr) = start(f, &[]);
    for (path, want, says) in [
        ("/run/987654", 404, "no run 987654"),
        ("/study/nope", 404, "no study `nope`"),
        ("/chain/nope", 404, "no improve chain `nope`"),
        ("/elsewhere", 404, "no page /elsewhere"),
        ("/run/abc", 400, "a run id is a whole number"),
        ("/diff?runs=1,x", 400, "expected run ids"),
        ("/diff?runs=1", 400, "two or more run ids"),
        ("/study/%zz", 400, "malformed percent-encoding"),
        ("/run/1?color=red", 400, "unknown query parameter"),
    ] {
        let (status, body) = get_url(&addr, path);
        assert_eq!(status, want, "{path}");
        assert!(body.contains(says), "{path}: {body}");
    }
    // 200 clients at once (pages and live streams mixed): every one answered, and the server
    // still answers afterwards.
    let clients: Vec<_> = (0..200)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                if i % 4 == 0 {
                    let mut s = TcpStream::connect(&addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                    write!(s, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                    let mut head = [0u8; 64];
                    let n = s.read(&mut head).unwrap();
                    String::from_utf8_lossy(&head[..n]).contains("200 OK")
                } else {
                    let path = ["/", "/run/1", "/study/s"][i % 3];
                    get_url(&addr, path).0 == 200
                }
            })
        })
        .collect();
    let answered = clients
        .into_iter()
        .map(|c| c.join())
        .filter(|r| matches!(r, Ok(true)))
        .count();
    assert_eq!(answered, 200);
    assert_eq!(get_url(&addr, "/").0, 200);
}

#[test]
fn another_address_only_when_asked_and_with_a_warning() {
    let f = get();
    let (mut child, line, mut stderr) = spawn(f, &["--host", "0.0.0.0"]);
    let _ = child.kill();
    let mut err = String::new();
    stderr.read_to_string(&mut err).unwrap();
    let _ = child.wait();
    assert!(line.contains("0.0.0.0"), "{line}");
    assert!(err.contains("warning") && err.contains("no login"), "{err}");
    // And the default is this machine only.
    let (_s, addr) = start(f, &[]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    // A missing store is an error, not a new empty store.
    let o = tuneup(
        &f.dir,
        &["--store", "missing.db", "dashboard", "--port", "0"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!f.dir.join("missing.db").exists());
}

#[test]
fn a_trial_finished_during_the_test_appears_live_and_filters_and_diff_work() {
    let f = get();
    let d = &f.dir;
    let exp = f.study_exp.to_str().unwrap();
    ok(&tuneup(
        d,
        &["tune", exp, "--study", "live", "--trials", "2"],
    ));
    let (_server, addr) = start(f, &[]);
    let Some(chrome) = find() else { return };
    let b = Browser::launch(&chrome);
    let tab = b.tab(1280, 1000);

    // The run list: filters, then two runs picked and compared.
    tab.open(&format!("http://{addr}/"));
    let rows = tab.count("#runs tbody tr");
    assert!(rows >= 5, "{rows} runs listed");
    tab.eval("(() => { const s = document.getElementById('f-run-kind'); s.value = 'ensemble'; s.dispatchEvent(new Event('change', {bubbles: true})); return 1; })()");
    let visible = tab.count("#runs tbody tr:not(.hidden)");
    let ensembles = tab.count("#runs tbody tr[data-kind=\"ensemble\"]");
    assert_eq!(visible, ensembles);
    tab.eval("(() => { const s = document.getElementById('f-run-kind'); s.value = ''; s.dispatchEvent(new Event('change', {bubbles: true})); return 1; })()");
    assert_eq!(tab.count("#runs tbody tr:not(.hidden)"), rows);
    tab.eval("document.getElementById('pick-1').click(); document.getElementById('pick-2').click(); document.getElementById('compare').click(); 1");
    tab.wait_for(
        "location.pathname === '/diff' && !!document.getElementById('diff-keys')",
        Duration::from_secs(20),
    )
    .expect("the diff page opens");
    assert!(
        tab.count("#diff-keys tbody tr") >= 1,
        "keys that differ listed"
    );
    assert!(
        tab.count("#curves svg.chart polyline") >= 2,
        "curves overlaid"
    );
    tab.screenshot(&shot_path(f, "dashboard-diff.png"));

    // A study page open while the study gets two more trials: they appear without a reload.
    tab.open(&format!("http://{addr}/study/live"));
    tab.wait_for(
        "document.getElementById('live').textContent.includes('live')",
        Duration::from_secs(10),
    )
    .expect("the live stream connects");
    assert_eq!(tab.count("#trials tbody tr"), 2);
    tab.eval("window.notReloaded = 42; 1");
    // When each trial is first shown finished, by the page's clock (this machine's).
    tab.eval("window.seenAt = {}; setInterval(() => document.querySelectorAll('#trials tbody tr').forEach(r => { if (r.dataset.state !== 'running' && !(r.dataset.trial in window.seenAt)) window.seenAt[r.dataset.trial] = Date.now() / 1000; }), 20); 1");
    let started = Instant::now();
    let mut more = Command::new(env!("CARGO_BIN_EXE_tuneup"))
        .args(["tune", exp, "--study", "live", "--trials", "4"])
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = tab.wait_for(
        "document.querySelectorAll('#trials tbody tr').length >= 3",
        Duration::from_secs(120),
    );
    assert!(seen.is_some(), "a new trial did not appear within 120 s");
    tab.screenshot(&shot_path(f, "dashboard-live-study.png"));
    assert!(more.wait().unwrap().success());
    // Every trial, finished, shows within a second or two of its end (the watcher polls every
    // 200 ms; the page is redrawn on the event).
    let done = Instant::now();
    let last = tab
        .wait_for(
            "document.querySelectorAll('#trials tbody tr[data-state=\"running\"]').length === 0 && document.querySelectorAll('#trials tbody tr').length === 4",
            Duration::from_secs(30),
        )
        .expect("all four trials shown finished");
    eprintln!(
        "first new trial row after {:.1} s; all shown finished {:.2} s after the command ended",
        seen.unwrap().as_secs_f64(),
        last.as_secs_f64()
    );
    assert!(done.elapsed() < Duration::from_secs(30));
    // From each new trial's end (the store's record) to the page showing it.
    let study: serde_json::Value =
        serde_json::from_str(&ok(&tuneup(d, &["study", "live", "--json"]))).unwrap();
    let seen_at = tab.eval("window.seenAt");
    for t in &study["trials"].as_array().unwrap()[2..] {
        let n = t["number"].as_u64().unwrap().to_string();
        let ended = t["finished_at"].as_f64().unwrap();
        let shown = seen_at[&n].as_f64().expect("the trial was seen finished");
        let lag = shown - ended;
        eprintln!("trial {n}: shown {lag:.2} s after it ended");
        assert!(lag < 3.0, "trial {n} shown {lag:.2} s after it ended");
    }
    assert_eq!(
        tab.eval("window.notReloaded"),
        serde_json::json!(42),
        "no reload"
    );
    assert!(
        tab.eval("Number(document.body.dataset.updates || 0)")
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(started.elapsed() < Duration::from_secs(300));
    let errors = tab.errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}
