//! A task in Rust, Python and JavaScript, the same greeter in each
//! (`examples/greeter`, `examples/python/greeter`, `examples/js/greeter`): a fresh-instance
//! invocation (a store from the pool, instantiate, call `handle`, drop) one after another on
//! one thread, so the median is the latency of one invocation. The Python and JavaScript
//! components carry an initialized interpreter image; instantiating one is mostly setting up
//! its memory, copy-on-write from the image, in a warm pool slot.
//!
//! Before the timings it prints what an idle deployed function costs in memory (resident
//! set growth per function, five deployed) beside the size of its precompiled artifact.
//!
//! `cargo bench -p stepwise --bench polyglot` (needs the guest toolchains:
//! `./scripts/guest-toolchains`).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use stepwise::runtime::{FunctionConfig, Invocation, Runtime};

mod support;

use support::current_thread;

// The same allocator as the `stepwise` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const INPUT: &str = r#"{"name": "Ada"}"#;
const CONTEXT: &str = r#"{"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:m:e","Name":"e"},"State":{"Name":"Greet","EnteredTime":"2026-01-01T00:00:00.000Z","RetryCount":0}}"#;

/// The greeter in each language: (name, component).
fn greeters() -> Vec<(&'static str, Vec<u8>)> {
    let built = |project: &str| {
        stepwise_test_artifacts::foreign_guest(
            Path::new(env!("CARGO_BIN_EXE_stepwise")),
            project,
            &Path::new(env!("CARGO_TARGET_TMPDIR")).join("foreign-guests"),
        )
    };
    vec![
        (
            "rust",
            std::fs::read(stepwise_test_artifacts::GREETER).expect("the greeter is built"),
        ),
        ("python", built("examples/python/greeter")),
        ("javascript", built("examples/js/greeter")),
    ]
}

fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

async fn invoke_n(runtime: &Runtime, name: &str, n: u64) {
    let function = runtime.function(name).expect("deployed");
    for _ in 0..n {
        let out = runtime
            .invoke(&function, Invocation::new(INPUT, CONTEXT))
            .await
            .expect("the greeter succeeds");
        assert!(out.contains("Hello, Ada!"), "{out}");
    }
}

fn bench(c: &mut Criterion) {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime = Arc::new(Runtime::new(Some(cache.clone())).expect("the runtime starts"));
    let greeters = greeters();
    // Compiled once into the cache, so the copies below load as a restarted host loads them.
    for (lang, code) in &greeters {
        runtime
            .deploy(lang, code, FunctionConfig::default())
            .expect("the greeter deploys");
    }
    let tokio = current_thread();
    for (lang, code) in &greeters {
        tokio.block_on(invoke_n(&runtime, lang, 1));
        let before = resident_bytes();
        for i in 0..5 {
            runtime
                .deploy(&format!("{lang}-{i}"), code, FunctionConfig::default())
                .expect("a copy deploys");
        }
        let per_function = resident_bytes().saturating_sub(before) / 5;
        let artifact = std::fs::read_dir(&cache)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let sha = <sha2::Sha256 as sha2::Digest>::digest(code);
                name.starts_with(&sha.iter().map(|b| format!("{b:02x}")).collect::<String>())
            })
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .next()
            .unwrap_or(0);
        println!(
            "polyglot/{lang}: component {:.1} MB, precompiled artifact {:.1} MB, resident memory per idle deployed function {:.1} MB",
            code.len() as f64 / 1e6,
            artifact as f64 / 1e6,
            per_function as f64 / 1e6
        );
    }

    let mut group = c.benchmark_group("polyglot/greeter");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(8));
    for (lang, _) in &greeters {
        group.bench_function(*lang, |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                tokio.block_on(invoke_n(&runtime, lang, iters));
                started.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
