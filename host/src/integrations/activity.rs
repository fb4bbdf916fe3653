//! Activity tasks: a Task on `arn:aws:states:REGION:ACCOUNT:activity:NAME` schedules its
//! input here, and a worker takes it with GetActivityTask, receiving the task token that it
//! later returns with SendTaskSuccess/SendTaskFailure (and SendTaskHeartbeat meanwhile).
//!
//! A scheduled task is an entry in its activity's queue holding only what a worker is handed:
//! its token and its input. Nothing of its execution is held here, so an execution whose task
//! waits for a worker parks like any other. The token names the execution and the task, and
//! whoever takes an entry tells that execution (see `host::callbacks`), which records
//! ActivityStarted, or answers that the task no longer waits (it timed out or was stopped) so
//! that the next entry is taken instead. Scheduling a task twice (an execution rebuilt from its
//! steps schedules again what no worker took) keeps one entry. A withdrawn task's entry is
//! dropped when its turn comes, and the queue is compacted when most of it is withdrawn.
//! Pollers wait on a [`Notify`], holding no thread: thousands of idle long polls cost a few
//! hundred bytes each.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use crate::interp::Failure;
use crate::interp::errors::names;

/// Longest a GetActivityTask waits for a task (AWS: 60 s).
pub const MAX_POLL: Duration = Duration::from_secs(60);

/// A task handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityTask {
    /// The token the worker returns.
    pub token: String,
    /// The task's input, as JSON text.
    pub input: String,
}

/// One queue's entries, oldest first. `live` holds the tokens of the entries not withdrawn
/// (shared with them, so a token is stored once).
#[derive(Default)]
struct Entries {
    order: VecDeque<(Arc<str>, Box<str>)>,
    live: HashSet<Arc<str>>,
}

impl Entries {
    fn push(&mut self, task: ActivityTask) -> bool {
        if self.live.contains(task.token.as_str()) {
            return false;
        }
        let token: Arc<str> = Arc::from(task.token);
        self.live.insert(token.clone());
        self.order.push_back((token, task.input.into_boxed_str()));
        true
    }

    fn pop(&mut self) -> Option<ActivityTask> {
        while let Some((token, input)) = self.order.pop_front() {
            if self.live.remove(&token) {
                return Some(ActivityTask {
                    token: token.to_string(),
                    input: input.into_string(),
                });
            }
            // Withdrawn: its task no longer waits.
        }
        None
    }

    fn withdraw(&mut self, token: &str) {
        if self.live.remove(token) && self.order.len() > 2 * self.live.len() + 64 {
            let live = &self.live;
            self.order.retain(|(t, _)| live.contains(t));
        }
    }

    fn len(&self) -> usize {
        self.live.len()
    }
}

#[derive(Default)]
struct Queue {
    entries: Mutex<Entries>,
    ready: Notify,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The activities' queues, by activity name.
#[derive(Default)]
pub struct ActivityQueues {
    queues: Mutex<HashMap<String, Arc<Queue>>>,
}

impl std::fmt::Debug for ActivityQueues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActivityQueues").finish_non_exhaustive()
    }
}

/// GetActivityTask on an activity that does not exist.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Activity Does Not Exist: '{0}'")]
pub struct NoSuchActivity(pub String);

impl ActivityQueues {
    fn queues(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Queue>>> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn queue(&self, name: &str) -> Option<Arc<Queue>> {
        self.queues().get(name).cloned()
    }

    /// Tasks waiting for a worker, by activity name (for the metrics).
    pub fn depths(&self) -> Vec<(String, usize)> {
        self.queues()
            .iter()
            .map(|(name, q)| (name.clone(), q.lock().len()))
            .collect()
    }

    /// The activity exists: tasks may be scheduled on it.
    pub fn open(&self, name: &str) {
        self.queues().entry(name.to_owned()).or_default();
    }

    /// Whether the activity exists (tasks may be scheduled on it).
    pub fn is_open(&self, name: &str) -> bool {
        self.queues().contains_key(name)
    }

    /// The activity is deleted: no more tasks are scheduled, and the tasks that waited are
    /// given back (their executions are to be told).
    pub fn close(&self, name: &str) -> Vec<ActivityTask> {
        let Some(queue) = self.queues().remove(name) else {
            return Vec::new();
        };
        let mut entries = queue.lock();
        std::iter::from_fn(|| entries.pop()).collect()
    }

    /// Puts a task in its activity's queue for a worker (once: a task already waiting there
    /// is not queued again).
    pub fn schedule(&self, name: &str, task: ActivityTask) -> Result<(), Failure> {
        let Some(queue) = self.queue(name) else {
            return Err(Failure::new(
                names::RUNTIME,
                format!(
                    "The activity '{name}' does not exist; create it with CreateActivity before running a Task on it"
                ),
            ));
        };
        if queue.lock().push(task) {
            queue.ready.notify_one();
        }
        Ok(())
    }

    /// Takes a task out of the queue: it no longer waits for a worker (it timed out, or its
    /// execution was stopped).
    pub fn withdraw(&self, name: &str, token: &str) {
        if let Some(queue) = self.queue(name) {
            queue.lock().withdraw(token);
        }
    }

    /// The oldest task of the activity, waiting until `deadline` for one. The caller tells the
    /// task's execution that it is taken.
    pub async fn take(
        &self,
        name: &str,
        deadline: tokio::time::Instant,
    ) -> Result<Option<ActivityTask>, NoSuchActivity> {
        let queue = self
            .queue(name)
            .ok_or_else(|| NoSuchActivity(name.to_owned()))?;
        loop {
            // Registered before looking, so that a task scheduled in between wakes us.
            let notified = queue.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (task, more) = {
                let mut entries = queue.lock();
                let task = entries.pop();
                (task, entries.len() > 0)
            };
            if let Some(task) = task {
                // Others may be waiting for what is left.
                if more {
                    queue.ready.notify_one();
                }
                return Ok(Some(task));
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests;
