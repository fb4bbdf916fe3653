//! Map: runs its item processor once per item of an array, at most MaxConcurrency at a time,
//! and outputs the array of results in item order. Inline iterations record their events in
//! this history; Distributed ones run as child workflows and show only as a Map Run here.

use serde_json::{Value, json};

use super::join::{self, Join, JoinKind};
use super::{Flow, StateScope};
use crate::asl::model::{ItemBatcher, Map};
use crate::asl::path::ReferencePath;
use crate::asl::query::Evaluable;
use crate::history::EventDetails;
use crate::interp::dataflow;
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, Phase, ThreadId};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::{self, Node};

/// Inline Map runs at most this many iterations at once, whatever MaxConcurrency says (AWS).
pub const INLINE_CONCURRENCY_CAP: usize = 40;

/// Starts (or, after a retry, restarts) a Map state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Map) -> Flow {
    // Reading items from S3 and writing results to S3 are not built yet: fail saying so,
    // rather than iterate over the input or return results the definition says go elsewhere.
    // (TestState gives a reader's items itself, and mocks a writer's answer.)
    if exec.probe().is_none() {
        if s.item_reader.is_some() {
            return Flow::Error(Failure::new(
                names::ITEM_READER_FAILED,
                "This host does not read a Map's items with an ItemReader yet; pass the items in the state's input (ItemsPath)",
            ));
        }
        if s.result_writer.is_some() {
            return Flow::Error(Failure::new(
                names::RESULT_WRITER_FAILED,
                "This host does not write a Map's results with a ResultWriter yet; leave ResultWriter out to have them as the state's result",
            ));
        }
    }
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let prepared = (|| {
        if node.query.is_jsonata() {
            return jsonata_items(s, node, raw, scope);
        }
        let effective = dataflow::input_path(s.io.input_path.as_ref(), raw, scope)?;
        scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
        let items = match &s.items_path {
            Some(q) => {
                let ctx = scope.context();
                q.select_in(&effective, &ctx, scope)
                    .map(std::borrow::Cow::into_owned)
                    .map_err(|e| scope.runtime(q.invalid_path_cause(&e)))?
            }
            None => effective.clone().into_owned(),
        };
        let items = read_items(s, items, scope);
        scope.inspect(|i| i.after_items_path = Some(items.clone()));
        let Value::Array(items) = items else {
            return Err(scope.runtime(format!("Map state input must be an array but was: {items}")));
        };
        let max_concurrency = match &s.max_concurrency_path {
            Some(p) => read_count(p, "MaxConcurrencyPath", &effective, scope)? as usize,
            None => program::literal(&s.max_concurrency).unwrap_or(0) as usize,
        };
        Ok((effective.into_owned(), items, max_concurrency))
    })();
    let (effective, items, max_concurrency) = match prepared {
        Ok(p) => p,
        Err(f) => return Flow::Error(f),
    };
    scope.inspect(|i| i.max_concurrency = Some(max_concurrency as u64));
    exec.record(
        t,
        EventDetails::MapStateStarted {
            length: items.len(),
        },
    );
    let distributed = s.is_distributed();
    let scope = &StateScope::new(exec, t, node);
    // Thresholds and batching are read after MapStateStarted, as AWS records it.
    let settings = (|| {
        let (tolerated_count, tolerated_percentage) = if node.query.is_jsonata() {
            jsonata_tolerance(s, &effective, scope)?
        } else {
            let count = match &s.tolerated_failure_count_path {
                Some(p) => Some(read_tolerated_count(p, &effective, scope)?),
                None => program::literal(&s.tolerated_failure_count),
            };
            let percentage = match &s.tolerated_failure_percentage_path {
                Some(p) => Some(read_tolerated_percentage(p, &effective, scope)?),
                None => program::literal(&s.tolerated_failure_percentage),
            };
            (count, percentage)
        };
        scope.inspect(|i| {
            i.tolerated_failure_count = tolerated_count;
            i.tolerated_failure_percentage = tolerated_percentage;
        });
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            inputs.push(select_item(s, &effective, index, item, exec, t, node)?);
        }
        if s.selector().is_some() || node.query.item_selector.is_some() {
            scope.inspect(|i| i.after_item_selector = Some(Value::Array(inputs.clone())));
        }
        if let Some(batcher) = &s.item_batcher {
            inputs = batch(batcher, inputs, &effective, scope)?;
            scope.inspect(|i| i.after_item_batcher = Some(Value::Array(inputs.clone())));
        }
        Ok((tolerated_count, tolerated_percentage, inputs))
    })();
    let (tolerated_count, tolerated_percentage, inputs) = match settings {
        Ok(s) => s,
        Err(f) => return Flow::Error(f),
    };
    let kind = JoinKind::Map {
        distributed,
        tolerated_count,
        tolerated_percentage,
    };
    if let Some(mocked) = exec.probe().and_then(|p| p.children.clone()) {
        return join::mocked(exec, t, mocked, kind);
    }
    if distributed {
        let map_run_arn = format!(
            "{}/{}:{}",
            exec.info
                .state_machine_id
                .replace(":stateMachine:", ":mapRun:"),
            s.label.as_deref().unwrap_or(&node.name),
            exec.threads[t].entered_event_id
        );
        exec.record(t, EventDetails::MapRunStarted { map_run_arn });
    }
    let cap = if distributed {
        0
    } else {
        INLINE_CONCURRENCY_CAP
    };
    let max_concurrency = match (max_concurrency, cap) {
        (0, c) => c,
        (m, 0) => m,
        (m, c) => m.min(c),
    };
    let n = inputs.len();
    exec.threads[t].join = Some(Join {
        kind,
        scopes: node.children.clone(),
        inputs: inputs.into_iter().map(Some).collect(),
        results: vec![None; n],
        running: Vec::new(),
        next: 0,
        max_concurrency,
        finished: 0,
        failed: 0,
        failed_children: Vec::new(),
    });
    exec.threads[t].phase = Phase::Joining;
    join::start_children(exec, t);
    Flow::Wait
}

