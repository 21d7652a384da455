//! A PostgreSQL server for tests: the one named by `TUNEUP_TEST_PG` (a URL; `.ci/run` starts
//! one and sets it), else one this process starts in a temporary folder (`initdb`, then
//! `postgres` on a free port of 127.0.0.1, as the `postgres` user when run as root) that ends
//! with the process. Each test takes a fresh database of its own.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The user and password of a server started here.
pub const USER: &str = "tuneup";
pub const PASSWORD: &str = "tuneup-test";

/// The test server's URL without a database, as `postgres://USER:PASSWORD@HOST:PORT`.
pub fn server() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| match std::env::var("TUNEUP_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
        _ => start().unwrap_or_else(|e| {
            panic!(
                "the PostgreSQL tests need a server: set TUNEUP_TEST_PG=postgres://USER:PASSWORD@HOST:PORT \
                 or put PostgreSQL's initdb and postgres on PATH ({e})"
            )
        }),
    })
}

/// A new, empty database on the test server; its URL.
pub fn fresh_db() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "t{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    admin(&format!("CREATE DATABASE {name}"));
    format!("{}/{name}", server())
}

/// Runs `sql` on the server's `postgres` database.
pub fn admin(sql: &str) {
    let url = format!("{}/postgres", server());
    let mut c = postgres::Client::connect(&url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("test server {}: {e}", super::redact(&url)));
    c.batch_execute(sql)
        .unwrap_or_else(|e| panic!("test server: {sql}: {e}"));
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A fresh cluster in a new temporary folder: its folder, data folder and the ids to run it as.
fn init_cluster(tag: &str) -> Result<(PathBuf, PathBuf, Option<(u32, u32)>), String> {
    let tmp = std::env::temp_dir();
    // Folders of earlier test processes that are gone.
    for e in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(rest) = name.strip_prefix("tuneup-pg-") {
            let pid = rest.split('-').next().unwrap_or("");
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let root = tmp.join(format!("tuneup-pg-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    let as_root = unsafe { libc::geteuid() } == 0;
    let ids = if as_root { Some(postgres_ids()?) } else { None };
    if let Some((uid, gid)) = ids {
        chown(&root, uid, gid)?;
    }
    let pwfile = root.join("pw");
    std::fs::write(&pwfile, PASSWORD).map_err(|e| e.to_string())?;
    if let Some((uid, gid)) = ids {
        chown(&pwfile, uid, gid)?;
    }
    let data = root.join("data");
    let mut init = Command::new("initdb");
    init.arg("-D")
        .arg(&data)
        .args([
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
        ])
        .args(["-U", USER])
        .arg(format!("--pwfile={}", pwfile.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    as_user(&mut init, ids);
    let out = init.output().map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok((root, data, ids))
}

/// The server process on `data`, told to stop (SIGQUIT) when the thread that starts it ends.
fn server_command(
    root: &Path,
    data: &Path,
    port: u16,
    ids: Option<(u32, u32)>,
    extra: &[String],
) -> Result<Command, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root.join("log"))
        .map_err(|e| e.to_string())?;
    let mut cmd = Command::new("postgres");
    cmd.arg("-D")
        .arg(data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "fsync=off", "-c", "max_connections=200"])
        .arg("-k")
        .arg(root)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log);
    as_user(&mut cmd, ids);
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
            Ok(())
        });
    }
    Ok(cmd)
}

