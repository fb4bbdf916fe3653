//! The in-memory executor: drives one [`Execution`] to its end by carrying out the
//! interpreter's actions — timers on tokio's clock, tasks through a [`TaskRunner`] — and feeding
//! what happens back as events. Under a paused tokio clock (tests) timers fire at once in
//! virtual time, so a machine that waits an hour is checked in microseconds.
//!
//! The durable executor ([`durable`]: persist each event before acting on it) runs Standard
//! executions in the server on the same pieces.

pub mod durable;

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use crate::interp::errors::names;
use crate::interp::{Action, Event, Execution, Failure, TaskId, TaskRequest, TimerId};

/// How a task ended.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskOutcome {
    /// With this result.
    Succeeded(Value),
    /// With this error.
    Failed(Failure),
}

/// Lets a running task report progress.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    task: TaskId,
    tx: mpsc::UnboundedSender<TaskId>,
}

impl Heartbeat {
    /// The task is alive: restart its HeartbeatSeconds clock.
    pub fn beat(&self) {
        // The execution may have ended; then nobody listens and that is fine.
        let _ = self.tx.send(self.task);
    }
}

/// A future returned by a [`TaskRunner`].
pub type TaskFuture = Pin<Box<dyn Future<Output = TaskOutcome> + Send>>;

/// Runs the work behind Task states. Dropping the future cancels the task.
pub trait TaskRunner: Send + Sync {
    /// Runs one task.
    fn run(&self, request: TaskRequest, heartbeat: Heartbeat) -> TaskFuture;
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

    fn instant_at(&self, ms: i64) -> Instant {
        let delta = ms.saturating_sub(self.base_ms).max(0) as u64;
        self.base + std::time::Duration::from_millis(delta)
    }
}

/// Runs `exec` from its start to its end.
pub async fn run(
    exec: &mut Execution,
    runner: Arc<dyn TaskRunner>,
    clock: Clock,
) -> Result<(), ExecutorError> {
    let mut timers: BTreeSet<(i64, TimerId)> = BTreeSet::new();
    let mut deadlines: HashMap<TimerId, i64> = HashMap::new();
    let mut tasks: JoinSet<(TaskId, TaskOutcome)> = JoinSet::new();
    let mut handles: HashMap<TaskId, AbortHandle> = HashMap::new();
    let (beat_tx, mut beat_rx) = mpsc::unbounded_channel::<TaskId>();

    let mut pending = std::collections::VecDeque::from([Event::Start]);
    loop {
        while let Some(event) = pending.pop_front() {
            for action in exec.step(clock.now_ms(), event) {
                match action {
                    Action::InvokeTask(request) => {
                        let id = request.task;
                        let heartbeat = Heartbeat {
                            task: id,
                            tx: beat_tx.clone(),
                        };
                        let fut = runner.run(request, heartbeat);
                        let handle = tasks.spawn(async move { (id, fut.await) });
                        handles.insert(id, handle);
                        // The runner takes the task at once: record it as started.
                        pending.push_back(Event::TaskStarted(id));
                    }
                    Action::CancelTask(id) => {
                        if let Some(h) = handles.remove(&id) {
                            h.abort();
                        }
                    }
                    Action::ArmTimer { timer, at_ms } => {
                        timers.insert((at_ms, timer));
                        deadlines.insert(timer, at_ms);
                    }
                    Action::CancelTimer(timer) => {
                        if let Some(at) = deadlines.remove(&timer) {
                            timers.remove(&(at, timer));
                        }
                    }
                    Action::Finished => {
                        tasks.abort_all();
                        return Ok(());
                    }
                }
            }
        }
        let next_timer = timers.first().copied();
        if next_timer.is_none() && tasks.is_empty() {
            return Err(ExecutorError::Stuck);
        }
        tokio::select! {
            _ = sleep_until(clock, next_timer), if next_timer.is_some() => {
                if let Some((at, timer)) = next_timer {
                    timers.remove(&(at, timer));
                    deadlines.remove(&timer);
                    pending.push_back(Event::TimerFired(timer));
                }
            }
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                // An aborted task reports a JoinError: it was cancelled, nothing to tell.
                if let Ok((task, outcome)) = joined {
                    handles.remove(&task);
                    pending.push_back(match outcome {
                        TaskOutcome::Succeeded(output) => Event::TaskSucceeded { task, output },
                        TaskOutcome::Failed(failure) => Event::TaskFailed { task, failure },
                    });
                }
            }
            Some(task) = beat_rx.recv() => pending.push_back(Event::TaskHeartbeat(task)),
        }
    }
}

async fn sleep_until(clock: Clock, timer: Option<(i64, TimerId)>) {
    if let Some((at, _)) = timer {
        tokio::time::sleep_until(clock.instant_at(at)).await;
    }
}
