//! Task: hands its effective input to the executor as an [`Action::InvokeTask`] and waits.
//! TimeoutSeconds and HeartbeatSeconds are timers of the interpreter; when one fires first, the
//! task is cancelled and the state fails with States.Timeout (a heartbeat expiry too, as AWS
//! records it; a Retry or Catch naming States.HeartbeatTimeout matches that one).

use std::borrow::Cow;

use serde_json::Value;

use super::{Flow, StateScope, follow};
use crate::arn::Kind;
use crate::asl::model::Task;
use crate::asl::path::ReferencePath;
use crate::history::{ErrorDetails, EventDetails};
use crate::interp::errors::{Failure, names};
use crate::interp::execution::{Execution, Phase, ThreadId, TimerPurpose};
use crate::interp::jsonata::{Evaluator, States};
use crate::interp::program::{self, Node};
use crate::interp::{Action, TaskId, TaskRequest, TimerId, dataflow};
use crate::tokens::Claims;

/// A task in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// Its id.
    pub task: TaskId,
    /// The TimeoutSeconds timer.
    pub timeout_timer: Option<TimerId>,
    /// The HeartbeatSeconds timer (armed once the task starts).
    pub heartbeat_timer: Option<TimerId>,
    /// HeartbeatSeconds, to re-arm on each heartbeat.
    pub heartbeat_seconds: Option<u64>,
}

/// Starts a Task state: computes its input and asks the executor to run it.
pub fn run(exec: &mut Execution, t: ThreadId, node: &Node, s: &Task) -> Flow {
    let kind = s.resource.kind();
    let task = exec.next_id_for_effect();
    let token = s.resource.takes_token().then(|| {
        let th = &exec.threads[t];
        exec.token_key.mint(&Claims {
            execution: exec.info.id.clone(),
            task,
            entered_event: th.entered_event_id,
            attempt: th.retries.iter().sum(),
        })
    });
    let scope = StateScope::new(exec, t, node);
    let scope = &match &token {
        Some(token) => scope.with_task_token(token),
        None => scope,
    };
    let raw = &exec.threads[t].input;
    let prepared = (|| {
        if node.query.is_jsonata() {
            let evaluator = Evaluator::new(scope, States::input(raw));
            let timeout = evaluator.count(&s.timeout_seconds, "TimeoutSeconds")?;
            let heartbeat = evaluator.count(&s.heartbeat_seconds, "HeartbeatSeconds")?;
            let input = match &node.query.arguments {
                Some(arguments) => evaluator.field(arguments, "Arguments")?,
                None => (**raw).clone(),
            };
            scope.inspect(|i| i.after_arguments = Some(input.clone()));
            dataflow::check_size(&input, scope)?;
            return Ok((input, scope.context_for_task(), timeout, heartbeat));
        }
        let effective = dataflow::input_path(s.io.input_path.as_ref(), raw, scope)?;
        scope.inspect(|i| i.after_input_path = Some(effective.clone().into_owned()));
        let timeout = seconds(
            program::literal(&s.timeout_seconds),
            s.timeout_seconds_path.as_ref(),
            "TimeoutSecondsPath",
            &effective,
            scope,
        )?;
        let heartbeat = seconds(
            program::literal(&s.heartbeat_seconds),
            s.heartbeat_seconds_path.as_ref(),
            "HeartbeatSecondsPath",
            &effective,
            scope,
        )?;
        let input = match &s.parameters {
            Some(p) => dataflow::template(p, &effective, scope)?,
            None => effective.into_owned(),
        };
        scope.inspect(|i| i.after_parameters = Some(input.clone()));
        dataflow::check_size(&input, scope)?;
        let context = scope.context_for_task();
        Ok((input, context, timeout, heartbeat))
    })();
    let (input, context, timeout, heartbeat) = match prepared {
        Ok(p) => p,
        Err(f) => return Flow::Error(f),
    };
    let details = match kind {
        Kind::Function => EventDetails::LambdaFunctionScheduled {
            resource: s.resource.to_string(),
            input: input.clone(),
            timeout_in_seconds: timeout,
        },
        Kind::Activity => EventDetails::ActivityScheduled {
            resource: s.resource.to_string(),
            input: input.clone(),
            timeout_in_seconds: timeout,
            heartbeat_in_seconds: heartbeat,
        },
        Kind::Service => EventDetails::TaskScheduled {
            resource_type: s.resource.resource_type().to_owned(),
            resource: s.resource.resource_name().to_owned(),
            region: "us-east-1".into(),
            parameters: input.clone(),
            timeout_in_seconds: timeout,
            heartbeat_in_seconds: heartbeat,
        },
    };
    exec.record(t, details);
    let timeout_timer = timeout.map(|secs| {
        let at = exec
            .now_ms
            .saturating_add((secs as i64).saturating_mul(1000));
        exec.arm_timer(at, TimerPurpose::TaskTimeout(t))
    });
    exec.tasks.insert(task, t);
    exec.actions.push(Action::InvokeTask(TaskRequest {
        task,
        resource: s.resource.clone(),
        input,
        context,
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        token,
    }));
    exec.threads[t].phase = Phase::Tasking(Pending {
        task,
        timeout_timer,
        heartbeat_timer: None,
        heartbeat_seconds: heartbeat,
    });
    Flow::Wait
}

