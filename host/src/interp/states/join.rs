//! What Parallel and Map share: child threads started by a state, their results gathered in
//! order, a concurrency limit, and the failure rules (a branch failure fails the Parallel; a Map
//! fails once more items failed than it tolerates).

use std::collections::VecDeque;

use serde_json::Value;

use super::feed::{self, Feed};
use super::writer::{self, Writer};
use super::{Flow, StateScope, follow, handle_error};
use crate::arn::TaskResource;
use crate::asl::model::State;
use crate::history::{ErrorDetails, EventDetails, IterationDetails};
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, Parent, Phase, ThreadId};
use crate::interp::probe::MockedChildren;
use crate::interp::program::{Node, ScopeId};

/// Children of one Parallel or Map state entry.
#[derive(Debug, Clone)]
pub struct Join {
    /// Which kind, with what only a Map needs.
    pub kind: JoinKind,
    /// A Distributed Map's Map Run, whose child executions the children are.
    pub map_run: Option<MapRun>,
    /// The machine children run (each branch for Parallel: one per index).
    pub scopes: Vec<ScopeId>,
    /// Inputs of children not started yet, in order: the first is child `next`'s.
    pub inputs: VecDeque<Value>,
    /// Results by index, for the state's output; empty when nothing uses them (a Map whose
    /// result is discarded, or written to S3 by `writer`).
    pub results: Vec<Option<Value>>,
    /// Whether `results` keeps each child's result.
    keeps_results: bool,
    /// Running children: (index, thread).
    pub running: Vec<(usize, ThreadId)>,
    /// The next index to start.
    pub next: usize,
    /// At most this many at once (0: all).
    pub max_concurrency: usize,
    /// How many children ended, either way.
    pub finished: usize,
    /// How many failed.
    pub failed: usize,
    /// The children that failed, (index, thread): a redrive runs them again.
    pub failed_children: Vec<(usize, ThreadId)>,
    /// A Map Run's ResultWriter that writes to S3: how each child ended, until written.
    pub writer: Option<Box<Writer>>,
    /// A Distributed Map's items its ItemReader has still to read; None when all are in
    /// `inputs` from the start.
    pub feed: Option<Box<Feed>>,
}

/// A Distributed Map's Map Run.
#[derive(Debug, Clone)]
pub struct MapRun {
    /// Its ARN.
    pub arn: String,
    /// Its children are Express executions (else Standard ones).
    pub express: bool,
}

/// A child execution of a Map Run ended as `description` says (the task's result): the
/// iteration succeeds with its output or fails with its error, and a ResultWriter holds the
/// description.
pub fn child_execution_ended(exec: &mut Execution, t: ThreadId, description: Value) {
    if let Parent::Iteration { thread, .. } = exec.threads[t].parent {
        writer::hold(exec, thread, description.clone());
    }
    let text = |name: &str| description[name].as_str().map(str::to_owned);
    match description["Status"].as_str() {
        Some("SUCCEEDED") => {
            let output = text("Output")
                .and_then(|o| serde_json::from_str(&o).ok())
                .unwrap_or(Value::Null);
            // Its input is needed again only if it is redriven, which a child that succeeded
            // never is: a Map Run of many items keeps only their results.
            exec.threads[t].input = NO_INPUT.clone();
            exec.thread_succeeded(t, std::sync::Arc::new(output));
        }
        Some("TIMED_OUT") => {
            let failure = Failure::of(Some(names::TIMEOUT.into()), text("Cause"));
            exec.thread_failed(t, failure);
        }
        _ => exec.thread_failed(t, Failure::of(text("Error"), text("Cause"))),
    }
}

/// A child execution of a Map Run could not be run (its task failed): the iteration fails,
/// and a ResultWriter holds the failure.
pub fn child_execution_failed(exec: &mut Execution, t: ThreadId, failure: Failure) {
    if let Parent::Iteration { thread, .. } = exec.threads[t].parent {
        let described =
            serde_json::json!({"Status": "FAILED", "Error": failure.error, "Cause": failure.cause});
        writer::hold(exec, thread, described);
    }
    exec.thread_failed(t, failure);
}

/// Withdraws what a Map does beside its children (the page being read, the file being
/// written): it stopped or failed.
pub fn cancel_side_tasks(exec: &mut Execution, join: &mut Join) {
    feed::cancel_reading(exec, join);
    writer::cancel_writing(exec, join);
}

/// Parallel or Map.
#[derive(Debug, Clone)]
pub enum JoinKind {
    /// Branches of a Parallel state.
    Parallel,
    /// Iterations of a Map state.
    Map {
        /// Children run as child executions: no iteration events in this history.
        distributed: bool,
        /// Failures tolerated by count.
        tolerated_count: Option<u64>,
        /// Failures tolerated by percentage of items.
        tolerated_percentage: Option<f64>,
    },
}

