//! Never returns: the host must stop it at its deadline.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

stepwise_guest::export_task!(handler);

fn main() {}
