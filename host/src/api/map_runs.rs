//! Map Runs: DescribeMapRun, ListMapRuns and UpdateMapRun. A Map Run is what a Distributed Map's entry
//! started: the parent's history records it (MapRunStarted, then MapRunSucceeded, MapRunFailed
//! or MapRunAborted), its Standard children are listed under it in the store, and its Express
//! children are counted by the host that ran them. Its settings are the Map state's.

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::executions::ExecutionsApi;
use super::input::{decode_token, encode_token, page_size, parse};
use super::lookup;
use crate::asl::model::State;
use crate::host::executions::{MapRunCounts, child_machine_arn};
use crate::interp::Event;
use crate::store::{ExecutionQuery, ExecutionRecord, ExecutionStatus};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeInput {
    map_run_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateInput {
    map_run_arn: String,
    max_concurrency: Option<i64>,
    tolerated_failure_count: Option<i64>,
    tolerated_failure_percentage: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListInput {
    execution_arn: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// One Map Run as its parent's history tells it.
struct Run {
    arn: String,
    start: Value,
    stop: Option<Value>,
    /// The event that ended it, if one did.
    ended: Option<&'static str>,
}

/// The Map Runs of an execution, in the order they started: each MapRunStarted, and the event
/// that ended it, the one after it in its Map's thread (the children record nothing there);
/// after a redrive (MapRunRedriven), the one after that.
fn runs(events: &[Value]) -> Vec<Run> {
    let mut runs = Vec::new();
    for started in events.iter().filter(|e| e["type"] == "MapRunStarted") {
        let arn = started["mapRunStartedEventDetails"]["mapRunArn"]
            .as_str()
            .unwrap_or_default();
        let last_start = events
            .iter()
            .rfind(|e| {
                e["type"] == "MapRunRedriven" && e["mapRunRedrivenEventDetails"]["mapRunArn"] == arn
            })
            .unwrap_or(started);
        let id = last_start["id"].as_u64();
        let end = events
            .iter()
            .find(|e| e["previousEventId"].as_u64() == id && e["id"].as_u64() > id);
        let ended = end.and_then(|e| match e["type"].as_str() {
            Some("MapRunSucceeded") => Some("SUCCEEDED"),
            Some("MapRunFailed") => Some("FAILED"),
            Some("MapRunAborted") | Some("MapStateAborted") => Some("ABORTED"),
            _ => None,
        });
        runs.push(Run {
            arn: arn.to_owned(),
            start: started["timestamp"].clone(),
            stop: ended.and(end.map(|e| e["timestamp"].clone())),
            ended,
        });
    }
    runs
}

pub(super) fn list(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: ListInput = parse(input)?;
    let execution = lookup::execution(&*api.store, &input.execution_arn)?;
    let size = page_size(input.max_results)?;
    let list = format!("map runs {}", input.execution_arn);
    let start = match input.next_token.as_deref() {
        None => 0,
        Some(t) => decode_token(&list, t)?
            .parse::<usize>()
            .map_err(|_| ApiError::InvalidToken(format!("Invalid Token: '{t}'")))?,
    };
    let events = api.store.history(execution.seq)?;
    let runs = runs(&events);
    let page: Vec<Value> = runs
        .iter()
        .skip(start)
        .take(size)
        .map(|r| {
            let mut item = json!({
                "executionArn": execution.arn,
                "mapRunArn": r.arn,
                "stateMachineArn": child_machine_arn(&r.arn),
                "startDate": r.start,
            });
            if let Some(stop) = &r.stop {
                item["stopDate"] = stop.clone();
            }
            item
        })
        .collect();
    let mut out = json!({ "mapRuns": page });
    if start + size < runs.len() {
        out["nextToken"] = encode_token(&list, &(start + size).to_string()).into();
    }
    Ok(out)
}

pub(super) fn describe(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: DescribeInput = parse(input)?;
    let arn = &input.map_run_arn;
    let (parent, run) = find(api, arn)?;
    let status = match run.ended {
        Some(status) => status,
        None if parent.status == ExecutionStatus::Running => "RUNNING",
        None => "ABORTED",
    };
    let children = api.store.executions(&ExecutionQuery {
        machine_arn: arn.clone(),
        status: None,
        before_seq: None,
        limit: usize::MAX,
    })?;
    // Express children are not stored: the host that ran them counted them.
    let (mut counts, mut items) = api.executions.express_children(arn);
    for child in &children {
        let batch = serde_json::from_str::<Value>(&child.input)
            .ok()
            .and_then(|i| i["Items"].as_array().map(Vec::len))
            .unwrap_or(1) as u64;
        counts.count(child.status, 1);
        items.count(child.status, batch);
        if let Some(m) = &child.map_run {
            counts.total = counts.total.max(m.total as u64);
        }
    }
    let mut settings = settings(api, &parent, arn);
    // Express children no host here counted (it restarted since, or another ran them) are
    // counted from the parent's steps, where each one's end is recorded.
    let counted_here = counts != MapRunCounts::default();
    let mut ended_express = (MapRunCounts::default(), MapRunCounts::default());
    // UpdateMapRun's changes are in the parent's steps, the last one standing.
    for step in api.store.steps(parent.seq)? {
        match serde_json::from_str(&step.event) {
            Ok(Event::MapRunUpdated {
                map_run_arn,
                max_concurrency,
                tolerated_failure_count,
                tolerated_failure_percentage,
            }) if &map_run_arn == arn => {
                settings.0 = max_concurrency.unwrap_or(settings.0);
                settings.1 = tolerated_failure_count.unwrap_or(settings.1);
                settings.2 = tolerated_failure_percentage.unwrap_or(settings.2);
            }
            Ok(Event::TaskSucceeded { output, .. })
                if !counted_here
                    && output["MapRunArn"] == arn.as_str()
                    && output["ExecutionArn"]
                        .as_str()
                        .is_some_and(|a| a.contains(":express:")) =>
            {
                let status = output["Status"]
                    .as_str()
                    .and_then(ExecutionStatus::parse)
                    .unwrap_or(ExecutionStatus::Failed);
                let batch = output["Input"]
                    .as_str()
                    .and_then(|i| serde_json::from_str::<Value>(i).ok())
                    .and_then(|i| i["Items"].as_array().map(Vec::len))
                    .unwrap_or(1) as u64;
                ended_express.0.count(status, 1);
                ended_express.1.count(status, batch);
            }
            _ => {}
        }
    }
    if !counted_here {
        add(&mut counts, &ended_express.0);
        add(&mut items, &ended_express.1);
    }
    let mut out = json!({
        "executionArn": parent.arn,
        "mapRunArn": arn,
        "status": status,
        "startDate": run.start,
        "maxConcurrency": settings.0,
        "toleratedFailureCount": settings.1,
        "toleratedFailurePercentage": settings.2,
        "executionCounts": counts_json(&counts, status != "RUNNING"),
        "itemCounts": counts_json(&items, status != "RUNNING"),
    });
    if let Some(stop) = run.stop {
        out["stopDate"] = stop;
    }
    Ok(out)
}

pub(super) async fn update(api: &ExecutionsApi, input: &[u8]) -> Result<Value, ApiError> {
    let input: UpdateInput = parse(input)?;
    let arn = &input.map_run_arn;
    let negative = |field: &str| {
        ApiError::ValidationException(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))
    };
    if input.max_concurrency.is_some_and(|m| m < 0) {
        return Err(negative("maxConcurrency"));
    }
    if input.tolerated_failure_count.is_some_and(|c| c < 0) {
        return Err(negative("toleratedFailureCount"));
    }
    if input
        .tolerated_failure_percentage
        .is_some_and(|p| !(0.0..=100.0).contains(&p))
    {
        return Err(ApiError::ValidationException(
            "1 validation error detected: Value at 'toleratedFailurePercentage' failed to satisfy constraint: Member must have value between 0 and 100".into(),
        ));
    }
    let (parent, run) = find(api, arn)?;
    let event = Event::MapRunUpdated {
        map_run_arn: arn.clone(),
        max_concurrency: input.max_concurrency.map(|m| m as u64),
        tolerated_failure_count: input.tolerated_failure_count.map(|c| c as u64),
        tolerated_failure_percentage: input.tolerated_failure_percentage,
    };
    let fed = run.ended.is_none() && api.executions.feed(&parent.arn, event).await?;
    if !fed {
        return Err(ApiError::ValidationException(format!(
            "The Map Run '{arn}' is not running"
        )));
    }
    Ok(json!({}))
}

/// The execution whose Map started Map Run `arn`, and the run as its history tells it.
fn find(api: &ExecutionsApi, arn: &str) -> Result<(ExecutionRecord, Run), ApiError> {
    let missing = || ApiError::ResourceNotFound(format!("Map Run Does Not Exist: '{arn}'"));
    let parent_arn = parent_of(arn).ok_or_else(missing)?;
    let parent = lookup::execution(&*api.store, &parent_arn).map_err(|_| missing())?;
    let events = api.store.history(parent.seq)?;
    let run = runs(&events)
        .into_iter()
        .find(|r| r.arn == arn)
        .ok_or_else(missing)?;
    Ok((parent, run))
}

/// The execution whose Map started `map_run_arn` (`...:mapRun:MACHINE/LABEL:NAME-EVENT`):
/// execution NAME of MACHINE (for a nested Map, of the child machine `MACHINE/LABEL`).
fn parent_of(map_run_arn: &str) -> Option<String> {
    let (prefix, rest) = map_run_arn.split_once(":mapRun:")?;
    let (machine_and_label, id) = rest.rsplit_once(':')?;
    let (machine, _label) = machine_and_label.rsplit_once('/')?;
    let (name, event) = id.rsplit_once('-')?;
    event.parse::<u64>().ok()?;
    Some(format!("{prefix}:execution:{machine}:{name}"))
}

/// The Map state's MaxConcurrency, ToleratedFailureCount and ToleratedFailurePercentage as
/// written (0 for one read from a path).
fn settings(api: &ExecutionsApi, parent: &ExecutionRecord, arn: &str) -> (u64, u64, f64) {
    let label = arn
        .rsplit_once(':')
        .and_then(|(m, _)| m.rsplit_once('/'))
        .map(|(_, label)| label)
        .unwrap_or_default();
    let Ok(program) = api.machines.program_of(parent) else {
        return (0, 0, 0.0);
    };
    for node in program.scopes.iter().flat_map(|s| &s.nodes) {
        if let State::Map(m) = &node.state
            && m.label.as_deref().unwrap_or(&node.name) == label
        {
            let literal = |e: &Option<crate::asl::query::Evaluable<u64>>| {
                e.as_ref().and_then(|e| e.literal().copied()).unwrap_or(0)
            };
            let percentage = m
                .tolerated_failure_percentage
                .as_ref()
                .and_then(|e| e.literal().copied())
                .unwrap_or(0.0);
            return (
                literal(&m.max_concurrency),
                literal(&m.tolerated_failure_count),
                percentage,
            );
        }
    }
    (0, 0, 0.0)
}

/// Adds `more` to `to`.
fn add(to: &mut MapRunCounts, more: &MapRunCounts) {
    to.running += more.running;
    to.succeeded += more.succeeded;
    to.failed += more.failed;
    to.timed_out += more.timed_out;
    to.aborted += more.aborted;
}

/// How a Map Run's counts answer: `pending` (those not started, when the run's size is
/// known: a run that failed may leave some), `total` and `resultsWritten` derived.
fn counts_json(c: &MapRunCounts, ended: bool) -> Value {
    let done = c.succeeded + c.failed + c.timed_out + c.aborted;
    let started = done + c.running;
    let pending = c.total.saturating_sub(started);
    json!({
        "aborted": c.aborted,
        "failed": c.failed,
        "pending": pending,
        "resultsWritten": if ended { done } else { 0 },
        "running": c.running,
        "succeeded": c.succeeded,
        "timedOut": c.timed_out,
        "total": started + pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_runs_arn_names_its_parent() {
        assert_eq!(
            parent_of("arn:aws:states:us-east-1:1:mapRun:orders/Items:run-2024-7").as_deref(),
            Some("arn:aws:states:us-east-1:1:execution:orders:run-2024")
        );
        assert_eq!(
            parent_of("arn:aws:states:us-east-1:1:mapRun:orders/Outer/Inner:c1-3").as_deref(),
            Some("arn:aws:states:us-east-1:1:execution:orders/Outer:c1")
        );
        assert_eq!(
            parent_of("arn:aws:states:us-east-1:1:mapRun:orders/Items:x"),
            None
        );
        assert_eq!(parent_of("arn:aws:states:us-east-1:1:execution:a:b"), None);
    }
}
