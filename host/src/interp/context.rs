//! The context object (`$$`): what an execution knows about itself. Built only when a path,
//! template or task actually reads it, because it copies the execution input.

use serde_json::{Map, Value, json};

/// Facts about an execution that do not change while it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionInfo {
    /// Execution ARN.
    pub id: String,
    /// Execution name.
    pub name: String,
    /// State machine ARN.
    pub state_machine_id: String,
    /// State machine name.
    pub state_machine_name: String,
    /// The role the execution runs as.
    pub role_arn: String,
    /// When it started, milliseconds since the epoch.
    pub start_time_ms: i64,
    /// The execution input.
    pub input: Value,
    /// How many times it has been redriven (`$$.Execution.RedriveCount`).
    pub redrive_count: u32,
}

impl ExecutionInfo {
    /// Default ARNs for an execution run outside a server (`stepwise run`, tests).
    pub fn local(machine_name: &str, execution_name: &str, input: Value, now_ms: i64) -> Self {
        let prefix = "arn:aws:states:us-east-1:123456789012";
        ExecutionInfo {
            redrive_count: 0,
            id: format!("{prefix}:execution:{machine_name}:{execution_name}"),
            name: execution_name.to_owned(),
            state_machine_id: format!("{prefix}:stateMachine:{machine_name}"),
            state_machine_name: machine_name.to_owned(),
            role_arn: "arn:aws:iam::123456789012:role/stepwise".to_owned(),
            start_time_ms: now_ms,
            input,
        }
    }
}

/// Formats milliseconds since the epoch as AWS does in the context object:
/// `2019-03-26T20:14:13.192Z`.
pub fn iso_time(ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    // Written field by field: a `format` string is parsed again on every call, and every Task
    // builds a context with two of these.
    let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.timestamp_subsec_millis()
    )
}

/// What a state knows about itself when the context is built.
pub struct StateFacts<'a> {
    pub name: &'a str,
    pub entered_time_ms: i64,
    pub retry_count: u32,
    pub task_token: Option<&'a str>,
    pub map_item: Option<(usize, &'a Value)>,
}

/// Whether a `$$` path may read `$$.Execution.Input`, the one costly part of the context object
/// (a copy of the execution input). Conservative: only a path that names another field by a
/// plain dotted name is known not to.
pub fn reads_execution_input(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("$$.") else {
        return true;
    };
    if path.contains("..") {
        return true;
    }
    let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let (first, after) = rest.split_once('.').unwrap_or((rest, ""));
    if first != "Execution" {
        return !plain(first);
    }
    let second = after.split(['.', '[']).next().unwrap_or("");
    !plain(second) || second == "Input"
}

/// Builds the context object for one state; `with_input` includes `$$.Execution.Input`.
pub fn build(info: &ExecutionInfo, state: &StateFacts<'_>, with_input: bool) -> Value {
    let mut ctx = Map::with_capacity(5);
    let mut execution = json!({
        "Id": info.id,
        "Name": info.name,
        "RoleArn": info.role_arn,
        "StartTime": iso_time(info.start_time_ms),
        "RedriveCount": info.redrive_count,
    });
    if with_input {
        execution["Input"] = info.input.clone();
    }
    ctx.insert("Execution".into(), execution);
    ctx.insert(
        "StateMachine".into(),
        json!({"Id": info.state_machine_id, "Name": info.state_machine_name}),
    );
    ctx.insert(
        "State".into(),
        json!({
            "EnteredTime": iso_time(state.entered_time_ms),
            "Name": state.name,
            "RetryCount": state.retry_count,
        }),
    );
    if let Some(token) = state.task_token {
        ctx.insert("Task".into(), json!({ "Token": token }));
    }
    if let Some((index, value)) = state.map_item {
        ctx.insert(
            "Map".into(),
            json!({"Item": {"Index": index, "Value": value}}),
        );
    }
    Value::Object(ctx)
}

#[cfg(test)]
mod tests;
