//! Map: runs its item processor once per item of an array, at most MaxConcurrency at a time,
//! and outputs the array of results in item order. Inline iterations record their events in
//! this history; Distributed ones run as child workflows and show only as a Map Run here.
//! A Map with an ItemReader has the executor read its items page by page while its children
//! run ([`super::feed`]).

use serde_json::{Value, json};

use super::feed::{Batcher, Feed};
use super::join::{self, Join, JoinKind};
use super::{Flow, StateScope};
use crate::asl::model::{ItemBatcher, ItemReader, Map, ResultPath, State};
use crate::asl::path::ReferencePath;
use crate::asl::query::Evaluable;
use crate::history::{ErrorDetails, EventDetails};
use crate::interp::dataflow;
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, Phase, ThreadId};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::{self, Node};

/// Inline Map runs at most this many iterations at once, whatever MaxConcurrency says (AWS).
pub const INLINE_CONCURRENCY_CAP: usize = 40;

/// A Map Run runs at most this many child executions at once (AWS's limit), which also bounds
/// the threads and inputs a Map of a million items holds.
pub const DISTRIBUTED_CONCURRENCY_CAP: usize = 10_000;

/// Where a Map's items come from.
enum Items {
    /// From its input (ItemsPath, Items), or given by TestState.
    Given(Vec<Value>),
    /// Read by its ItemReader: this call, made by the executor.
    Read(Value),
}

/// Starts (or, after a retry, restarts) a Map state.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Map) -> Flow {
    // A shaping this host cannot do fails saying so, rather than return results shaped
    // otherwise than the definition says. (TestState mocks a writer's answer.)
    if exec.probe().is_none()
        && let Some(Err(cause)) = shaping(s)
    {
        return Flow::Error(Failure::new(names::RESULT_WRITER_FAILED, cause));
    }
    let (effective, items, max_concurrency) = match prepare(exec, t, node, s, false) {
        Ok(p) => p,
        Err(f) => return Flow::Error(f),
    };
    let scope = &StateScope::new(exec, t, node);
    scope.inspect(|i| i.max_concurrency = Some(max_concurrency as u64));
    let items = match items {
        Items::Given(items) => items,
        Items::Read(request) => {
            return read_items_first(exec, t, node, s, &effective, request, max_concurrency);
        }
    };
    exec.record(
        t,
        EventDetails::MapStateStarted {
            length: items.len(),
        },
    );
    let tolerance = match tolerance(exec, t, node, s, &effective) {
        Ok(tolerance) => tolerance,
        Err(f) => return Flow::Error(f),
    };
    if s.is_distributed() {
        record_map_run_started(exec, t, node, s);
    }
    begin(
        exec,
        t,
        node,
        s,
        &effective,
        Items::Given(items),
        max_concurrency,
        tolerance,
    )
}

/// ToleratedFailureCount and ToleratedFailurePercentage, read after MapStateStarted and
/// before the Map Run starts, as AWS records it.
fn tolerance(
    exec: &Execution,
    t: ThreadId,
    node: &Node,
    s: &Map,
    effective: &Value,
) -> Result<(Option<u64>, Option<f64>), Failure> {
    let scope = &StateScope::new(exec, t, node);
    let (count, percentage) = if node.query.is_jsonata() {
        jsonata_tolerance(s, effective, scope)?
    } else {
        let count = match &s.tolerated_failure_count_path {
            Some(p) => Some(read_tolerated_count(p, effective, scope)?),
            None => program::literal(&s.tolerated_failure_count),
        };
        let percentage = match &s.tolerated_failure_percentage_path {
            Some(p) => Some(read_tolerated_percentage(p, effective, scope)?),
            None => program::literal(&s.tolerated_failure_percentage),
        };
        (count, percentage)
    };
    scope.inspect(|i| {
        i.tolerated_failure_count = count;
        i.tolerated_failure_percentage = percentage;
    });
    Ok((count, percentage))
}

