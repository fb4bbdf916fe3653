//! History events, wire-compatible with `GetExecutionHistory`: the event types, ids,
//! `previousEventId` links and the `<kind>EventDetails` objects of the AWS API. The interpreter
//! appends them; the API serves them as they are. Payloads are kept as JSON values, shared with
//! the execution's threads (`Arc`), and only turned into text when an event is serialised, which
//! keeps recording cheap on the hot path.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::sync::Arc;

use serde_json::Value;

/// One history event.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    /// 1-based, in the order events happened.
    pub id: u64,
    /// The event this one follows from (0 for the first).
    pub previous_event_id: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The event type and its details.
    pub details: EventDetails,
}

/// The event types and the details each carries.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum EventDetails {
    ExecutionStarted {
        /// Shared with the first state's input.
        input: Arc<Value>,
        role_arn: String,
    },
    ExecutionSucceeded {
        /// Shared with the last state's exited event.
        output: Arc<Value>,
    },
    ExecutionFailed(ErrorDetails),
    ExecutionAborted(ErrorDetails),
    ExecutionTimedOut(ErrorDetails),
    /// RedriveExecution restarted it; `redrive_count` counts this one.
    ExecutionRedriven {
        redrive_count: u32,
    },
    /// `<Type>StateEntered`.
    StateEntered {
        state_type: &'static str,
        name: Arc<str>,
        input: Arc<Value>,
    },
    /// `<Type>StateExited`.
    StateExited {
        state_type: &'static str,
        name: Arc<str>,
        output: Arc<Value>,
        /// The workflow variables the state assigned (`Assign`), in order.
        assigned: Option<Arc<Vec<(String, Value)>>>,
    },
    /// A JSONata expression or a variable assignment failed (`States.QueryEvaluationError`).
    EvaluationFailed {
        error: String,
        cause: String,
        state: String,
    },
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    ParallelStateAborted,
    MapStateStarted {
        length: usize,
    },
    MapStateSucceeded,
    MapStateFailed,
    MapStateAborted,
    MapIterationStarted(IterationDetails),
    MapIterationSucceeded(IterationDetails),
    MapIterationFailed(IterationDetails),
    MapIterationAborted(IterationDetails),
    MapRunStarted {
        map_run_arn: String,
    },
    MapRunSucceeded,
    MapRunFailed(ErrorDetails),
    MapRunAborted(ErrorDetails),
    /// RedriveExecution redrove the Map Run's failed children.
    MapRunRedriven {
        map_run_arn: String,
        redrive_count: u32,
    },
    WaitStateAborted,
    TaskStateAborted,
    TaskScheduled {
        resource_type: String,
        resource: String,
        region: String,
        parameters: Value,
        timeout_in_seconds: Option<u64>,
        heartbeat_in_seconds: Option<u64>,
    },
    TaskStarted {
        resource_type: String,
        resource: String,
    },
    /// The call of a `.sync` or `.waitForTaskToken` task was made; its response.
    TaskSubmitted {
        resource_type: String,
        resource: String,
        output: Value,
    },
    TaskSucceeded {
        resource_type: String,
        resource: String,
        output: Value,
    },
    TaskFailed {
        resource_type: String,
        resource: String,
        error: ErrorDetails,
    },
    TaskTimedOut {
        resource_type: String,
        resource: String,
        error: ErrorDetails,
    },
    /// A Task whose Resource is a Lambda function ARN records these instead of Task* events.
    LambdaFunctionScheduled {
        resource: String,
        input: Value,
        timeout_in_seconds: Option<u64>,
    },
    LambdaFunctionStarted,
    LambdaFunctionSucceeded {
        output: Value,
    },
    LambdaFunctionFailed(ErrorDetails),
    LambdaFunctionTimedOut(ErrorDetails),
    /// A Task whose Resource is an activity ARN records these.
    ActivityScheduled {
        resource: String,
        input: Value,
        timeout_in_seconds: Option<u64>,
        heartbeat_in_seconds: Option<u64>,
    },
    ActivityStarted {
        worker_name: Option<String>,
    },
    ActivitySucceeded {
        output: Value,
    },
    ActivityFailed(ErrorDetails),
    ActivityTimedOut(ErrorDetails),
}

