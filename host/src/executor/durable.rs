//! The durable executor: drives a Standard execution so that a crash loses nothing.
//!
//! Every event fed to the interpreter is a step, kept with the history events it recorded. The
//! steps of a turn are committed to the store before any of their actions is carried out — a
//! task spawned, a timer armed, the end reported — so whatever the host did, the store knew
//! first. The interpreter is deterministic (its randomness is seeded, its clock is the step's
//! time), so replaying the stored steps rebuilds the execution exactly; [`replay`] does that
//! on start and says what was in flight: tasks to run again, timers to arm at their original
//! deadlines.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinSet};

use serde_json::Value;

use super::{Clock, Heartbeat, TaskOutcome, TaskRunner, Timers};
use crate::history::HistoryEvent;
use crate::interp::{Action, Event, Execution, Status, TaskId, TaskRequest};
use crate::store::{ExecutionRecord, ExecutionStatus, StepRecord, Store, StoreError, Write};

/// A request to a running durable execution.
#[derive(Debug)]
pub enum Command {
    /// StopExecution: answered with the stop time once the abort is durable.
    Stop {
        /// The error given to StopExecution.
        error: Option<String>,
        /// The cause given to StopExecution.
        cause: Option<String>,
        /// Receives the stop time (ms since the epoch), or why it could not be recorded.
        done: oneshot::Sender<Result<i64, StoreError>>,
    },
    /// SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat with a token for `task`:
    /// answered once the event is durable, or at once if the task no longer waits.
    Callback {
        /// The task the token names.
        task: TaskId,
        /// What the token brings.
        callback: Callback,
        /// Receives the outcome.
        done: oneshot::Sender<Result<(), CallbackError>>,
    },
}

/// What a task token brings back.
#[derive(Debug, Clone, PartialEq)]
pub enum Callback {
    /// SendTaskSuccess.
    Success(serde_json::Value),
    /// SendTaskFailure.
    Failure(crate::interp::Failure),
    /// SendTaskHeartbeat.
    Heartbeat,
}

impl Callback {
    fn into_event(self, task: TaskId) -> Event {
        match self {
            Callback::Success(output) => Event::TaskSucceeded { task, output },
            Callback::Failure(failure) => Event::TaskFailed { task, failure },
            Callback::Heartbeat => Event::TaskHeartbeat(task),
        }
    }
}

/// Why a callback was not taken.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallbackError {
    /// The task no longer waits: it ended (a token is good once), timed out, or its execution
    /// ended.
    #[error("the task no longer waits")]
    NotWaiting,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A task in flight, as the stored steps left it.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// What was asked for.
    pub request: TaskRequest,
    /// Whether its start was recorded.
    pub started: bool,
    /// The response its call was submitted with (`.sync`, `.waitForTaskToken`).
    pub submitted: Option<serde_json::Value>,
    /// Whether an activity worker took it.
    pub taken: bool,
}

impl InFlight {
    /// Whether its token is out (sent with a callback call, or held by an activity worker):
    /// it waits for the token and nothing runs for it.
    pub fn awaits_token(&self) -> bool {
        self.request.token.is_some() && (self.submitted.is_some() || self.taken)
    }
}

/// What was in flight when the stored steps end.
#[derive(Debug, Default)]
pub struct Outstanding {
    /// Tasks invoked and not finished.
    pub tasks: BTreeMap<TaskId, InFlight>,
    /// Timers armed and not fired, at their original deadlines.
    pub timers: Timers,
    /// The seq of the next step.
    pub next_step: u64,
}

impl Outstanding {
    fn event(&mut self, event: &Event) {
        match event {
            Event::TaskStarted(id) => {
                if let Some(task) = self.tasks.get_mut(id) {
                    task.started = true;
                }
            }
            Event::TaskSubmitted { task, output } => {
                if let Some(task) = self.tasks.get_mut(task) {
                    task.submitted = Some(output.clone());
                }
            }
            Event::ActivityStarted { task, .. } => {
                if let Some(task) = self.tasks.get_mut(task) {
                    task.taken = true;
                }
            }
            Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => {
                self.tasks.remove(task);
            }
            Event::TimerFired(timer) => self.timers.cancel(*timer),
            Event::Start | Event::TaskHeartbeat(_) | Event::Stop { .. } => {}
        }
    }