/// Has the executor run `resource` with `input` for thread `t`, which waits for it: a Map's
/// task (its ResultWriter's, a child execution's), which records no Task
/// events and has no timeout of its own.
pub fn hand_over(
    exec: &mut Execution,
    t: ThreadId,
    resource: std::sync::Arc<crate::arn::TaskResource>,
    input: Value,
    context: Value,
) {
    let task = hand_over_beside(exec, t, resource, input, context);
    exec.threads[t].phase = Phase::Tasking(Pending {
        task,
        timeout_timer: None,
        heartbeat_timer: None,
        heartbeat_seconds: None,
    });
}

/// The same, for a thread that goes on waiting for something else (a Map reading its next
/// page while its children run): the task's end is routed by its id, not by the thread's
/// phase.
pub fn hand_over_beside(
    exec: &mut Execution,
    t: ThreadId,
    resource: std::sync::Arc<crate::arn::TaskResource>,
    input: Value,
    context: Value,
) -> TaskId {
    let task = exec.next_id_for_effect();
    exec.tasks.insert(task, t);
    exec.actions.push(Action::InvokeTask(TaskRequest {
        task,
        resource,
        input,
        context,
        timeout_seconds: None,
        heartbeat_seconds: None,
        token: None,
    }));
    task
}

/// TimeoutSeconds/HeartbeatSeconds, fixed or read from the input (a positive integer).
fn seconds(
    fixed: Option<u64>,
    path: Option<&ReferencePath>,
    field: &str,
    input: &Value,
    scope: &StateScope<'_>,
) -> Result<Option<u64>, Failure> {
    let Some(path) = path else { return Ok(fixed) };
    let context = scope.context();
    let v = path
        .get_in(input, &context, scope)
        .map_err(|e| scope.runtime(path.as_query().invalid_path_cause(&e)))?;
    match v.as_u64() {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(scope.runtime(format!(
            "The {field} field refers to value \"{v}\" which is not a valid positive integer: {}",
            path.text()
        ))),
    }
}

/// The thread and pending task for `task`, if it is still awaited.
fn pending(exec: &Execution, task: TaskId) -> Option<(ThreadId, Pending)> {
    let t = *exec.tasks.get(&task)?;
    match &exec.threads[t].phase {
        Phase::Tasking(p) if p.task == task => Some((t, p.clone())),
        _ => None,
    }
}

/// The kind of thread `t`'s Task resource, with the `resourceType` and `resource` of its
/// Task* events.
fn resource_of(exec: &Execution, t: ThreadId) -> (Kind, String, String) {
    let th = &exec.threads[t];
    match &exec.program.node(th.scope, th.state).state {
        crate::asl::model::State::Task(s) => {
            let r = &s.resource;
            (
                r.kind(),
                r.resource_type().to_owned(),
                r.resource_name().to_owned(),
            )
        }
        _ => (Kind::Service, "unknown".into(), String::new()),
    }
}

/// What thread `t`'s task is for.
#[derive(PartialEq)]
enum Waiter {
    /// A Task state.
    Task,
    /// A Map's ResultWriter (its children are done), which records no Task events either.
    ResultWriter,
    /// A Distributed Map iteration run as a child execution: its end is the thread's.
    ChildExecution,
}

fn waiter(exec: &Execution, t: ThreadId) -> Waiter {
    let th = &exec.threads[t];
    if th.delegated.is_some() {
        return Waiter::ChildExecution;
    }
    match exec.program.node(th.scope, th.state).state {
        crate::asl::model::State::Map(_) => Waiter::ResultWriter,
        _ => Waiter::Task,
    }
}

/// Whether thread `t`'s task records no Task events.
fn records_no_events(exec: &Execution, t: ThreadId) -> bool {
    waiter(exec, t) != Waiter::Task
}

