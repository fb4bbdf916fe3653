//! The load benchmark: the real server on a loopback port, driven over HTTP by many concurrent
//! clients speaking AWS JSON 1.0.
//!
//! - `express`: StartSyncExecution of a 3-state Express machine (Pass, a wasm Task, Pass) —
//!   executions per second (goal ≥ 20,000 on 2 cores).
//! - `standard`: StartExecution of the same machine as Standard on the SQLite store — durable
//!   state transitions per second, from the first start to the last execution's end (goal
//!   ≥ 20,000).
//!
//! - `callback`: 100,000 Standard executions parked on a task token (an activity task taken
//!   by a worker) on SQLite — memory per parked execution (goal ≤ 2 KB); then SendTaskSuccess
//!   over HTTP, one at a time, each answered once the task's success and the next state's
//!   entry are durable — the callback round trip (goal p50 ≤ 1 ms).
//!
//! `cargo bench -p stepwise --bench server [-- express|standard|callback]`. Each figure is the median of
//! several rounds; the machine's load average is printed beside it, since this host is shared.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use stepwise::server::{HostConfig, Server};
use stepwise::store::Store;
use stepwise::store::memory::MemoryStore;
use stepwise::store::sqlite::SqliteStore;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENTS: usize = 64;
const ROUNDS: usize = 5;
const ROUND: Duration = Duration::from_secs(3);
const STANDARD_EXECUTIONS: usize = 10_000;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn machine(kind: &str, name: &str) -> Value {
    let definition = json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"order.$": "$.order", "step": "prepared"}, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}});
    json!({"name": name, "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/bench", "type": kind})
}