    fn action(&mut self, action: &Action) {
        match action {
            Action::InvokeTask(request) => {
                let task = InFlight {
                    request: request.clone(),
                    started: false,
                    submitted: None,
                    taken: false,
                };
                self.tasks.insert(request.task, task);
            }
            Action::CancelTask(id) => {
                self.tasks.remove(id);
            }
            Action::ArmTimer { timer, at_ms } => self.timers.arm(*timer, *at_ms),
            Action::CancelTimer(timer) => self.timers.cancel(*timer),
            Action::Finished => {}
        }
    }
}

/// Why stored steps could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A step is missing.
    #[error("step {0} is missing")]
    Gap(u64),
    /// A step's event does not decode.
    #[error("step {step} does not decode: {message}")]
    Undecodable {
        /// Which step.
        step: u64,
        /// Why.
        message: String,
    },
    /// Replaying a step recorded different history: the definition or the interpreter changed
    /// since the step was taken.
    #[error("step {0} replays differently from how it ran")]
    Diverged(u64),
    /// The steps end the execution, though its record says it is running.
    #[error("the steps end the execution")]
    Ended,
}

fn history_text(events: &[HistoryEvent]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[]".to_owned())
}

/// Feeds `steps` to a new `exec` and checks that each records the history it recorded then.
pub fn replay(exec: &mut Execution, steps: &[StepRecord]) -> Result<Outstanding, ReplayError> {
    let mut out = Outstanding::default();
    for (i, step) in steps.iter().enumerate() {
        let i = i as u64;
        if step.seq != i {
            return Err(ReplayError::Gap(i));
        }
        let event: Event =
            serde_json::from_str(&step.event).map_err(|e| ReplayError::Undecodable {
                step: i,
                message: e.to_string(),
            })?;
        out.event(&event);
        let actions = exec.step(step.now_ms, event);
        if history_text(&exec.history) != step.history {
            return Err(ReplayError::Diverged(i));
        }
        for action in &actions {
            out.action(action);
        }
        exec.forget_history();
    }
    if exec.status != Status::Running {
        return Err(ReplayError::Ended);
    }
    out.next_step = steps.len() as u64;
    Ok(out)
}

/// The record of an execution that has ended, from its running record.
pub fn ended(mut record: ExecutionRecord, status: &Status, stop_ms: i64) -> ExecutionRecord {
    record.stop_ms = Some(stop_ms);
    let (status, output, failure) = match status {
        Status::Running => (ExecutionStatus::Running, None, None),
        Status::Succeeded(v) => (ExecutionStatus::Succeeded, Some(v.to_string()), None),
        Status::Failed(f) => (ExecutionStatus::Failed, None, Some(f)),
        Status::TimedOut => (ExecutionStatus::TimedOut, None, None),
        Status::Aborted(f) => (ExecutionStatus::Aborted, None, Some(f)),
    };
    record.status = status;
    record.output = output;
    record.error = failure.and_then(|f| f.error.clone());
    record.cause = failure.and_then(|f| f.cause.clone());
    record
}

/// A durable execution ready to be driven.
pub struct Durable {
    /// The execution: new, or rebuilt by [`replay`].
    pub exec: Execution,
    /// Its record as stored while it runs.
    pub record: ExecutionRecord,
    /// Where steps go.
    pub store: Arc<dyn Store>,
    /// Who runs its tasks.
    pub runner: Arc<dyn TaskRunner>,
    /// Its clock.
    pub clock: Clock,
    /// Writes committed with the first step (a new execution's record and definition).
    pub first_writes: Vec<Write>,
    /// For a resumed execution, what was in flight; `None` starts it.
    pub resume: Option<Outstanding>,
    /// Park the execution once it has run nothing and heard nothing for this long (see
    /// [`Ended::Parked`]); `None` keeps it in memory to its end.
    pub park_after: Option<std::time::Duration>,
}