impl Join {
    /// Children of `kind` running `scopes` (one per index for a Parallel, the one item
    /// processor for a Map) over `inputs`, all started at once unless a limit is set.
    pub fn new(kind: JoinKind, scopes: Vec<ScopeId>, inputs: Vec<Value>) -> Join {
        let n = inputs.len();
        Join {
            kind,
            map_run: None,
            scopes,
            inputs: inputs.into(),
            results: vec![None; n],
            keeps_results: true,
            running: Vec::new(),
            next: 0,
            max_concurrency: 0,
            finished: 0,
            failed: 0,
            failed_children: Vec::new(),
            writer: None,
            feed: None,
        }
    }

    /// The same, keeping each child's result only if `results`.
    pub fn keeping(mut self, results: bool) -> Join {
        let n = self.inputs.len();
        self.keeps_results = results;
        self.results = if results { vec![None; n] } else { Vec::new() };
        self
    }

    /// One more child's input, read after the others started.
    pub fn push_input(&mut self, input: Value) {
        self.inputs.push_back(input);
        if self.keeps_results {
            self.results.push(None);
        }
    }

    /// How many children are known so far: started, or waiting to start.
    pub fn known(&self) -> usize {
        self.next + self.inputs.len()
    }

    /// How many children there are, once no more can be read.
    pub fn total(&self) -> Option<usize> {
        match &self.feed {
            Some(feed) if !feed.done() => None,
            _ => Some(self.known()),
        }
    }

    /// Whether its children are a Distributed Map's.
    pub fn is_distributed(&self) -> bool {
        matches!(
            self.kind,
            JoinKind::Map {
                distributed: true,
                ..
            }
        )
    }

    /// Threads still running.
    pub fn running_children(&self) -> Vec<ThreadId> {
        self.running.iter().map(|(_, t)| *t).collect()
    }

    /// The event recorded when a running child is cut short.
    pub fn child_aborted_event(
        &self,
        exec: &Execution,
        parent: ThreadId,
        child: ThreadId,
    ) -> Option<EventDetails> {
        match self.kind {
            JoinKind::Map {
                distributed: false, ..
            } => {
                let index = self.running.iter().find(|(_, t)| *t == child)?.0;
                Some(EventDetails::MapIterationAborted(IterationDetails {
                    name: state_name(exec, parent),
                    index,
                }))
            }
            _ => None,
        }
    }

    fn is_inline_map(&self) -> bool {
        matches!(
            self.kind,
            JoinKind::Map {
                distributed: false,
                ..
            }
        )
    }

    /// Whether the failures so far are more than the Map tolerates. A percentage is of
    /// every item: while the reader has more to read, only the count can be exceeded.
    pub fn over_tolerance(&self) -> bool {
        match self.kind {
            JoinKind::Parallel => self.failed > 0,
            JoinKind::Map {
                tolerated_count,
                tolerated_percentage,
                ..
            } => {
                if tolerated_count.is_none() && tolerated_percentage.is_none() {
                    return self.failed > 0;
                }
                // When both are set, exceeding either one fails the Map (AWS).
                let by_count = tolerated_count.is_some_and(|c| self.failed as u64 > c);
                let by_pct = match (tolerated_percentage, self.total()) {
                    (Some(p), Some(total)) => self.failed as f64 * 100.0 / total.max(1) as f64 > p,
                    _ => false,
                };
                by_count || by_pct
            }
        }
    }
}

fn state_name(exec: &Execution, t: ThreadId) -> String {
    let th = &exec.threads[t];
    exec.program.node(th.scope, th.state).name.to_string()
}