/// `error` and `cause`, either of which AWS may omit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorDetails {
    /// The error name.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

/// Which iteration of which Map state.
#[derive(Debug, Clone, PartialEq)]
pub struct IterationDetails {
    /// The Map state's name.
    pub name: String,
    /// The item's index.
    pub index: usize,
}

impl EventDetails {
    /// The AWS event type, e.g. `PassStateEntered`.
    pub fn event_type(&self) -> String {
        use EventDetails::*;
        let fixed = match self {
            StateEntered { state_type, .. } => return format!("{state_type}StateEntered"),
            StateExited { state_type, .. } => return format!("{state_type}StateExited"),
            ExecutionStarted { .. } => "ExecutionStarted",
            ExecutionSucceeded { .. } => "ExecutionSucceeded",
            ExecutionFailed(_) => "ExecutionFailed",
            ExecutionAborted(_) => "ExecutionAborted",
            ExecutionTimedOut(_) => "ExecutionTimedOut",
            ExecutionRedriven { .. } => "ExecutionRedriven",
            EvaluationFailed { .. } => "EvaluationFailed",
            ParallelStateStarted => "ParallelStateStarted",
            ParallelStateSucceeded => "ParallelStateSucceeded",
            ParallelStateFailed => "ParallelStateFailed",
            ParallelStateAborted => "ParallelStateAborted",
            MapStateStarted { .. } => "MapStateStarted",
            MapStateSucceeded => "MapStateSucceeded",
            MapStateFailed => "MapStateFailed",
            MapStateAborted => "MapStateAborted",
            MapIterationStarted(_) => "MapIterationStarted",
            MapIterationSucceeded(_) => "MapIterationSucceeded",
            MapIterationFailed(_) => "MapIterationFailed",
            MapIterationAborted(_) => "MapIterationAborted",
            MapRunStarted { .. } => "MapRunStarted",
            MapRunSucceeded => "MapRunSucceeded",
            MapRunFailed(_) => "MapRunFailed",
            MapRunAborted(_) => "MapRunAborted",
            MapRunRedriven { .. } => "MapRunRedriven",
            WaitStateAborted => "WaitStateAborted",
            TaskStateAborted => "TaskStateAborted",
            TaskScheduled { .. } => "TaskScheduled",
            TaskStarted { .. } => "TaskStarted",
            TaskSubmitted { .. } => "TaskSubmitted",
            TaskSucceeded { .. } => "TaskSucceeded",
            TaskFailed { .. } => "TaskFailed",
            TaskTimedOut { .. } => "TaskTimedOut",
            LambdaFunctionScheduled { .. } => "LambdaFunctionScheduled",
            LambdaFunctionStarted => "LambdaFunctionStarted",
            LambdaFunctionSucceeded { .. } => "LambdaFunctionSucceeded",
            LambdaFunctionFailed(_) => "LambdaFunctionFailed",
            LambdaFunctionTimedOut(_) => "LambdaFunctionTimedOut",
            ActivityScheduled { .. } => "ActivityScheduled",
            ActivityStarted { .. } => "ActivityStarted",
            ActivitySucceeded { .. } => "ActivitySucceeded",
            ActivityFailed(_) => "ActivityFailed",
            ActivityTimedOut(_) => "ActivityTimedOut",
        };
        fixed.to_owned()
    }

    /// The name of the state this event belongs to, for state entered/exited events.
    pub fn state_name(&self) -> Option<&str> {
        match self {
            EventDetails::StateEntered { name, .. } | EventDetails::StateExited { name, .. } => {
                Some(name)
            }
            _ => None,
        }
    }
}

/// AWS sends payloads in history as JSON text with a `truncated` flag beside them; payloads are
/// held to the 256 KiB limit before they are recorded, so none is ever truncated.
fn payload_details() -> Value {
    serde_json::json!({ "truncated": false })
}

fn error_object(e: &ErrorDetails) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    if let Some(error) = &e.error {
        m.insert("error".into(), Value::String(error.clone()));
    }
    if let Some(cause) = &e.cause {
        m.insert("cause".into(), Value::String(cause.clone()));
    }
    m
}

