//! One file per state type; this module holds what they share: entering a state, leaving it,
//! and Retry/Catch when it fails.

pub mod choice;
pub mod fail;
pub mod feed;
pub mod join;
pub mod map;
pub mod parallel;
pub mod pass;
pub mod succeed;
pub mod task;
pub mod wait;
pub mod writer;

use std::sync::Arc;

use serde_json::Value;

use super::errors::{Failure, names};
use super::execution::{Execution, Phase, ThreadId, TimerPurpose};
use super::program::Node;
use super::retry::{self, Decision};
use super::{TimerId, dataflow, jsonata};
use crate::asl::intrinsics;
use crate::asl::model::State;
use crate::asl::path;
use crate::asl::query::QueryError;
use crate::asl::query::{Assign, JsonataTemplate};
use crate::history::EventDetails;
use crate::interp::probe::{Inspection, Probe, Verdict};
use crate::interp::program::StateQuery;
use crate::interp::variables::{Assigned, VariableScope};

/// What a state's work came to.
pub enum Flow {
    /// Set the variables, record `<Type>StateExited` with this output, then go to `next` (or
    /// end the thread).
    Exit {
        /// The state output.
        output: Value,
        /// The next state's index, None to end the thread.
        next: Option<usize>,
        /// The variables the state assigns (already checked against the limits).
        assigned: Option<Assigned>,
    },
    /// The state failed; Retry and Catch decide what follows.
    Error(Failure),
    /// The thread now waits (timer, task, children); the phase says on what.
    Wait,
    /// The thread has more to do at once (its phase says what).
    Continue,
    /// The thread is finished; whoever ended it has already reported.
    Stop,
}

/// What a state sees while it computes: the execution (read-only) and its own identity, with
/// the AWS wording of errors raised "while executing the state".
pub struct StateScope<'a> {
    exec: &'a Execution,
    t: ThreadId,
    node: &'a Node,
    map_item: Option<(usize, &'a Value)>,
    task_token: Option<&'a str>,
}

impl<'a> StateScope<'a> {
    /// The scope of thread `t`'s current state.
    pub fn new(exec: &'a Execution, t: ThreadId, node: &'a Node) -> Self {
        StateScope {
            exec,
            t,
            node,
            map_item: None,
            task_token: None,
        }
    }

    /// The same scope, with `$$.Task.Token` set (a callback or activity task's Parameters).
    pub fn with_task_token(mut self, token: &'a str) -> Self {
        self.task_token = Some(token);
        self
    }

    /// The same scope, with `$$.Map.Item` set (ItemSelector).
    pub fn with_map_item(mut self, index: usize, value: &'a Value) -> Self {
        self.map_item = Some((index, value));
        self
    }

    /// The TestState probe watching this run, if any.
    pub fn probe(&self) -> Option<&Probe> {
        self.exec.probe()
    }

    /// Notes a step of the state's data for TestState (nothing without a probe).
    pub fn inspect(&self, f: impl FnOnce(&mut Inspection)) {
        if let Some(probe) = self.exec.probe() {
            probe.see(f);
        }
    }

    /// The state's name.
    pub fn name(&self) -> &str {
        &self.node.name
    }

    /// The context object as this state sees it.
    pub fn context(&self) -> Value {
        self.exec
            .context_for(self.t, self.task_token, self.map_item, true)
    }

    /// The context object a task receives: all of it but `Execution.Input`, a copy of the
    /// execution input that would double the size of every invocation. A task that needs it
    /// gets it through Parameters (`"input.$": "$$.Execution.Input"`).
    pub fn context_for_task(&self) -> Value {
        self.exec
            .context_for(self.t, self.task_token, self.map_item, false)
    }

