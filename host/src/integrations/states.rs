//! `arn:aws:states:::states:startExecution`: a Task that starts an execution of another state
//! machine of this host, in every pattern: request-response (`{ExecutionArn, StartDate}`),
//! `.sync` (the child's DescribeExecution, its output as text), `.sync:2` (the same with input
//! and output as JSON) and `.waitForTaskToken` (the child is started with the token in its
//! input and the parent waits for SendTaskSuccess).
//!
//! Waiting for a child costs nothing while it runs: the wait is a receiver that the child's
//! driver drops when it ends. Aborting the parent's task stops the child, as AWS does with
//! StopExecution.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{CallContext, CancelFuture, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;
use crate::store::{ExecutionRecord, ExecutionStatus};

/// The error names AWS gives this integration's failures.
const DOES_NOT_EXIST: &str = "StepFunctions.StateMachineDoesNotExistException";
const ALREADY_EXISTS: &str = "StepFunctions.ExecutionAlreadyExistsException";
const INVALID: &str = "StepFunctions.InvalidExecutionInputException";
const NOT_SUPPORTED: &str = "StepFunctions.StateMachineTypeNotSupportedException";

/// A future of [`ChildExecutions`].
pub type ChildFuture<T> = Pin<Box<dyn Future<Output = Result<T, ChildError>> + Send>>;

/// Why a child execution could not be started or followed.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// No state machine has that ARN.
    #[error("State Machine Does Not Exist: '{0}'")]
    NoMachine(String),
    /// The machine is an Express one, which a Task does not start here.
    #[error("a Task starts Standard executions here; run Express machines with StartSyncExecution")]
    Express,
    /// An execution of that name exists and is not the same running one.
    #[error("Execution Already Exists: '{0}'")]
    AlreadyExists(String),
    /// The host could not do it (its store failed, or it is shutting down).
    #[error("{0}")]
    Host(String),
}

/// What this integration needs of its host: start a Standard execution, wait for one to end,
/// stop one. Handed to it at construction, so that it depends on nothing above it.
pub trait ChildExecutions: Send + Sync {
    /// StartExecution of `machine_arn` named `name` with `input` (and its text); the child's
    /// ARN and start time once its start is durable.
    fn start(
        &self,
        machine_arn: String,
        name: String,
        input_text: String,
        input: Value,
    ) -> ChildFuture<(String, i64)>;

    /// The record of execution `arn` once it has ended.
    fn ended(&self, arn: String) -> ChildFuture<ExecutionRecord>;

    /// StopExecution of `arn` with `cause`, best effort.
    fn stop(&self, arn: String, cause: String) -> ChildFuture<()>;

    /// Starts a Standard child execution of a Map Run of execution `parent`; its ARN and
    /// start time once its start is durable.
    fn start_map_child(&self, parent: String, child: MapChildStart) -> ChildFuture<(String, i64)>;

    /// RedriveExecution of a Map Run's Standard child that failed, was stopped or timed out
    /// (started anew if it never started, left alone if it succeeded); its ARN.
    fn redrive_map_child(&self, parent: String, child: MapChildStart) -> ChildFuture<String>;

    /// Runs an Express child execution of a Map Run of execution `parent` to its end.
    fn run_map_child(&self, parent: String, child: MapChildStart) -> ChildFuture<ExecutionRecord>;
}

/// A child execution of a Map Run, as its Map asks for it.
#[derive(Debug, Clone)]
pub struct MapChildStart {
    /// The Map Run.
    pub map_run_arn: String,
    /// The child's name.
    pub name: String,
    /// Its input.
    pub input: Value,
    /// The Map's item processor: a scope of the parent's program.
    pub scope: usize,
    /// An Express child (else Standard).
    pub express: bool,
    /// Handed again by a redrive of the parent: a Standard child that failed is redriven.
    pub redrive: bool,
    /// How many children the Map Run has.
    pub total: usize,
}

/// The Step Functions integration, over the executions of its host.
pub struct StepFunctions {
    children: Arc<dyn ChildExecutions>,
}

impl StepFunctions {
    /// The integration, starting children through `children`.
    pub fn new(children: Arc<dyn ChildExecutions>) -> Self {
        StepFunctions { children }
    }
}

