//! The executor: carries out the interpreter's actions — timers on tokio's clock, tasks
//! through a [`TaskRunner`] — and feeds what happens back as events. One [`driver`] does it for
//! every execution, durable (each step committed to the store before it is acted on) or in
//! memory; [`durable`] rebuilds an execution from its stored steps. Under a paused tokio clock
//! (tests) timers fire at once in virtual time, so a machine that waits an hour is checked in
//! microseconds.

pub mod driver;
pub mod durable;
#[cfg(test)]
mod tests;

pub use driver::{Callback, CallbackError, Command, Ended, Journal, Run, drive};

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::interp::errors::names;
use crate::interp::{Event, Execution, Failure, TaskId, TaskRequest, TimerId};

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// With this result.
    Succeeded(Value),
    /// With this error.
    Failed(Failure),
    /// Handed over with this response (a `.waitForTaskToken` call made): the task now waits
    /// for its token, and nothing runs for it meanwhile.
    Submitted(Value),
    /// An activity task is in its activity's queue: nothing runs for it, and a worker taking
    /// it comes as a callback ([`Callback::Started`]), so the execution may park meanwhile.
    Queued,
}

impl TaskOutcome {
    /// How the task's work ended, as a word (the metrics' label).
    pub fn kind(&self) -> &'static str {
        match self {
            TaskOutcome::Succeeded(_) => "succeeded",
            TaskOutcome::Failed(_) => "failed",
            TaskOutcome::Submitted(_) => "submitted",
            TaskOutcome::Queued => "queued",
        }
    }
}

impl From<Result<Value, Failure>> for TaskOutcome {
    /// A task that ended with its result or its error.
    fn from(result: Result<Value, Failure>) -> Self {
        match result {
            Ok(output) => TaskOutcome::Succeeded(output),
            Err(failure) => TaskOutcome::Failed(failure),
        }
    }
}

impl TaskOutcome {
    /// The event that tells the interpreter how `task` ended; none for a task that waits in a
    /// queue (its start and end come later, as callbacks).
    pub fn into_event(self, task: TaskId) -> Option<Event> {
        Some(match self {
            TaskOutcome::Succeeded(output) => Event::TaskSucceeded { task, output },
            TaskOutcome::Failed(failure) => Event::TaskFailed { task, failure },
            TaskOutcome::Submitted(output) => Event::TaskSubmitted { task, output },
            TaskOutcome::Queued => return None,
        })
    }
}

/// What a running task reports before it ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// It is alive.
    Beat,
    /// The job it started is submitted, with this response (`.sync`).
    Submitted(Value),
    /// An activity task was taken (a mocked activity: no worker polls for it).
    Taken,
}

impl Progress {
    /// The event that tells the interpreter.
    pub fn into_event(self, task: TaskId) -> Event {
        match self {
            Progress::Beat => Event::TaskHeartbeat(task),
            Progress::Submitted(output) => Event::TaskSubmitted { task, output },
            Progress::Taken => Event::ActivityStarted { task, worker: None },
        }
    }
}

/// Lets a running task report progress.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    task: TaskId,
    tx: mpsc::UnboundedSender<(TaskId, Progress)>,
}

impl Heartbeat {
    /// A handle that reports for `task` on `tx`.
    pub fn new(task: TaskId, tx: mpsc::UnboundedSender<(TaskId, Progress)>) -> Self {
        Heartbeat { task, tx }
    }

    /// The task is alive: restart its HeartbeatSeconds clock.
    pub fn beat(&self) {
        // The execution may have ended; then nobody listens and that is fine.
        let _ = self.tx.send((self.task, Progress::Beat));
    }

    /// The job the task started is submitted (`.sync`): recorded as TaskSubmitted, so that
    /// a restart waits for that job instead of starting another.
    pub fn submitted(&self, response: Value) {
        let _ = self.tx.send((self.task, Progress::Submitted(response)));
    }

    /// The activity task is taken (recorded as ActivityStarted), when no worker takes it.
    pub fn taken(&self) {
        let _ = self.tx.send((self.task, Progress::Taken));
    }
}

/// A future returned by a [`TaskRunner`].
pub type TaskFuture = Pin<Box<dyn Future<Output = TaskOutcome> + Send>>;

/// Runs the work behind Task states. Dropping the future cancels the task.
pub trait TaskRunner: Send + Sync {
    /// Runs one task.
    fn run(&self, request: TaskRequest, heartbeat: Heartbeat) -> TaskFuture;

    /// Goes on with a task whose job was submitted (`.sync`) before the host restarted:
    /// waits for that job instead of starting another.
    fn resume(&self, request: TaskRequest, submitted: Value, heartbeat: Heartbeat) -> TaskFuture {
        let _ = submitted;
        self.run(request, heartbeat)
    }

    /// Asks the job a `.sync` task submitted to stop, its task being aborted. Best effort:
    /// the future reports nothing.
    fn cancel(
        &self,
        request: &TaskRequest,
        submitted: Value,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let _ = (request, submitted);
        Box::pin(std::future::ready(()))
    }

