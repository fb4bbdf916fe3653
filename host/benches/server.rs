//! The load benchmark: the real server on a loopback port, driven over HTTP by many concurrent
//! clients speaking AWS JSON 1.0.
//!
//! - `express`: StartSyncExecution of a 3-state Express machine (Pass, a wasm Task, Pass) —
//!   executions per second (goal ≥ 20,000 on 2 cores).
//! - `standard`: StartExecution of the same machine as Standard on the SQLite store — durable
//!   state transitions per second, from the first start to the last execution's end (goal
//!   ≥ 20,000).
//!
//! - `observed`: both of the above in alternating rounds on one server, without and with the
//!   web console watching (Debian's chromium, headless, on the page of a running execution, its
//!   live history feed open) and `/metrics` scraped every second: the two medians and their
//!   ratio, since watching must cost the API nothing measurable.
//!
//! `cargo bench -p stepwise --bench server [-- express|standard|observed]`; the callback benchmark is
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

use stepwise::host::Host;
use stepwise::store::memory::MemoryStore;
use stepwise::store::sqlite::SqliteStore;

mod support;

use support::{Conn, cpu_seconds, load_average, median, start_server};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CLIENTS: usize = 64;
const ROUNDS: usize = 5;
/// The observed comparison alternates more rounds: its two medians are compared.
const OBSERVED_ROUNDS: usize = 7;
const ROUND: Duration = Duration::from_secs(3);
const STANDARD_EXECUTIONS: usize = 10_000;
/// The pause before each observed round: a browser starts up in about a second.
const SETTLE: Duration = Duration::from_secs(3);

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

/// Express executions started by `CLIENTS` connections for one `ROUND`: the rate and each
/// call's latency (µs).
async fn express_round(endpoint: &str, request: &str) -> (f64, Vec<f64>) {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (endpoint, request, done, stop) = (
            endpoint.to_owned(),
            request.to_owned(),
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
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.expect("worker"));
    }
    let rate = done.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64();
    (rate, latencies)
}

/// Creates the Express machine and warms up (connections, the instance pool, the
/// allocator); the StartSyncExecution request to send.
async fn express_machine(http: &HttpClient, endpoint: &str) -> String {
    let arn = call(
        http,
        endpoint,
        "CreateStateMachine",
        &machine("EXPRESS", "bench-express"),
    )
    .await["stateMachineArn"]
        .clone();
    let request = json!({"stateMachineArn": arn, "input": json!({"order": {"id": 42, "items": ["a", "b"]}}).to_string()});
    for _ in 0..200 {
        let out = call(http, endpoint, "StartSyncExecution", &request).await;
        assert_eq!(out["status"], "SUCCEEDED", "{out}");
    }
    request.to_string()
}