    /// The context object with only what these `$$` paths can read: most paths do not need
    /// the copy of the execution input it otherwise carries.
    pub fn context_for_paths<'p>(&self, paths: impl IntoIterator<Item = &'p str>) -> Value {
        let with_input = paths.into_iter().any(super::context::reads_execution_input);
        self.exec
            .context_for(self.t, self.task_token, self.map_item, with_input)
    }

    /// AWS's prefix for errors raised while a state runs.
    pub fn prefixed(&self, message: &str) -> String {
        format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
            self.node.name, self.exec.threads[self.t].entered_event_id, message
        )
    }

    /// A States.Runtime failure with AWS's prefix.
    pub fn runtime(&self, message: impl AsRef<str>) -> Failure {
        Failure::new(names::RUNTIME, self.prefixed(message.as_ref()))
    }

    /// The failure for an intrinsic function that could not be evaluated.
    pub fn intrinsic_failure(&self, err: &intrinsics::EvalError) -> Failure {
        Failure::new(err.error_name(), self.prefixed(&err.to_string()))
    }

    /// Random bits for intrinsics (States.UUID, States.MathRandom), from the execution's seed.
    pub fn random_source(&self) -> impl FnMut() -> u64 + '_ {
        move || self.exec.random_u64()
    }

    /// The workflow variables the state sees.
    pub fn variables(&self) -> &VariableScope {
        &self.exec.threads[self.t].variables
    }

    /// The state's compiled query-language fields.
    pub fn query(&self) -> &StateQuery {
        &self.node.query
    }

    /// The execution's clock, for JSONata's `$now()`.
    pub fn now_ms(&self) -> i64 {
        self.exec.now_ms
    }

    /// The failure for a JSONata field that could not be evaluated.
    pub fn query_failure(&self, error: &QueryError) -> Failure {
        Failure::new(
            names::QUERY_EVALUATION_ERROR,
            self.prefixed(&error.to_string()),
        )
    }
}

impl path::Variables for StateScope<'_> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.variables().get(name)
    }
}

/// A JSONata state's way out: `Output` (or `default` without one) and `Assign`, both over the
/// same `$states` and the variables as they were before the state.
pub fn jsonata_exit(
    scope: &StateScope<'_>,
    states: jsonata::States<'_>,
    output: Option<&JsonataTemplate>,
    assign: Option<&Assign>,
    default: impl FnOnce() -> Value,
) -> Result<(Value, Option<Assigned>), Failure> {
    let evaluator = jsonata::Evaluator::new(scope, states);
    let output = match output {
        Some(t) => evaluator.field(t, "Output")?,
        None => default(),
    };
    let assigned = assign
        .map(|a| jsonata::assign(scope, a, states.input, Some(&evaluator)))
        .transpose()?;
    dataflow::check_size(&output, scope)?;
    Ok((output, assigned))
}

/// A JSONPath state's `Assign`, reading `doc` as `$`.
pub fn jsonpath_assign(scope: &StateScope<'_>, doc: &Value) -> Result<Option<Assigned>, Failure> {
    scope
        .query()
        .assign
        .as_ref()
        .map(|a| jsonata::assign(scope, a, doc, None))
        .transpose()
}

/// Records `<Type>StateEntered` for thread `t`'s current state.
pub fn enter(exec: &mut Execution, t: ThreadId) {
    // Work a redrive would have gone on with belongs to the state left behind.
    exec.threads[t].unfinished = None;
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let input = th.input.clone();
    if let Some(probe) = exec.probe() {
        probe.see(|i| i.input = Some((*input).clone()));
    }
    exec.threads[t].entered_ms = exec.now_ms;
    let id = exec.record(
        t,
        EventDetails::StateEntered {
            state_type: node.state.type_name(),
            name: node.name.clone(),
            input,
        },
    );
    let th = &mut exec.threads[t];
    th.entered_event_id = id;
    th.retries.clear();
    th.phase = Phase::Run;
}

/// Does thread `t`'s current state's work; returns whether the thread should take another turn.
pub fn run(exec: &mut Execution, t: ThreadId) -> bool {
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let flow = match &node.state {
        State::Pass(s) => pass::run(exec, t, node, s),
        State::Choice(s) => choice::run(exec, t, node, s),
        State::Wait(s) => wait::run(exec, t, node, s),
        State::Succeed(s) => succeed::run(exec, t, node, s),
        State::Fail(s) => fail::run(exec, t, node, s),
        State::Task(s) => task::run(exec, t, node, s),
        State::Parallel(s) => parallel::run(exec, t, node, s),
        State::Map(s) => map::run(exec, t, node, s),
    };
    follow(exec, t, node, flow)
}

