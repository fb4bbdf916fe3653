//! The interpreter, pure and deterministic: `step(execution, now, event) -> actions`.
//!
//! It never sleeps, spawns or does I/O. An execution is plain data: threads (the top-level
//! machine, each Parallel branch, each Map iteration) with a program counter, a queue of
//! runnable threads, pending timers and tasks, and the history recorded so far. An event (start,
//! a timer fired, a task finished, stop) moves threads forward until every thread waits on a timer
//! or a task, then the interpreter returns what the executor must do: invoke a task, arm or
//! cancel a timer, report the end. Runnable threads take turns one history event at a time, which
//! gives Parallel branches the interleaved history AWS records.

pub mod dataflow;
pub mod errors;
pub mod jsonata;
pub mod probe;
pub mod program;
pub mod retry;
pub mod states;
pub mod variables;

pub(crate) mod context;
mod execution;

pub use context::{ExecutionInfo, iso_time as context_iso_time};
pub use errors::Failure;
pub use execution::{Execution, MAX_HISTORY_EVENTS, Status};
pub use program::Program;

use serde_json::Value;

/// Identifies a timer the interpreter asked for.
pub type TimerId = u64;
/// Identifies a task invocation the interpreter asked for.
pub type TaskId = u64;

/// What happened, as fed to [`Execution::step`]. Serialisable: a durable execution keeps the
/// events it was fed, and replaying them rebuilds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// Begin the execution.
    Start,
    /// A timer armed by [`Action::ArmTimer`] is due.
    TimerFired(TimerId),
    /// The executor began running a task.
    TaskStarted(TaskId),
    /// The task reported progress (resets its heartbeat timeout).
    TaskHeartbeat(TaskId),
    /// The task's call was made and its job (`.sync`) or token (`.waitForTaskToken`) is now
    /// awaited: the call's response, recorded so that a restart waits instead of calling again.
    TaskSubmitted {
        /// Which task.
        task: TaskId,
        /// The call's response.
        output: Value,
    },
    /// An activity worker took the task with GetActivityTask.
    ActivityStarted {
        /// Which task.
        task: TaskId,
        /// The worker's name.
        worker: Option<String>,
    },
    /// The task finished with this result.
    TaskSucceeded {
        /// Which task.
        task: TaskId,
        /// Its result.
        output: Value,
    },
    /// The task failed.
    TaskFailed {
        /// Which task.
        task: TaskId,
        /// The error.
        failure: Failure,
    },
    /// RedriveExecution: an execution that failed, was aborted or timed out goes on from the
    /// states that did not finish, each entered again with the input it had.
    Redrive,
    /// UpdateMapRun: the running Map Run goes on with the settings given.
    MapRunUpdated {
        /// The Map Run.
        map_run_arn: String,
        /// Its new MaxConcurrency (0: no limit).
        max_concurrency: Option<u64>,
        /// Its new ToleratedFailureCount.
        tolerated_failure_count: Option<u64>,
        /// Its new ToleratedFailurePercentage.
        tolerated_failure_percentage: Option<f64>,
    },
    /// StopExecution.
    Stop {
        /// Error given to StopExecution.
        error: Option<String>,
        /// Cause given to StopExecution.
        cause: Option<String>,
    },
}

/// What the executor must do.
// InvokeTask is the action nearly every step produces, and it is moved to the executor once:
// boxing it would add an allocation per task to save a few bytes on rarer actions.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Run a task and report back with TaskStarted/TaskSucceeded/TaskFailed.
    InvokeTask(TaskRequest),
    /// The task is no longer wanted (timed out, or its execution ended): stop it if possible.
    CancelTask(TaskId),
    /// Report [`Event::TimerFired`] at this time (milliseconds since the epoch).
    ArmTimer {
        /// Which timer.
        timer: TimerId,
        /// When.
        at_ms: i64,
    },
    /// The timer is no longer wanted.
    CancelTimer(TimerId),
    /// The execution has ended; nothing more will happen.
    Finished,
}

/// A task for the executor to run.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    /// Identifies this invocation in later events.
    pub task: TaskId,
    /// The state's `Resource`, parsed when its definition was compiled.
    pub resource: std::sync::Arc<crate::arn::TaskResource>,
    /// The effective input (after InputPath and Parameters).
    pub input: Value,
    /// The context object as the task sees it (`$$`, without the copy of the execution input
    /// in `Execution.Input`), with `Task.Token` for callback tasks.
    pub context: Value,
    /// The state's TimeoutSeconds, if any.
    pub timeout_seconds: Option<u64>,
    /// The state's HeartbeatSeconds, if any.
    pub heartbeat_seconds: Option<u64>,
    /// The task token (activities and `.waitForTaskToken` callbacks).
    pub token: Option<String>,
}

/// AWS limit on any payload: input, output, state data (256 KiB).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
