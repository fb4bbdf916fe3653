//! `arn:aws:states:::mapRun:startExecution.sync`: how a Distributed Map runs one iteration as
//! a child execution of its Map Run and waits for it. The interpreter issues this task for
//! each iteration (no definition names it); the child is an execution of
//! `...:stateMachine:MACHINE/LABEL`, the Map's item processor, with a history of its own.
//!
//! A Standard child is durable: its start is recorded as the task's submission, so a parent
//! resumed after a restart waits for the same child instead of starting another, and a start
//! repeated before that was recorded finds the child by its name (the interpreter draws it
//! from the parent's seed). An Express child runs in memory to its end within the call, as
//! AWS runs them (at least once). Either way the task's result is the child's description
//! (DescribeExecution's fields): its output or its failure is the iteration's, and a
//! ResultWriter writes the rest.

use std::sync::Arc;

use serde_json::{Value, json};

use super::states::{ChildError, ChildExecutions, MapChildStart};
use super::{CallContext, CancelFuture, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;
use crate::store::{ExecutionRecord, ExecutionStatus};

/// The Map Runs' child executions, over the executions of the host.
pub struct MapRunChildren {
    children: Arc<dyn ChildExecutions>,
}

impl MapRunChildren {
    /// Children started through `children`.
    pub fn new(children: Arc<dyn ChildExecutions>) -> Self {
        MapRunChildren { children }
    }
}

impl Service for MapRunChildren {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "startExecution").then_some(&[Pattern::RunJob][..])
    }

    fn call(&self, _action: &str, parameters: Value, cx: CallContext) -> ServiceFuture {
        let children = self.children.clone();
        let parent = cx.execution().map(str::to_owned);
        Box::pin(async move {
            let Some(parent) = parent else {
                return Err(runtime("a Map Run's child is started by its Map only"));
            };
            let child = child_of(parameters)?;
            if child.express {
                let record = children
                    .run_map_child(parent, child)
                    .await
                    .map_err(host_failure)?;
                // An Express child's submission is its description: `wait` gives it back.
                return Ok(ended(&record));
            }
            let name = child.name.clone();
            // A redrive of the parent redrives the child that failed.
            if child.redrive {
                let arn = children
                    .redrive_map_child(parent, child)
                    .await
                    .map_err(|e| named(host_failure(e), &name))?;
                return Ok(json!({"ExecutionArn": arn}));
            }
            match children.start_map_child(parent, child).await {
                Ok((arn, start_ms)) => Ok(json!({"ExecutionArn": arn, "StartDate": start_ms})),
                // Started before a restart, or by a start repeated before its submission was
                // recorded: it is the same child (its name is the parent's to give).
                Err(ChildError::AlreadyExists(arn)) => Ok(json!({"ExecutionArn": arn})),
                Err(e) => Err(named(host_failure(e), &name)),
            }
        })
    }

    fn wait(
        &self,
        _action: &str,
        _parameters: &Value,
        submitted: Value,
        _pattern: Pattern,
    ) -> ServiceFuture {
        let children = self.children.clone();
        Box::pin(async move {
            // An Express child ended within the call.
            if submitted.get("Status").is_some() {
                return outcome(&submitted);
            }
            let arn = submitted["ExecutionArn"].as_str().unwrap_or_default();
            let record = children.ended(arn.to_owned()).await.map_err(host_failure)?;
            outcome(&ended(&record))
        })
    }

    fn cancel(&self, _action: &str, _parameters: &Value, submitted: Value) -> CancelFuture {
        let children = self.children.clone();
        Box::pin(async move {
            let Some(arn) = submitted["ExecutionArn"].as_str() else {
                return;
            };
            let cause = "The Map Run's parent execution stopped this child".to_owned();
            if let Err(e) = children.stop(arn.to_owned(), cause).await {
                tracing::warn!(execution = %arn, error = %e, "cannot stop a Map Run's child");
            }
        })
    }
}

/// The child the interpreter asks for.
fn child_of(parameters: Value) -> Result<MapChildStart, Failure> {
    let text = |name: &str| {
        parameters[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| runtime(&format!("a Map Run's child needs {name}")))
    };
    Ok(MapChildStart {
        map_run_arn: text("MapRunArn")?,
        name: text("Name")?,
        scope: parameters["Scope"]
            .as_u64()
            .ok_or_else(|| runtime("a Map Run's child needs Scope"))? as usize,
        express: parameters["ExecutionType"] == "EXPRESS",
        redrive: parameters["Redrive"] == true,
        total: parameters["Total"].as_u64().unwrap_or(0) as usize,
        input: parameters.get("Input").cloned().unwrap_or(Value::Null),
    })
}

/// How a child ended, as DescribeExecution tells it (input and output as JSON text): the
/// task's result, from which the interpreter takes the iteration's output or failure, and
/// which a ResultWriter writes.
fn ended(record: &ExecutionRecord) -> Value {
    let mut out = json!({
        "ExecutionArn": record.arn,
        "Name": record.name,
        "StateMachineArn": record.machine_arn,
        "Status": record.status.as_str(),
        "StartDate": record.start_ms,
        "Input": record.input,
        "RedriveCount": record.redrive_count,
    });
    if let Some(stop) = record.stop_ms {
        out["StopDate"] = stop.into();
    }
    if let Some(output) = &record.output {
        out["Output"] = output.clone().into();
    }
    if let Some(error) = &record.error {
        out["Error"] = error.clone().into();
    }
    if let Some(cause) = &record.cause {
        out["Cause"] = cause.clone().into();
    }
    // Recorded in the parent's steps, it says whose child this was: DescribeMapRun counts an
    // Express Map Run's children from them where no host counted them (after a restart).
    if let Some(map_run) = &record.map_run {
        out["MapRunArn"] = map_run.arn.clone().into();
    }
    out
}

/// The child's description once it has ended.
fn outcome(ended: &Value) -> Result<Value, Failure> {
    if ended["Status"] == ExecutionStatus::Running.as_str() {
        return Err(runtime("the child execution has not ended"));
    }
    Ok(ended.clone())
}

fn runtime(message: &str) -> Failure {
    Failure::new(names::RUNTIME, message)
}

fn host_failure(e: ChildError) -> Failure {
    Failure::new(names::RUNTIME, e.to_string())
}

fn named(failure: Failure, name: &str) -> Failure {
    let cause = format!(
        "The Map Run's child '{name}' could not start: {}",
        failure.cause.unwrap_or_default()
    );
    Failure::new(names::RUNTIME, cause)
}