/// Carries out a state's [`Flow`]; returns whether the thread should take another turn.
pub fn follow(exec: &mut Execution, t: ThreadId, node: &Node, flow: Flow) -> bool {
    match flow {
        Flow::Exit {
            output,
            next,
            assigned,
        } => {
            let output = Arc::new(output);
            let assigned = assigned.map(|values| {
                Arc::make_mut(&mut exec.threads[t].variables).assign(values.clone());
                Arc::new(values)
            });
            exec.record(
                t,
                EventDetails::StateExited {
                    state_type: node.state.type_name(),
                    name: node.name.clone(),
                    output: output.clone(),
                    assigned,
                },
            );
            if let Some(probe) = exec.probe() {
                // TestState: the state is done; where it would go is the answer. The state
                // under test is the run's only thread: a probe's Map or Parallel never starts
                // children (its mock stands in for them).
                let th = &exec.threads[t];
                let next = next.map(|n| exec.program.node(th.scope, n).name.to_string());
                let variables = th.variables.own_values();
                probe.see(|i| {
                    i.variables = (!variables.is_empty()).then(|| Value::Object(variables));
                });
                probe.decide(Verdict::Succeeded { next });
                exec.thread_succeeded(t, output);
                return false;
            }
            match next {
                Some(next) => {
                    let th = &mut exec.threads[t];
                    th.state = next;
                    th.input = output;
                    th.phase = Phase::Enter;
                    true
                }
                None => {
                    exec.thread_succeeded(t, output);
                    false
                }
            }
        }
        Flow::Error(failure) => {
            let flow = handle_error(exec, t, node, failure);
            follow(exec, t, node, flow)
        }
        Flow::Wait | Flow::Stop => false,
        Flow::Continue => true,
    }
}

