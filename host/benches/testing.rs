//! Testing workflows, timed as a user's test suite would feel it:
//!
//! - `run`: a mocked 20-state workflow (Tasks, a Choice, a Map of 10, a Retry) through
//!   `stepwise run --mock-config --test-case`, wall time from start to the printed result,
//!   median of 20 runs (goal ≤ 20 ms).
//! - `test-state`: TestState of one mocked Task state over HTTP on one keep-alive connection,
//!   latency per call, p50 and p99 of 2,000 calls (goal p50 ≤ 1 ms).
//!
//! `cargo bench -p stepwise --bench testing [-- run|test-state]`.

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use stepwise::store::memory::MemoryStore;

mod support;

use support::{Conn, load_average, median, start_server};

const RUNS: usize = 20;
const CALLS: usize = 2_000;

/// A mocked Lambda Task going to `next`.
fn task(next: &str) -> Value {
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "orders", "Payload.$": "$"},
        "ResultSelector": {"ok.$": "$.Payload.ok"},
        "ResultPath": "$.last",
        "Next": next
    })
}

/// The 20 states: eleven Tasks (one retried), a Choice, a Map of 10 over a Task and a Pass,
/// and Pass and Succeed states.
fn workflow() -> (Value, Value) {
    let mut states = serde_json::Map::new();
    for i in 1..=6 {
        let next = if i == 6 {
            "Route".to_owned()
        } else {
            format!("T{}", i + 1)
        };
        states.insert(format!("T{i}"), task(&next));
    }
    states.insert(
        "Route".into(),
        json!({"Type": "Choice", "Choices": [{"Variable": "$.last.ok", "BooleanEquals": true,
            "Next": "Prepare"}], "Default": "Done"}),
    );
    states.insert(
        "Prepare".into(),
        json!({"Type": "Pass", "Result": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "ResultPath": "$.items",
            "Next": "Each"}),
    );
    states.insert(
        "Each".into(),
        json!({"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "ResultPath": "$.mapped",
            "ItemProcessor": {"StartAt": "Item", "States": {
                "Item": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "item", "Payload.$": "$"}, "Next": "ItemDone"},
                "ItemDone": {"Type": "Pass", "End": true}}},
            "Next": "Charge"}),
    );
    let mut charge = task("T7");
    charge["Retry"] =
        json!([{"ErrorEquals": ["Declined"], "IntervalSeconds": 1, "MaxAttempts": 2}]);
    states.insert("Charge".into(), charge);
    for i in 7..=11 {
        let next = if i == 11 {
            "Summary".to_owned()
        } else {
            format!("T{}", i + 1)
        };
        states.insert(format!("T{i}"), task(&next));
    }
    states.insert("Summary".into(), json!({"Type": "Pass", "Next": "Tidy"}));
    states.insert("Tidy".into(), json!({"Type": "Pass", "Next": "Done"}));
    states.insert("Done".into(), json!({"Type": "Succeed"}));
    assert_eq!(states.len(), 20 - 2, "18 top-level states and 2 in the Map");
    let definition = json!({"StartAt": "T1", "States": states});

    let ok = json!({"0": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}});
    let mut case = serde_json::Map::new();
    for i in 1..=11 {
        case.insert(format!("T{i}"), json!("Ok"));
    }
    case.insert("Item".into(), json!("Items"));
    case.insert("Charge".into(), json!("DeclinedOnce"));
    let mocks = json!({
        "StateMachines": {"orders": {"TestCases": {"HappyPath": case}}},
        "MockedResponses": {
            "Ok": ok,
            "Items": {"0-9": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}},
            "DeclinedOnce": {
                "0": {"Throw": {"Error": "Declined", "Cause": "mocked"}},
                "1": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}
            }
        }
    });
    (definition, mocks)
}

fn bench_run() {
    let dir = std::env::temp_dir().join(format!("stepwise-bench-testing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (definition, mocks) = workflow();
    let machine = dir.join("orders.asl.json");
    let mock_file = dir.join("mock-config.json");
    std::fs::write(&machine, definition.to_string()).expect("write");
    std::fs::write(&mock_file, mocks.to_string()).expect("write");
    let run = || {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_stepwise"))
            .arg("run")
            .arg(&machine)
            .arg("--mock-config")
            .arg(&mock_file)
            .args(["--test-case", "HappyPath", "--wait-time-scale", "0.001"])
            .arg("--input")
            .arg("{}")
            .output()
            .expect("stepwise run");
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && printed.contains("SUCCEEDED"),
            "stepwise run did not succeed: {printed} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        elapsed
    };
    run();
    let times: Vec<f64> = (0..RUNS).map(|_| run()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "run: mocked 20-state workflow through `stepwise run`: median {:.1} ms, min {:.1}, max {:.1} ({RUNS} runs; goal ≤ 20 ms; load {})",
        median(times),
        sorted[0],
        sorted[RUNS - 1],
        load_average()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn bench_test_state() {
    let rt = support::runtime();
    rt.block_on(async {
        let (server, endpoint) = start_server(Arc::new(MemoryStore::new())).await;
        let body = json!({
            "definition": task("Next").to_string(),
            "input": json!({"order": 7}).to_string(),
            "mock": {"result": json!({"StatusCode": 200, "Payload": {"ok": true}}).to_string()},
            "inspectionLevel": "DEBUG",
        })
        .to_string();
        let mut conn = Conn::open(&endpoint).await;
        for _ in 0..200 {
            let (status, _) = conn.call("TestState", &body).await;
            assert_eq!(status, 200);
        }
        let mut latencies = Vec::with_capacity(CALLS);
        for _ in 0..CALLS {
            let started = Instant::now();
            let (status, answer) = conn.call("TestState", &body).await;
            latencies.push(started.elapsed().as_secs_f64() * 1e6);
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(answer));
        }
        latencies.sort_by(f64::total_cmp);
        println!(
            "test-state: one mocked Task over HTTP: p50 {:.0} µs, p99 {:.0} µs ({CALLS} calls; goal p50 ≤ 1 ms; load {})",
            latencies[CALLS / 2],
            latencies[CALLS * 99 / 100],
            load_average()
        );
        drop(server);
    });
}

fn main() {
    if support::wanted("run") {
        bench_run();
    }
    if support::wanted("test-state") {
        bench_test_state();
    }
}
