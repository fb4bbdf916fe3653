//! Tests of `executions`.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::asl::validate;

fn finished_execution() -> Execution {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let machine = validate::parse_definition(definition.to_string().as_bytes()).unwrap();
    let program = Arc::new(Program::compile(&machine).unwrap());
    let mut exec = Execution::new(program, ExecutionInfo::local("m", "e", json!({}), 0), 1);
    exec.step(0, crate::interp::Event::Start);
    exec
}

#[test]
fn express_memory_is_billed_in_64_mb_units_from_what_the_execution_holds() {
    let exec = finished_execution();
    // What AWS reports for a small execution (aws-recordings/v2/express/test_express_sync).
    assert_eq!(billed_memory_mb(200, 2, &exec), 64);
    let mb = 1024 * 1024;
    assert_eq!(billed_memory_mb(64 * mb - 1024, 0, &exec), 64);
    assert_eq!(billed_memory_mb(64 * mb, 0, &exec), 128);
    assert_eq!(billed_memory_mb(100 * mb, 100 * mb, &exec), 256);
}

#[test]
fn seeds_differ_between_executions() {
    assert_ne!(rand_seed(), rand_seed());
}