/// Starts children until the concurrency limit is reached or none are left; with none at all,
/// marks the join done.
pub fn start_children(exec: &mut Execution, t: ThreadId) {
    let Some(mut join) = exec.threads[t].join.take() else {
        return;
    };
    while join.max_concurrency == 0 || join.running.len() < join.max_concurrency {
        let Some(input) = join.inputs.pop_front() else {
            break;
        };
        let index = join.next;
        join.next += 1;
        let scope = join.scopes[index.min(join.scopes.len().saturating_sub(1))];
        let start = exec.program.scopes[scope].start;
        // Threads under a Distributed Map iteration belong to a child execution: whatever
        // they start stays out of this history too.
        let inherited = exec.threads[t].silent;
        let (parent, silent) = match join.kind {
            JoinKind::Parallel => (Parent::Branch { thread: t, index }, inherited),
            JoinKind::Map { distributed, .. } => {
                if !distributed {
                    exec.record(
                        t,
                        EventDetails::MapIterationStarted(IterationDetails {
                            name: state_name(exec, t),
                            index,
                        }),
                    );
                }
                (
                    Parent::Iteration { thread: t, index },
                    inherited || distributed,
                )
            }
        };
        let child = exec.spawn(scope, start, input, parent, silent);
        if exec.child_executions
            && let Some(map_run) = &join.map_run
        {
            delegate_child(exec, map_run, child, join.known());
        }
        join.running.push((index, child));
    }
    feed::read_ahead(exec, t, &mut join);
    let done = join.total() == Some(join.finished);
    exec.threads[t].join = Some(join);
    if done {
        exec.threads[t].phase = Phase::Joined;
        exec.runnable.push_back(t);
    }
}

/// The Resource of the task that runs a Distributed Map iteration as a child execution (and
/// waits for it, as `.sync` does).
pub const MAP_CHILD_RESOURCE: &str = "arn:aws:states:::mapRun:startExecution.sync";

/// The input a finished child execution's thread holds instead of its own.
pub(crate) static NO_INPUT: std::sync::LazyLock<std::sync::Arc<Value>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(Value::Null));

static MAP_CHILD: std::sync::LazyLock<std::sync::Arc<TaskResource>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(TaskResource::new(MAP_CHILD_RESOURCE)));

/// Hands iteration `child` of a Distributed Map to the executor: a child execution of the
/// Map's item processor, named by a UUID from the execution's seed, with the iteration's
/// input. The thread waits on that task and ends as the child execution ends. Handed again
/// by a redrive, a Standard child that failed is redriven (the same execution goes on from
/// where it failed); an Express one, which keeps no record, runs again as a new one.
/// `total` is how many children the Map Run is known to have so far.
pub fn delegate_child(exec: &mut Execution, map_run: &MapRun, child: ThreadId, total: usize) {
    let th = &exec.threads[child];
    let (scope, input) = (th.scope, th.input.clone());
    let (name, redrive) = match &th.delegated {
        Some(name) if !map_run.express => (name.clone(), true),
        _ => {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&exec.random_u64().to_le_bytes());
            bytes[8..].copy_from_slice(&exec.random_u64().to_le_bytes());
            let name = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .to_string();
            (name, false)
        }
    };
    let request = serde_json::json!({
        "MapRunArn": map_run.arn,
        "Name": name,
        "Input": *input,
        "Scope": scope,
        "ExecutionType": if map_run.express { "EXPRESS" } else { "STANDARD" },
        "Redrive": redrive,
        "Total": total,
    });
    let context = serde_json::json!({"Execution": {"Id": exec.info.id}});
    super::task::hand_over(exec, child, MAP_CHILD.clone(), request, context);
    exec.threads[child].delegated = Some(name);
}

/// TestState's Map or Parallel: the mocked outcome stands for its children, which never run.
pub fn mocked(exec: &mut Execution, t: ThreadId, mocked: MockedChildren, kind: JoinKind) -> Flow {
    let (results, failed) = match mocked {
        MockedChildren::Failed(failure) => return Flow::Error(failure),
        MockedChildren::Results { results, failed } => (results, failed),
        // `finish` takes the written result from the probe.
        MockedChildren::Written(_) => (Vec::new(), 0),
    };
    let n = results.len();
    let mut join = Join::new(kind, Vec::new(), Vec::new());
    join.results = results.into_iter().map(Some).collect();
    join.next = n;
    join.finished = n;
    join.failed = failed as usize;
    // Only a threshold the Map sets can be exceeded: the failures a test gives a Map without
    // one do not fail it (AWS).
    let has_threshold = matches!(
        join.kind,
        JoinKind::Map { tolerated_count, tolerated_percentage, .. }
            if tolerated_count.is_some() || tolerated_percentage.is_some()
    );
    if has_threshold && join.over_tolerance() {
        return Flow::Error(Failure::new(
            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
            "The specified tolerated failure threshold was exceeded",
        ));
    }
    exec.threads[t].join = Some(Box::new(join));
    exec.threads[t].phase = Phase::Joined;
    exec.runnable.push_back(t);
    Flow::Wait
}

