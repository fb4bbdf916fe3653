//! The one driver of executions: carries out the interpreter's actions (tasks through a
//! [`TaskRunner`], timers on tokio's clock) and feeds back what happens as events, for every
//! kind of execution — Standard ones with a [`Journal`] (each turn's steps committed before any
//! of its actions is carried out, so a crash loses nothing), Express ones and `stepwise run`
//! without one (in memory, history kept on the execution).
//!
//! Must not: decide who owns an execution (the host's executions component does, from what
//! [`drive`] returns), or parse anything (the program is compiled).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{AbortHandle, JoinSet};

use super::durable::{Outstanding, ended, history_text};
use super::{Clock, Heartbeat, TaskOutcome, TaskRunner, Timers};
use crate::arn::Resource;
use crate::history::EventDetails;
use crate::interp::errors::names;
use crate::interp::{Action, Event, Execution, Failure, Status, TaskId, TaskRequest};
use crate::store::{
    ExecutionRecord, ParkRecord, QueuedActivityTask, StepRecord, Store, StoreError, Write,
};

/// A request to a running execution.
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
    /// An event from outside the execution (UpdateMapRun's): answered once it is durable.
    Event {
        /// The event.
        event: Event,
        /// Receives the outcome.
        done: oneshot::Sender<Result<(), StoreError>>,
    },
    /// The host shuts down: let go between turns, never during a commit (see
    /// [`Ended::Released`]).
    Release,
}

impl Command {
    /// Answers a command that reached an execution after it ended (`stop_ms`): a stop is
    /// moot and reports when it ended; a token's task no longer waits.
    pub fn answer_ended(self, stop_ms: i64) {
        match self {
            Command::Stop { done, .. } => {
                let _ = done.send(Ok(stop_ms));
            }
            Command::Callback { done, .. } => {
                let _ = done.send(Err(CallbackError::NotWaiting));
            }
            // It changes nothing now: the execution ended.
            Command::Event { done, .. } => {
                let _ = done.send(Ok(()));
            }
            Command::Release => {}
        }
    }

    /// Answers a command that cannot be delivered because of `error`.
    pub fn answer_failed(self, error: StoreError) {
        match self {
            Command::Stop { done, .. } => {
                let _ = done.send(Err(error));
            }
            Command::Callback { done, .. } => {
                let _ = done.send(Err(CallbackError::Store(error)));
            }
            Command::Event { done, .. } => {
                let _ = done.send(Err(error));
            }
            Command::Release => {}
        }
    }
}

/// What a task token brings back.
#[derive(Debug, Clone, PartialEq)]
pub enum Callback {
    /// SendTaskSuccess.
    Success(Value),
    /// SendTaskFailure.
    Failure(Failure),
    /// SendTaskHeartbeat.
    Heartbeat,
    /// A worker took the activity task out of its queue (GetActivityTask).
    Started {
        /// The worker's name, as given to GetActivityTask.
        worker: Option<String>,
    },
}

