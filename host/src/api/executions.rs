//! Executions: StartExecution, StartSyncExecution, StopExecution, DescribeExecution,
//! ListExecutions and GetExecutionHistory.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::input::{
    check_max_chars, check_name, decode_token, encode_token, page_size, parse, states_arn,
    timestamp,
};
use super::lookup;
use crate::host::executions::{REDRIVE_PERIOD_MS, RedriveError, billed_memory_mb};
use crate::host::{Executions, Host, Machine, Machines, StartExecutionError, StopError};
use crate::interp::{MAX_PAYLOAD_BYTES, Status};
use crate::mock::TestCase;
use crate::store::{ExecutionQuery, ExecutionRecord, ExecutionStatus, MachineType, Store};

/// What the execution actions use.
#[derive(Clone)]
pub struct ExecutionsApi {
    /// The machines executions are started from.
    pub machines: Arc<Machines>,
    /// The running executions.
    pub executions: Arc<Executions>,
    /// Records and histories, for Describe, List and GetExecutionHistory.
    pub store: Arc<dyn Store>,
}

impl axum::extract::FromRef<Host> for ExecutionsApi {
    fn from_ref(host: &Host) -> Self {
        ExecutionsApi {
            machines: host.machines.clone(),
            executions: host.executions.clone(),
            store: host.store.clone(),
        }
    }
}

/// Longest `error` StopExecution takes.
const MAX_ERROR_CHARS: usize = 256;
/// Longest `cause` StopExecution takes.
const MAX_CAUSE_CHARS: usize = 32_768;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartInput {
    state_machine_arn: String,
    name: Option<String>,
    input: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StopInput {
    execution_arn: String,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArnInput {
    execution_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    state_machine_arn: Option<String>,
    map_run_arn: Option<String>,
    status_filter: Option<String>,
    redrive_filter: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RedriveInput {
    execution_arn: String,
    client_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HistoryInput {
    execution_arn: String,
    max_results: Option<i64>,
    #[serde(default)]
    reverse_order: bool,
    next_token: Option<String>,
    include_execution_data: Option<bool>,
}

/// The input text of a start request, checked: at most 256 KiB, and JSON.
pub(super) fn execution_input(text: Option<String>) -> Result<(String, Value), ApiError> {
    let text = text.unwrap_or_else(|| "{}".to_owned());
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::constraint(
            "input",
            "Member must have length less than or equal to 262144",
        ));
    }
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        ApiError::InvalidExecutionInput(format!("Invalid State Machine Execution Input: '{e}'"))
    })?;
    Ok((text, value))
}

fn execution_name(name: Option<String>) -> Result<String, ApiError> {
    match name {
        Some(n) => {
            check_name(&n)?;
            Ok(n)
        }
        // Time-ordered (v7) rather than random: the store's index of ARNs then grows at its
        // end, instead of every start dirtying a page anywhere in it.
        None => Ok(uuid::Uuid::now_v7().to_string()),
    }
}

/// What a start runs: the machine (or the version) its ARN names, the alias it went
/// through, and the mock file's test case when it names one as Step Functions Local does
/// (`stateMachineArn#TestCaseName`).
struct Target {
    machine: Arc<Machine>,
    alias_arn: Option<String>,
    test_case: Option<Arc<TestCase>>,
}

/// An alias routes each start to one of its versions by weight.
fn machine_or_alias(
    api: &ExecutionsApi,
    arn: &str,
) -> Result<(Arc<Machine>, Option<String>), ApiError> {
    if let Some(alias) = api.machines.alias(arn) {
        let roll = (crate::host::executions::rand_seed() % 100) as u32;
        let version = alias.route(roll);
        return Ok((lookup::machine(&api.machines, version)?, Some(alias.arn)));
    }
    Ok((lookup::machine(&api.machines, arn)?, None))
}

fn target(api: &ExecutionsApi, arn: &str) -> Result<Target, ApiError> {
    let Some((arn, case)) = arn.split_once('#') else {
        let (machine, alias_arn) = machine_or_alias(api, arn)?;
        return Ok(Target {
            machine,
            alias_arn,
            test_case: None,
        });
    };
    let (machine, alias_arn) = machine_or_alias(api, arn)?;
    let case = api
        .executions
        .test_case(&machine.record.name, case)
        .map_err(|e| ApiError::InvalidArn(format!("Invalid Arn: '{arn}#{case}': {e}")))?;
    Ok(Target {
        machine,
        alias_arn,
        test_case: Some(case),
    })
}

