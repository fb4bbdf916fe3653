//! Task tokens coming back: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, from
//! activity workers and from whatever received a `.waitForTaskToken` call's token.

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::input::{check_max_chars, parse};
use crate::executor::Callback;
use crate::host::{CallbackRefused, Callbacks};
use crate::interp::{Failure, MAX_PAYLOAD_BYTES};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SuccessInput {
    task_token: String,
    output: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailureInput {
    task_token: String,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeartbeatInput {
    task_token: String,
}

/// AWS's limits on SendTaskFailure's fields.
const MAX_ERROR_CHARS: usize = 256;
const MAX_CAUSE_CHARS: usize = 32_768;

pub(super) async fn success(callbacks: &Callbacks, input: &[u8]) -> Result<Value, ApiError> {
    let input: SuccessInput = parse(input)?;
    check_token(&input.task_token)?;
    if input.output.len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::constraint(
            "output",
            &format!("Member must have length less than or equal to {MAX_PAYLOAD_BYTES}"),
        ));
    }
    let output: Value = serde_json::from_str(&input.output)
        .map_err(|e| ApiError::InvalidOutput(format!("Invalid Output: '{e}'")))?;
    deliver(callbacks, &input.task_token, Callback::Success(output)).await
}

pub(super) async fn failure(callbacks: &Callbacks, input: &[u8]) -> Result<Value, ApiError> {
    let input: FailureInput = parse(input)?;
    check_token(&input.task_token)?;
    check_max_chars("error", input.error.as_deref(), MAX_ERROR_CHARS)?;
    check_max_chars("cause", input.cause.as_deref(), MAX_CAUSE_CHARS)?;
    let failure = Failure::of(input.error, input.cause);
    deliver(callbacks, &input.task_token, Callback::Failure(failure)).await
}

pub(super) async fn heartbeat(callbacks: &Callbacks, input: &[u8]) -> Result<Value, ApiError> {
    let input: HeartbeatInput = parse(input)?;
    check_token(&input.task_token)?;
    deliver(callbacks, &input.task_token, Callback::Heartbeat).await
}

/// AWS checks a token's length before anything else.
fn check_token(token: &str) -> Result<(), ApiError> {
    if token.is_empty() {
        return Err(ApiError::constraint(
            "taskToken",
            "Member must have length greater than or equal to 1",
        ));
    }
    check_max_chars("taskToken", Some(token), crate::tokens::MAX_TOKEN_CHARS)
}

async fn deliver(
    callbacks: &Callbacks,
    token: &str,
    callback: Callback,
) -> Result<Value, ApiError> {
    match callbacks.deliver(token, callback).await {
        Ok(()) => Ok(json!({})),
        Err(e @ CallbackRefused::InvalidToken(_)) => Err(ApiError::InvalidToken(e.to_string())),
        Err(e @ CallbackRefused::TaskDoesNotExist(_)) => {
            Err(ApiError::TaskDoesNotExist(e.to_string()))
        }
        Err(e @ CallbackRefused::TaskTimedOut) => Err(ApiError::TaskTimedOut(e.to_string())),
        Err(CallbackRefused::Store(e)) => Err(e.into()),
    }
}