/// A child finished with `output`.
pub fn child_succeeded(
    exec: &mut Execution,
    parent: ThreadId,
    index: usize,
    child: ThreadId,
    output: Value,
) {
    let delegated = exec.threads[child].delegated.is_some();
    let Some(join) = exec.threads[parent].join.as_mut() else {
        return;
    };
    join.running.retain(|(_, t)| *t != child);
    join.finished += 1;
    if join.writer.is_some() && !delegated {
        // An iteration run in this execution: its output is what is written.
        let described = serde_json::json!({"Status": "SUCCEEDED", "Output": output.to_string()});
        writer::hold(exec, parent, described);
    }
    let Some(join) = exec.threads[parent].join.as_mut() else {
        return;
    };
    if let Some(slot) = join.results.get_mut(index) {
        *slot = Some(output);
    }
    if join.is_inline_map() {
        let last = exec.threads[child].last_event_id;
        exec.threads[parent].last_event_id = last;
        exec.record(
            parent,
            EventDetails::MapIterationSucceeded(IterationDetails {
                name: state_name(exec, parent),
                index,
            }),
        );
    }
    // Nothing refers to a child execution that succeeded: its thread's slot goes to the next
    // child, so that a Map Run holds as many threads as run at once, however many items.
    if delegated {
        exec.vacate(child);
    }
    start_children(exec, parent);
}

/// A child failed with `failure` that nothing inside it handled.
pub fn child_failed(
    exec: &mut Execution,
    parent: ThreadId,
    index: usize,
    child: ThreadId,
    failure: Failure,
) {
    let delegated = exec.threads[child].delegated.is_some();
    let Some(join) = exec.threads[parent].join.as_mut() else {
        return;
    };
    join.running.retain(|(_, t)| *t != child);
    join.finished += 1;
    join.failed += 1;
    join.failed_children.push((index, child));
    if join.writer.is_some() && !delegated {
        let described =
            serde_json::json!({"Status": "FAILED", "Error": failure.error, "Cause": failure.cause});
        writer::hold(exec, parent, described);
    }
    let Some(join) = exec.threads[parent].join.as_mut() else {
        return;
    };
    let inline_map = join.is_inline_map();
    let distributed = join.is_distributed();
    if let Some(slot) = join.results.get_mut(index) {
        *slot = Some(failure.to_catch_output());
    }
    let over = join.over_tolerance();
    if inline_map {
        let last = exec.threads[child].last_event_id;
        exec.threads[parent].last_event_id = last;
        exec.record(
            parent,
            EventDetails::MapIterationFailed(IterationDetails {
                name: state_name(exec, parent),
                index,
            }),
        );
    }
    if !over {
        start_children(exec, parent);
        return;
    }
    let failure = if distributed {
        threshold_exceeded()
    } else {
        failure
    };
    fail_join(exec, parent, failure, distributed);
}

/// States.ExceedToleratedFailureThreshold: a Map Run had more failures than it tolerates.
pub fn threshold_exceeded() -> Failure {
    Failure::new(
        names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
        "The specified tolerated failure threshold was exceeded",
    )
}

/// UpdateMapRun: the running Map Run `map_run_arn` goes on with these settings (each one
/// given): more children start if it may run more at once, and it fails if the failures so
/// far are more than it now tolerates.
pub fn update_map_run(
    exec: &mut Execution,
    map_run_arn: &str,
    max_concurrency: Option<u64>,
    tolerated_failure_count: Option<u64>,
    tolerated_failure_percentage: Option<f64>,
) {
    let Some(t) = exec.threads.iter().position(|th| {
        th.phase == Phase::Joining
            && th
                .join
                .as_ref()
                .and_then(|j| j.map_run.as_ref())
                .is_some_and(|m| m.arn == map_run_arn)
    }) else {
        return;
    };
    let Some(join) = exec.threads[t].join.as_mut() else {
        return;
    };
    if let Some(m) = max_concurrency {
        join.max_concurrency = m as usize;
    }
    if let JoinKind::Map {
        tolerated_count,
        tolerated_percentage,
        ..
    } = &mut join.kind
    {
        if tolerated_failure_count.is_some() {
            *tolerated_count = tolerated_failure_count;
        }
        if tolerated_failure_percentage.is_some() {
            *tolerated_percentage = tolerated_failure_percentage;
        }
    }
    if join.failed > 0 && join.over_tolerance() {
        return fail_join(exec, t, threshold_exceeded(), true);
    }
    start_children(exec, t);
}

