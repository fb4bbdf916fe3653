//! What Parallel and Map share: child threads started by a state, their results gathered in
//! order, a concurrency limit, and the failure rules (a branch failure fails the Parallel; a Map
//! fails once more items failed than it tolerates).

use serde_json::Value;

use super::{Flow, StateScope, follow, handle_error};
use crate::asl::model::State;
use crate::history::{ErrorDetails, EventDetails, IterationDetails};
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, Parent, Phase, ThreadId};
use crate::interp::probe::MockedChildren;
use crate::interp::program::ScopeId;

/// Children of one Parallel or Map state entry.
#[derive(Debug, Clone)]
pub struct Join {
    /// Which kind, with what only a Map needs.
    pub kind: JoinKind,
    /// The machine children run (each branch for Parallel: one per index).
    pub scopes: Vec<ScopeId>,
    /// Inputs of children not started yet, by index (taken when started).
    pub inputs: Vec<Option<Value>>,
    /// Results by index.
    pub results: Vec<Option<Value>>,
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

    /// Whether the failures so far are more than the Map tolerates.
    fn over_tolerance(&self) -> bool {
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
                let total = self.results.len().max(1) as f64;
                let by_count = tolerated_count.is_some_and(|c| self.failed as u64 > c);
                let by_pct =
                    tolerated_percentage.is_some_and(|p| self.failed as f64 * 100.0 / total > p);
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
    let total = join.inputs.len();
    while join.next < total
        && (join.max_concurrency == 0 || join.running.len() < join.max_concurrency)
    {
        let index = join.next;
        join.next += 1;
        let input = join.inputs[index].take().unwrap_or(Value::Null);
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
        join.running.push((index, child));
    }
    let done = join.finished == total;
    exec.threads[t].join = Some(join);
    if done {
        exec.threads[t].phase = Phase::Joined;
        exec.runnable.push_back(t);
    }
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
    let join = Join {
        kind,
        scopes: Vec::new(),
        inputs: vec![None; n],
        results: results.into_iter().map(Some).collect(),
        running: Vec::new(),
        next: n,
        max_concurrency: 0,
        finished: n,
        failed: failed as usize,
        failed_children: Vec::new(),
    };
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
    exec.threads[t].join = Some(join);
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
    let Some(join) = exec.threads[parent].join.as_mut() else {
        return;
    };
    join.running.retain(|(_, t)| *t != child);
    join.finished += 1;
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
    let Some(join) = exec.threads[parent].join.as_mut() else {
        return;
    };
    join.running.retain(|(_, t)| *t != child);
    join.finished += 1;
    join.failed += 1;
    join.failed_children.push((index, child));
    let inline_map = join.is_inline_map();
    let distributed = matches!(
        join.kind,
        JoinKind::Map {
            distributed: true,
            ..
        }
    );
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
    // The state fails: stop the other children first. The join is kept for a redrive, which
    // runs again only the children that failed or were stopped.
    if let Some(join) = exec.threads[parent].join.take() {
        for c in join.running_children() {
            super::abort_thread(exec, c, true);
            if let Some(event) = join.child_aborted_event(exec, parent, c) {
                exec.record(parent, event);
            }
        }
        exec.threads[parent].unfinished = Some(Box::new(join));
    }
    let failure = if distributed {
        let f = Failure::new(
            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
            "The specified tolerated failure threshold was exceeded",
        );
        exec.record(
            parent,
            EventDetails::MapRunFailed(ErrorDetails {
                error: f.error.clone(),
                cause: f.cause.clone(),
            }),
        );
        f
    } else {
        failure
    };
    let program = exec.program.clone();
    let th = &exec.threads[parent];
    let node = program.node(th.scope, th.state);
    exec.threads[parent].phase = Phase::Run;
    let flow = handle_error(exec, parent, node, failure);
    if follow(exec, parent, node, flow) {
        exec.runnable.push_back(parent);
    }
}

/// All children are done: gather results, then ResultSelector, ResultPath, OutputPath.
pub fn finish(exec: &mut Execution, t: ThreadId) -> bool {
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
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