/// The Map's effective input, its items (or the call that reads them) and its MaxConcurrency,
/// as AWS computes them before MapStateStarted. With `read` set the items were read already:
/// only the effective input and MaxConcurrency are computed again (deterministically).
fn prepare(
    exec: &Execution,
    t: ThreadId,
    node: &Node,
    s: &Map,
    read: bool,
) -> Result<(Value, Items, usize), Failure> {
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    // TestState gives a reader's items itself (`mapItemReaderData`).
    let reader = s.item_reader.as_ref().filter(|_| exec.probe().is_none());
    let from_input = reader.is_none() && !read;
    if node.query.is_jsonata() {
        let evaluator = Evaluator::new(scope, States::input(raw));
        let items = if from_input {
            Items::Given(jsonata_items(s, node, raw, scope, &evaluator)?)
        } else {
            Items::Given(Vec::new())
        };
        let max_concurrency = evaluator
            .count(&s.max_concurrency, "MaxConcurrency")?
            .unwrap_or(0) as usize;
        let items = match reader {
            Some(r) if !read => Items::Read(reader_request(r, node, raw, scope)?),
            _ => items,
        };
        return Ok(((**raw).clone(), items, max_concurrency));
    }
    let effective = dataflow::input_path(s.io.input_path.as_ref(), raw, scope)?;
    if !read {
        scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
    }
    let items = if from_input {
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
        items
    } else {
        Vec::new()
    };
    let max_concurrency = match &s.max_concurrency_path {
        Some(p) => read_count(p, "MaxConcurrencyPath", &effective, scope)? as usize,
        None => program::literal(&s.max_concurrency).unwrap_or(0) as usize,
    };
    let items = match reader {
        Some(r) if !read => Items::Read(reader_request(r, node, &effective, scope)?),
        _ => Items::Given(items),
    };
    Ok((effective.into_owned(), items, max_concurrency))
}

/// The ItemReader's call: its Parameters (or Arguments) evaluated, and its ReaderConfig with
/// MaxItems resolved to a number.
fn reader_request(
    r: &ItemReader,
    node: &Node,
    effective: &Value,
    scope: &StateScope<'_>,
) -> Result<Value, Failure> {
    let config = &r.reader_config;
    let (parameters, max_items) = if node.query.is_jsonata() {
        let evaluator = Evaluator::new(scope, States::input(effective));
        let arguments = match &node.query.reader_arguments {
            Some(a) => evaluator.field(a, "Arguments")?,
            None => json!({}),
        };
        (arguments, evaluator.count(&config.max_items, "MaxItems")?)
    } else {
        let parameters = match &r.parameters {
            Some(p) => dataflow::template(p, effective, scope)?,
            None => json!({}),
        };
        let max_items = match &config.max_items_path {
            Some(p) => Some(read_count(p, "MaxItemsPath", effective, scope)?),
            None => program::literal(&config.max_items),
        };
        (parameters, max_items)
    };
    let mut reader_config = serde_json::Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(v) = value {
            reader_config.insert(name.to_owned(), v);
        }
    };
    put("InputType", config.input_type.clone().map(Value::from));
    put(
        "CSVHeaderLocation",
        config.csv_header_location.clone().map(Value::from),
    );
    put("CSVHeaders", config.csv_headers.clone().map(Value::from));
    put(
        "CSVDelimiter",
        config.csv_delimiter.clone().map(Value::from),
    );
    // 0 reads every item (AWS's MaxItems is at least 1; a path may give 0).
    put("MaxItems", max_items.filter(|m| *m > 0).map(Value::from));
    Ok(json!({"Parameters": parameters, "ReaderConfig": reader_config}))
}

/// The ARN of the Map Run of thread `t`'s Map: `...:mapRun:MACHINE/LABEL:ID`, the Label (or
/// the state's name) naming its child executions' machine (`...:stateMachine:MACHINE/LABEL`),
/// the id naming the execution and the event the state was entered at (AWS's is a UUID; this
/// one also says where the Map Run is recorded).
pub fn map_run_arn(exec: &Execution, t: ThreadId, node: &Node, s: &Map) -> String {
    format!(
        "{}/{}:{}-{}",
        exec.info
            .state_machine_id
            .replace(":stateMachine:", ":mapRun:"),
        s.label.as_deref().unwrap_or(&node.name),
        exec.info.name,
        exec.threads[t].entered_event_id
    )
}

/// Records MapRunStarted.
fn record_map_run_started(exec: &mut Execution, t: ThreadId, node: &Node, s: &Map) {
    let map_run_arn = map_run_arn(exec, t, node, s);
    exec.record(t, EventDetails::MapRunStarted { map_run_arn });
}

