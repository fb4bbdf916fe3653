//! The interpreter alone, without executor or I/O: how many state transitions per second one
//! core gets through. Each iteration runs a whole execution from `Event::Start` to its end
//! (history recorded, as in production); throughput is reported in transitions (states run).
//!
//! `cargo bench -p stepwise --bench interpreter`

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

use stepwise::asl::validate;
use stepwise::interp::{Event, Execution, ExecutionInfo, Program, Status};

// The same allocator as the `stepwise` binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Ten Pass states, each with InputPath, Parameters and ResultPath.
fn pass_chain() -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut state = json!({
            "Type": "Pass",
            "InputPath": "$.data",
            "Parameters": {"value.$": "$.value", "step": i, "tags.$": "$.tags"},
            "ResultPath": "$.data",
        });
        if i == 9 {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), state);
    }
    json!({"StartAt": "S0", "States": states})
}

/// The same ten steps written in JSONata, each also assigning a variable the next one reads.
fn jsonata_chain() -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut state = json!({
            "Type": "Pass",
            "Assign": {"last": i},
            "Output": {"data": {
                "value": "{% $states.input.data.value %}",
                "step": i,
                "tags": "{% $states.input.data.tags %}",
                "previous": "{% $exists($last) ? $last : -1 %}"
            }},
        });
        if i == 9 {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("S{}", i + 1));
        }
        states.insert(format!("S{i}"), state);
    }
    json!({"QueryLanguage": "JSONata", "StartAt": "S0", "States": states})
}

/// An inline Map over 100 items, each processed by one Pass state.
fn inline_map() -> Value {
    json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "StartAt": "Double",
                    "States": {
                        "Double": {
                            "Type": "Pass",
                            "Parameters": {"n.$": "$.item.n", "i.$": "$.index"},
                            "End": true
                        }
                    }
                },
                "ResultPath": "$.results",
                "End": true
            }
        }
    })
}

fn program(definition: &Value) -> Arc<Program> {
    let bytes = serde_json::to_vec(definition).expect("serialisable");
    let machine = validate::parse_definition(&bytes).expect("valid benchmark definition");
    Arc::new(Program::compile(&machine).expect("compiles"))
}

fn run_once(program: &Arc<Program>, info: &ExecutionInfo) -> Execution {
    let mut exec = Execution::new(program.clone(), info.clone(), 1);
    exec.step(0, Event::Start);
    exec
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("interpreter");

    let chain = program(&pass_chain());
    let info = ExecutionInfo::local(
        "chain",
        "bench",
        json!({"data": {"value": 42, "tags": ["a", "b"]}}),
        0,
    );
    assert!(matches!(
        run_once(&chain, &info).status,
        Status::Succeeded(_)
    ));
    group.throughput(Throughput::Elements(10));
    group.bench_function("pass_chain_10", |b| b.iter(|| run_once(&chain, &info)));

    let jsonata = program(&jsonata_chain());
    let info = ExecutionInfo::local(
        "jsonata",
        "bench",
        json!({"data": {"value": 42, "tags": ["a", "b"]}}),
        0,
    );
    assert!(matches!(
        run_once(&jsonata, &info).status,
        Status::Succeeded(_)
    ));
    group.bench_function("jsonata_chain_10", |b| b.iter(|| run_once(&jsonata, &info)));

    let map = program(&inline_map());
    let items: Vec<Value> = (0..100).map(|n| json!({"n": n})).collect();
    let info = ExecutionInfo::local("map", "bench", json!({"items": items}), 0);
    assert!(matches!(run_once(&map, &info).status, Status::Succeeded(_)));
    // The Map state itself plus one Pass state per item.
    group.throughput(Throughput::Elements(101));
    group.bench_function("inline_map_100", |b| b.iter(|| run_once(&map, &info)));

    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