/// How the driver stopped.
#[derive(Debug)]
pub enum Ended {
    /// The execution ended; this is its final record, durable.
    Finished(Box<ExecutionRecord>),
    /// The store failed: the execution stays running in the store and resumes on restart.
    Stalled(StoreError),
    /// Idle, with nothing running for it: it waits only for tokens (callbacks, activity
    /// workers), timers or a stop, and everything it is is in the store. The driver lets go of
    /// it so that a parked execution costs no memory; whoever holds it rebuilds it from its
    /// steps ([`replay`]) when a command comes or its next timer is due.
    Parked {
        /// Its command channel, which may hold a command sent as it parked.
        commands: mpsc::UnboundedReceiver<Command>,
        /// When its soonest timer is due (ms since the epoch).
        next_timer: Option<i64>,
    },
}

/// Drives `run` to its end. `started` hears once the first commit is durable (or failed).
pub async fn drive(
    run: Durable,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut started: Option<oneshot::Sender<Result<(), StoreError>>>,
) -> Ended {
    let Durable {
        mut exec,
        mut record,
        store,
        runner,
        clock,
        first_writes,
        resume,
        park_after,
    } = run;
    let mut writes = first_writes;
    let mut timers = Timers::default();
    let mut tasks: JoinSet<(TaskId, TaskOutcome)> = JoinSet::new();
    let mut handles: HashMap<TaskId, AbortHandle> = HashMap::new();
    // `.sync` tasks in flight, to cancel their job if they are aborted; with the response
    // their job was submitted with, once it was.
    let mut jobs: HashMap<TaskId, (TaskRequest, Option<Value>)> = HashMap::new();
    let (beat_tx, mut beat_rx) = mpsc::unbounded_channel();
    let mut pending: VecDeque<(Event, i64)> = VecDeque::new();
    let mut callbacks: VecDeque<(TaskId, Callback, CallbackAck)> = VecDeque::new();
    let mut to_spawn: Vec<(TaskRequest, Option<Value>)> = Vec::new();
    let mut stop_acks: Vec<oneshot::Sender<Result<i64, StoreError>>> = Vec::new();
    let mut callback_acks: Vec<CallbackAck> = Vec::new();
    let mut next_step = 0;

    match resume {
        None => pending.push_back((Event::Start, record.start_ms)),
        Some(out) => {
            next_step = out.next_step;
            for (id, task) in out.tasks {
                if task.awaits_token() {
                    continue;
                }
                // A task whose result was not recorded runs again (a submitted job is waited
                // for again); its start is recorded once.
                if !task.started && !task.request.is_activity() {
                    pending.push_back((Event::TaskStarted(id), clock.now_ms()));
                }
                if task.request.is_job() {
                    jobs.insert(id, (task.request.clone(), task.submitted.clone()));
                }
                to_spawn.push((task.request, task.submitted));
            }
            timers = out.timers;
        }
    }

    loop {
        let mut steps = Vec::new();
        let mut cancels = Vec::new();
        let mut finished = false;
        loop {
            let (event, now) = if let Some(next) = pending.pop_front() {
                next
            } else if let Some((task, callback, done)) = callbacks.pop_front() {
                // Checked when its turn comes, so that of two tokens for one task only the
                // first is taken.
                if !exec.awaits_task(task) {
                    let _ = done.send(Err(CallbackError::NotWaiting));
                    continue;
                }
                if callback != Callback::Heartbeat
                    && let Some(h) = handles.remove(&task)
                {
                    // The call that sent the token may still be finishing; its answer is moot.
                    h.abort();
                }
                callback_acks.push(done);
                (callback.into_event(task), clock.now_ms())
            } else {
                break;
            };
            match &event {
                Event::TaskSubmitted { task, output } => {
                    if let Some((_, submitted)) = jobs.get_mut(task) {
                        *submitted = Some(output.clone());
                    }
                }
                Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => {
                    jobs.remove(task);
                }
                _ => {}
            }
            let event_text = serde_json::to_string(&event).unwrap_or_default();
            for action in exec.step(now, event) {
                match action {
                    Action::InvokeTask(request) => {
                        // The task starts right after this turn's commit: record it with it.
                        // An activity starts when a worker takes it.
                        if !request.is_activity() {
                            pending.push_back((Event::TaskStarted(request.task), now));
                        }
                        if request.is_job() {
                            jobs.insert(request.task, (request.clone(), None));
                        }
                        to_spawn.push((request, None));
                    }
                    Action::CancelTask(id) => {
                        to_spawn.retain(|(r, _)| r.task != id);
                        cancels.push(id);
                    }
                    Action::ArmTimer { timer, at_ms } => timers.arm(timer, at_ms),
                    Action::CancelTimer(timer) => timers.cancel(timer),
                    Action::Finished => finished = true,
                }
            }
            steps.push(StepRecord {
                seq: next_step,
                now_ms: now,
                event: event_text,
                history: history_text(&exec.history),
            });
            exec.forget_history();
            next_step += 1;
        }
        let stop_ms = steps.last().map_or_else(|| clock.now_ms(), |s| s.now_ms);
        if !steps.is_empty() {
            writes.push(Write::AppendSteps {
                execution: record.seq,
                steps,
            });
        }
        if finished {
            record = ended(record, &exec.status, stop_ms);
            writes.push(Write::PutExecution(record.clone()));
        }
        if !writes.is_empty() {
            let result = store.commit(std::mem::take(&mut writes)).await;
            if let Some(tx) = started.take() {
                let _ = tx.send(result.clone());
            }
            for ack in stop_acks.drain(..) {
                let _ = ack.send(result.clone().map(|()| stop_ms));
            }
            for ack in callback_acks.drain(..) {
                let _ = ack.send(result.clone().map_err(CallbackError::Store));
            }
            if let Err(e) = result {
                // A conflict is a name already taken, which StartExecution reports.
                if !matches!(e, StoreError::Conflict(_)) {
                    tracing::error!(execution = %record.arn, error = %e, "cannot record a step; the execution stays running and resumes when the host restarts");
                }
                tasks.abort_all();
                return Ended::Stalled(e);
            }
        }
        for id in cancels {
            if let Some(h) = handles.remove(&id) {
                h.abort();
            }
            if let Some((request, Some(submitted))) = jobs.remove(&id) {
                // Best effort, as AWS: the job is asked to stop and nobody waits for it.
                tracing::info!(execution = %record.arn, resource = %request.resource, "cancelling the job of an aborted task");
                tokio::spawn(runner.cancel(&request, submitted));
            }
        }
        if finished {
            tasks.abort_all();
            for (_, (request, submitted)) in jobs.drain() {
                if let Some(submitted) = submitted {
                    tokio::spawn(runner.cancel(&request, submitted));
                }
            }
            return Ended::Finished(Box::new(record));
        }
        for (request, submitted) in to_spawn.drain(..) {
            let id = request.task;
            let heartbeat = Heartbeat::new(id, beat_tx.clone());
            let fut = match submitted {
                Some(submitted) => runner.resume(request, submitted, heartbeat),
                None => runner.run(request, heartbeat),
            };
            handles.insert(id, tasks.spawn(async move { (id, fut.await) }));
        }

        tokio::select! {
            timer = timers.fired(clock) => {
                pending.push_back((Event::TimerFired(timer), clock.now_ms()));
            }
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                // An aborted task reports a JoinError: it was cancelled, nothing to tell.
                if let Ok((task, outcome)) = joined {
                    handles.remove(&task);
                    pending.push_back((outcome.into_event(task), clock.now_ms()));
                }
            }
            Some((task, progress)) = beat_rx.recv() => {
                pending.push_back((progress.into_event(task), clock.now_ms()));
            }
            () = idle(park_after), if tasks.is_empty() => {
                return Ended::Parked {
                    commands,
                    next_timer: timers.next_deadline(),
                };
            }
            Some(command) = commands.recv() => match command {
                Command::Stop { error, cause, done } => {
                    stop_acks.push(done);
                    pending.push_back((Event::Stop { error, cause }, clock.now_ms()));
                }
                Command::Callback { task, callback, done } => {
                    callbacks.push_back((task, callback, done));
                }
            },
        }
    }
}

