//! Deployed functions as the worker pool of an activity: tag an activity with
//! `stepwise:worker-function` = a function's name (and optionally `stepwise:worker-concurrency`
//! = how many tasks it runs at once, default 1), and the host polls the activity for that many
//! workers, each running the function on a task's input and answering with its token —
//! SendTaskSuccess with the result, SendTaskFailure with the function's error, and
//! SendTaskHeartbeat for each `heartbeat()` of the guest. The same token path as an external
//! worker's, so HeartbeatSeconds, TimeoutSeconds and Retry behave the same.
//!
//! Tags are how the AWS API configures it, so the AWS CLI sets it up unchanged and it is kept
//! with the activity across restarts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::callbacks::{Callbacks, TakeError};
use crate::executor::Callback;
use crate::integrations::activity::{ActivityQueues, MAX_POLL};
use crate::integrations::lambda::{self, FunctionRef};
use crate::runtime::{GuestCalls, Runtime};

/// The tag naming the function that works an activity.
pub const FUNCTION_TAG: &str = "stepwise:worker-function";
/// The tag saying how many tasks the function works at once.
pub const CONCURRENCY_TAG: &str = "stepwise:worker-concurrency";
/// Most workers one activity gets: each is an idle task between tasks, but each running one
/// holds a guest instance.
pub const MAX_CONCURRENCY: usize = 64;
/// How long a worker waits before polling again after the store failed.
const STORE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// An activity's tags ask for a number of workers that cannot be.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the tag {CONCURRENCY_TAG} must be a number from 1 to {MAX_CONCURRENCY}, not '{0}'")]
pub struct BadConcurrency(pub String);

/// The function and concurrency an activity's tags ask for, if any.
pub fn pool_of(tags: &BTreeMap<String, String>) -> Result<Option<(String, usize)>, BadConcurrency> {
    let Some(function) = tags.get(FUNCTION_TAG) else {
        return Ok(None);
    };
    let concurrency = match tags.get(CONCURRENCY_TAG) {
        None => 1,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => n,
            _ => return Err(BadConcurrency(n.clone())),
        },
    };
    Ok(Some((function.clone(), concurrency)))
}

/// What a function worker runs with.
#[derive(Clone)]
pub(super) struct Worker {
    /// Where it takes tasks.
    pub queues: Arc<ActivityQueues>,
    /// Where its function runs.
    pub runtime: Arc<Runtime>,
    /// Where the function's own calls go.
    pub calls: Arc<dyn GuestCalls>,
    /// Where it answers, with the task's token.
    pub callbacks: Arc<Callbacks>,
}

impl Worker {
    /// Runs one worker: takes the activity's tasks one at a time until the activity is
    /// deleted (or the worker aborted).
    pub async fn work(self, activity: String, function: String, index: usize) {
        let worker = format!("function:{function}#{index}");
        loop {
            let task = match self
                .callbacks
                .take(&self.queues, &activity, Some(worker.clone()), MAX_POLL)
                .await
            {
                Ok(Some(task)) => task,
                Ok(None) => continue,
                Err(TakeError::NoSuchActivity(_)) => return,
                Err(TakeError::Store(e)) => {
                    tracing::error!(%activity, %function, error = %e, "cannot record that a worker took an activity task");
                    tokio::time::sleep(STORE_RETRY).await;
                    continue;
                }
            };
            let callback = self.run(&function, &task.token, &task.input).await;
            if let Err(e) = self.callbacks.deliver(&task.token, callback).await {
                // The task timed out or was aborted meanwhile: its answer is moot.
                tracing::info!(%activity, %function, error = %e, "an activity worker's answer was not taken");
            }
        }
    }

    /// Runs the function on one task; its answer.
    async fn run(&self, function: &str, token: &str, input: &str) -> Callback {
        let input: Value = serde_json::from_str(input).unwrap_or(Value::Null);
        let callbacks = Arc::downgrade(&self.callbacks);
        let token_for_beats = token.to_owned();
        let heartbeat = Box::new(move || {
            let (callbacks, token) = (callbacks.clone(), token_for_beats.clone());
            tokio::spawn(async move {
                if let Some(callbacks) = callbacks.upgrade() {
                    let _ = callbacks.deliver(&token, Callback::Heartbeat).await;
                }
            });
        });
        let call = lambda::Call {
            context: "{}".to_owned(),
            state_deadline: None,
            heartbeat: Some(heartbeat),
            calls: self.calls.clone(),
            depth: 0,
        };
        let function = FunctionRef {
            name: function,
            qualifier: None,
        };
        match lambda::invoke(&self.runtime, function, &input, call).await {
            Ok(output) => Callback::Success(output),
            Err(failure) => Callback::Failure(failure),
        }
    }
}

#[cfg(test)]
mod tests;
