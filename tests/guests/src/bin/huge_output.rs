//! Returns a result of 300 KiB, over the 256 KiB payload limit.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    Ok(Value::String("x".repeat(300 * 1024)))
}

stepwise_guest::export_task!(handler);

fn main() {}
