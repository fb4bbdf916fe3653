//! Returns its input unchanged: the benchmark's guest and the smallest working task.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(input: Value, _: &Context) -> Result<Value, TaskError> {
    Ok(input)
}

stepwise_guest::export_task!(handler);

fn main() {}
