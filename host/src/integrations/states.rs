//! `arn:aws:states:::states:startExecution`: a Task that starts an execution of another state
//! machine of this host, in every pattern: request-response (`{ExecutionArn, StartDate}`),
//! `.sync` (the child's DescribeExecution, its output as text), `.sync:2` (the same with input
//! and output as JSON) and `.waitForTaskToken` (the child is started with the token in its
//! input and the parent waits for SendTaskSuccess).
//!
//! Waiting for a child costs nothing while it runs: the wait is a receiver that the child's
//! driver drops when it ends. Aborting the parent's task stops the child, as AWS does with
//! StopExecution.

use std::sync::{Arc, OnceLock, Weak};

use serde_json::{Value, json};

use super::{CallContext, CancelFuture, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;
use crate::server::{Server, StartExecutionError};
use crate::store::{ExecutionRecord, ExecutionStatus, MachineType};

/// The error names AWS gives this integration's failures.
const DOES_NOT_EXIST: &str = "StepFunctions.StateMachineDoesNotExistException";
const ALREADY_EXISTS: &str = "StepFunctions.ExecutionAlreadyExistsException";
const INVALID: &str = "StepFunctions.InvalidExecutionInputException";
const NOT_SUPPORTED: &str = "StepFunctions.StateMachineTypeNotSupportedException";

/// The Step Functions integration, over the host it runs in.
#[derive(Default)]
pub struct StepFunctions {
    server: OnceLock<Weak<Server>>,
}

impl StepFunctions {
    /// Points the integration at its host, once the host exists.
    pub fn attach(&self, server: Weak<Server>) {
        let _ = self.server.set(server);
    }

    fn server(&self) -> Result<Arc<Server>, Failure> {
        self.server
            .get()
            .and_then(Weak::upgrade)
            .ok_or_else(|| Failure::new(names::RUNTIME, "the host is shutting down"))
    }
}

impl Service for StepFunctions {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "startExecution").then_some(Pattern::ALL)
    }

    fn call(&self, _action: &str, parameters: Value, _cx: CallContext) -> ServiceFuture {
        let server = self.server();
        Box::pin(async move { start(&server?, &parameters).await })
    }

    fn wait(&self, _action: &str, submitted: Value, pattern: Pattern) -> ServiceFuture {
        let server = self.server();
        Box::pin(async move {
            let server = server?;
            let arn = submitted["ExecutionArn"].as_str().unwrap_or_default();
            let record = loop {
                server.execution_ended(arn).await;
                let record = server
                    .store
                    .execution(arn)
                    .map_err(|e| Failure::new(names::RUNTIME, e.to_string()))?
                    .ok_or_else(|| {
                        Failure::new(names::RUNTIME, format!("the execution '{arn}' is gone"))
                    })?;
                if record.status != ExecutionStatus::Running {
                    break record;
                }
                // Only while the host starts: the child is not resumed yet.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            };
            let described = describe(&record, pattern == Pattern::RunJob2);
            match record.status {
                ExecutionStatus::Succeeded => Ok(described),
                // AWS fails the parent's task with the child's description as the cause.
                _ => Err(Failure::new(names::TASK_FAILED, described.to_string())),
            }
        })
    }

    fn cancel(&self, _action: &str, submitted: Value) -> CancelFuture {
        let server = self.server();
        Box::pin(async move {
            let (Ok(server), Some(arn)) = (server, submitted["ExecutionArn"].as_str()) else {
                return;
            };
            let cause = "The parent execution's task was aborted".to_owned();
            if let Err(e) = server.stop_execution(arn, None, Some(cause)).await {
                tracing::warn!(execution = %arn, error = %e, "cannot stop a child execution");
            }
        })
    }
}

/// StartExecution with the integration's parameters: `StateMachineArn`, `Input` (JSON or its
/// text), `Name`.
async fn start(server: &Arc<Server>, parameters: &Value) -> Result<Value, Failure> {
    let Some(machine_arn) = parameters["StateMachineArn"].as_str() else {
        return Err(Failure::new(
            INVALID,
            "the parameters need StateMachineArn, a string",
        ));
    };
    let machine = server.machine(machine_arn).ok_or_else(|| {
        Failure::new(
            DOES_NOT_EXIST,
            format!("State Machine Does Not Exist: '{machine_arn}'"),
        )
    })?;
    if machine.record.kind == MachineType::Express {
        return Err(Failure::new(
            NOT_SUPPORTED,
            "a Task starts Standard executions here; run Express machines with StartSyncExecution",
        ));
    }
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
        Value::String(s) if crate::api::input::check_name(s).is_ok() => s.clone(),
        other => return Err(Failure::new(INVALID, format!("Invalid Name: {other}"))),
    };
    match server.start_execution(&machine, &name, text, input).await {
        Ok(started) => Ok(json!({"ExecutionArn": started.arn, "StartDate": started.start_ms})),
        Err(StartExecutionError::AlreadyExists(arn)) => Err(Failure::new(
            ALREADY_EXISTS,
            format!("Execution Already Exists: '{arn}'"),
        )),
        Err(StartExecutionError::Store(e)) => Err(Failure::new(names::RUNTIME, e.to_string())),
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