impl HistoryEvent {
    /// The `<kind>EventDetails` key and object of this event, if it has details.
    fn details_entry(&self) -> Option<(&'static str, Value)> {
        use EventDetails::*;
        let text = |v: &Value| Value::String(v.to_string());
        let iteration =
            |d: &IterationDetails| serde_json::json!({"name": d.name, "index": d.index});
        // Lambda functions and activities: what was scheduled, with its limits.
        let scheduled = |resource: &str, input: &Value, timeout: Option<u64>, heartbeat| {
            let mut m = serde_json::Map::new();
            m.insert("resource".into(), resource.into());
            m.insert("input".into(), text(input));
            m.insert("inputDetails".into(), payload_details());
            if let Some(t) = timeout {
                m.insert("timeoutInSeconds".into(), t.into());
            }
            if let Some(h) = heartbeat {
                m.insert("heartbeatInSeconds".into(), Value::from(h));
            }
            m
        };
        let resource = |resource_type: &str, resource: &str| {
            let mut m = serde_json::Map::new();
            m.insert("resourceType".into(), resource_type.into());
            m.insert("resource".into(), resource.into());
            m
        };
        Some(match &self.details {
            ExecutionStarted { input, role_arn } => (
                "executionStartedEventDetails",
                serde_json::json!({"input": text(input), "inputDetails": payload_details(), "roleArn": role_arn}),
            ),
            ExecutionSucceeded { output } => (
                "executionSucceededEventDetails",
                serde_json::json!({"output": text(output), "outputDetails": payload_details()}),
            ),
            ExecutionFailed(e) => (
                "executionFailedEventDetails",
                Value::Object(error_object(e)),
            ),
            ExecutionAborted(e) => (
                "executionAbortedEventDetails",
                Value::Object(error_object(e)),
            ),
            ExecutionTimedOut(e) => (
                "executionTimedOutEventDetails",
                Value::Object(error_object(e)),
            ),
            ExecutionRedriven { redrive_count } => (
                "executionRedrivenEventDetails",
                serde_json::json!({"redriveCount": redrive_count}),
            ),
            StateEntered { name, input, .. } => (
                "stateEnteredEventDetails",
                serde_json::json!({"name": &**name, "input": text(input), "inputDetails": payload_details()}),
            ),
            StateExited {
                name,
                output,
                assigned,
                ..
            } => {
                let mut m = serde_json::Map::new();
                m.insert("name".into(), (**name).into());
                m.insert("output".into(), text(output));
                m.insert("outputDetails".into(), payload_details());
                if let Some(assigned) = assigned {
                    let variables: serde_json::Map<String, Value> =
                        assigned.iter().map(|(k, v)| (k.clone(), text(v))).collect();
                    m.insert("assignedVariables".into(), Value::Object(variables));
                    m.insert("assignedVariablesDetails".into(), payload_details());
                }
                ("stateExitedEventDetails", Value::Object(m))
            }
            EvaluationFailed {
                error,
                cause,
                state,
            } => (
                "evaluationFailedEventDetails",
                serde_json::json!({"error": error, "cause": cause, "state": state}),
            ),
            MapStateStarted { length } => (
                "mapStateStartedEventDetails",
                serde_json::json!({ "length": length }),
            ),
            MapIterationStarted(d) => ("mapIterationStartedEventDetails", iteration(d)),
            MapIterationSucceeded(d) => ("mapIterationSucceededEventDetails", iteration(d)),
            MapIterationFailed(d) => ("mapIterationFailedEventDetails", iteration(d)),
            MapIterationAborted(d) => ("mapIterationAbortedEventDetails", iteration(d)),
            MapRunStarted { map_run_arn } => (
                "mapRunStartedEventDetails",
                serde_json::json!({ "mapRunArn": map_run_arn }),
            ),
            MapRunFailed(e) => ("mapRunFailedEventDetails", Value::Object(error_object(e))),
            MapRunAborted(e) => ("mapRunAbortedEventDetails", Value::Object(error_object(e))),
            MapRunRedriven {
                map_run_arn,
                redrive_count,
            } => (
                "mapRunRedrivenEventDetails",
                serde_json::json!({ "mapRunArn": map_run_arn, "redriveCount": redrive_count }),
            ),
            TaskScheduled {
                resource_type,
                resource: r,
                region,
                parameters,
                timeout_in_seconds,
                heartbeat_in_seconds,
            } => {
                let mut m = resource(resource_type, r);
                m.insert("region".into(), region.as_str().into());
                m.insert("parameters".into(), text(parameters));
                if let Some(t) = timeout_in_seconds {
                    m.insert("timeoutInSeconds".into(), (*t).into());
                }
                if let Some(h) = heartbeat_in_seconds {
                    m.insert("heartbeatInSeconds".into(), (*h).into());
                }
                ("taskScheduledEventDetails", Value::Object(m))
            }
            TaskStarted {
                resource_type,
                resource: r,
            } => (
                "taskStartedEventDetails",
                Value::Object(resource(resource_type, r)),
            ),
            TaskSucceeded {
                resource_type,
                resource: r,
                output,
            }
            | TaskSubmitted {
                resource_type,
                resource: r,
                output,
            } => {
                let mut m = resource(resource_type, r);
                m.insert("output".into(), text(output));
                m.insert("outputDetails".into(), payload_details());
                let key = match &self.details {
                    TaskSubmitted { .. } => "taskSubmittedEventDetails",
                    _ => "taskSucceededEventDetails",
                };
                (key, Value::Object(m))
            }
            ActivityScheduled {
                resource: r,
                input,
                timeout_in_seconds,
                heartbeat_in_seconds,
            } => {
                let m = scheduled(r, input, *timeout_in_seconds, *heartbeat_in_seconds);
                ("activityScheduledEventDetails", Value::Object(m))
            }
            ActivityStarted { worker_name } => {
                let mut m = serde_json::Map::new();
                if let Some(w) = worker_name {
                    m.insert("workerName".into(), w.as_str().into());
                }
                ("activityStartedEventDetails", Value::Object(m))
            }
            ActivitySucceeded { output } => (
                "activitySucceededEventDetails",
                serde_json::json!({"output": text(output), "outputDetails": payload_details()}),
            ),
            ActivityFailed(e) => ("activityFailedEventDetails", Value::Object(error_object(e))),
            ActivityTimedOut(e) => (
                "activityTimedOutEventDetails",
                Value::Object(error_object(e)),
            ),
            TaskFailed {
                resource_type,
                resource: r,
                error,
            } => {
                let mut m = resource(resource_type, r);
                m.extend(error_object(error));
                ("taskFailedEventDetails", Value::Object(m))
            }
            TaskTimedOut {
                resource_type,
                resource: r,
                error,
            } => {
                let mut m = resource(resource_type, r);
                m.extend(error_object(error));
                ("taskTimedOutEventDetails", Value::Object(m))
            }
            LambdaFunctionScheduled {
                resource: r,
                input,
                timeout_in_seconds,
            } => {
                let m = scheduled(r, input, *timeout_in_seconds, None);
                ("lambdaFunctionScheduledEventDetails", Value::Object(m))
            }
            LambdaFunctionSucceeded { output } => (
                "lambdaFunctionSucceededEventDetails",
                serde_json::json!({"output": text(output), "outputDetails": payload_details()}),
            ),
            LambdaFunctionFailed(e) => (
                "lambdaFunctionFailedEventDetails",
                Value::Object(error_object(e)),
            ),
            LambdaFunctionTimedOut(e) => (
                "lambdaFunctionTimedOutEventDetails",
                Value::Object(error_object(e)),
            ),
            ParallelStateStarted
            | ParallelStateSucceeded
            | ParallelStateFailed
            | ParallelStateAborted
            | MapStateSucceeded
            | MapStateFailed
            | MapStateAborted
            | MapRunSucceeded
            | WaitStateAborted
            | TaskStateAborted
            | LambdaFunctionStarted => return None,
        })
    }
}

impl Serialize for HistoryEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let details = self.details_entry();
        let mut map = s.serialize_map(None)?;
        // The AWS JSON 1.0 protocol sends timestamps as epoch seconds.
        map.serialize_entry("timestamp", &(self.timestamp_ms as f64 / 1000.0))?;
        map.serialize_entry("type", &self.details.event_type())?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("previousEventId", &self.previous_event_id)?;
        if let Some((key, value)) = details {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests;