/// The Parallel or Map of `parent` fails with `failure`; a Distributed Map's Map Run
/// (`map_run`) records that it failed.
pub fn fail_join(exec: &mut Execution, parent: ThreadId, failure: Failure, map_run: bool) {
    // The state fails: stop the other children first. The join is kept for a redrive, which
    // runs again only the children that failed or were stopped (and reads on where the
    // reader stopped).
    let mut pending = Vec::new();
    if let Some(mut join) = exec.threads[parent].join.take() {
        cancel_side_tasks(exec, &mut join);
        for c in join.running_children() {
            if join.writer.is_some() && exec.threads[c].delegated.is_some() {
                pending.push((*exec.threads[c].input).clone());
            }
            super::abort_thread(exec, c, true);
            if let Some(event) = join.child_aborted_event(exec, parent, c) {
                exec.record(parent, event);
            }
        }
        if join.writer.is_some() {
            pending.extend(join.inputs.iter().cloned());
        }
        // Its ResultWriter writes what the Map Run came to before the state fails.
        exec.threads[parent].join = Some(join);
    }
    if map_run {
        exec.record(
            parent,
            EventDetails::MapRunFailed(ErrorDetails {
                error: failure.error.clone(),
                cause: failure.cause.clone(),
            }),
        );
        if writer::fails_after_writing(exec, parent, &failure, pending) {
            return;
        }
    }
    failed_after_writing(exec, parent, failure);
}

/// The Parallel or Map of `parent` fails with `failure`, its children stopped (and its
/// results written): Retry and Catch decide what follows.
pub fn failed_after_writing(exec: &mut Execution, parent: ThreadId, failure: Failure) {
    if let Some(join) = exec.threads[parent].join.take() {
        exec.threads[parent].unfinished = Some(join);
    }
    let program = exec.program.clone();
    let th = &exec.threads[parent];
    let node = program.node(th.scope, th.state);
    exec.threads[parent].phase = Phase::Run;
    let flow = handle_error(exec, parent, node, failure);
    if follow(exec, parent, node, flow) {
        exec.runnable.push_back(parent);
    }
}

/// All children are done: a ResultWriter writes their results first (and
/// [`results_written`] goes on), else their results are gathered, then ResultSelector,
/// ResultPath, OutputPath.
pub fn finish(exec: &mut Execution, t: ThreadId) -> bool {
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    if let State::Map(s) = &node.state
        && exec.probe().is_none()
        && super::map::writes_to_s3(s)
    {
        return writer::write_last(exec, t, node, s);
    }
    let Some(join) = exec.threads[t].join.take() else {
        return false;
    };
    let results = match exec.probe().and_then(|p| p.children.as_ref()) {
        Some(MockedChildren::Written(written)) => written.clone(),
        _ => {
            let results = join
                .results
                .into_iter()
                .map(|r| r.unwrap_or(Value::Null))
                .collect();
            Value::Array(match &node.state {
                State::Map(s) => super::map::shaped_results(s, results),
                _ => results,
            })
        }
    };
    finish_with(exec, t, node, results)
}

/// The ResultWriter wrote the results: what it answered is the Map's result.
pub fn results_written(exec: &mut Execution, t: ThreadId, answer: Value) -> bool {
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    exec.threads[t].join = None;
    finish_with(exec, t, node, answer)
}

fn finish_with(exec: &mut Execution, t: ThreadId, node: &Node, results: Value) -> bool {
    let (selector, result_path, io) = match &node.state {
        State::Parallel(s) => (&s.result_selector, &s.result_path, &s.io),
        State::Map(s) => {
            if s.is_distributed() {
                exec.record(t, EventDetails::MapRunSucceeded);
            }
            exec.record(t, EventDetails::MapStateSucceeded);
            (&s.result_selector, &s.result_path, &s.io)
        }
        _ => return false,
    };
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    let output = (|| {
        if node.query.is_jsonata() {
            return super::jsonata_exit(
                scope,
                crate::interp::jsonata::States::input(raw).with_result(&results),
                node.query.output.as_ref(),
                node.query.assign.as_ref(),
                || results.clone(),
            );
        }
        let selected = match selector {
            Some(sel) => crate::interp::dataflow::template(sel, &results, scope)?,
            None => results.clone(),
        };
        scope.inspect(|i| i.after_result_selector = Some(selected.clone()));
        let assigned = super::jsonpath_assign(scope, &selected)?;
        let combined =
            crate::interp::dataflow::result_path(result_path.as_ref(), raw, selected, scope)?;
        scope.inspect(|i| i.after_result_path = Some(combined.clone()));
        let output = crate::interp::dataflow::output_path(
            io.output_path.as_ref(),
            std::borrow::Cow::Owned(combined),
            scope,
        )?;
        crate::interp::dataflow::check_size(&output, scope)?;
        Ok((output, assigned))
    })();
    exec.threads[t].phase = Phase::Run;
    let flow = match output {
        Ok((output, assigned)) => Flow::Exit {
            output,
            next: node.next,
            assigned,
        },
        Err(f) => Flow::Error(f),
    };
    follow(exec, t, node, flow)
}
