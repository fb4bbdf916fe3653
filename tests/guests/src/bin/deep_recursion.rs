//! Recurses without end: the wasm stack overflows, which must trap only this invocation.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

#[allow(unconditional_recursion)]
fn depth(n: u64, pad: &mut [u64; 16]) -> u64 {
    pad[(n % 16) as usize] = n;
    // black_box keeps the recursion from being turned into a loop.
    std::hint::black_box(depth(n + 1, std::hint::black_box(pad)) + pad[0])
}

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    let mut pad = [0u64; 16];
    Ok(Value::from(depth(0, &mut pad)))
}

stepwise_guest::export_task!(handler);

fn main() {}