/// Starts a Map whose items its ItemReader reads, page by page as its children run
/// ([`super::feed`]): MapStateStarted has no length yet, as AWS records it.
fn read_items_first(
    exec: &mut Execution,
    t: ThreadId,
    node: &Node,
    s: &Map,
    effective: &Value,
    request: Value,
    max_concurrency: usize,
) -> Flow {
    exec.record(t, EventDetails::MapStateStarted { length: 0 });
    let tolerance = match tolerance(exec, t, node, s, effective) {
        Ok(tolerance) => tolerance,
        Err(f) => return Flow::Error(f),
    };
    if s.is_distributed() {
        record_map_run_started(exec, t, node, s);
    }
    begin(
        exec,
        t,
        node,
        s,
        effective,
        Items::Read(request),
        max_concurrency,
        tolerance,
    )
}

/// A failure of the Map's reader or writer as the Map gives it: error `name`, with any other
/// error the call failed with and its cause in the cause.
pub fn as_map_run_error(name: &str, failure: Failure) -> Failure {
    if failure.error.as_deref() == Some(name) {
        return failure;
    }
    let cause = match (&failure.error, &failure.cause) {
        (Some(e), Some(c)) => format!("{e}: {c}"),
        (Some(e), None) => e.clone(),
        (None, c) => c.clone().unwrap_or_default(),
    };
    Failure::new(name, cause)
}

/// The Map Run fails with error `name` (the reader's or the writer's): any other failure of
/// the call is given as that error, its own name and cause in the cause.
fn map_run_failed(exec: &mut Execution, t: ThreadId, name: &str, failure: Failure) -> Flow {
    let failure = as_map_run_error(name, failure);
    let distributed = {
        let th = &exec.threads[t];
        matches!(&exec.program.node(th.scope, th.state).state, State::Map(s) if s.is_distributed())
    };
    if distributed {
        exec.record(
            t,
            EventDetails::MapRunFailed(ErrorDetails {
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            }),
        );
    }
    Flow::Error(failure)
}

/// The Map's items are known, or its reader is about to read them: ItemSelector and
/// ItemBatcher, then the children.
#[allow(clippy::too_many_arguments)]
fn begin(
    exec: &mut Execution,
    t: ThreadId,
    node: &Node,
    s: &Map,
    effective: &Value,
    items: Items,
    max_concurrency: usize,
    (tolerated_count, tolerated_percentage): (Option<u64>, Option<f64>),
) -> Flow {
    let distributed = s.is_distributed();
    let scope = &StateScope::new(exec, t, node);
    let batcher = match &s.item_batcher {
        Some(b) => match batcher(b, effective, scope) {
            Ok(b) => Some(b),
            Err(f) => return Flow::Error(f),
        },
        None => None,
    };
    let (inputs, feed) = match items {
        Items::Given(items) => match given_inputs(exec, t, node, s, effective, &items, batcher) {
            Ok(inputs) => (inputs, None),
            Err(f) => return Flow::Error(f),
        },
        Items::Read(request) => (
            Vec::new(),
            Some(Box::new(Feed::new(request, effective.clone(), batcher))),
        ),
    };
    let kind = JoinKind::Map {
        distributed,
        tolerated_count,
        tolerated_percentage,
    };
    if let Some(mocked) = exec.probe().and_then(|p| p.children.clone()) {
        return join::mocked(exec, t, mocked, kind);
    }
    let cap = if distributed {
        DISTRIBUTED_CONCURRENCY_CAP
    } else {
        INLINE_CONCURRENCY_CAP
    };
    let max_concurrency = match max_concurrency {
        0 => cap,
        m => m.min(cap),
    };
    let map_run = distributed.then(|| join::MapRun {
        arn: map_run_arn(exec, t, node, s),
        express: s
            .processor()
            .and_then(|p| p.processor_config.as_ref())
            .and_then(|c| c.execution_type.as_deref())
            == Some("EXPRESS"),
    });
    // What the children gave is kept only where something reads it: the state's output, or
    // a ResultWriter, which writes it to S3 as they end.
    let writer = writes_to_s3(s) && exec.probe().is_none();
    let results = exec.probe().is_some() || !(discards_result(s, node) || writer);
    let mut join = Join::new(kind, node.children.clone(), inputs).keeping(results);
    join.writer = writer.then(|| Box::new(super::writer::Writer::for_map(s)));
    join.map_run = map_run;
    join.max_concurrency = max_concurrency;
    join.feed = feed;
    exec.threads[t].join = Some(Box::new(join));
    exec.threads[t].phase = Phase::Joining;
    join::start_children(exec, t);
    Flow::Wait
}