pub(super) async fn start(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: StartInput = parse(input)?;
    let Target {
        machine,
        alias_arn,
        test_case,
    } = target(api, &input.state_machine_arn)?;
    let name = execution_name(input.name)?;
    let (text, value) = execution_input(input.input)?;
    if machine.record.kind == MachineType::Express {
        // An asynchronous Express execution: run in memory, nothing kept.
        let (arn, start_ms) = api
            .executions
            .start_express(&machine, &name, value, test_case)
            .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
        return Ok(json!({"executionArn": arn, "startDate": timestamp(start_ms)}));
    }
    match api
        .executions
        .start(
            &machine,
            &name,
            text,
            value,
            test_case.as_deref(),
            alias_arn,
        )
        .await
    {
        Ok(started) => Ok(json!({
            "executionArn": started.arn,
            "startDate": timestamp(started.start_ms),
        })),
        Err(StartExecutionError::AlreadyExists(arn)) => Err(ApiError::ExecutionAlreadyExists(
            format!("Execution Already Exists: '{arn}'"),
        )),
        Err(StartExecutionError::Store(e)) => Err(e.into()),
    }
}

pub(super) async fn start_sync(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: StartInput = parse(input)?;
    let Target {
        machine, test_case, ..
    } = target(api, &input.state_machine_arn)?;
    if machine.record.kind != MachineType::Express {
        return Err(ApiError::StateMachineTypeNotSupported(
            "This operation is not supported by this type of state machine".into(),
        ));
    }
    let name = execution_name(input.name)?;
    let (text, value) = execution_input(input.input)?;
    let run = api
        .executions
        .run_express(&machine, &name, value, test_case)
        .await
        .map_err(|e| ApiError::ServiceUnavailable(e.to_string()))?;
    let (start_ms, stop_ms, exec) = (run.start_ms, run.stop_ms, &run.exec);
    let billed_mb = billed_memory_mb(machine.record.definition.len(), text.len(), exec);
    let mut out = json!({
        "executionArn": run.arn,
        "stateMachineArn": machine.record.arn,
        "name": name,
        "startDate": timestamp(start_ms),
        "stopDate": timestamp(stop_ms),
        "input": text,
        "inputDetails": {"included": true},
        "billingDetails": {
            "billedMemoryUsedInMB": billed_mb,
            // Express bills in 100 ms units, rounded up.
            "billedDurationInMilliseconds": ((stop_ms - start_ms).max(1) + 99) / 100 * 100,
        },
    });
    let (status, output, failure) = match &exec.status {
        Status::Succeeded(v) => ("SUCCEEDED", Some(v.to_string()), None),
        Status::Failed(f) => ("FAILED", None, Some(f)),
        Status::TimedOut => ("TIMED_OUT", None, None),
        Status::Aborted(f) => ("ABORTED", None, Some(f)),
        // The executor gave up on it (a bug, logged): report it as failed, not as running.
        Status::Running => ("FAILED", None, None),
    };
    out["status"] = status.into();
    if let Some(o) = output {
        out["output"] = o.into();
        out["outputDetails"] = json!({"included": true});
    }
    if let Some(f) = failure {
        if let Some(e) = &f.error {
            out["error"] = e.clone().into();
        }
        if let Some(c) = &f.cause {
            out["cause"] = c.clone().into();
        }
    }
    Ok(out)
}

pub(super) async fn stop(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: StopInput = parse(input)?;
    states_arn(&input.execution_arn, &["execution", "express"])?;
    check_max_chars("error", input.error.as_deref(), MAX_ERROR_CHARS)?;
    check_max_chars("cause", input.cause.as_deref(), MAX_CAUSE_CHARS)?;
    match api
        .executions
        .stop(&input.execution_arn, input.error, input.cause)
        .await
    {
        Ok(stop_ms) => Ok(json!({"stopDate": timestamp(stop_ms)})),
        Err(StopError::DoesNotExist(arn)) => Err(ApiError::ExecutionDoesNotExist(format!(
            "Execution Does Not Exist: '{arn}'"
        ))),
        Err(e @ StopError::NotHeld(_)) => Err(ApiError::ServiceUnavailable(e.to_string())),
        Err(StopError::Store(e)) => Err(e.into()),
    }
}