/// The executor began running `task` (for an activity: scheduled it for workers, which
/// [`activity_started`] follows).
pub fn started(exec: &mut Execution, task: TaskId) {
    let Some((t, p)) = pending(exec, task) else {
        return;
    };
    if records_no_events(exec, t) {
        return;
    }
    let (kind, resource_type, resource) = resource_of(exec, t);
    let details = match kind {
        Kind::Function => EventDetails::LambdaFunctionStarted,
        Kind::Activity => return,
        Kind::Service => EventDetails::TaskStarted {
            resource_type,
            resource,
        },
    };
    exec.record(t, details);
    arm_heartbeat(exec, t, p);
}

/// An activity worker took `task`.
pub fn activity_started(exec: &mut Execution, task: TaskId, worker: Option<String>) {
    let Some((t, p)) = pending(exec, task) else {
        return;
    };
    exec.record(
        t,
        EventDetails::ActivityStarted {
            worker_name: worker,
        },
    );
    arm_heartbeat(exec, t, p);
}

/// The call of a `.sync` or `.waitForTaskToken` task was made.
pub fn submitted(exec: &mut Execution, task: TaskId, output: Value) {
    let Some((t, _)) = pending(exec, task) else {
        return;
    };
    if records_no_events(exec, t) {
        return;
    }
    let (_, resource_type, resource) = resource_of(exec, t);
    exec.record(
        t,
        EventDetails::TaskSubmitted {
            resource_type,
            resource,
            output,
        },
    );
}

/// Starts the HeartbeatSeconds clock of a task that has begun.
fn arm_heartbeat(exec: &mut Execution, t: ThreadId, mut p: Pending) {
    if let Some(secs) = p.heartbeat_seconds {
        let at = exec
            .now_ms
            .saturating_add((secs as i64).saturating_mul(1000));
        p.heartbeat_timer = Some(exec.arm_timer(at, TimerPurpose::HeartbeatTimeout(t)));
        exec.threads[t].phase = Phase::Tasking(p);
    }
}

/// The task is alive: its heartbeat clock starts over.
pub fn heartbeat(exec: &mut Execution, task: TaskId) {
    let Some((t, mut p)) = pending(exec, task) else {
        return;
    };
    let Some(secs) = p.heartbeat_seconds else {
        return;
    };
    if let Some(old) = p.heartbeat_timer.take() {
        exec.cancel_timer(old);
    }
    let at = exec
        .now_ms
        .saturating_add((secs as i64).saturating_mul(1000));
    p.heartbeat_timer = Some(exec.arm_timer(at, TimerPurpose::HeartbeatTimeout(t)));
    exec.threads[t].phase = Phase::Tasking(p);
}

/// Withdraws the timers of a pending task and forgets it; with `cancel`, also tells the
/// executor to stop it.
fn settle(exec: &mut Execution, p: &Pending, cancel_task: bool) {
    for timer in [p.timeout_timer, p.heartbeat_timer].into_iter().flatten() {
        exec.cancel_timer(timer);
    }
    exec.tasks.remove(&p.task);
    if cancel_task {
        exec.actions.push(Action::CancelTask(p.task));
    }
}

/// The task's execution is over for another reason (abort, sibling failure).
pub fn cancel(exec: &mut Execution, p: &Pending) {
    settle(exec, p, true);
}

/// The task finished: ResultSelector, ResultPath, OutputPath.
pub fn succeeded(exec: &mut Execution, task: TaskId, result: Value) {
    if let Some(t) = super::feed::reader_of(exec, task) {
        return super::feed::page_read(exec, t, task, result);
    }
    if let Some(t) = super::writer::writer_of(exec, task) {
        return super::writer::file_written(exec, t, task, result);
    }
    let Some((t, p)) = pending(exec, task) else {
        return;
    };
    settle(exec, &p, false);
    match waiter(exec, t) {
        Waiter::Task => {}
        Waiter::ResultWriter => {
            if super::writer::last_written(exec, t, result) {
                exec.runnable.push_back(t);
            }
            return;
        }
        Waiter::ChildExecution => return super::join::child_execution_ended(exec, t, result),
    }
    let (kind, resource_type, resource) = resource_of(exec, t);
    let output = result.clone();
    let details = match kind {
        Kind::Function => EventDetails::LambdaFunctionSucceeded { output },
        Kind::Activity => EventDetails::ActivitySucceeded { output },
        Kind::Service => EventDetails::TaskSucceeded {
            resource_type,
            resource,
            output,
        },
    };
    exec.record(t, details);
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    let crate::asl::model::State::Task(s) = &node.state else {
        return;
    };
    let scope = &StateScope::new(exec, t, node);
    let raw = &exec.threads[t].input;
    scope.inspect(|i| i.result = Some(result.clone()));
    let output = (|| {
        dataflow::check_size(&result, scope)?;
        if node.query.is_jsonata() {
            return super::jsonata_exit(
                scope,
                States::input(raw).with_result(&result),
                node.query.output.as_ref(),
                node.query.assign.as_ref(),
                || result.clone(),
            );
        }
        let selected = match &s.result_selector {
            Some(sel) => dataflow::template(sel, &result, scope)?,
            None => result,
        };
        scope.inspect(|i| i.after_result_selector = Some(selected.clone()));
        let assigned = super::jsonpath_assign(scope, &selected)?;
        let combined = dataflow::result_path(s.result_path.as_ref(), raw, selected, scope)?;
        scope.inspect(|i| i.after_result_path = Some(combined.clone()));
        let output = dataflow::output_path(s.io.output_path.as_ref(), Cow::Owned(combined), scope)?;
        dataflow::check_size(&output, scope)?;
        Ok((output, assigned))
    })();
    let flow = match output {
        Ok((output, assigned)) => Flow::Exit {
            output,
            next: node.next,
            assigned,
        },
        Err(f) => Flow::Error(f),
    };
    resume(exec, t, node, flow);
}

