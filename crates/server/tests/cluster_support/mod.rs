//! Cluster test harness: its own nats-server and redis-server on free
//! loopback ports, and real `roomcast` processes, all torn down by PID.
#![allow(dead_code)]

use crate::common::{ADMIN, ADMIN_TOKEN, APP, SECRET};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find_binary(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} not found; scripts/test installs it (apt-get install {name})");
}

/// Kills the child on drop, whatever happens in the test.
pub struct Proc {
    pub child: Child,
    pub name: String,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(&mut self, timeout: Duration) {
        self.signal("TERM");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn wait_tcp(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not listen on {port}");
}

pub struct Nats {
    pub port: u16,
    pub proc: Option<Proc>,
}

impl Nats {
    pub fn start() -> Self {
        let mut n = Nats {
            port: free_port(),
            proc: None,
        };
        n.launch();
        n
    }

    fn launch(&mut self) {
        let child = Command::new(find_binary("nats-server"))
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.proc = Some(Proc {
            child,
            name: "nats-server".into(),
        });
        wait_tcp(self.port, "nats-server");
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
    }

    /// Stops and starts again on the same port.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }
}

pub struct Redis {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub proc: Option<Proc>,
}

impl Redis {
    pub fn start() -> Self {
        let mut r = Redis {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            proc: None,
        };
        r.launch();
        r
    }

    fn launch(&mut self) {
        let child = Command::new(find_binary("redis-server"))
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.dir.path().to_str().unwrap(),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--daemonize",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.proc = Some(Proc {
            child,
            name: "redis-server".into(),
        });
        wait_tcp(self.port, "redis-server");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// SIGKILL, then start again on the same port and data directory.
    pub fn restart(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
        self.launch();
    }
}

pub struct Node {
    pub proc: Proc,
    pub role: &'static str,
    pub http: SocketAddr,
    pub grpc: Option<SocketAddr>,
}

pub struct Cluster {
    pub nats: Nats,
    pub redis: Redis,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Cluster {
    /// NATS and Redis plus a config file; `extra` is appended to the TOML.
    pub fn start(extra: &str) -> Self {
        let nats = Nats::start();
        let redis = Redis::start();
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("roomcast.toml");
        let toml = format!(
            "[[apps]]\nsdkappid = {APP}\nsecret = \"{SECRET}\"\nadmin_identifier = \"{ADMIN}\"\nadmin_token = \"{ADMIN_TOKEN}\"\n\n\
             [cluster]\nnats_url = \"{}\"\nredis_url = \"{}\"\nsubmit_timeout_ms = 2000\n\n\
             [gateway]\nuser_send_rate = {{ per_sec = 10000.0, burst = 10000 }}\n\n{extra}\n",
            nats.url(),
            redis.url()
        );
        std::fs::write(&config, toml).unwrap();
        Cluster {
            nats,
            redis,
            dir,
            config,
        }
    }

    pub fn spawn(&self, role: &'static str) -> Node {
        let http: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let grpc: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = std::fs::File::create(self.dir.path().join(format!("{role}-{}.log", http.port()))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_roomcast"))
            .arg(role)
            .arg("--config")
            .arg(&self.config)
            .arg("--http-addr")
            .arg(http.to_string())
            .arg("--grpc-addr")
            .arg(grpc.to_string())
            .env("ROOMCAST_LOG__FILTER", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("roomcast starts");
        let node = Node {
            proc: Proc {
                child,
                name: role.into(),
            },
            role,
            http,
            grpc: (role == "control").then_some(grpc),
        };
        wait_ready(http);
        node
    }
}

/// Polls `/readyz` until it answers 200.
pub fn wait_ready(http: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http_get(http, "/readyz").map(|(code, _)| code == 200).unwrap_or(false) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("node on {http} did not become ready");
}

pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    let code = buf.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = buf.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Ok((code, body))
}
