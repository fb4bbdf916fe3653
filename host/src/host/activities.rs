//! Activities: the registry of every activity, kept in the [`Store`] and in memory, with the
//! queue its tasks wait in for workers and, where its tags ask for one, the pool of deployed
//! functions that work it (see [`super::workers`]).
//!
//! Must not: run executions or deliver tokens itself (workers answer through
//! [`super::callbacks::Callbacks`], as an external worker's SendTask* calls do).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::callbacks::{Callbacks, TakeError};
use super::workers::{self, Worker};
pub use super::workers::{BadConcurrency, pool_of};
use crate::executor::Callback;
use crate::integrations::activity::{ActivityQueues, ActivityTask};
use crate::interp::Failure;
use crate::interp::errors::names;
use crate::runtime::{GuestCalls, Runtime};
use crate::store::{ActivityRecord, Store, StoreError, Write};

/// Every activity, by ARN. Writes go to the store first, then to memory.
pub struct Activities {
    store: Arc<dyn Store>,
    by_arn: RwLock<BTreeMap<String, ActivityRecord>>,
    /// Where activity tasks wait for workers.
    queues: Arc<ActivityQueues>,
    /// What function workers run with.
    worker: Worker,
    /// The function workers of each activity (by name).
    pools: Mutex<HashMap<String, Vec<tokio::task::AbortHandle>>>,
}

impl std::fmt::Debug for Activities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Activities").finish_non_exhaustive()
    }
}

impl Activities {
    /// The activities of `records` (as loaded from `store`), their queues open and their
    /// workers started.
    pub fn load(
        store: Arc<dyn Store>,
        queues: Arc<ActivityQueues>,
        runtime: Arc<Runtime>,
        calls: Arc<dyn GuestCalls>,
        callbacks: Arc<Callbacks>,
        records: Vec<ActivityRecord>,
    ) -> Activities {
        let activities = Activities {
            store,
            by_arn: RwLock::default(),
            worker: Worker {
                queues: queues.clone(),
                runtime,
                calls,
                callbacks,
            },
            queues,
            pools: Mutex::default(),
        };
        for a in records {
            activities.serve(a);
        }
        activities
    }

    /// The queues activity tasks wait in (GetActivityTask takes from them).
    pub fn queues(&self) -> &Arc<ActivityQueues> {
        &self.queues
    }

    /// GetActivityTask: the oldest task of the activity `name` that still waits, its start
    /// recorded, waiting up to `wait` for one.
    pub async fn take(
        &self,
        name: &str,
        worker: Option<String>,
        wait: Duration,
    ) -> Result<Option<ActivityTask>, TakeError> {
        self.worker
            .callbacks
            .take(&self.queues, name, worker, wait)
            .await
    }

    /// An activity by ARN.
    pub fn get(&self, arn: &str) -> Option<ActivityRecord> {
        self.read().get(arn).cloned()
    }

    /// Every activity.
    pub fn list(&self) -> Vec<ActivityRecord> {
        self.read().values().cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, ActivityRecord>> {
        self.by_arn.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, ActivityRecord>> {
        self.by_arn.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores an activity (new or with new tags) and serves it.
    pub async fn put(&self, activity: ActivityRecord) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::PutActivity(activity.clone())])
            .await?;
        self.serve(activity);
        Ok(())
    }

    /// Deletes an activity.
    pub async fn delete(&self, arn: &str) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::DeleteActivity(arn.to_owned())])
            .await?;
        if let Some(a) = self.write().remove(arn) {
            let waiting = self.queues.close(&a.name);
            self.dismiss(&a.name);
            self.fail_waiting(&a.name, waiting);
        }
        Ok(())
    }

    /// The tasks that waited for a worker of a deleted activity fail (in the background: they
    /// may be many, each told to its execution).
    fn fail_waiting(&self, activity: &str, waiting: Vec<ActivityTask>) {
        if waiting.is_empty() {
            return;
        }
        let callbacks = self.worker.callbacks.clone();
        let failure = Failure::new(
            names::RUNTIME,
            format!("The activity '{activity}' was deleted while the task waited for a worker"),
        );
        tokio::spawn(async move {
            for task in waiting {
                let failed = Callback::Failure(failure.clone());
                // A task that no longer waits has nothing to be told.
                let _ = callbacks.deliver(&task.token, failed).await;
            }
        });
    }

    /// Opens an activity's queue, staffs it and keeps it in memory.
    fn serve(&self, activity: ActivityRecord) {
        self.queues.open(&activity.name);
        self.staff(&activity);
        self.write().insert(activity.arn.clone(), activity);
    }

    /// Starts the function workers an activity's tags ask for, replacing any it had.
    fn staff(&self, activity: &ActivityRecord) {
        self.dismiss(&activity.name);
        let (function, concurrency) = match workers::pool_of(&activity.tags) {
            Ok(Some(pool)) => pool,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(activity = %activity.name, error = %e, "no function workers");
                return;
            }
        };
        let handles = (0..concurrency)
            .map(|i| {
                let work = self
                    .worker
                    .clone()
                    .work(activity.name.clone(), function.clone(), i);
                tokio::spawn(work).abort_handle()
            })
            .collect();
        self.pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(activity.name.clone(), handles);
    }

    fn dismiss(&self, activity: &str) {
        let pool = self
            .pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(activity);
        for handle in pool.into_iter().flatten() {
            handle.abort();
        }
    }
}

impl Drop for Activities {
    fn drop(&mut self) {
        let pools = std::mem::take(self.pools.get_mut().unwrap_or_else(|e| e.into_inner()));
        for handle in pools.into_values().flatten() {
            handle.abort();
        }
    }
}