/// The task failed.
pub fn failed(exec: &mut Execution, task: TaskId, failure: Failure) {
    if let Some(t) = super::feed::reader_of(exec, task) {
        return super::feed::page_failed(exec, t, task, failure);
    }
    if let Some(t) = super::writer::writer_of(exec, task) {
        return super::writer::file_failed(exec, t, task, failure);
    }
    let Some((t, p)) = pending(exec, task) else {
        return;
    };
    settle(exec, &p, false);
    match waiter(exec, t) {
        Waiter::Task => {}
        Waiter::ResultWriter => {
            let flow = super::writer::last_failed(exec, t, failure);
            return map_goes_on(exec, t, flow);
        }
        Waiter::ChildExecution => return super::join::child_execution_failed(exec, t, failure),
    }
    let (kind, resource_type, resource) = resource_of(exec, t);
    let error = ErrorDetails {
        error: failure.error.clone(),
        cause: failure.cause.clone(),
    };
    let details = match kind {
        Kind::Function => EventDetails::LambdaFunctionFailed(error),
        Kind::Activity => EventDetails::ActivityFailed(error),
        Kind::Service => EventDetails::TaskFailed {
            resource_type,
            resource,
            error,
        },
    };
    exec.record(t, details);
    fail_state(exec, t, failure);
}

/// TimeoutSeconds or HeartbeatSeconds ran out before the task finished.
pub fn timed_out(exec: &mut Execution, t: ThreadId, heartbeat: bool) {
    let Phase::Tasking(p) = &exec.threads[t].phase else {
        return;
    };
    let p = p.clone();
    settle(exec, &p, true);
    let failure = if heartbeat {
        Failure::heartbeat_timeout()
    } else {
        Failure::of(Some(names::TIMEOUT.into()), None)
    };
    let (kind, resource_type, resource) = resource_of(exec, t);
    let error = ErrorDetails {
        error: failure.error.clone(),
        cause: None,
    };
    let details = match kind {
        Kind::Function => EventDetails::LambdaFunctionTimedOut(error),
        Kind::Activity => EventDetails::ActivityTimedOut(error),
        Kind::Service => EventDetails::TaskTimedOut {
            resource_type,
            resource,
            error,
        },
    };
    exec.record(t, details);
    fail_state(exec, t, failure);
}

/// Retry or Catch for the task's failure. The error goes through [`resume`] as a flow, so that
/// the phase a retry sets (sleeping on its backoff timer) is not overwritten afterwards.
fn fail_state(exec: &mut Execution, t: ThreadId, failure: Failure) {
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    resume(exec, t, node, Flow::Error(failure));
}

/// A Map whose reader or writer answered goes on: it waits for its children, it failed, or
/// it is done.
fn map_goes_on(exec: &mut Execution, t: ThreadId, flow: Flow) {
    if matches!(flow, Flow::Wait) {
        return;
    }
    let program = exec.program.clone();
    let th = &exec.threads[t];
    let node = program.node(th.scope, th.state);
    resume(exec, t, node, flow);
}

/// Carries on after an event woke the thread, putting it back in the run queue if it can move.
fn resume(exec: &mut Execution, t: ThreadId, node: &Node, flow: Flow) {
    exec.threads[t].phase = Phase::Run;
    if follow(exec, t, node, flow) {
        exec.runnable.push_back(t);
    }
}