async fn express() {
    let (_server, endpoint) = start_server(Arc::new(MemoryStore::new())).await;
    let http = client();
    let request = express_machine(&http, &endpoint).await;
    let mut rates = Vec::new();
    let mut latencies = Vec::new();
    for round in 0..ROUNDS {
        let (rate, round_latencies) = express_round(&endpoint, &request).await;
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

/// A server on a fresh SQLite store in a temporary directory (removed on drop).
struct Durable {
    dir: std::path::PathBuf,
}

impl Durable {
    async fn start() -> (Durable, Host, String) {
        let dir = std::env::temp_dir().join(format!("stepwise-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let store = SqliteStore::open(&dir.join("stepwise.db")).expect("store");
        let (server, endpoint) = start_server(Arc::new(store)).await;
        (Durable { dir }, server, endpoint)
    }
}

impl Drop for Durable {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `STANDARD_EXECUTIONS` Standard executions started by `CLIENTS` connections, named
/// `{tag}-{i}`, until the last has ended (and `others` executions are left running): durable
/// state transitions per second.
async fn standard_round(server: &Host, endpoint: &str, arn: &str, tag: &str, others: usize) -> f64 {
    let next = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        let (endpoint, arn, next, tag) = (
            endpoint.to_owned(),
            arn.to_owned(),
            next.clone(),
            tag.to_owned(),
        );
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::open(&endpoint).await;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= STANDARD_EXECUTIONS {
                    break;
                }
                let input = json!({"order": {"id": i}}).to_string();
                let body =
                    json!({"stateMachineArn": arn, "name": format!("{tag}-{i}"), "input": input});
                let (status, response) = conn.call("StartExecution", &body.to_string()).await;
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(response));
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    // `others` run beside the round's (the observed run's watched one).
    while server.executions.running_count() > others {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let elapsed = began.elapsed().as_secs_f64();
    // Three states entered per execution: the transitions AWS bills.
    (STANDARD_EXECUTIONS * 3) as f64 / elapsed
}

async fn standard_machine(http: &HttpClient, endpoint: &str) -> String {
    call(
        http,
        endpoint,
        "CreateStateMachine",
        &machine("STANDARD", "bench-standard"),
    )
    .await["stateMachineArn"]
        .as_str()
        .expect("an ARN")
        .to_owned()
}

/// Checks that they really ran: the execution `{tag}-0` succeeded.
async fn succeeded(http: &HttpClient, endpoint: &str, arn: &str, tag: &str) {
    let execution = arn.replace(":stateMachine:", ":execution:");
    let described = call(
        http,
        endpoint,
        "DescribeExecution",
        &json!({"executionArn": format!("{execution}:{tag}-0")}),
    )
    .await;
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
}

async fn standard() {
    let (_dir, server, endpoint) = Durable::start().await;
    let http = client();
    let arn = standard_machine(&http, &endpoint).await;
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        let rate = standard_round(&server, &endpoint, &arn, &format!("r{round}"), 0).await;
        println!(
            "standard round {round}: {STANDARD_EXECUTIONS} executions = {rate:.0} durable transitions/s, load {}",
            load_average()
        );
        rates.push(rate);
    }
    succeeded(&http, &endpoint, &arn, "r0").await;
    println!(
        "standard: median {:.0} durable transitions/s over {ROUNDS} rounds ({CLIENTS} clients, SQLite, fsync per group commit), goal 20000",
        median(rates)
    );
}

/// The console open in headless chromium (Debian's, or `$CHROMIUM`), killed on drop.
struct Browser {
    child: std::process::Child,
    profile: std::path::PathBuf,
}

impl Browser {
    fn open(url: &str) -> Browser {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let profile =
            std::env::temp_dir().join(format!("stepwise-bench-chromium-{}", std::process::id()));
        let child = std::process::Command::new(&chromium)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{chromium}: {e} (apt-get install chromium, or set CHROMIUM)")
            });
        Browser { child, profile }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Scrapes `/metrics` every second, as Prometheus would, until dropped.
struct Scraper(tokio::task::JoinHandle<()>);

impl Scraper {
    fn start(endpoint: &str) -> Scraper {
        let url = format!("{}metrics", endpoint);
        let http = client();
        Scraper(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let uri: hyper::Uri = url.parse().expect("a URI");
                let response = http.get(uri).await.expect("the metrics answer");
                assert!(response.status().is_success());
                let body = response.into_body().collect().await.expect("a body");
                assert!(body.to_bytes().starts_with(b"# HELP"));
            }
        }))
    }
}

impl Drop for Scraper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn observed() {
    let (_dir, server, endpoint) = Durable::start().await;
    let http = client();
    let express = express_machine(&http, &endpoint).await;
    let standard = standard_machine(&http, &endpoint).await;
    // What the browser watches: an execution of its own, waiting (as one a user looks at).
    let watched = call(
        &http,
        &endpoint,
        "CreateStateMachine",
        &json!({"name": "watched", "roleArn": "arn:aws:iam::123456789012:role/bench",
                "definition": json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 86400, "End": true}}}).to_string()}),
    )
    .await["stateMachineArn"]
        .clone();
    let execution = call(
        &http,
        &endpoint,
        "StartExecution",
        &json!({"stateMachineArn": watched}),
    )
    .await["executionArn"]
        .as_str()
        .expect("an ARN")
        .to_owned();
    let page = format!(
        "{endpoint}#/execution/{}",
        percent_encoding::utf8_percent_encode(&execution, percent_encoding::NON_ALPHANUMERIC)
    );
    // [alone, watched]: the rates, and the process's CPU time per execution or transition (the
    // load generator's included, the same in both), which a shared machine's steal does not
    // inflate.
    let mut rates: [[Vec<f64>; 2]; 2] = Default::default();
    let mut cpus: [[Vec<f64>; 2]; 2] = Default::default();
    for round in 0..OBSERVED_ROUNDS {
        for watching in [false, true] {
            let _watch = watching.then(|| {
                let browser = Browser::open(&page);
                (browser, Scraper::start(&endpoint))
            });
            if watching {
                // The page is open once its live feed is: a watcher of the store's changes.
                let began = Instant::now();
                while server.store.changes().watchers() == 0 {
                    assert!(
                        began.elapsed() < Duration::from_secs(30),
                        "the page did not open its feed"
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            // Chromium's start-up and the previous round's wake-ups are not the round's.
            tokio::time::sleep(SETTLE).await;
            let who = if watching { "watched" } else { "alone" };
            let cpu = cpu_seconds();
            let (express_rate, latencies) = express_round(&endpoint, &express).await;
            let express_cpu = (cpu_seconds() - cpu) * 1e6 / latencies.len() as f64;
            let cpu = cpu_seconds();
            let standard_rate =
                standard_round(&server, &endpoint, &standard, &format!("{who}{round}"), 1).await;
            let standard_cpu = (cpu_seconds() - cpu) * 1e6 / (STANDARD_EXECUTIONS * 3) as f64;
            println!(
                "observed round {round}, {who}: express {express_rate:.0} executions/s ({express_cpu:.1} CPU-µs each), standard {standard_rate:.0} durable transitions/s ({standard_cpu:.1} CPU-µs each), load {}",
                load_average()
            );
            let i = usize::from(watching);
            rates[0][i].push(express_rate);
            rates[1][i].push(standard_rate);
            cpus[0][i].push(express_cpu);
            cpus[1][i].push(standard_cpu);
        }
    }
    succeeded(&http, &endpoint, &standard, "watched0").await;
    for (k, (what, unit)) in [("express", "execution"), ("standard", "transition")]
        .into_iter()
        .enumerate()
    {
        let [rate_alone, rate_watched] = rates[k].clone().map(median);
        let [cpu_alone, cpu_watched] = cpus[k].clone().map(median);
        println!(
            "observed {what}: median {rate_alone:.0}/s alone, {rate_watched:.0}/s watched (ratio {:.3}); {cpu_alone:.1} vs {cpu_watched:.1} CPU-µs per {unit} (ratio {:.3}); {OBSERVED_ROUNDS} rounds each, alternating",
            rate_watched / rate_alone,
            cpu_watched / cpu_alone
        );
    }
}

fn main() {
    let runtime = support::runtime();
    if support::wanted("express") {
        runtime.block_on(express());
    }
    if support::wanted("standard") {
        runtime.block_on(standard());
    }
    if support::wanted("observed") {
        runtime.block_on(observed());
    }
}