/// The items a Map iterates: under TestState, a Map with an ItemReader reads the data the test
/// gives (`mapItemReaderData`).
fn read_items(s: &Map, items: Value, scope: &StateScope<'_>) -> Value {
    match scope.probe().and_then(|p| p.item_reader_data.as_ref()) {
        Some(data) if s.item_reader.is_some() => Value::Array(data.clone()),
        _ => items,
    }
}

/// The input of one iteration: ItemSelector (or legacy Parameters) with `$$.Map.Item` set, or
/// the item itself.
fn select_item(
    s: &Map,
    effective: &Value,
    index: usize,
    item: &Value,
    exec: &Execution,
    t: ThreadId,
    node: &Node,
) -> Result<Value, Failure> {
    if node.query.is_jsonata() {
        return match &node.query.item_selector {
            Some(selector) => {
                let scope = &StateScope::new(exec, t, node).with_map_item(index, item);
                Evaluator::new(scope, States::input(effective)).field(selector, "ItemSelector")
            }
            None => Ok(item.clone()),
        };
    }
    match s.selector() {
        Some(sel) => {
            let scope = &StateScope::new(exec, t, node).with_map_item(index, item);
            dataflow::template(sel, effective, scope)
        }
        None => Ok(item.clone()),
    }
}

/// A JSONata Map's input (its raw input), items and MaxConcurrency.
fn jsonata_items(
    s: &Map,
    node: &Node,
    raw: &Value,
    scope: &StateScope<'_>,
) -> Result<(Value, Vec<Value>, usize), Failure> {
    let evaluator = Evaluator::new(scope, States::input(raw));
    let items = match &node.query.items {
        Some(items) => evaluator.typed_field(items, "Items", "array")?,
        None => raw.clone(),
    };
    let items = read_items(s, items, scope);
    let Value::Array(items) = items else {
        return Err(Failure::new(
            names::QUERY_EVALUATION_ERROR,
            scope.prefixed(&format!(
                "Map state input must be an array but was: {items}"
            )),
        ));
    };
    let max_concurrency = evaluator
        .count(&s.max_concurrency, "MaxConcurrency")?
        .unwrap_or(0);
    Ok((raw.clone(), items, max_concurrency as usize))
}

/// A JSONata Map's ToleratedFailureCount and ToleratedFailurePercentage.
fn jsonata_tolerance(
    s: &Map,
    raw: &Value,
    scope: &StateScope<'_>,
) -> Result<(Option<u64>, Option<f64>), Failure> {
    let evaluator = Evaluator::new(scope, States::input(raw));
    let count = evaluator.count(&s.tolerated_failure_count, "ToleratedFailureCount")?;
    let percentage = match &s.tolerated_failure_percentage {
        Some(Evaluable::Literal(p)) => Some(*p),
        Some(Evaluable::Expression(t)) => {
            let v = evaluator.typed_field(t, "ToleratedFailurePercentage", "number")?;
            let p = v.as_f64().unwrap_or(-1.0);
            if !(0.0..=100.0).contains(&p) {
                return Err(scope.runtime("ToleratedFailurePercentage must be between 0 and 100."));
            }
            Some(p)
        }
        None => None,
    };
    Ok((count, percentage))
}