impl Service for StepFunctions {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "startExecution").then_some(Pattern::ALL)
    }

    fn call(&self, _action: &str, parameters: Value, _cx: CallContext) -> ServiceFuture {
        let children = self.children.clone();
        Box::pin(async move { start(&*children, &parameters).await })
    }

    fn wait(
        &self,
        _action: &str,
        _parameters: &Value,
        submitted: Value,
        pattern: Pattern,
    ) -> ServiceFuture {
        let children = self.children.clone();
        Box::pin(async move {
            let arn = submitted["ExecutionArn"].as_str().unwrap_or_default();
            let record = children
                .ended(arn.to_owned())
                .await
                .map_err(|e| Failure::new(names::RUNTIME, e.to_string()))?;
            let described = describe(&record, pattern == Pattern::RunJob2);
            match record.status {
                ExecutionStatus::Succeeded => Ok(described),
                // AWS fails the parent's task with the child's description as the cause.
                _ => Err(Failure::new(names::TASK_FAILED, described.to_string())),
            }
        })
    }

    fn cancel(&self, _action: &str, _parameters: &Value, submitted: Value) -> CancelFuture {
        let children = self.children.clone();
        Box::pin(async move {
            let Some(arn) = submitted["ExecutionArn"].as_str() else {
                return;
            };
            let cause = "The parent execution's task was aborted".to_owned();
            if let Err(e) = children.stop(arn.to_owned(), cause).await {
                tracing::warn!(execution = %arn, error = %e, "cannot stop a child execution");
            }
        })
    }
}

/// StartExecution with the integration's parameters: `StateMachineArn`, `Input` (JSON or its
/// text), `Name`.
async fn start(children: &dyn ChildExecutions, parameters: &Value) -> Result<Value, Failure> {
    let Some(machine_arn) = parameters["StateMachineArn"].as_str() else {
        return Err(Failure::new(
            INVALID,
            "the parameters need StateMachineArn, a string",
        ));
    };
    let (text, input) = match &parameters["Input"] {
        Value::Null => ("{}".to_owned(), json!({})),
        Value::String(s) => {
            let v = serde_json::from_str(s).map_err(|e| {
                Failure::new(
                    INVALID,
                    format!("Invalid State Machine Execution Input: '{e}'"),
                )
            })?;
            (s.clone(), v)
        }
        v => (v.to_string(), v.clone()),
    };
    let name = match &parameters["Name"] {
        Value::Null => uuid::Uuid::new_v4().to_string(),
        Value::String(s) if crate::arn::is_valid_name(s) => s.clone(),
        other => return Err(Failure::new(INVALID, format!("Invalid Name: {other}"))),
    };
    match children
        .start(machine_arn.to_owned(), name, text, input)
        .await
    {
        Ok((arn, start_ms)) => Ok(json!({"ExecutionArn": arn, "StartDate": start_ms})),
        Err(e @ ChildError::NoMachine(_)) => Err(Failure::new(DOES_NOT_EXIST, e.to_string())),
        Err(e @ ChildError::Express) => Err(Failure::new(NOT_SUPPORTED, e.to_string())),
        Err(e @ ChildError::AlreadyExists(_)) => Err(Failure::new(ALREADY_EXISTS, e.to_string())),
        Err(ChildError::Host(e)) => Err(Failure::new(names::RUNTIME, e)),
    }
}

/// DescribeExecution as this integration returns it: `.sync` gives input and output as
/// text, `.sync:2` as JSON.
fn describe(record: &ExecutionRecord, json_payloads: bool) -> Value {
    let payload = |text: &str| {
        if json_payloads {
            serde_json::from_str(text).unwrap_or(Value::Null)
        } else {
            Value::String(text.to_owned())
        }
    };
    let mut out = json!({
        "ExecutionArn": record.arn,
        "StateMachineArn": record.machine_arn,
        "Name": record.name,
        "Status": record.status.as_str(),
        "StartDate": record.start_ms,
        "Input": payload(&record.input),
        "InputDetails": {"Included": true},
    });
    if let Some(stop) = record.stop_ms {
        out["StopDate"] = stop.into();
    }
    if let Some(output) = &record.output {
        out["Output"] = payload(output);
        out["OutputDetails"] = json!({"Included": true});
    }
    if let Some(error) = &record.error {
        out["Error"] = error.clone().into();
    }
    if let Some(cause) = &record.cause {
        out["Cause"] = cause.clone().into();
    }
    out
}
