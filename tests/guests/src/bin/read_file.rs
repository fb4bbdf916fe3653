//! Tries to read a host file; the sandbox has no preopened directories.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    match std::fs::read_to_string("/etc/passwd") {
        Ok(text) => Ok(Value::String(text)),
        Err(e) => Err(TaskError::new("FileError", e.to_string())),
    }
}

stepwise_guest::export_task!(handler);

fn main() {}