    /// Takes a task that waits in a queue ([`TaskOutcome::Queued`]) out of it: it ended
    /// otherwise (timed out, stopped, answered by its token).
    fn withdraw(&self, request: &TaskRequest) {
        let _ = request;
    }
}

/// The runner for a host that has no task resources: every Task fails with States.Runtime,
/// naming the resource, so a machine with tasks ends with a clear error instead of hanging.
#[derive(Debug, Default)]
pub struct NoResources;

impl TaskRunner for NoResources {
    fn run(&self, request: TaskRequest, _heartbeat: Heartbeat) -> TaskFuture {
        let cause = format!(
            "The resource '{}' is not available: this host runs no task resources yet (Lambda functions, activities and service integrations are not configured)",
            request.resource
        );
        Box::pin(async move { TaskOutcome::Failed(Failure::new(names::RUNTIME, cause)) })
    }
}

/// Why the executor stopped before the execution ended.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExecutorError {
    /// The interpreter waits on nothing the executor can deliver: a bug, reported instead of a
    /// hang.
    #[error("the execution is stuck: no timer or task is pending")]
    Stuck,
}

/// Maps tokio's (possibly paused) clock to wall-clock milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_ms: i64,
    base: Instant,
}

impl Clock {
    /// A clock that reads `start_ms` now.
    pub fn starting_at(start_ms: i64) -> Self {
        Clock {
            base_ms: start_ms,
            base: Instant::now(),
        }
    }

    /// A clock on the system time.
    pub fn system() -> Self {
        Self::starting_at(chrono::Utc::now().timestamp_millis())
    }

    /// Milliseconds since the epoch, now.
    pub fn now_ms(&self) -> i64 {
        self.base_ms + self.base.elapsed().as_millis() as i64
    }

    pub(crate) fn instant_at(&self, ms: i64) -> Instant {
        let delta = ms.saturating_sub(self.base_ms).max(0) as u64;
        self.base + std::time::Duration::from_millis(delta)
    }
}

/// The timers an execution has armed, soonest first.
#[derive(Debug, Default)]
pub struct Timers {
    by_deadline: BTreeSet<(i64, TimerId)>,
    /// Each timer's deadline as the interpreter asked for it, and when it was armed.
    deadlines: HashMap<TimerId, (i64, i64)>,
    /// The wait-time scale (1 unless tests speed time up): a timer armed at `t` for `at`
    /// fires at `t + (at - t) × scale`, the same absolute moment however often it is
    /// rebuilt from the steps that armed it.
    scale: Option<f64>,
}

fn scaled_deadline(scale: Option<f64>, armed_ms: i64, at_ms: i64) -> i64 {
    match scale {
        None => at_ms,
        Some(f) => armed_ms.saturating_add(((at_ms.saturating_sub(armed_ms)) as f64 * f) as i64),
    }
}

impl Timers {
    /// Arms `timer`, armed at `armed_ms`, for `at_ms` (milliseconds since the epoch).
    pub fn arm(&mut self, timer: TimerId, armed_ms: i64, at_ms: i64) {
        self.deadlines.insert(timer, (armed_ms, at_ms));
        self.by_deadline
            .insert((self.effective(armed_ms, at_ms), timer));
    }

    /// The same timers under wait-time `scale` (1: as asked).
    pub fn scaled(mut self, scale: f64) -> Timers {
        self.scale = (scale != 1.0).then_some(scale);
        let scale = self.scale;
        self.by_deadline = self
            .deadlines
            .iter()
            .map(|(&timer, &(armed, at))| (scaled_deadline(scale, armed, at), timer))
            .collect();
        self
    }

    fn effective(&self, armed_ms: i64, at_ms: i64) -> i64 {
        scaled_deadline(self.scale, armed_ms, at_ms)
    }

    /// Disarms `timer`, if armed.
    pub fn cancel(&mut self, timer: TimerId) {
        if let Some((armed, at)) = self.deadlines.remove(&timer) {
            self.by_deadline.remove(&(self.effective(armed, at), timer));
        }
    }

    /// The soonest deadline armed.
    pub fn next_deadline(&self) -> Option<i64> {
        self.by_deadline.first().map(|&(at, _)| at)
    }

    /// Whether none is armed.
    pub fn is_empty(&self) -> bool {
        self.by_deadline.is_empty()
    }

    /// Waits for the soonest timer and disarms it. Cancel-safe: dropped before it is due, it
    /// disarms nothing. With no timer armed it never completes.
    pub async fn fired(&mut self, clock: Clock) -> TimerId {
        let Some(&(at, timer)) = self.by_deadline.first() else {
            return std::future::pending().await;
        };
        tokio::time::sleep_until(clock.instant_at(at)).await;
        self.cancel(timer);
        timer
    }
}

/// Runs `exec` in memory from its start to its end.
pub async fn run(
    exec: &mut Execution,
    runner: Arc<dyn TaskRunner>,
    clock: Clock,
) -> Result<(), ExecutorError> {
    match drive(exec, Run::in_memory(runner, clock), None, None).await {
        Ended::Stuck => Err(ExecutorError::Stuck),
        _ => Ok(()),
    }
}
