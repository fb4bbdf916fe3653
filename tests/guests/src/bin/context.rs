//! Returns what its Context says, to check what the host passes.
use serde_json::{Value, json};
use stepwise_guest::{Context, TaskError};

fn handler(input: Value, ctx: &Context) -> Result<Value, TaskError> {
    Ok(json!({
        "input": input,
        "executionId": ctx.execution_id(),
        "executionName": ctx.execution_name(),
        "stateMachineName": ctx.state_machine_name(),
        "stateName": ctx.state_name(),
        "enteredTime": ctx.entered_time(),
        "retryCount": ctx.retry_count(),
        "taskToken": ctx.task_token(),
        "remainingMillis": ctx.remaining().as_millis() as u64,
        "raw": ctx.raw(),
    }))
}

stepwise_guest::export_task!(handler);

fn main() {}
