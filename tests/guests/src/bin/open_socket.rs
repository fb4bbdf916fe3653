//! Tries to open a TCP connection; the sandbox has no network.
use std::net::TcpStream;

use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(input: Value, _: &Context) -> Result<Value, TaskError> {
    let addr = input["address"].as_str().unwrap_or("127.0.0.1:80");
    match TcpStream::connect(addr) {
        Ok(_) => Ok(Value::String(format!("connected to {addr}"))),
        Err(e) => Err(TaskError::new("SocketError", e.to_string())),
    }
}

stepwise_guest::export_task!(handler);

fn main() {}
