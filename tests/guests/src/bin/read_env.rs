//! Returns every environment variable and argument it can see.
use serde_json::{Value, json};
use stepwise_guest::{Context, TaskError};

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    let env: serde_json::Map<String, Value> = std::env::vars()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let args: Vec<String> = std::env::args().collect();
    Ok(json!({"env": env, "args": args}))
}

stepwise_guest::export_task!(handler);

fn main() {}
