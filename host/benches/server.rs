//! The load benchmark: the real server on a loopback port, driven over HTTP by many concurrent
//! clients speaking AWS JSON 1.0.
//!
//! - `express`: StartSyncExecution of a 3-state Express machine (Pass, a wasm Task, Pass) —
//!   executions per second (goal ≥ 20,000 on 2 cores).
//! - `standard`: StartExecution of the same machine as Standard on the SQLite store — durable
//!   state transitions per second, from the first start to the last execution's end (goal
//!   ≥ 20,000).
//!
//! `cargo bench -p stepwise --bench server [-- express|standard]`; the callback benchmark is
//! `benches/callbacks.rs`. Each figure is the median of
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

use stepwise::store::memory::MemoryStore;
use stepwise::store::sqlite::SqliteStore;

mod support;

use support::{Conn, load_average, median, start_server};

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
        while server.executions.running_count() > 0 {
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
    let runtime = support::runtime();
    if support::wanted("express") {
        runtime.block_on(express());
    }
    if support::wanted("standard") {
        runtime.block_on(standard());
    }
}