/// Completes after `after`; never without it.
async fn idle(after: Option<std::time::Duration>) {
    match after {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Answers a callback.
type CallbackAck = oneshot::Sender<Result<(), CallbackError>>;

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::json;

    use super::*;
    use crate::asl::validate;
    use crate::executor::TaskFuture;
    use crate::interp::{ExecutionInfo, Program};
    use crate::store::memory::MemoryStore;

    /// Counts invocations; answers each with its input, or never when `hang` is set.
    struct Counting {
        calls: AtomicUsize,
        hang: bool,
    }

    impl TaskRunner for Counting {
        fn run(&self, request: TaskRequest, _: super::Heartbeat) -> TaskFuture {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let hang = self.hang;
            Box::pin(async move {
                if hang {
                    std::future::pending::<()>().await;
                }
                TaskOutcome::Succeeded(json!({"echo": request.input}))
            })
        }
    }

    fn execution() -> (Execution, ExecutionRecord) {
        let definition = json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::example:work", "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 1, "End": true}}});
        let machine = validate::parse_definition(definition.to_string().as_bytes()).unwrap();
        let program = Arc::new(Program::compile(&machine).unwrap());
        let info = ExecutionInfo::local("m", "e", json!({"n": 1}), 1_000);
        let record = ExecutionRecord {
            seq: 1,
            arn: info.id.clone(),
            name: "e".into(),
            machine_arn: info.state_machine_id.clone(),
            definition_id: "d".into(),
            role_arn: info.role_arn.clone(),
            seed: 7,
            status: ExecutionStatus::Running,
            input: "{\"n\":1}".into(),
            output: None,
            error: None,
            cause: None,
            start_ms: 1_000,
            stop_ms: None,
        };
        (Execution::new(program, info, 7), record)
    }

    fn stored_steps(store: &MemoryStore) -> Vec<StepRecord> {
        store.load().unwrap().running.remove(0).1
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_whose_result_was_not_recorded_runs_again_after_a_crash() {
        let store = Arc::new(MemoryStore::new());
        let (exec, record) = execution();
        let hanging = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            hang: true,
        });
        let run = Durable {
            exec,
            record: record.clone(),
            store: store.clone(),
            runner: hanging.clone(),
            clock: Clock::starting_at(1_000),
            first_writes: vec![Write::PutExecution(record.clone())],
            resume: None,
            park_after: None,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let (started_tx, started_rx) = oneshot::channel();
        let driver = tokio::spawn(drive(run, rx, Some(started_tx)));
        started_rx.await.unwrap().unwrap();
        tokio::task::yield_now().await;
        assert_eq!(hanging.calls.load(Ordering::SeqCst), 1);
        // The host dies while the task runs: nothing of its result was recorded.
        driver.abort();
        drop(tx);

        let steps = stored_steps(&store);
        let (mut exec, record) = execution();
        let outstanding = replay(&mut exec, &steps).unwrap();
        assert_eq!(outstanding.tasks.len(), 1, "the task is in flight");
        assert!(outstanding.tasks.values().all(|t| t.started));
        let working = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            hang: false,
        });
        let run = Durable {
            exec,
            record,
            store: store.clone(),
            runner: working.clone(),
            clock: Clock::starting_at(5_000),
            first_writes: Vec::new(),
            resume: Some(outstanding),
            park_after: None,
        };
        let (_tx, rx) = mpsc::unbounded_channel();
        let Ended::Finished(end) = drive(run, rx, None).await else {
            panic!("the store is in memory; it cannot fail");
        };
        assert_eq!(working.calls.load(Ordering::SeqCst), 1, "ran again, once");
        assert_eq!(end.status, ExecutionStatus::Succeeded);
        assert_eq!(end.output.as_deref(), Some(r#"{"echo":{"n":1}}"#));
        let history = store.history(end.seq).unwrap();
        let types: Vec<&str> = history
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskSucceeded",
                "TaskStateExited",
                "WaitStateEntered",
                "WaitStateExited",
                "ExecutionSucceeded"
            ]
        );
        let ids: Vec<u64> = history.iter().map(|e| e["id"].as_u64().unwrap()).collect();
        assert_eq!(ids, (1..=9).collect::<Vec<_>>());
    }

    #[test]
    fn replay_refuses_steps_that_no_longer_replay_the_same() {
        let (mut exec, _) = execution();
        let step = StepRecord {
            seq: 0,
            now_ms: 1_000,
            event: serde_json::to_string(&Event::Start).unwrap(),
            history: "[]".into(),
        };
        assert!(matches!(
            replay(&mut exec, std::slice::from_ref(&step)),
            Err(ReplayError::Diverged(0))
        ));
        let (mut exec, _) = execution();
        let gap = StepRecord { seq: 1, ..step };
        assert!(matches!(
            replay(&mut exec, &[gap]),
            Err(ReplayError::Gap(0))
        ));
    }
}
