//! The callback benchmark, on the SQLite store with fsync:
//!
//! - 100,000 Standard executions whose activity task waits in its queue, no worker having
//!   taken it: memory per queued execution (goal ≤ 2 KB: a backlog of 100,000 in ≤ 200 MB),
//!   measured as below; then workers take them all (each execution woken from the store, its
//!   ActivityStarted durable before the task is handed over), at the rate reported;
//! - those executions parked on a task token (an activity task taken by a worker):
//!   memory per parked execution (goal ≤ 2 KB), as the live heap bytes they hold (counted by
//!   this binary's allocator) and as the growth of the resident set (which also holds what the
//!   allocator keeps after freeing);
//! - SendTaskSuccess over HTTP, one at a time on a keep-alive connection, each answered once
//!   the task's success and the next state's entry are durable: the callback round trip (goal
//!   p50 ≤ 1 ms). The executions are parked by then, so each round trip includes rebuilding
//!   one from its stored steps.
//!
//! `cargo bench -p stepwise --bench callbacks`.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use stepwise::store::sqlite::SqliteStore;

mod support;

use support::{Conn, load_average, median, start_server};

/// mimalloc, as the server uses, counting the bytes held by live allocations.
struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: every call is passed to mimalloc unchanged; only a counter is kept beside it.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let runtime = support::runtime();
    runtime.block_on(callback());
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
    // Named as `stepwise serve --data-dir` names it: the restart below opens it there.
    let store = Arc::new(SqliteStore::open(&dir.join("stepwise.db")).expect("store"));
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
        .machines
        .get("arn:aws:states:us-east-1:123456789012:stateMachine:parked")
        .expect("machine");

    // Start executions; each one's activity task waits in the queue until a worker takes it.
    let queue = |from: usize, to: usize| {
        let (server, machine) = (server.clone(), machine.clone());
        async move {
            let all: Vec<usize> = (from..to).collect();
            for chunk in all.chunks(1_000) {
                let starts = chunk.iter().copied().map(|i| {
                    let (server, machine) = (server.clone(), machine.clone());
                    async move {
                        let input = json!({"order": i});
                        server
                            .executions
                            .start(
                                &machine,
                                &format!("run-{i}"),
                                input.to_string(),
                                input,
                                None,
                                None,
                            )
                            .await
                            .expect("start");
                    }
                });
                futures_join_all(starts).await;
            }
        }
    };
    // Take `n` tasks as workers would, `at_once` polls at a time: each token is then out, and
    // its execution waits for it holding only its own state.
    let take = |n: usize, at_once: usize| {
        let server = server.clone();
        async move {
            let mut tokens = Vec::with_capacity(n);
            while tokens.len() < n {
                let polls = (0..at_once.min(n - tokens.len())).map(|_| {
                    let server = server.clone();
                    async move {
                        server
                            .activities
                            .take("parked", Some("bench".into()), Duration::from_secs(10))
                            .await
                            .expect("activity")
                            .expect("a task")
                            .token
                    }
                });
                tokens.extend(futures_join_all(polls).await);
            }
            tokens
        }
    };
    // Warm up the allocator, the store and the runtime before the baseline.
    queue(0, 2_000).await;
    let mut tokens = take(2_000, 100).await;
    // Those park too, once idle.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    // The tokens the benchmark itself keeps are not the host's.
    let held = |tokens: &Vec<String>| -> i64 {
        (tokens.iter().map(String::capacity).sum::<usize>()
            + tokens.capacity() * std::mem::size_of::<String>()) as i64
    };
    let (before, live_before) = (rss(), LIVE.load(Ordering::Relaxed) - held(&tokens));
    let began = Instant::now();
    queue(2_000, 2_000 + PARKED).await;
    let queued_in = began.elapsed();
    // Let the last executions park (after a second idle).
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (queued_rss, live_queued) = (rss(), LIVE.load(Ordering::Relaxed) - held(&tokens));
    println!(
        "callback/queued: {PARKED} executions queued for a worker in {:.1} s; live heap {:.0} bytes per queued execution (goal <= 2048); RSS {:.0} MB -> {:.0} MB, {:.0} bytes per execution",
        queued_in.as_secs_f64(),
        (live_queued - live_before) as f64 / PARKED as f64,
        before as f64 / 1e6,
        queued_rss as f64 / 1e6,
        (queued_rss.saturating_sub(before)) as f64 / PARKED as f64,
    );
    assert_eq!(server.executions.parked_count(), PARKED + 2_000);
    let began = Instant::now();
    tokens.extend(take(PARKED, 100).await);
    let taken_in = began.elapsed();
    println!(
        "callback/taken: {PARKED} queued tasks taken from parked executions, 100 polls at a time, in {:.1} s ({:.0} tasks/s)",
        taken_in.as_secs_f64(),
        PARKED as f64 / taken_in.as_secs_f64(),
    );
    // Let the last ActivityStarted commits land and the last executions park (after a
    // second idle).
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (after, live_after) = (rss(), LIVE.load(Ordering::Relaxed) - held(&tokens));
    let live = (live_after - live_before) as f64;
    println!(
        "callback/parked: {PARKED} executions parked on their token; live heap {:.0} bytes per parked execution (goal <= 2048); RSS {:.0} MB -> {:.0} MB, {:.0} bytes per execution",
        live / PARKED as f64,
        before as f64 / 1e6,
        after as f64 / 1e6,
        (after.saturating_sub(before)) as f64 / PARKED as f64,
    );
    assert_eq!(server.executions.running_count(), PARKED + 2_000);

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

    // Restart: the host stops, and the `stepwise` binary serves the same data directory
    // (its function's compiled code copied in, as a restarted host finds it in its cache).
    server.shutdown(Duration::ZERO).await;
    let cache = std::env::temp_dir().join("stepwise-bench-components");
    copy_dir(&cache, &dir.join("components"));
    let empty = std::env::temp_dir().join(format!("stepwise-bench-empty-{}", std::process::id()));
    let (empty_listening, empty_rss) = serve_and_measure(&empty);
    let (listening, restarted_rss) = serve_and_measure(&dir);
    let parked = PARKED + 2_000;
    println!(
        "callback/restart: {parked} parked executions: listening after {:.2} s (an empty data directory: {:.2} s); RSS {:.0} MB (empty: {:.0} MB), {:.0} bytes per parked execution",
        listening.as_secs_f64(),
        empty_listening.as_secs_f64(),
        restarted_rss as f64 / 1e6,
        empty_rss as f64 / 1e6,
        restarted_rss.saturating_sub(empty_rss) as f64 / parked as f64,
    );
    let _ = std::fs::remove_dir_all(&empty);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `stepwise serve` on `data_dir` (port 0); the time until it says it listens, and its
/// resident set two seconds later (its executions parked again or, replayed, parked once
/// idle). Then stops it.
fn serve_and_measure(data_dir: &std::path::Path) -> (Duration, u64) {
    use std::io::BufRead;
    let began = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("stepwise serve starts");
    let stdout = child.stdout.take().expect("its stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("listening on ") => break,
            Some(Ok(_)) => {}
            _ => panic!("stepwise serve ended before it listened"),
        }
    }
    let listening = began.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024);
    let _ = child.kill();
    let _ = child.wait();
    (listening, rss)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("the cache copy");
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let _ = std::fs::copy(entry.path(), to.join(entry.file_name()));
    }
}

/// Runs every future concurrently; their outputs, in the order they end.
async fn futures_join_all<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for f in futures {
        set.spawn(f);
    }
    let mut out = Vec::new();
    while let Some(done) = set.join_next().await {
        out.push(done.expect("a task of the benchmark"));
    }
    out
}