async fn call(client: &HttpClient, endpoint: &str, action: &str, body: &Value) -> Value {
    let request = hyper::Request::post(endpoint)
        .header("x-amz-target", format!("AWSStepFunctions.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a request");
    let response = client.request(request).await.expect("the server answers");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let value: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert!(status.is_success(), "{action}: {status} {value}");
    value
}

/// A keep-alive HTTP/1.1 connection that writes requests as bytes and reads just enough of
/// each response (status, Content-Length, body): the load generator shares the two cores with
/// the server, so it has to cost far less than the server does per request.
struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(endpoint: &str) -> Conn {
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
    async fn call(&mut self, action: &str, body: &str) -> (u16, &[u8]) {
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

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn start_server(store: Arc<dyn Store>) -> (Arc<Server>, String) {
    let cache = std::env::temp_dir().join("stepwise-bench-components");
    let server = Server::start(
        store,
        HostConfig {
            cache_dir: Some(cache),
            ..HostConfig::default()
        },
    )
    .await
    .expect("server");
    let code = std::fs::read(stepwise_test_artifacts::ECHO).expect("the echo guest");
    stepwise::api::lambda::deploy_code(&server, "echo", code)
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

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CLIENTS)
        .build_http()
}

async fn express() {
    let (_server, endpoint) = start_server(Arc::new(MemoryStore::new())).await;
    let http = client();
    let arn = call(
        &http,
        &endpoint,
        "CreateStateMachine",
        &machine("EXPRESS", "bench-express"),
    )
    .await["stateMachineArn"]
        .clone();
    let request = json!({"stateMachineArn": arn, "input": json!({"order": {"id": 42, "items": ["a", "b"]}}).to_string()});
    // Warm up: connections, the instance pool, the allocator.
    for _ in 0..200 {
        let out = call(&http, &endpoint, "StartSyncExecution", &request).await;
        assert_eq!(out["status"], "SUCCEEDED", "{out}");
    }
    let mut rates = Vec::new();
    let mut latencies = Vec::new();
    for round in 0..ROUNDS {
        let done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let began = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..CLIENTS {
            let (endpoint, request, done, stop) = (
                endpoint.clone(),
                request.to_string(),
                done.clone(),
                stop.clone(),
            );
            workers.push(tokio::spawn(async move {
                let mut conn = Conn::open(&endpoint).await;
                let mut own = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let (status, body) = conn.call("StartSyncExecution", &request).await;
                    assert!(
                        status == 200 && body.windows(9).any(|w| w == b"SUCCEEDED"),
                        "{}",
                        String::from_utf8_lossy(body)
                    );
                    own.push(t.elapsed().as_secs_f64() * 1e6);
                    done.fetch_add(1, Ordering::Relaxed);
                }
                own
            }));
        }
        tokio::time::sleep(ROUND).await;
        stop.store(true, Ordering::Relaxed);
        let mut round_latencies = Vec::new();
        for w in workers {
            round_latencies.extend(w.await.expect("worker"));
        }
        let rate = done.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64();
        let p50 = median(round_latencies.clone());
        println!(
            "express round {round}: {rate:.0} executions/s, p50 latency {p50:.0} µs, load {}",
            load_average()
        );
        rates.push(rate);
        latencies.extend(round_latencies);
    }
    println!(
        "express: median {:.0} StartSyncExecution/s over {ROUNDS} rounds ({CLIENTS} clients), p50 latency {:.0} µs, goal 20000",
        median(rates),
        median(latencies)
    );
}

async fn standard() {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let store = SqliteStore::open(&dir.join("stepwise.db")).expect("store");
    let (server, endpoint) = start_server(Arc::new(store)).await;
    let http = client();
    let arn = call(
        &http,
        &endpoint,
        "CreateStateMachine",
        &machine("STANDARD", "bench-standard"),
    )
    .await["stateMachineArn"]
        .clone();
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        let next = Arc::new(AtomicU64::new(0));
        let began = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..CLIENTS {
            let (endpoint, arn, next) = (endpoint.clone(), arn.clone(), next.clone());
            workers.push(tokio::spawn(async move {
                let mut conn = Conn::open(&endpoint).await;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= STANDARD_EXECUTIONS {
                        break;
                    }
                    let input = json!({"order": {"id": i}}).to_string();
                    let body = json!({"stateMachineArn": arn, "name": format!("r{round}-{i}"), "input": input});
                    let (status, response) = conn.call("StartExecution", &body.to_string()).await;
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(response));
                }
            }));
        }
        for w in workers {
            w.await.expect("worker");
        }
        while server.running_count() > 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let elapsed = began.elapsed().as_secs_f64();
        // Three states entered per execution: the transitions AWS bills.
        let rate = (STANDARD_EXECUTIONS * 3) as f64 / elapsed;
        println!(
            "standard round {round}: {STANDARD_EXECUTIONS} executions in {elapsed:.2} s = {rate:.0} durable transitions/s, load {}",
            load_average()
        );
        rates.push(rate);
    }
    // Spot-check that they really ran: the last one succeeded with the guest's output.
    let last = arn
        .as_str()
        .unwrap_or_default()
        .replace(":stateMachine:", ":execution:");
    let described = call(
        &http,
        &endpoint,
        "DescribeExecution",
        &json!({"executionArn": format!("{last}:r0-0")}),
    )
    .await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    println!(
        "standard: median {:.0} durable transitions/s over {ROUNDS} rounds ({CLIENTS} clients, SQLite, fsync per group commit), goal 20000",
        median(rates)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let which: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wants = |name: &str| which.is_empty() || which.iter().any(|w| w == name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    println!(
        "machine: {} cores, load {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    if wants("express") {
        runtime.block_on(express());
    }
    if wants("standard") {
        runtime.block_on(standard());
    }
    if wants("callback") {
        runtime.block_on(callback());
    }
}

const PARKED: usize = 100_000;
const CALLBACK_ROUNDS: usize = 5;
const CALLBACKS_PER_ROUND: usize = 1_000;

/// The resident set of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

async fn callback() {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-callback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let store = Arc::new(SqliteStore::open(&dir.join("db")).expect("store"));
    let (server, endpoint) = start_server(store).await;
    let mut conn = Conn::open(&endpoint).await;
    let (_, body) = conn.call("CreateActivity", r#"{"name":"parked"}"#).await;
    let activity: Value = serde_json::from_slice(body).expect("JSON");
    let definition = json!({"StartAt": "Park", "States": {
        "Park": {"Type": "Task", "Resource": activity["activityArn"], "Next": "Later"},
        "Later": {"Type": "Wait", "Seconds": 86_400, "End": true}}});
    let create = json!({"name": "parked", "roleArn": "arn:aws:iam::123456789012:role/bench", "definition": definition.to_string()});
    let (status, body) = conn.call("CreateStateMachine", &create.to_string()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
    let machine = server
        .machine("arn:aws:states:us-east-1:123456789012:stateMachine:parked")
        .expect("machine");

    // Park executions: start them, and take each task as a worker would (its token is then
    // out, and the execution waits for it holding only its own state).
    let park = |from: usize, to: usize| {
        let (server, machine) = (server.clone(), machine.clone());
        async move {
            let mut tokens = Vec::with_capacity(to - from);
            let all: Vec<usize> = (from..to).collect();
            for chunk in all.chunks(1_000) {
                let starts = chunk.iter().copied().map(|i| {
                    let (server, machine) = (server.clone(), machine.clone());
                    async move {
                        let input = json!({"order": i});
                        server
                            .start_execution(
                                &machine,
                                &format!("run-{i}"),
                                input.to_string(),
                                input,
                            )
                            .await
                            .expect("start");
                    }
                });
                futures_join_all(starts).await;
                for _ in chunk {
                    let task = server
                        .resources
                        .activities
                        .take("parked", Some("bench".into()), Duration::from_secs(10))
                        .await
                        .expect("activity")
                        .expect("a task");
                    tokens.push(task.token);
                }
            }
            tokens
        }
    };
    // Warm up the allocator, the store and the runtime before the baseline.
    let mut tokens = park(0, 2_000).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss();
    let began = Instant::now();
    tokens.extend(park(2_000, 2_000 + PARKED).await);
    // Let the last ActivityStarted commits land and the last executions park (after a
    // second idle).
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let after = rss();
    println!(
        "callback/parked: {PARKED} executions parked in {:.1} s; RSS {:.0} MB -> {:.0} MB: {:.0} bytes per parked execution (goal <= 2048)",
        began.elapsed().as_secs_f64(),
        before as f64 / 1e6,
        after as f64 / 1e6,
        (after.saturating_sub(before)) as f64 / PARKED as f64,
    );
    assert_eq!(server.running_count(), PARKED + 2_000);

    // Round trips: one keep-alive connection, one SendTaskSuccess at a time.
    let mut p50s = Vec::new();
    let mut all = Vec::new();
    for round in 0..CALLBACK_ROUNDS {
        let mut times = Vec::with_capacity(CALLBACKS_PER_ROUND);
        for _ in 0..CALLBACKS_PER_ROUND {
            let token = tokens.pop().expect("a token");
            let body = json!({"taskToken": token, "output": "{\"ok\":true}"}).to_string();
            let t = Instant::now();
            let (status, body) = conn.call("SendTaskSuccess", &body).await;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
        }
        let p50 = median(times.clone());
        times.sort_by(f64::total_cmp);
        let p99 = times[times.len() * 99 / 100];
        println!(
            "callback/round-trip round {round}: p50 {p50:.3} ms, p99 {p99:.3} ms (load {})",
            load_average()
        );
        p50s.push(p50);
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "callback/round-trip: median of round p50s {:.3} ms (goal <= 1 ms); over all {} calls p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms",
        median(p50s),
        all.len(),
        all[all.len() / 2],
        all[all.len() * 9 / 10],
        all[all.len() * 99 / 100],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Awaits every future, concurrently on this task.
async fn futures_join_all<F>(futures: impl Iterator<Item = F>)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for f in futures {
        set.spawn(f);
    }
    while set.join_next().await.is_some() {}
}
