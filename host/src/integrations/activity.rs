//! Activity tasks: a Task on `arn:aws:states:REGION:ACCOUNT:activity:NAME` schedules its
//! input here, and a worker takes it with GetActivityTask, receiving the task token that it
//! later returns with SendTaskSuccess/SendTaskFailure (and SendTaskHeartbeat meanwhile).
//!
//! A scheduled task is an entry in its activity's queue holding the sending half of a oneshot;
//! the executor's future for the task holds the other half. A worker takes an entry by sending
//! its name down that oneshot, which wakes the executor to record ActivityStarted. An entry
//! whose task was meanwhile aborted or timed out has a closed oneshot and is skipped, so
//! withdrawing a task costs nothing. Pollers wait on a [`Notify`], holding no thread: thousands
//! of idle long polls cost a few hundred bytes each.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, oneshot};

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

struct Scheduled {
    task: ActivityTask,
    taken: oneshot::Sender<Option<String>>,
}

#[derive(Default)]
struct Queue {
    tasks: Mutex<VecDeque<Scheduled>>,
    ready: Notify,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Scheduled>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands the oldest live task to `worker`, if there is one.
    fn take(&self, worker: &Option<String>) -> Option<ActivityTask> {
        let mut tasks = self.lock();
        while let Some(s) = tasks.pop_front() {
            if s.taken.send(worker.clone()).is_ok() {
                return Some(s.task);
            }
            // Its task no longer waits (aborted, timed out): skip it.
        }
        None
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

    /// The activity is deleted: its waiting tasks fail, and no more are scheduled.
    pub fn close(&self, name: &str) {
        self.queues().remove(name);
    }

    /// Schedules a task and waits until a worker takes it; gives the worker's name. Dropping
    /// the future withdraws the task.
    pub async fn schedule(
        &self,
        name: &str,
        task: ActivityTask,
    ) -> Result<Option<String>, Failure> {
        let Some(queue) = self.queue(name) else {
            return Err(Failure::new(
                names::RUNTIME,
                format!(
                    "The activity '{name}' does not exist; create it with CreateActivity before running a Task on it"
                ),
            ));
        };
        let (taken, rx) = oneshot::channel();
        queue.lock().push_back(Scheduled { task, taken });
        queue.ready.notify_one();
        drop(queue);
        rx.await.map_err(|_| {
            Failure::new(
                names::RUNTIME,
                format!("The activity '{name}' was deleted while the task waited for a worker"),
            )
        })
    }

    /// GetActivityTask: the oldest task of the activity, waiting up to `wait` for one.
    pub async fn take(
        &self,
        name: &str,
        worker: Option<String>,
        wait: Duration,
    ) -> Result<Option<ActivityTask>, NoSuchActivity> {
        let queue = self
            .queue(name)
            .ok_or_else(|| NoSuchActivity(name.to_owned()))?;
        let deadline = tokio::time::Instant::now() + wait.min(MAX_POLL);
        loop {
            // Registered before looking, so that a task scheduled in between wakes us.
            let notified = queue.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(task) = queue.take(&worker) {
                // Others may be waiting for what is left.
                if !queue.lock().is_empty() {
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