impl Callback {
    fn into_event(self, task: TaskId) -> Event {
        match self {
            Callback::Success(output) => Event::TaskSucceeded { task, output },
            Callback::Failure(failure) => Event::TaskFailed { task, failure },
            Callback::Heartbeat => Event::TaskHeartbeat(task),
            Callback::Started { worker } => Event::ActivityStarted { task, worker },
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

/// Where a durable execution's steps go.
pub struct Journal {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The execution's record as stored while it runs.
    pub record: ExecutionRecord,
    /// Writes committed with the first step (a new execution's record).
    pub first_writes: Vec<Write>,
}

/// How to drive an execution.
pub struct Run {
    /// Who runs its tasks.
    pub runner: Arc<dyn TaskRunner>,
    /// Its clock.
    pub clock: Clock,
    /// Where its steps are recorded; `None` runs it in memory, its history kept on it.
    pub journal: Option<Journal>,
    /// For a resumed execution, what was in flight; `None` starts it.
    pub resume: Option<Outstanding>,
    /// Let go of the execution once it has run nothing and heard nothing for this long (see
    /// [`Ended::Parked`]); `None` keeps it to its end. Only with a journal.
    pub park_after: Option<Duration>,
    /// Scales every timer's wait (Wait states, retry intervals, timeouts, heartbeats): 1 runs
    /// in real time, 0.01 a hundred times faster (for tests).
    pub wait_time_scale: f64,
}

impl Run {
    /// Runs an execution in memory from its start.
    pub fn in_memory(runner: Arc<dyn TaskRunner>, clock: Clock) -> Run {
        Run {
            runner,
            clock,
            journal: None,
            resume: None,
            park_after: None,
            wait_time_scale: 1.0,
        }
    }

    /// The same, with waits scaled by `scale`.
    pub fn with_wait_time_scale(mut self, scale: f64) -> Run {
        self.wait_time_scale = scale;
        self
    }
}

/// How the driver stopped.
#[derive(Debug)]
pub enum Ended {
    /// The execution ended.
    Finished {
        /// Its final record, durable (with a journal).
        record: Option<Box<ExecutionRecord>>,
        /// Its command channel, which may hold commands sent as it ended: whoever owns the
        /// execution answers them once nobody else can send.
        commands: Option<mpsc::UnboundedReceiver<Command>>,
    },
    /// The store failed: the execution stays running in the store and resumes on restart.
    Stalled(StoreError),
    /// The interpreter waits on nothing the driver can deliver (no timer, no task, no
    /// commands): a bug, reported instead of a hang.
    Stuck,
    /// The host shuts down: the driver let go of the execution between two turns, with
    /// everything it did in the store, where it stays RUNNING until the next start resumes it.
    Released,
    /// Idle, with nothing running for it: it waits only for tokens (callbacks, activity
    /// workers), timers or a stop, and everything it is is in the store. The driver lets go of
    /// it so that a parked execution costs no memory; whoever holds it rebuilds it from its
    /// steps ([`super::durable::replay`]) when a command comes or its next timer is due.
    Parked {
        /// Its command channel, which may hold a command sent as it parked.
        commands: mpsc::UnboundedReceiver<Command>,
        /// When its soonest timer is due (ms since the epoch).
        next_timer: Option<i64>,
    },
}

/// The tasks a driver runs, with what it must remember of them.
struct Tasks {
    running: JoinSet<(TaskId, TaskOutcome)>,
    handles: HashMap<TaskId, AbortHandle>,
    /// `.sync` tasks in flight, to cancel their job if they are aborted; with the response
    /// their job was submitted with, once it was.
    jobs: HashMap<TaskId, (TaskRequest, Option<Value>)>,
    /// Invoked this turn, spawned once the turn is durable.
    to_spawn: Vec<(TaskRequest, Option<Value>)>,
    /// Activity tasks no worker has taken yet, from their invocation on (a worker may take
    /// one as soon as it is queued, before its future is joined); to withdraw one from its
    /// queue when it ends otherwise.
    queued: HashMap<TaskId, TaskRequest>,
    beats: mpsc::UnboundedSender<(TaskId, super::Progress)>,
}

impl Tasks {
    /// A task the interpreter asked for (or a resumed one, with the response its job was
    /// submitted with): it is spawned after this turn's commit.
    fn invoke(&mut self, request: TaskRequest, submitted: Option<Value>) {
        if request.resource.is_job() {
            self.jobs
                .insert(request.task, (request.clone(), submitted.clone()));
        }
        if request.resource.is_activity() {
            self.queued.insert(request.task, request.clone());
        }
        self.to_spawn.push((request, submitted));
    }

    fn spawn_all(
        &mut self,
        runner: &Arc<dyn TaskRunner>,
        trace: Option<&crate::otlp::ExecutionTrace>,
    ) {
        for (request, submitted) in self.to_spawn.drain(..) {
            let id = request.task;
            let heartbeat = Heartbeat::new(id, self.beats.clone());
            let resource = request.resource.resource_type().to_owned();
            let span = trace.and_then(|t| t.task(&request));
            let fut = match submitted {
                Some(submitted) => runner.resume(request, submitted, heartbeat),
                None => runner.run(request, heartbeat),
            };
            let handle = self.running.spawn(async move {
                let began = std::time::Instant::now();
                let outcome = fut.await;
                crate::metrics::task_ended(&resource, outcome.kind(), began.elapsed());
                if let Some(span) = span {
                    span.end(outcome.kind());
                }
                (id, outcome)
            });
            self.handles.insert(id, handle);
        }
    }

    /// Notes what an event says of a `.sync` task's job or of a queued activity task.
    fn observe(&mut self, event: &Event, runner: &Arc<dyn TaskRunner>) {
        match event {
            Event::TaskSubmitted { task, output } => {
                if let Some((_, submitted)) = self.jobs.get_mut(task) {
                    *submitted = Some(output.clone());
                }
            }
            Event::ActivityStarted { task, .. } => {
                self.queued.remove(task);
            }
            Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => {
                self.jobs.remove(task);
                // Answered (or timed out) before a worker took it.
                if let Some(request) = self.queued.remove(task) {
                    runner.withdraw(&request);
                }
            }
            _ => {}
        }
    }

    /// Aborts a task; its job, if it submitted one, is asked to stop (best effort, as AWS:
    /// nobody waits for it).
    fn cancel(&mut self, id: TaskId, runner: &Arc<dyn TaskRunner>, execution: &str) {
        if let Some(h) = self.handles.remove(&id) {
            h.abort();
        }
        if let Some(request) = self.queued.remove(&id) {
            runner.withdraw(&request);
        }
        if let Some((request, Some(submitted))) = self.jobs.remove(&id) {
            tracing::info!(%execution, resource = %request.resource, "cancelling the job of an aborted task");
            tokio::spawn(runner.cancel(&request, submitted));
        }
    }

    /// The activity tasks that wait for a worker, as a parked execution's record keeps them.
    fn queued_records(&self) -> Vec<QueuedActivityTask> {
        self.queued
            .values()
            .filter_map(|request| match request.resource.target() {
                Some(Resource::Activity { name }) => Some(QueuedActivityTask {
                    activity: name.to_owned(),
                    token: request.token.clone()?,
                    input: request.input.to_string(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Aborts every task at the end of the execution.
    fn cancel_all(&mut self, runner: &Arc<dyn TaskRunner>) {
        self.running.abort_all();
        for (_, request) in self.queued.drain() {
            runner.withdraw(&request);
        }
        for (_, (request, submitted)) in self.jobs.drain() {
            if let Some(submitted) = submitted {
                tokio::spawn(runner.cancel(&request, submitted));
            }
        }
    }
}

/// Drives `exec` (new, or rebuilt by [`super::durable::replay`]) as `run` says until it ends,
/// parks or stalls. `commands` brings StopExecution and task tokens (none for an execution
/// nobody can reach); `started` hears once the first commit is durable (or failed).
pub async fn drive(
    exec: &mut Execution,
    run: Run,
    commands: Option<mpsc::UnboundedReceiver<Command>>,
    started: Option<oneshot::Sender<Result<(), StoreError>>>,
) -> Ended {
    let mut trace = crate::otlp::ExecutionTrace::begin(exec, run.resume.is_some());
    let ended = drive_traced(exec, run, commands, started, &mut trace).await;
    if let Some(trace) = trace {
        let how = match &ended {
            Ended::Finished { .. } => "finished",
            Ended::Stalled(_) => "stalled",
            Ended::Stuck => "stuck",
            Ended::Released => "released",
            Ended::Parked { .. } => "parked",
        };
        let error = match &exec.status {
            Status::Failed(f) | Status::Aborted(f) => f.error.as_deref(),
            Status::TimedOut => Some(names::TIMEOUT),
            Status::Running | Status::Succeeded(_) => None,
        };
        trace.end(
            how,
            super::durable::record_status(&exec.status),
            error,
            exec.now_ms,
        );
    }
    ended
}

async fn drive_traced(
    exec: &mut Execution,
    run: Run,
    mut commands: Option<mpsc::UnboundedReceiver<Command>>,
    mut started: Option<oneshot::Sender<Result<(), StoreError>>>,
    trace: &mut Option<crate::otlp::ExecutionTrace>,
) -> Ended {
    let Run {
        runner,
        clock,
        mut journal,
        resume,
        park_after,
        wait_time_scale,
    } = run;
    let mut writes = journal
        .as_mut()
        .map(|j| std::mem::take(&mut j.first_writes))
        .unwrap_or_default();
    let (beats, mut beat_rx) = mpsc::unbounded_channel();
    let mut tasks = Tasks {
        running: JoinSet::new(),
        handles: HashMap::new(),
        jobs: HashMap::new(),
        to_spawn: Vec::new(),
        queued: HashMap::new(),
        beats,
    };
    let mut timers = Timers::default().scaled(wait_time_scale);
    let mut pending: VecDeque<(Event, i64)> = VecDeque::new();
    let mut callbacks: VecDeque<(TaskId, Callback, CallbackAck)> = VecDeque::new();
    let mut stop_acks: Vec<oneshot::Sender<Result<i64, StoreError>>> = Vec::new();
    let mut callback_acks: Vec<CallbackAck> = Vec::new();
    let mut event_acks: Vec<oneshot::Sender<Result<(), StoreError>>> = Vec::new();
    let mut next_step = 0;
    // A durable execution starts when its record says; one in memory, now.
    let start_ms = journal
        .as_ref()
        .map_or_else(|| clock.now_ms(), |j| j.record.start_ms);
    // Rebuilt from the store: it may have parked before, and kept a record of it.
    let resumed = resume.is_some();

    match resume {
        None => pending.push_back((Event::Start, start_ms)),
        Some(out) => {
            next_step = out.next_step;
            if out.redrive {
                pending.push_back((Event::Redrive, clock.now_ms()));
            }
            for (id, task) in out.tasks {
                if task.awaits_token() {
                    continue;
                }
                // A task whose result was not recorded runs again (a submitted job is waited
                // for again); its start is recorded once.
                if !task.started {
                    pending.push_back((Event::TaskStarted(id), clock.now_ms()));
                }
                if out.queues_kept && task.request.resource.is_activity() {
                    // Still in its queue: only remembered, for the worker that takes it.
                    tasks.queued.insert(id, task.request);
                    continue;
                }
                tasks.invoke(task.request, task.submitted);
            }
            timers = out.timers.scaled(wait_time_scale);
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
                // A worker takes a task once, and only while it waits in its queue.
                if matches!(callback, Callback::Started { .. })
                    && tasks.queued.remove(&task).is_none()
                {
                    let _ = done.send(Err(CallbackError::NotWaiting));
                    continue;
                }
                if callback != Callback::Heartbeat
                    && let Some(h) = tasks.handles.remove(&task)
                {
                    // The call that sent the token may still be finishing; its answer is moot.
                    h.abort();
                }
                callback_acks.push(done);
                (callback.into_event(task), clock.now_ms())
            } else {
                break;
            };
            tasks.observe(&event, &runner);
            let event_text = journal
                .is_some()
                .then(|| serde_json::to_string(&event).unwrap_or_default());
            let recorded = exec.history.len();
            let actions = exec.step(now, event);
            let new_events = &exec.history[recorded.min(exec.history.len())..];
            crate::metrics::states_entered(
                new_events
                    .iter()
                    .filter(|e| matches!(e.details, EventDetails::StateEntered { .. }))
                    .count() as u64,
            );
            if let Some(trace) = trace.as_mut() {
                trace.observe(new_events);
            }
            for action in actions {
                match action {
                    Action::InvokeTask(request) => {
                        // The runner takes the task right after this turn's commit: its start
                        // is recorded with it (what a start means for each kind of resource,
                        // an activity's being a worker taking it, the interpreter decides).
                        pending.push_back((Event::TaskStarted(request.task), now));
                        tasks.invoke(request, None);
                    }
                    Action::CancelTask(id) => {
                        tasks.to_spawn.retain(|(r, _)| r.task != id);
                        cancels.push(id);
                    }
                    Action::ArmTimer { timer, at_ms } => timers.arm(timer, now, at_ms),
                    Action::CancelTimer(timer) => timers.cancel(timer),
                    Action::Finished => finished = true,
                }
            }
            if let Some(event) = event_text {
                steps.push(StepRecord {
                    seq: next_step,
                    now_ms: now,
                    event,
                    history: history_text(&exec.history),
                });
                exec.forget_history();
                next_step += 1;
            }
        }
        let stop_ms = steps.last().map_or_else(|| clock.now_ms(), |s| s.now_ms);
        if let Some(j) = journal.as_mut() {
            if !steps.is_empty() {
                writes.push(Write::AppendSteps {
                    execution: j.record.seq,
                    steps,
                });
            }
            if finished {
                j.record = ended(j.record.clone(), &exec.status, stop_ms);
                // An execution that ends in its first commit is written once, as it ended: a
                // second write of its row would cost as much again (a REPLACE rewrites every
                // index). The insert still refuses a name already taken.
                match writes.iter_mut().find_map(|w| match w {
                    Write::InsertExecution(r) | Write::PutExecution(r) if r.seq == j.record.seq => {
                        Some(r)
                    }
                    _ => None,
                }) {
                    Some(first) => *first = j.record.clone(),
                    None => writes.push(Write::PutExecution(j.record.clone())),
                }
                if resumed {
                    writes.push(Write::Unpark(j.record.seq));
                }
            }
            if !writes.is_empty() {
                let result = j.store.commit(std::mem::take(&mut writes)).await;
                if let Some(tx) = started.take() {
                    let _ = tx.send(result.clone());
                }
                for ack in stop_acks.drain(..) {
                    let _ = ack.send(result.clone().map(|()| stop_ms));
                }
                for ack in callback_acks.drain(..) {
                    let _ = ack.send(result.clone().map_err(CallbackError::Store));
                }
                for ack in event_acks.drain(..) {
                    let _ = ack.send(result.clone());
                }
                if let Err(e) = result {
                    // A conflict is a name already taken, which StartExecution reports.
                    if !matches!(e, StoreError::Conflict(_)) {
                        tracing::error!(execution = %j.record.arn, error = %e, "cannot record a step; the execution stays running and resumes when the host restarts");
                    }
                    tasks.running.abort_all();
                    return Ended::Stalled(e);
                }
            }
        } else {
            for ack in stop_acks.drain(..) {
                let _ = ack.send(Ok(stop_ms));
            }
            for ack in callback_acks.drain(..) {
                let _ = ack.send(Ok(()));
            }
            for ack in event_acks.drain(..) {
                let _ = ack.send(Ok(()));
            }
        }
        for id in cancels {
            tasks.cancel(id, &runner, &exec.info.id);
        }
        if finished {
            tasks.cancel_all(&runner);
            return Ended::Finished {
                record: journal.map(|j| Box::new(j.record)),
                commands,
            };
        }
        tasks.spawn_all(&runner, trace.as_ref());
        if timers.is_empty() && tasks.running.is_empty() && commands.is_none() {
            return Ended::Stuck;
        }

        tokio::select! {
            timer = timers.fired(clock) => {
                pending.push_back((Event::TimerFired(timer), clock.now_ms()));
            }
            Some(joined) = tasks.running.join_next(), if !tasks.running.is_empty() => {
                // Every task that has ended by now goes into the same turn, and so into one
                // commit: a Map Run whose thousand children end at once commits as they come,
                // not once per child.
                let mut next = Some(joined);
                while let Some(joined) = next {
                    // An aborted task reports a JoinError: it was cancelled, nothing to tell.
                    if let Ok((task, outcome)) = joined {
                        tasks.handles.remove(&task);
                        // What the task reported before it ended (a `.sync` submission, a
                        // worker taking it) comes first, whichever branch the select picked.
                        while let Ok((t, progress)) = beat_rx.try_recv() {
                            pending.push_back((progress.into_event(t), clock.now_ms()));
                        }
                        if let Some(event) = outcome.into_event(task) {
                            pending.push_back((event, clock.now_ms()));
                        }
                    }
                    next = tasks.running.try_join_next();
                }
            }
            Some((task, progress)) = beat_rx.recv() => {
                pending.push_back((progress.into_event(task), clock.now_ms()));
            }
            () = idle(park_after), if tasks.running.is_empty() && journal.is_some() && commands.is_some() => {
                if let Some(commands) = commands.take() {
                    let next_timer = timers.next_deadline();
                    if let Some(j) = journal.as_ref() {
                        // So that a restart parks it again without replaying its steps. A
                        // record that did not make it costs only that replay.
                        let park = ParkRecord {
                            execution: j.record.seq,
                            steps: next_step,
                            next_timer_ms: next_timer,
                            queued: tasks.queued_records(),
                        };
                        if let Err(e) = j.store.commit(vec![Write::Park(park)]).await {
                            tracing::warn!(execution = %j.record.arn, error = %e, "cannot record that an execution parked; a restart rebuilds it from its steps");
                        }
                    }
                    return Ended::Parked {
                        commands,
                        next_timer,
                    };
                }
            }
            Some(command) = next_command(&mut commands) => match command {
                Command::Stop { error, cause, done } => {
                    stop_acks.push(done);
                    pending.push_back((Event::Stop { error, cause }, clock.now_ms()));
                }
                Command::Callback { task, callback, done } => {
                    callbacks.push_back((task, callback, done));
                }
                Command::Event { event, done } => {
                    event_acks.push(done);
                    pending.push_back((event, clock.now_ms()));
                }
                // Commands come between turns: what this one did is durable already.
                Command::Release => return Ended::Released,
            },
        }
    }
}

/// The next command, if the execution takes commands; never without.
async fn next_command(commands: &mut Option<mpsc::UnboundedReceiver<Command>>) -> Option<Command> {
    match commands {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Completes after `after`; never without it.
async fn idle(after: Option<Duration>) {
    match after {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Answers a callback.
type CallbackAck = oneshot::Sender<Result<(), CallbackError>>;
