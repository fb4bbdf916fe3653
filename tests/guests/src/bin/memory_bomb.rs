//! Allocates until it cannot: the host's memory cap must end it, not the host.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every page so the memory is really used.
        hoard.push(std::hint::black_box(vec![1u8; 1 << 20]));
    }
}

stepwise_guest::export_task!(handler);

fn main() {}
