//! Child processes for the tests: free loopback ports, a child that is
//! killed when dropped (optionally with its output captured), waiting for
//! listeners and readiness, and a minimal HTTP/1.1 GET.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a child may take to start listening (a debug build on a busy
/// machine); never a speed check.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a child may take to exit once it should.
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// `N` distinct free loopback addresses (all bound at once, then released).
pub fn free_addrs<const N: usize>() -> [SocketAddr; N] {
    let listeners: Vec<TcpListener> = (0..N).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    std::array::from_fn(|i| listeners[i].local_addr().unwrap())
}

pub fn free_port() -> u16 {
    free_addrs::<1>()[0].port()
}

/// Removes terminal colour sequences from log output.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Output bytes as text, colours removed.
pub fn text(bytes: &[u8]) -> String {
    strip_ansi(&String::from_utf8_lossy(bytes))
}

type Captured = Arc<Mutex<Vec<u8>>>;

/// A spawned child that is killed when dropped, even if the test panics.
pub struct Proc {
    pub child: Child,
    pub name: String,
    stdout: Captured,
    stderr: Captured,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Proc {
    /// Spawns `cmd` with stdout and stderr captured (see [`Proc::output`]).
    pub fn spawn(name: &str, cmd: &mut Command) -> Self {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let pipes: [(Box<dyn Read + Send>, Captured); 2] = [
            (Box::new(child.stdout.take().unwrap()), stdout.clone()),
            (Box::new(child.stderr.take().unwrap()), stderr.clone()),
        ];
        for (mut pipe, sink) in pipes {
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    match pipe.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => sink.lock().unwrap().extend_from_slice(&buf[..n]),
                    }
                }
            }));
        }
        Self {
            child,
            name: name.into(),
            stdout,
            stderr,
            readers,
        }
    }

    /// Spawns `cmd` with its output discarded.
    pub fn spawn_quiet(name: &str, cmd: &mut Command) -> Self {
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        Self {
            child,
            name: name.into(),
            stdout: Captured::default(),
            stderr: Captured::default(),
            readers: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything written so far to stdout and stderr, colours removed.
    pub fn output(&self) -> String {
        let out = text(&self.stdout.lock().unwrap());
        let err = text(&self.stderr.lock().unwrap());
        format!("{out}{err}")
    }

    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("try_wait")
    }

    /// SIGKILL, and reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends a signal (`TERM`, `INT`, `STOP`, `CONT`) to this child.
    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{sig} {} ({}) failed", self.pid(), self.name);
    }

    /// Waits up to `timeout` for the child to exit.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM; the child must then exit successfully within
    /// [`EXIT_TIMEOUT`].
    pub async fn stop_cleanly(&mut self) {
        self.signal("TERM");
        let status = self.wait_exit(EXIT_TIMEOUT).await;
        let status = status.unwrap_or_else(|| panic!("{} still running after SIGTERM:\n{}", self.name, self.output()));
        assert!(
            status.success(),
            "{} exited with {status}:\n{}",
            self.name,
            self.output()
        );
    }

    /// Waits for exit (killing the child past [`EXIT_TIMEOUT`]) and collects
    /// the captured output.
    pub async fn finish(mut self) -> Output {
        let status = match self.wait_exit(EXIT_TIMEOUT).await {
            Some(s) => s,
            None => panic!("{} did not exit; output so far:\n{}", self.name, self.output()),
        };
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Output {
            status,
            stdout: std::mem::take(&mut *self.stdout.lock().unwrap()),
            stderr: std::mem::take(&mut *self.stderr.lock().unwrap()),
        }
    }

    /// Waits until the captured output contains `needle`.
    pub async fn wait_output(&mut self, needle: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.output().contains(needle) {
            if let Some(status) = self.try_wait() {
                // The pipes may still hold the last lines.
                tokio::time::sleep(Duration::from_millis(100)).await;
                assert!(
                    self.output().contains(needle),
                    "exited ({status}) without printing {needle:?}:\n{}",
                    self.output()
                );
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {needle:?} in the output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the child accepts connections on every address, failing
    /// if it exits first or takes longer than `timeout`. Blocks the thread.
    pub fn wait_listening(&mut self, addrs: &[SocketAddr], timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("{} exited ({status}) before listening:\n{}", self.name, self.output());
            }
            if addrs
                .iter()
                .all(|a| std::net::TcpStream::connect_timeout(a, Duration::from_secs(2)).is_ok())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} is not listening on {addrs:?}:\n{}",
                self.name,
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The first of `/usr/sbin`, `/usr/bin`, `/usr/local/bin`, `/usr/local/sbin`
/// that holds the program `name`.
pub fn find_binary(name: &str) -> std::path::PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"] {
        let p = std::path::Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found; scripts/test installs it (apt-get install {name})");
}

/// Polls `/readyz` until it answers 200. Blocks the thread.
pub fn wait_ready(proc: &mut Proc, http: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = proc.try_wait() {
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "{} exited ({status}) before it was ready:\n{}",
                proc.name,
                proc.output()
            );
        }
        if try_http_get(http, "/readyz", Duration::from_secs(2)).is_ok_and(|(code, _)| code == 200) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} on {http} did not become ready:\n{}", proc.name, proc.output());
}

/// A minimal blocking HTTP/1.1 GET: the status code and the body (chunked
/// bodies decoded). Every step is bounded by `timeout`.
pub fn try_http_get(addr: SocketAddr, path: &str, timeout: Duration) -> std::io::Result<(u16, String)> {
    let mut s = std::net::TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).to_string();
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{what} in {raw:?}"));
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(|| bad("no http head"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| bad("bad status line"))?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Ok((status, body))
}

/// [`try_http_get`] off the async runtime, bounded by the harness wait; it
/// must succeed.
/// The value of one series of the server's `/metrics` (the whole line up to
/// the value, labels included, e.g. `roomcast_limit_refusals_total{limit="join_quit"}`).
pub async fn metric(addr: SocketAddr, series: &str) -> f64 {
    let (status, body) = http_get(addr, "/metrics").await;
    assert_eq!(status, 200, "{body}");
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} missing from /metrics:\n{body}"))
}

pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let p = path.to_string();
    tokio::task::spawn_blocking(move || try_http_get(addr, &p, super::WAIT))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("GET {path} from {addr}: {e}"))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap().trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