/// RedriveExecution.
pub(super) async fn redrive(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: RedriveInput = parse(input)?;
    check_max_chars("clientToken", input.client_token.as_deref(), 64)?;
    let parsed = states_arn(&input.execution_arn, &["execution", "express"])?;
    if parsed.kind == "express" {
        return Err(ApiError::ExecutionNotRedrivable(
            "Express executions cannot be redriven".into(),
        ));
    }
    match api.executions.redrive(&input.execution_arn).await {
        Ok(ms) => Ok(json!({"redriveDate": timestamp(ms)})),
        Err(RedriveError::DoesNotExist(arn)) => Err(ApiError::ExecutionDoesNotExist(format!(
            "Execution Does Not Exist: '{arn}'"
        ))),
        Err(RedriveError::NotRedrivable(why)) => Err(ApiError::ExecutionNotRedrivable(why)),
        Err(e @ RedriveError::Rebuild(_)) => Err(ApiError::InternalFailure(e.to_string())),
        Err(RedriveError::Store(e)) => Err(e.into()),
    }
}

/// Whether an execution can be redriven now, and if not why (AWS's `redriveStatus` and
/// `redriveStatusReason`).
fn redrive_status(e: &ExecutionRecord, now_ms: i64) -> (&'static str, Option<String>) {
    match e.status {
        ExecutionStatus::Failed | ExecutionStatus::Aborted | ExecutionStatus::TimedOut
            if now_ms - e.start_ms <= REDRIVE_PERIOD_MS =>
        {
            ("REDRIVABLE", None)
        }
        ExecutionStatus::Failed | ExecutionStatus::Aborted | ExecutionStatus::TimedOut => (
            "NOT_REDRIVABLE",
            Some("Execution can no longer be redriven: it started more than 14 days ago".into()),
        ),
        status => (
            "NOT_REDRIVABLE",
            Some(format!(
                "Execution is {} and cannot be redriven",
                status.as_str()
            )),
        ),
    }
}

fn summary(e: &ExecutionRecord) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("executionArn".into(), e.arn.clone().into());
    m.insert("stateMachineArn".into(), e.machine_arn.clone().into());
    if let Some(v) = &e.version_arn {
        m.insert("stateMachineVersionArn".into(), v.clone().into());
    }
    if let Some(a) = &e.alias_arn {
        m.insert("stateMachineAliasArn".into(), a.clone().into());
    }
    if let Some(map_run) = &e.map_run {
        m.insert("mapRunArn".into(), map_run.arn.clone().into());
    }
    m.insert("name".into(), e.name.clone().into());
    m.insert("status".into(), e.status.as_str().into());
    m.insert("startDate".into(), timestamp(e.start_ms));
    if let Some(stop) = e.stop_ms {
        m.insert("stopDate".into(), timestamp(stop));
    }
    m.insert("redriveCount".into(), e.redrive_count.into());
    if let Some(ms) = e.redrive_ms {
        m.insert("redriveDate".into(), timestamp(ms));
    }
    m
}

pub(super) fn describe(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ArnInput = parse(input)?;
    let e = lookup::execution(&*api.store, &input.execution_arn)?;
    let mut out = summary(&e);
    out.insert("input".into(), e.input.clone().into());
    out.insert("inputDetails".into(), json!({"included": true}));
    if let Some(o) = &e.output {
        out.insert("output".into(), o.clone().into());
        out.insert("outputDetails".into(), json!({"included": true}));
    }
    if let Some(err) = &e.error {
        out.insert("error".into(), err.clone().into());
    }
    if let Some(c) = &e.cause {
        out.insert("cause".into(), c.clone().into());
    }
    let (status, reason) = redrive_status(&e, api.executions.now_ms());
    out.insert("redriveStatus".into(), status.into());
    if let Some(r) = reason {
        out.insert("redriveStatusReason".into(), r.into());
    }
    Ok(Value::Object(out))
}

