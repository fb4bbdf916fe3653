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
use std::sync::{Arc, Weak};

use serde_json::Value;

use crate::executor::durable::Callback;
use crate::integrations::activity::MAX_POLL;
use crate::integrations::lambda::{self, FunctionRef};
use crate::runtime::GuestCalls;
use crate::server::Server;

/// The tag naming the function that works an activity.
pub const FUNCTION_TAG: &str = "stepwise:worker-function";
/// The tag saying how many tasks the function works at once.
pub const CONCURRENCY_TAG: &str = "stepwise:worker-concurrency";
/// Most workers one activity gets: each is an idle task between tasks, but each running one
/// holds a guest instance.
pub const MAX_CONCURRENCY: usize = 64;

/// The function and concurrency an activity's tags ask for, if any.
pub fn pool_of(tags: &BTreeMap<String, String>) -> Result<Option<(String, usize)>, String> {
    let Some(function) = tags.get(FUNCTION_TAG) else {
        return Ok(None);
    };
    let concurrency = match tags.get(CONCURRENCY_TAG) {
        None => 1,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => n,
            _ => {
                return Err(format!(
                    "the tag {CONCURRENCY_TAG} must be a number from 1 to {MAX_CONCURRENCY}, not '{n}'"
                ));
            }
        },
    };
    Ok(Some((function.clone(), concurrency)))
}

/// Runs one worker: takes the activity's tasks one at a time until the activity is deleted
/// (or the worker aborted).
pub async fn work(server: Weak<Server>, activity: String, function: String, index: usize) {
    let worker = format!("function:{function}#{index}");
    loop {
        let Some(host) = server.upgrade() else { return };
        let queues = host.resources.activities.clone();
        drop(host);
        let task = match queues.take(&activity, Some(worker.clone()), MAX_POLL).await {
            Ok(Some(task)) => task,
            Ok(None) => continue,
            Err(_) => return,
        };
        let Some(host) = server.upgrade() else { return };
        let callback = run(&host, &function, &task.token, &task.input).await;
        if let Err(e) = host.callback(&task.token, callback).await {
            // The task timed out or was aborted meanwhile: its answer is moot.
            tracing::info!(%activity, %function, error = %e, "an activity worker's answer was not taken");
        }
    }
}

/// Runs the function on one task; its answer.
async fn run(host: &Arc<Server>, function: &str, token: &str, input: &str) -> Callback {
    let input: Value = serde_json::from_str(input).unwrap_or(Value::Null);
    let beats = Arc::downgrade(host);
    let token_for_beats = token.to_owned();
    let heartbeat = Box::new(move || {
        let (beats, token) = (beats.clone(), token_for_beats.clone());
        tokio::spawn(async move {
            if let Some(host) = beats.upgrade() {
                let _ = host.callback(&token, Callback::Heartbeat).await;
            }
        });
    });
    let calls: Arc<dyn GuestCalls> = host.resources.clone();
    let call = lambda::Call {
        context: "{}".to_owned(),
        state_deadline: None,
        heartbeat: Some(heartbeat),
        calls,
        depth: 0,
    };
    let function = FunctionRef {
        name: function,
        qualifier: None,
    };
    match lambda::invoke(&host.runtime, function, &input, call).await {
        Ok(output) => Callback::Success(output),
        Err(failure) => Callback::Failure(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_function_and_its_concurrency() {
        let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(pool_of(&tags(&[])), Ok(None));
        assert_eq!(
            pool_of(&tags(&[(FUNCTION_TAG, "f")])),
            Ok(Some(("f".into(), 1)))
        );
        assert_eq!(
            pool_of(&tags(&[(FUNCTION_TAG, "f"), (CONCURRENCY_TAG, "8")])),
            Ok(Some(("f".into(), 8)))
        );
        for bad in ["0", "65", "x"] {
            assert!(pool_of(&tags(&[(FUNCTION_TAG, "f"), (CONCURRENCY_TAG, bad)])).is_err());
        }
    }
}