/// Groups iteration inputs into `{"Items": [...], "BatchInput": ...}` objects.
fn batch(
    b: &ItemBatcher,
    inputs: Vec<Value>,
    effective: &Value,
    scope: &StateScope<'_>,
) -> Result<Vec<Value>, Failure> {
    let max_items = match &b.max_items_per_batch_path {
        Some(p) => Some(read_count(p, "MaxItemsPerBatchPath", effective, scope)?),
        None => b.max_items_per_batch,
    };
    let max_bytes = match &b.max_input_bytes_per_batch_path {
        Some(p) => Some(read_count(
            p,
            "MaxInputBytesPerBatchPath",
            effective,
            scope,
        )?),
        None => b.max_input_bytes_per_batch,
    };
    let batch_input = match &b.batch_input {
        Some(t) => Some(dataflow::template(t, effective, scope)?),
        None => None,
    };
    // AWS caps a batch at 256 KiB whatever MaxInputBytesPerBatch says.
    let max_bytes = max_bytes
        .map(|m| m as usize)
        .unwrap_or(crate::interp::MAX_PAYLOAD_BYTES)
        .min(crate::interp::MAX_PAYLOAD_BYTES);
    let max_items = max_items.filter(|m| *m > 0).unwrap_or(u64::MAX) as usize;
    let mut batches = Vec::new();
    let mut current: Vec<Value> = Vec::new();
    let mut bytes = 0usize;
    for item in inputs {
        let size = item.to_string().len();
        if !current.is_empty() && (current.len() >= max_items || bytes + size > max_bytes) {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(item);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    Ok(batches
        .into_iter()
        .map(|items| match &batch_input {
            Some(bi) => json!({"BatchInput": bi, "Items": items}),
            None => json!({ "Items": items }),
        })
        .collect())
}

/// The text AWS shows for a value in "refers to value ..." messages: strings bare, the rest
/// as JSON.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A number, or a string holding one: AWS reads these paths' values as text, so `"1"` works
/// where `1` does (a variable assigned `"1"` is a common way to configure a Map).
fn as_number<T>(
    v: &Value,
    number: impl Fn(&Value) -> Option<T>,
    text: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    match v {
        Value::String(s) => text(s),
        other => number(other),
    }
}

fn read(path: &ReferencePath, input: &Value, scope: &StateScope<'_>) -> Result<Value, Failure> {
    let ctx = scope.context();
    path.get_in(input, &ctx, scope)
        .map_err(|e| scope.runtime(path.as_query().invalid_path_cause(&e)))
}

/// A non-negative integer read from the input.
fn read_count(
    path: &ReferencePath,
    field: &str,
    input: &Value,
    scope: &StateScope<'_>,
) -> Result<u64, Failure> {
    let v = read(path, input, scope)?;
    as_number(&v, Value::as_u64, |s| s.parse().ok()).ok_or_else(|| {
        scope.runtime(format!(
            "The {field} field refers to value \"{}\" which is not a valid integer: {}",
            shown(&v),
            path.text()
        ))
    })
}

fn read_tolerated_count(
    path: &ReferencePath,
    input: &Value,
    scope: &StateScope<'_>,
) -> Result<u64, Failure> {
    let v = read(path, input, scope)?;
    match as_number(&v, Value::as_i64, |s| s.parse().ok()) {
        Some(n) if n < 0 => Err(scope.runtime("ToleratedFailureCount cannot be negative.")),
        Some(n) => Ok(n as u64),
        None => v.as_u64().ok_or_else(|| {
            scope.runtime(format!(
                "The ToleratedFailureCountPath field refers to value \"{}\" which is not a valid integer: {}",
                shown(&v),
                path.text()
            ))
        }),
    }
}

fn read_tolerated_percentage(
    path: &ReferencePath,
    input: &Value,
    scope: &StateScope<'_>,
) -> Result<f64, Failure> {
    let v = read(path, input, scope)?;
    let Some(p) = as_number(&v, Value::as_f64, |s| {
        s.parse().ok().filter(|p: &f64| p.is_finite())
    }) else {
        return Err(scope.runtime(format!(
            "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
            shown(&v),
            path.text()
        )));
    };
    if !(0.0..=100.0).contains(&p) {
        return Err(scope.runtime("ToleratedFailurePercentage must be between 0 and 100."));
    }
    Ok(p)
}