pub(super) fn list(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let (machine_arn, version) = match (input.state_machine_arn.clone(), &input.map_run_arn) {
        (Some(_), Some(_)) => {
            return Err(ApiError::ValidationException(
                "Only one of stateMachineArn or mapRunArn can be specified".into(),
            ));
        }
        (None, None) => {
            return Err(ApiError::ValidationException(
                "Must specify either stateMachineArn or mapRunArn".into(),
            ));
        }
        // A Map Run's child executions are listed under it.
        (None, Some(map_run)) => {
            if !map_run.contains(":mapRun:") {
                return Err(ApiError::InvalidArn(format!("Invalid Arn: '{map_run}'")));
            }
            (map_run.clone(), None)
        }
        (Some(machine_arn), None) => {
            let machine = lookup::machine(&api.machines, &machine_arn)?;
            if machine.record.kind == MachineType::Express {
                return Err(ApiError::StateMachineTypeNotSupported(
                    "This operation is not supported by this type of state machine".into(),
                ));
            }
            // A version's ARN lists the executions of that version, among its machine's.
            let version = machine
                .record
                .version_of
                .is_some()
                .then(|| machine_arn.clone());
            (
                machine.record.version_of.clone().unwrap_or(machine_arn),
                version,
            )
        }
    };
    let status = input
        .status_filter
        .as_deref()
        .map(|s| {
            ExecutionStatus::parse(s).ok_or_else(|| {
                ApiError::constraint(
                    "statusFilter",
                    "Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]",
                )
            })
        })
        .transpose()?;
    let redriven = match input.redrive_filter.as_deref() {
        None => None,
        Some("REDRIVEN") => Some(true),
        Some("NOT_REDRIVEN") => Some(false),
        Some(other) => {
            return Err(ApiError::ValidationException(format!(
                "1 validation error detected: Value '{other}' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]"
            )));
        }
    };
    let size = page_size(input.max_results)?;
    // The token remembers the filter it was made for: a page of one list is not a page of
    // another.
    let list = format!(
        "executions {machine_arn} {:?} {:?} {version:?}",
        input.status_filter, input.redrive_filter
    );
    // Filters the store does not index pick out of the machine's executions.
    let picked = version.is_some() || redriven.is_some();
    let keep = |e: &ExecutionRecord| {
        (version.is_none() || e.version_arn == version)
            && redriven.is_none_or(|r| (e.redrive_count > 0) == r)
    };
    let before_seq = input
        .next_token
        .as_deref()
        .map(|t| {
            decode_token(&list, t)?
                .parse::<u64>()
                .map_err(|_| ApiError::InvalidToken(format!("Invalid Token: '{t}'")))
        })
        .transpose()?;
    let mut page = Vec::new();
    let mut before_seq = before_seq;
    // The store pages by machine; a version's executions are picked out of its machine's.
    loop {
        let batch = api.store.executions(&ExecutionQuery {
            machine_arn: machine_arn.clone(),
            status,
            before_seq,
            limit: if picked { 1000 } else { size + 1 },
        })?;
        let exhausted = !picked || batch.len() < 1000;
        before_seq = batch.last().map(|e| e.seq);
        page.extend(batch.into_iter().filter(|e| keep(e)));
        if exhausted || page.len() > size {
            break;
        }
    }
    let more = page.len() > size;
    page.truncate(size);
    let items: Vec<Value> = page.iter().map(|e| Value::Object(summary(e))).collect();
    let mut out = json!({ "executions": items });
    if more && let Some(last) = page.last() {
        out["nextToken"] = encode_token(&list, &last.seq.to_string()).into();
    }
    Ok(out)
}

/// Drops the payloads (`input`, `output`) from an event's details, for
/// `includeExecutionData: false`.
fn without_data(mut event: Value) -> Value {
    if let Some(obj) = event.as_object_mut() {
        for (key, details) in obj.iter_mut() {
            if key.ends_with("EventDetails")
                && let Some(d) = details.as_object_mut()
            {
                for field in ["input", "output"] {
                    if d.remove(field).is_some() {
                        d.insert(format!("{field}Details"), json!({"included": false}));
                    }
                }
            }
        }
    }
    event
}

pub(super) fn history(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: HistoryInput = parse(input)?;
    let execution = lookup::execution(&*api.store, &input.execution_arn)?;
    let size = page_size(input.max_results)?;
    let list = format!("history {} {}", input.execution_arn, input.reverse_order);
    let mut events = api.store.history(execution.seq)?;
    if input.reverse_order {
        events.reverse();
    }
    // The token is the id of the next event to return; ids never change.
    let start = match input.next_token.as_deref() {
        None => 0,
        Some(t) => {
            let id: u64 = decode_token(&list, t)?
                .parse()
                .map_err(|_| ApiError::InvalidToken(format!("Invalid Token: '{t}'")))?;
            events
                .iter()
                .position(|e| e["id"].as_u64() == Some(id))
                .ok_or_else(|| ApiError::InvalidToken(format!("Invalid Token: '{t}'")))?
        }
    };
    let end = (start + size).min(events.len());
    let include = input.include_execution_data.unwrap_or(true);
    let page: Vec<Value> = events[start..end]
        .iter()
        .cloned()
        .map(|e| if include { e } else { without_data(e) })
        .collect();
    let mut out = json!({ "events": page });
    if let Some(next) = events.get(end) {
        let id = next["id"].as_u64().unwrap_or_default();
        out["nextToken"] = encode_token(&list, &id.to_string()).into();
    }
    Ok(out)
}
