//! Writes to stdout and stderr, then panics: the cause must carry the panic message.
use serde_json::Value;
use stepwise_guest::{Context, TaskError};

fn handler(_: Value, _: &Context) -> Result<Value, TaskError> {
    println!("about to fail");
    eprintln!("something went wrong in the guest");
    panic!("the guest panicked on purpose");
}

stepwise_guest::export_task!(handler);

fn main() {}
