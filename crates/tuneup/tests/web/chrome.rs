//! Headless Chromium driven over the DevTools protocol through a pipe
//! (`--remote-debugging-pipe`: JSON messages separated by NUL bytes on fds 3 and 4), with no
//! library: open a page, run a script in it, collect its console errors and uncaught
//! exceptions, take a screenshot.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// Chromium's path: `$CHROME`, else `chromium` / `chromium-browser` / `google-chrome` on PATH.
/// Without one the browser tests are skipped with a message, unless `TUNEUP_REQUIRE_BROWSER`
/// is set (CI sets it after installing Chromium), when they fail.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROME") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var_os("TUNEUP_REQUIRE_BROWSER").is_some() {
        panic!(
            "TUNEUP_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium)"
        );
    }
    eprintln!("SKIPPED: no Chromium on PATH (apt-get install chromium; .ci/run installs it)");
    None
}

type Pending = Arc<Mutex<HashMap<u64, Sender<Value>>>>;

pub struct Browser {
    child: Child,
    to: Mutex<std::fs::File>,
    pending: Pending,
    events: Arc<Mutex<Vec<Value>>>,
    next: Mutex<u64>,
    _profile: tempfile::TempDir,
}

/// One tab, attached in flat mode (commands carry its session id).
pub struct Tab<'a> {
    b: &'a Browser,
    session: String,
}

impl Browser {
    pub fn launch(chrome: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (to_read, to_write) = pipe();
        let (from_read, from_write) = pipe();
        let mut cmd = Command::new(chrome);
        cmd.args([
            "--headless=new",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--hide-scrollbars",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // The child reads commands on fd 3 and writes answers on fd 4.
        unsafe {
            cmd.pre_exec(move || {
                // Out of the way first (either may already be fd 3 or 4), then into place;
                // dup2's copies are not closed on exec.
                let r = libc::fcntl(to_read, libc::F_DUPFD, 10);
                let w = libc::fcntl(from_write, libc::F_DUPFD, 10);
                if r < 0 || w < 0 || libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("starting Chromium");
        unsafe {
            libc::close(to_read);
            libc::close(from_write);
        }
        let to = unsafe { std::fs::File::from_raw_fd(to_write) };
        let from = unsafe { std::fs::File::from_raw_fd(from_read) };
        let pending: Pending = Arc::default();
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        {
            let (pending, events) = (pending.clone(), events.clone());
            std::thread::spawn(move || read_loop(from, &pending, &events));
        }
        Browser {
            child,
            to: Mutex::new(to),
            pending,
            events,
            next: Mutex::new(1),
            _profile: profile,
        }
    }

    /// Sends a command (to a tab when `session` is given) and waits for its answer.
    fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.try_call(session, method, params)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// [`Browser::call`], the protocol's error returned.
    fn try_call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        let id = {
            let mut n = self.next.lock().unwrap();
            *n += 1;
            *n
        };
        let (tx, rx): (Sender<Value>, Receiver<Value>) = channel();
        self.pending.lock().unwrap().insert(id, tx);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        {
            let mut to = self.to.lock().unwrap();
            to.write_all(msg.to_string().as_bytes()).unwrap();
            to.write_all(&[0]).unwrap();
            to.flush().unwrap();
        }
        let answer = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("Chromium did not answer {method}"));
        match answer.get("error") {
            Some(e) => Err(e.to_string()),
            None => Ok(answer["result"].clone()),
        }
    }

    pub fn tab(&self, width: u32, height: u32) -> Tab<'_> {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let id = target["targetId"].as_str().unwrap().to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": id, "flatten": true}),
        );
        let tab = Tab {
            b: self,
            session: attached["sessionId"].as_str().unwrap().to_string(),
        };
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            tab.call(domain, json!({}));
        }
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        tab
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Tab<'_> {
    fn call(&self, method: &str, params: Value) -> Value {
        self.b.call(Some(&self.session), method, params)
    }

    /// Opens `url` and waits for its load event.
    pub fn open(&self, url: &str) {
        let before = self.b.events.lock().unwrap().len();
        let nav = self.call("Page.navigate", json!({"url": url}));
        assert!(
            nav.get("errorText").is_none(),
            "opening {url}: {}",
            nav["errorText"]
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let loaded = self.b.events.lock().unwrap()[before..].iter().any(|e| {
                e["method"] == "Page.loadEventFired" && e["sessionId"] == self.session.as_str()
            });
            if loaded {
                return;
            }
            assert!(Instant::now() < deadline, "{url} did not load in 60 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The value of a JavaScript expression (promises awaited).
    pub fn eval(&self, js: &str) -> Value {
        self.try_eval(js)
            .unwrap_or_else(|e| panic!("evaluating `{js}`: {e}"))
    }

    /// [`Tab::eval`], failures returned (a page being replaced has no context to run in).
    fn try_eval(&self, js: &str) -> Result<Value, String> {
        let r = self.b.try_call(
            Some(&self.session),
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        )?;
        match r.get("exceptionDetails") {
            Some(e) => Err(e.to_string()),
            None => Ok(r["result"]["value"].clone()),
        }
    }

    pub fn count(&self, selector: &str) -> usize {
        let js = format!(
            "document.querySelectorAll({}).length",
            serde_json::to_string(selector).unwrap()
        );
        self.eval(&js).as_u64().unwrap_or(0) as usize
    }

    /// Waits until `js` is true, at most `limit`; how long it took.
    pub fn wait_for(&self, js: &str, limit: Duration) -> Option<Duration> {
        let t = Instant::now();
        while t.elapsed() < limit {
            if self.try_eval(js) == Ok(json!(true)) {
                return Some(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Console errors, uncaught exceptions and error log entries of this tab so far.
    pub fn errors(&self) -> Vec<String> {
        self.b
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["sessionId"] == self.session.as_str())
            .filter_map(|e| {
                let p = &e["params"];
                match e["method"].as_str()? {
                    "Runtime.exceptionThrown" => Some(p["exceptionDetails"].to_string()),
                    "Runtime.consoleAPICalled" if p["type"] == "error" => {
                        Some(p["args"].to_string())
                    }
                    "Log.entryAdded" if p["entry"]["level"] == "error" => {
                        Some(p["entry"].to_string())
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// A PNG of the whole page (up to 6,000 pixels tall), written to `path`.
    pub fn screenshot(&self, path: &Path) {
        let height = self
            .eval("document.documentElement.scrollHeight")
            .as_f64()
            .unwrap_or(1000.0)
            .min(6000.0);
        let width = self
            .eval("document.documentElement.scrollWidth")
            .as_f64()
            .unwrap_or(1280.0);
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap();
    }
}

/// Reads NUL-separated messages: answers go to their caller, events are kept.
fn read_loop(from: std::fs::File, pending: &Pending, events: &Mutex<Vec<Value>>) {
    let mut r = BufReader::new(from);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_until(0, &mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if buf.last() == Some(&0) {
            buf.pop();
        }
        let Ok(msg) = serde_json::from_slice::<Value>(&buf) else {
            continue;
        };
        match msg.get("id").and_then(Value::as_u64) {
            Some(id) => {
                if let Some(tx) = pending.lock().unwrap().remove(&id) {
                    let _ = tx.send(msg);
                }
            }
            None => events.lock().unwrap().push(msg),
        }
    }
}

fn pipe() -> (i32, i32) {
    let mut fds = [0i32; 2];
    assert_eq!(
        unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) },
        0,
        "pipe2()"
    );
    (fds[0], fds[1])
}
