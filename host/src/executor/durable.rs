//! Durability: what a Standard execution's stored steps mean, so that a crash loses nothing.
//!
//! Every event fed to the interpreter is a step, kept with the history events it recorded; the
//! driver ([`super::driver`]) commits the steps of a turn before any of their actions is
//! carried out — a task spawned, a timer armed, the end reported — so whatever the host did,
//! the store knew first. The interpreter is deterministic (its randomness is seeded, its clock is the step's
//! time), so replaying the stored steps rebuilds the execution exactly; [`replay`] does that
//! on start and says what was in flight: tasks to run again, timers to arm at their original
//! deadlines.

use std::collections::{BTreeMap, HashMap};

use super::Timers;
use crate::history::HistoryEvent;
use crate::interp::{Action, Event, Execution, Status, TaskId, TaskRequest};
use crate::store::{ExecutionRecord, ExecutionStatus, StepRecord};

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
    /// How many tasks of each state (by name) ended: succeeded, failed or were cancelled. A
    /// test case's mocked invocations count on from these, not from zero again.
    pub ended_by_state: HashMap<String, u32>,
    /// The steps ended the execution and it is to be redriven: the driver's first event is
    /// [`Event::Redrive`].
    pub redrive: bool,
    /// Its activity tasks that wait for workers are still in their queues (it was woken on
    /// the host it parked on): they are not queued again, which would hand a worker a task
    /// that another worker is taking.
    pub queues_kept: bool,
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
                self.end(*task);
            }
            Event::TimerFired(timer) => self.timers.cancel(*timer),
            Event::Start
            | Event::TaskHeartbeat(_)
            | Event::Stop { .. }
            | Event::Redrive
            | Event::MapRunUpdated { .. } => {}
        }
    }

    /// A task is no longer in flight; it counts as one invocation of its state.
    fn end(&mut self, id: TaskId) {
        let Some(task) = self.tasks.remove(&id) else {
            return;
        };
        if let Some(state) = task.request.context["State"]["Name"].as_str() {
            *self.ended_by_state.entry(state.to_owned()).or_default() += 1;
        }
    }

    fn action(&mut self, now_ms: i64, action: &Action) {
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
            Action::CancelTask(id) => self.end(*id),
            Action::ArmTimer { timer, at_ms } => self.timers.arm(*timer, now_ms, *at_ms),
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
    /// The steps leave the execution running, though it is to be redriven.
    #[error("the steps do not end the execution")]
    NotEnded,
}

pub(super) fn history_text(events: &[HistoryEvent]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[]".to_owned())
}

/// Feeds `steps` to a new `exec` and checks that each records the history it recorded then.
pub fn replay(exec: &mut Execution, steps: &[StepRecord]) -> Result<Outstanding, ReplayError> {
    let out = replay_steps(exec, steps)?;
    if exec.status != Status::Running {
        return Err(ReplayError::Ended);
    }
    Ok(out)
}

/// The same for an execution that ended and is to be redriven: its steps must end it.
pub fn replay_to_redrive(
    exec: &mut Execution,
    steps: &[StepRecord],
) -> Result<Outstanding, ReplayError> {
    let mut out = replay_steps(exec, steps)?;
    if exec.status == Status::Running {
        return Err(ReplayError::NotEnded);
    }
    out.redrive = true;
    Ok(out)
}

fn replay_steps(exec: &mut Execution, steps: &[StepRecord]) -> Result<Outstanding, ReplayError> {
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
            out.action(step.now_ms, action);
        }
        exec.forget_history();
    }
    out.next_step = steps.len() as u64;
    Ok(out)
}

/// The record of an execution that has ended, from its running record.
pub fn ended(mut record: ExecutionRecord, status: &Status, stop_ms: i64) -> ExecutionRecord {
    record.stop_ms = Some(stop_ms);
    let (output, failure) = match status {
        Status::Running | Status::TimedOut => (None, None),
        Status::Succeeded(v) => (Some(v.to_string()), None),
        Status::Failed(f) | Status::Aborted(f) => (None, Some(f)),
    };
    record.status = record_status(status);
    record.output = output;
    record.error = failure.and_then(|f| f.error.clone());
    record.cause = failure.and_then(|f| f.cause.clone());
    record
}

/// The record's status for the interpreter's.
pub fn record_status(status: &Status) -> ExecutionStatus {
    match status {
        Status::Running => ExecutionStatus::Running,
        Status::Succeeded(_) => ExecutionStatus::Succeeded,
        Status::Failed(_) => ExecutionStatus::Failed,
        Status::TimedOut => ExecutionStatus::TimedOut,
        Status::Aborted(_) => ExecutionStatus::Aborted,
    }
}