/// The inputs of a Map's iterations from its items: ItemSelector, then ItemBatcher.
fn given_inputs(
    exec: &Execution,
    t: ThreadId,
    node: &Node,
    s: &Map,
    effective: &Value,
    items: &[Value],
    batcher: Option<Batcher>,
) -> Result<Vec<Value>, Failure> {
    let scope = &StateScope::new(exec, t, node);
    let mut inputs = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        inputs.push(select_item(s, effective, index, item, exec, t, node)?);
    }
    if s.selector().is_some() || node.query.item_selector.is_some() {
        scope.inspect(|i| i.after_item_selector = Some(Value::Array(inputs.clone())));
    }
    if let Some(mut batcher) = batcher {
        let mut batches: Vec<Value> = inputs.into_iter().filter_map(|i| batcher.push(i)).collect();
        batches.extend(batcher.finish());
        inputs = batches;
        scope.inspect(|i| i.after_item_batcher = Some(Value::Array(inputs.clone())));
    }
    Ok(inputs)
}

/// Whether nothing reads the Map's result: `"ResultPath": null` with no ResultSelector or
/// Assign (JSONPath), so that a Map Run of many items keeps none of its children's outputs.
fn discards_result(s: &Map, node: &Node) -> bool {
    !node.query.is_jsonata()
        && matches!(s.result_path, Some(ResultPath::Discard))
        && s.result_selector.is_none()
        && node.query.assign.is_none()
}

/// How a ResultWriter without a Resource shapes the results the Map outputs (its
/// WriterConfig's Transformation); an Err for what this host cannot do yet, saying what. None
/// without such a writer: one with a Resource shapes what it writes.
fn shaping(s: &Map) -> Option<Result<Shaping, String>> {
    let writer = s.result_writer.as_ref().filter(|w| w.resource.is_none())?;
    let transformation = writer
        .writer_config
        .as_ref()
        .and_then(|c| c.transformation.as_deref());
    Some(match transformation {
        None | Some("COMPACT") => Ok(Shaping::Compact),
        Some("FLATTEN") => Ok(Shaping::Flatten),
        Some(other) => Err(format!(
            "This host does not shape results with the Transformation {other} yet (it needs the \
             child executions' metadata); use COMPACT or FLATTEN"
        )),
    })
}

/// Whether the Map's ResultWriter writes its results to S3.
pub fn writes_to_s3(s: &Map) -> bool {
    s.result_writer
        .as_ref()
        .is_some_and(|w| w.resource.is_some())
}

/// The Map's effective input (as computed before MapStateStarted: the writer's Parameters
/// read it).
pub fn effective_input(
    exec: &Execution,
    t: ThreadId,
    node: &Node,
    s: &Map,
) -> Result<Value, Failure> {
    prepare(exec, t, node, s, true).map(|(effective, _, _)| effective)
}

/// The results could not be written: the Map Run fails with States.ResultWriterFailed.
pub fn write_failed(exec: &mut Execution, t: ThreadId, failure: Failure) -> Flow {
    exec.threads[t].join = None;
    map_run_failed(exec, t, names::RESULT_WRITER_FAILED, failure)
}

/// What a ResultWriter's WriterConfig does to the results the state outputs.
enum Shaping {
    /// The children's outputs, as they are.
    Compact,
    /// The children's outputs, each array one gives spliced in its place.
    Flatten,
}

/// The results a Map gives on: its children's, shaped as its ResultWriter says.
pub fn shaped_results(s: &Map, results: Vec<Value>) -> Vec<Value> {
    match shaping(s) {
        Some(Ok(Shaping::Flatten)) => results
            .into_iter()
            .flat_map(|r| match r {
                Value::Array(items) => items,
                other => vec![other],
            })
            .collect(),
        _ => results,
    }
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
pub fn select_item(
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

/// A JSONata Map's items.
fn jsonata_items(
    s: &Map,
    node: &Node,
    raw: &Value,
    scope: &StateScope<'_>,
    evaluator: &Evaluator<'_, '_, '_>,
) -> Result<Vec<Value>, Failure> {
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
    Ok(items)
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

/// The ItemBatcher's settings, read from the Map's effective input.
fn batcher(b: &ItemBatcher, effective: &Value, scope: &StateScope<'_>) -> Result<Batcher, Failure> {
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
    Ok(Batcher::new(max_items, max_bytes, batch_input))
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
