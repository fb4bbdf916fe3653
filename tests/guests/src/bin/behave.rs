//! Does what its input says, for tests of errors, heartbeats, sleeping, logging and calls:
//! `{"fail": {"error", "cause"}}`, `{"sleep_ms": n, "beats": k}` (k heartbeats spread over n
//! milliseconds), `{"log": "text"}`, `{"call": {"resource", "parameters"}}`, `{"print": "text"}`.
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use stepwise_guest::{Context, Level, TaskError};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Orders {
    fail: Option<Failure>,
    sleep_ms: u64,
    beats: u64,
    log: Option<String>,
    print: Option<String>,
    call: Option<Call>,
}

#[derive(Deserialize)]
struct Failure {
    error: String,
    cause: String,
}

#[derive(Deserialize)]
struct Call {
    resource: String,
    parameters: Value,
}

fn handler(orders: Orders, ctx: &Context) -> Result<Value, TaskError> {
    if let Some(text) = &orders.print {
        println!("{text}");
        eprintln!("{text}");
    }
    if let Some(text) = &orders.log {
        ctx.log(Level::Info, text);
    }
    let steps = orders.beats.max(1);
    for _ in 0..orders.beats {
        ctx.heartbeat();
        std::thread::sleep(Duration::from_millis(orders.sleep_ms / steps));
    }
    if orders.beats == 0 && orders.sleep_ms > 0 {
        std::thread::sleep(Duration::from_millis(orders.sleep_ms));
    }
    if let Some(call) = orders.call {
        let result: Value = ctx.call(&call.resource, &call.parameters)?;
        return Ok(json!({"called": result}));
    }
    if let Some(f) = orders.fail {
        return Err(TaskError::new(f.error, f.cause));
    }
    Ok(json!({"done": true, "retryCount": ctx.retry_count()}))
}

stepwise_guest::export_task!(handler);

fn main() {}