/// Retry or Catch for a failed state; a state without them passes the failure to its thread.
pub fn handle_error(exec: &mut Execution, t: ThreadId, node: &Node, failure: Failure) -> Flow {
    let (retriers, catchers, failed_event) = match &node.state {
        State::Task(s) => (&s.retry[..], &s.catch[..], None),
        State::Parallel(s) => (
            &s.retry[..],
            &s.catch[..],
            Some(EventDetails::ParallelStateFailed),
        ),
        State::Map(s) => (
            &s.retry[..],
            &s.catch[..],
            Some(EventDetails::MapStateFailed),
        ),
        _ => (&[][..], &[][..], None),
    };
    // A JSONata expression that failed is recorded where it failed, before Retry or Catch.
    if failure.error.as_deref() == Some(names::QUERY_EVALUATION_ERROR) {
        exec.record(
            t,
            EventDetails::EvaluationFailed {
                error: names::QUERY_EVALUATION_ERROR.to_owned(),
                cause: failure.cause.clone().unwrap_or_default(),
                state: node.name.to_string(),
            },
        );
    }
    let matched = (!failure.is_fatal())
        .then(|| {
            retriers
                .iter()
                .position(|r| failure.matches_any(&r.error_equals))
        })
        .flatten();
    if let (Some(index), Some(done)) = (matched, exec.probe().and_then(|p| p.retrier_retry_count)) {
        // TestState: the retries a test says were made already.
        let th = &mut exec.threads[t];
        if th.retries.len() < retriers.len() {
            th.retries.resize(retriers.len(), 0);
        }
        th.retries[index] = done;
    }
    let random = (exec.random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let decision = retry::decide(
        &failure,
        retriers,
        catchers,
        &exec.threads[t].retries,
        random,
    );
    if let Some(probe) = exec.probe() {
        // TestState reports what would follow instead of waiting for a retry.
        probe.see(|i| i.retry_index = matched);
        match decision {
            Decision::Retry { index, delay_ms } => {
                probe.see(|i| {
                    i.retry_index = Some(index);
                    i.retry_backoff_interval_seconds = Some(delay_ms / 1000);
                });
                probe.decide(Verdict::Retriable(failure.clone()));
                exec.thread_failed(t, failure);
                return Flow::Stop;
            }
            Decision::Catch(i) => {
                let next = node.catch_next.get(i).map(|n| {
                    exec.program
                        .node(exec.threads[t].scope, *n)
                        .name
                        .to_string()
                });
                probe.see(|inspection| inspection.catch_index = Some(i));
                probe.decide(Verdict::Caught {
                    next,
                    failure: failure.clone(),
                });
            }
            Decision::Fail => probe.decide(Verdict::Failed(failure.clone())),
        }
    }
    if let Decision::Retry { index, delay_ms } = decision {
        let th = &mut exec.threads[t];
        if th.retries.len() < retriers.len() {
            th.retries.resize(retriers.len(), 0);
        }
        th.retries[index] += 1;
        let at = exec.now_ms.saturating_add(delay_ms as i64);
        let timer = exec.arm_timer(at, TimerPurpose::Wake(t));
        exec.threads[t].phase = Phase::Sleeping(timer);
        return Flow::Wait;
    }
    // States.Runtime ends the execution at once: no state-level failure event (AWS).
    if let Some(details) = failed_event.filter(|_| !failure.is_fatal()) {
        exec.record(t, details);
    }
    match decision {
        Decision::Catch(i) => {
            let catcher = &catchers[i];
            let scope = StateScope::new(exec, t, node);
            let raw = &exec.threads[t].input;
            let error_output = failure.to_catch_output();
            let outcome = node.query.catchers.get(i);
            let assign = outcome.and_then(|o| o.assign.as_ref());
            let caught = if node.query.is_jsonata() {
                // Without Output the error object is the output.
                jsonata_exit(
                    &scope,
                    jsonata::States::input(raw).with_error_output(&error_output),
                    outcome.and_then(|o| o.output.as_ref()),
                    assign,
                    || error_output.clone(),
                )
            } else {
                assign
                    .map(|a| jsonata::assign(&scope, a, &error_output, None))
                    .transpose()
                    .and_then(|assigned| {
                        // Without ResultPath the error object replaces the input (ResultPath "$").
                        dataflow::result_path(
                            catcher.result_path.as_ref(),
                            raw,
                            error_output.clone(),
                            &scope,
                        )
                        .map(|output| (output, assigned))
                    })
            };
            match caught {
                Ok((output, assigned)) => Flow::Exit {
                    output,
                    next: node.catch_next.get(i).copied(),
                    assigned,
                },
                Err(f) => {
                    exec.thread_failed(t, f);
                    Flow::Stop
                }
            }
        }
        _ => {
            exec.thread_failed(t, failure);
            Flow::Stop
        }
    }
}

/// A timer of thread `t` fired: a Wait state is over, or a retry is due.
pub fn wake(exec: &mut Execution, t: ThreadId, timer: TimerId) {
    if exec.threads[t].phase != Phase::Sleeping(timer) {
        return;
    }
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    match &node.state {
        State::Wait(s) => {
            let flow = wait::finish(exec, t, node, s);
            if follow(exec, t, node, flow) {
                exec.runnable.push_back(t);
            }
        }
        // A retry: run the state again, without a new Entered event.
        _ => {
            exec.threads[t].phase = Phase::Run;
            exec.runnable.push_back(t);
        }
    }
}

/// Ends thread `t` and everything under it: cancels its timers and tasks and, when
/// `record` is set, records the `...Aborted` events AWS shows for work cut short.
pub fn abort_thread(exec: &mut Execution, t: ThreadId, record: bool) {
    if exec.threads[t].phase == Phase::Done {
        return;
    }
    if let Some(mut join) = exec.threads[t].join.take() {
        join::cancel_side_tasks(exec, &mut join);
        for child in join.running_children() {
            abort_thread(exec, child, record);
            if record && let Some(event) = join.child_aborted_event(exec, t, child) {
                exec.record(t, event);
            }
        }
        // Kept for a redrive of the execution (see `Execution::redrive`).
        exec.threads[t].unfinished = Some(join);
    }
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    if let Phase::Tasking(pending) = &th.phase {
        let pending = pending.clone();
        task::cancel(exec, &pending);
    }
    let timers: Vec<TimerId> = exec
        .timers
        .iter()
        .filter(|(_, p)| {
            matches!(p, TimerPurpose::Wake(x) | TimerPurpose::TaskTimeout(x) | TimerPurpose::HeartbeatTimeout(x) if *x == t)
        })
        .map(|(id, _)| *id)
        .collect();
    for timer in timers {
        exec.cancel_timer(timer);
    }
    if record && exec.threads[t].phase != Phase::Enter {
        let event = match &node.state {
            State::Wait(_) => Some(EventDetails::WaitStateAborted),
            State::Task(_) => Some(EventDetails::TaskStateAborted),
            State::Parallel(_) => Some(EventDetails::ParallelStateAborted),
            State::Map(_) => Some(EventDetails::MapStateAborted),
            _ => None,
        };
        if let Some(event) = event {
            exec.record(t, event);
        }
    }
    exec.threads[t].phase = Phase::Done;
}
