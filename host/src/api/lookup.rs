//! Finding what an ARN in a request names, with AWS's errors when it names nothing: the one
//! place the actions of several resources share.

use std::sync::Arc;

use super::error::ApiError;
use super::input::states_arn;
use crate::host::{Machine, Machines};
use crate::store::{ExecutionRecord, Store};

/// The machine an ARN names, or AWS's errors.
pub fn machine(machines: &Machines, arn: &str) -> Result<Arc<Machine>, ApiError> {
    states_arn(arn, &["stateMachine"])?;
    machines.get(arn).ok_or_else(|| {
        ApiError::StateMachineDoesNotExist(format!("State Machine Does Not Exist: '{arn}'"))
    })
}

/// A Standard execution by ARN, or AWS's errors.
pub fn execution(store: &dyn Store, arn: &str) -> Result<ExecutionRecord, ApiError> {
    let parsed = states_arn(arn, &["execution", "express"])?;
    let missing = || ApiError::ExecutionDoesNotExist(format!("Execution Does Not Exist: '{arn}'"));
    if parsed.kind == "express" {
        // Express executions keep no record to describe, as on AWS.
        return Err(missing());
    }
    store.execution(arn)?.ok_or_else(missing)
}