/// Waits until the server at `url` takes connections.
fn wait_ready(url: &str, root: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match postgres::Client::connect(&format!("{url}/postgres"), postgres::NoTls) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(root.join("log")).unwrap_or_default();
                return Err(format!("the server did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Starts a server that lives as long as this process; returns its URL.
fn start() -> Result<String, String> {
    let (root, data, ids) = init_cluster("shared")?;
    let port = free_port().map_err(|e| e.to_string())?;
    let mut cmd = server_command(&root, &data, port, ids, &[])?;
    let (tx, rx) = std::sync::mpsc::channel();
    // The server is the child of a thread that never ends: it lives until the process does.
    std::thread::spawn(move || match cmd.spawn() {
        Ok(mut child) => {
            let _ = tx.send(Ok(()));
            let _ = child.wait();
            loop {
                std::thread::park();
            }
        }
        Err(e) => {
            let _ = tx.send(Err(format!("postgres: {e}")));
        }
    });
    rx.recv().map_err(|e| e.to_string())??;
    let url = format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{port}");
    wait_ready(&url, &root)?;
    Ok(url)
}

/// A server of one test's own, which the test may stop and start again (the shared one must
/// not be). Stopped and removed when dropped.
pub struct Private {
    root: PathBuf,
    data: PathBuf,
    port: u16,
    ids: Option<(u32, u32)>,
    extra: Vec<String>,
    child: Option<std::process::Child>,
    /// `postgres://USER:PASSWORD@127.0.0.1:PORT`
    pub url: String,
}

impl Private {
    pub fn start(tag: &str) -> Private {
        let (root, data, ids) = init_cluster(tag).unwrap();
        let port = free_port().unwrap();
        let url = format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{port}");
        let mut p = Private {
            root,
            data,
            port,
            ids,
            extra: Vec::new(),
            child: None,
            url,
        };
        p.up();
        p
    }

    /// A server that takes TCP connections over TLS only, with this certificate and key (PEM).
    pub fn start_tls_only(tag: &str, cert: &str, key: &str) -> Private {
        let (root, data, ids) = init_cluster(tag).unwrap();
        let (cert_file, key_file) = (root.join("server.pem"), root.join("server.key"));
        std::fs::write(&cert_file, cert).unwrap();
        std::fs::write(&key_file, key).unwrap();
        std::fs::set_permissions(
            &key_file,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        if let Some((uid, gid)) = ids {
            chown(&cert_file, uid, gid).unwrap();
            chown(&key_file, uid, gid).unwrap();
        }
        // Every TCP line of pg_hba.conf becomes TLS-only.
        let hba = data.join("pg_hba.conf");
        let text = std::fs::read_to_string(&hba).unwrap();
        let tls_only: String = text
            .lines()
            .map(|l| match l.strip_prefix("host ") {
                Some(rest) => format!("hostssl {rest}\n"),
                None => format!("{l}\n"),
            })
            .collect();
        std::fs::write(&hba, tls_only).unwrap();
        let port = free_port().unwrap();
        let url = format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{port}");
        let extra = vec![
            "-c".to_string(),
            "ssl=on".to_string(),
            "-c".to_string(),
            format!("ssl_cert_file={}", cert_file.display()),
            "-c".to_string(),
            format!("ssl_key_file={}", key_file.display()),
        ];
        let mut p = Private {
            root,
            data,
            port,
            ids,
            extra,
            child: None,
            url,
        };
        p.child = Some(p.command().spawn().expect("starting postgres"));
        // Ready once its log says so: a plain connection is refused by design.
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let log = std::fs::read_to_string(p.root.join("log")).unwrap_or_default();
            if log.contains("ready to accept connections") {
                return p;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the TLS server did not start");
    }

    fn command(&self) -> Command {
        server_command(&self.root, &self.data, self.port, self.ids, &self.extra).unwrap()
    }

    fn up(&mut self) {
        self.child = Some(self.command().spawn().expect("starting postgres"));
        wait_ready(&self.url, &self.root).unwrap();
    }

    /// Stops the server (a fast shutdown: sessions are cut off) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGINT);
            }
            let _ = c.wait();
        }
    }

    /// Starts the stopped server again on the same port and data.
    pub fn start_again(&mut self) {
        self.up();
    }

    /// Runs `sql` on the server's `postgres` database.
    pub fn admin(&self, sql: &str) {
        let mut c =
            postgres::Client::connect(&format!("{}/postgres", self.url), postgres::NoTls).unwrap();
        c.batch_execute(sql).unwrap();
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe {
                libc::kill(c.id() as i32, libc::SIGQUIT);
            }
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn postgres_ids() -> Result<(u32, u32), String> {
    let id = |flag: &str| -> Result<u32, String> {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| {
                "running as root, and there is no `postgres` user to run the server".into()
            })
    };
    Ok((id("-u")?, id("-g")?))
}

fn chown(p: &Path, uid: u32, gid: u32) -> Result<(), String> {
    std::os::unix::fs::chown(p, Some(uid), Some(gid)).map_err(|e| format!("{}: {e}", p.display()))
}

fn as_user(cmd: &mut Command, ids: Option<(u32, u32)>) {
    if let Some((uid, gid)) = ids {
        std::os::unix::process::CommandExt::uid(cmd, uid);
        std::os::unix::process::CommandExt::gid(cmd, gid);
    }
}
