//! Fresh-instance invocation of the echo guest with about 250 bytes of JSON: a new store from
//! the pool, instantiate, call `handle`, drop — the whole cost of one Lambda task's invocation
//! in the sandbox.
//!
//! - `sandbox/echo_250b/one_core`: one invocation after another on one thread; the median is
//!   the latency of one invocation.
//! - `sandbox/echo_250b/two_cores`: two threads, each with its own current-thread tokio
//!   runtime, invoking concurrently; time per invocation is the inverse of the throughput.
//!
//! `cargo bench -p stepwise --bench sandbox`

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use stepwise::runtime::{FunctionConfig, Invocation, Runtime};

mod support;

use support::current_thread;

// The same allocator as the `stepwise` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// About 250 bytes: a typical small task input.
const INPUT: &str = r#"{"orderId":"ord-7f3a9c2e","customer":{"id":"cust-1042","name":"Ada Lovelace","tier":"gold"},"items":[{"sku":"BK-001","qty":2,"price":12.5},{"sku":"PN-204","qty":1,"price":3.25}],"total":28.25,"currency":"EUR","express":true,"note":"leave at door"}"#;

const CONTEXT: &str = r#"{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:m:e","Name":"e"},"State":{"Name":"Echo","EnteredTime":"2026-01-01T00:00:00.000Z","RetryCount":0}}"#;

fn runtime() -> Arc<Runtime> {
    let runtime = Runtime::new(None).expect("the runtime starts");
    for (name, path) in [
        ("echo", stepwise_test_artifacts::ECHO),
        ("raw-echo", stepwise_test_artifacts::RAW_ECHO),
    ] {
        let code = std::fs::read(path).expect("the guest is built");
        runtime
            .deploy(name, &code, FunctionConfig::default())
            .expect("the guest deploys");
    }
    Arc::new(runtime)
}

/// Runs `n` invocations of `name` one after another.
async fn invoke_n(runtime: &Runtime, name: &str, n: u64) {
    let function = runtime.function(name).expect("deployed");
    for _ in 0..n {
        let out = runtime
            .invoke(&function, Invocation::new(INPUT, CONTEXT))
            .await
            .expect("echo succeeds");
        assert_eq!(out.len(), INPUT.len());
    }
}

fn bench(c: &mut Criterion) {
    assert!(
        (230..=270).contains(&INPUT.len()),
        "input is {} bytes",
        INPUT.len()
    );
    let runtime = runtime();
    let mut group = c.benchmark_group("sandbox/echo_250b");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(8));

    let tokio = current_thread();
    group.bench_function("one_core", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            tokio.block_on(invoke_n(&runtime, "echo", iters));
            started.elapsed()
        })
    });

    group.bench_function("two_cores", |b| {
        b.iter_custom(|iters| {
            let per_thread = iters.div_ceil(2);
            let started = Instant::now();
            std::thread::scope(|s| {
                for _ in 0..2 {
                    let runtime = &runtime;
                    s.spawn(move || {
                        current_thread().block_on(invoke_n(runtime, "echo", per_thread))
                    });
                }
            });
            // Time per invocation: the elapsed time over all the invocations both made.
            started
                .elapsed()
                .mul_f64(iters as f64 / (per_thread * 2) as f64)
        })
    });
    // The same without the guest SDK's JSON work: what the sandbox itself costs.
    group.bench_function("one_core_raw_guest", |b| {
        b.iter_custom(|iters| {
            let started = Instant::now();
            tokio.block_on(invoke_n(&runtime, "raw-echo", iters));
            started.elapsed()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
