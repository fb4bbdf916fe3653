//! What the server benchmarks share: a server on a loopback port, a cheap HTTP client, and
//! the machine's load.

#![allow(dead_code)]

use std::sync::Arc;

use stepwise::host::{Host, HostConfig};
use stepwise::store::Store;

/// A keep-alive HTTP/1.1 connection that writes requests as bytes and reads just enough of
/// each response (status, Content-Length, body): the load generator shares the two cores with
/// the server, so it has to cost far less than the server does per request.
pub struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(endpoint: &str) -> Conn {
        let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            stream,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Sends one action; returns the status and the response body.
    pub async fn call(&mut self, action: &str, body: &str) -> (u16, &[u8]) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let request = format!(
            "POST / HTTP/1.1\r\nhost: localhost\r\nx-amz-target: AWSStepFunctions.{action}\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream
            .write_all(request.as_bytes())
            .await
            .expect("write");
        self.buf.clear();
        let (head_end, length) = loop {
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).expect("ASCII head");
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .expect("content-length");
                break (end + 4, length);
            }
        };
        while self.buf.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let status = std::str::from_utf8(&self.buf[9..12])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, &self.buf[head_end..head_end + length])
    }
}

/// The benchmarks' multi-threaded runtime, after printing the machine they run on.
pub fn runtime() -> tokio::runtime::Runtime {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    println!(
        "machine: {} cores, load {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    runtime
}

/// Whether the benchmark `name` is wanted: those named on the command line (after `--`), or
/// all when none is (cargo's own flags, such as `--bench`, are not names).
pub fn wanted(name: &str) -> bool {
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    named.is_empty() || named.iter().any(|w| w == name)
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// CPU seconds this process has used (user and system, every thread), from /proc/self/stat.
/// Unlike wall time it does not count the time a shared machine's other tenants take (steal).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // /proc reports in USER_HZ, which Linux fixes at 100.
    (ticks(11) + ticks(12)) / 100.0
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The host on `store` with the echo guest deployed as `echo`, serving on a free port.
pub async fn start_server(store: Arc<dyn Store>) -> (Host, String) {
    let cache = std::env::temp_dir().join("stepwise-bench-components");
    let server = Host::start(
        store,
        HostConfig {
            cache_dir: Some(cache),
            ..HostConfig::default()
        },
    )
    .await
    .expect("server");
    let code = std::fs::read(stepwise_test_artifacts::ECHO).expect("the echo guest");
    stepwise::api::lambda::deploy_code(&axum::extract::FromRef::from_ref(&server), "echo", code)
        .await
        .expect("deploy");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}/", listener.local_addr().expect("addr"));
    let serving = server.clone();
    tokio::spawn(async move {
        let _ = stepwise::api::serve(listener, serving, std::future::pending()).await;
    });
    (server, endpoint)
}

/// A single-threaded tokio runtime with timers: one core's worth of async work.
pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio starts")
}
