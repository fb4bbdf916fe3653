//! Task tokens and what they bring back: the host's signing key (persisted, so that waiting
//! tokens survive a restart) and SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, each
//! checked against the key and delivered to the execution and task the token names; and a
//! worker taking an activity task, told the same way to the execution the task's token names.
//!
//! Must not: hold executions (it asks [`Executions`] to deliver) or accept a token twice (the
//! execution's driver takes the first one only).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::executions::Executions;
use crate::executor::{Callback, CallbackError};
use crate::integrations::activity::{ActivityQueues, ActivityTask, MAX_POLL, NoSuchActivity};
use crate::store::{Store, StoreError, Write};
use crate::tokens::TokenKey;

/// The settings key of the task-token secret.
const TOKEN_KEY_SETTING: &str = "task_token_key";

/// Why SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat was refused.
#[derive(Debug, thiserror::Error)]
pub enum CallbackRefused {
    /// The token is not one this host issued.
    #[error("Invalid Token: {0}")]
    InvalidToken(String),
    /// The token names an execution this host does not know.
    #[error("Task Does Not Exist: the execution '{0}' does not exist")]
    TaskDoesNotExist(String),
    /// The task no longer waits: it already took a token, timed out, or its execution ended.
    #[error("Task Timed Out: 'Provided task does not exist anymore'")]
    TaskTimedOut,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why GetActivityTask gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// The activity does not exist.
    #[error(transparent)]
    NoSuchActivity(#[from] NoSuchActivity),
    /// The store failed while the task's start was recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The host's task-token key: the stored one, or a new one stored now.
pub async fn token_key(
    store: &Arc<dyn Store>,
    settings: &BTreeMap<String, String>,
) -> Result<TokenKey, StoreError> {
    if let Some(key) = settings
        .get(TOKEN_KEY_SETTING)
        .and_then(|k| TokenKey::from_hex(k))
    {
        return Ok(key);
    }
    let key = TokenKey::generate();
    store
        .commit(vec![Write::PutSetting {
            key: TOKEN_KEY_SETTING.into(),
            value: key.to_hex(),
        }])
        .await?;
    Ok(key)
}

/// Delivers task tokens' callbacks.
pub struct Callbacks {
    key: Arc<TokenKey>,
    store: Arc<dyn Store>,
    executions: Arc<Executions>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks").finish_non_exhaustive()
    }
}

impl Callbacks {
    /// Callbacks checked with `key` and delivered to `executions`.
    pub fn new(key: Arc<TokenKey>, store: Arc<dyn Store>, executions: Arc<Executions>) -> Self {
        Callbacks {
            key,
            store,
            executions,
        }
    }

    /// GetActivityTask (and a function worker's poll): the oldest task of the activity that
    /// still waits, waiting up to `wait` for one. Its execution records ActivityStarted (durably)
    /// before the task is handed over; a task that no longer waits (timed out, stopped, its
    /// execution ended) is passed over for the next.
    pub async fn take(
        &self,
        queues: &ActivityQueues,
        activity: &str,
        worker: Option<String>,
        wait: Duration,
    ) -> Result<Option<ActivityTask>, TakeError> {
        let deadline = tokio::time::Instant::now() + wait.min(MAX_POLL);
        loop {
            let Some(task) = queues.take(activity, deadline).await? else {
                return Ok(None);
            };
            let started = Callback::Started {
                worker: worker.clone(),
            };
            match self.deliver(&task.token, started).await {
                Ok(()) => return Ok(Some(task)),
                Err(CallbackRefused::Store(e)) => return Err(TakeError::Store(e)),
                Err(e) => {
                    tracing::debug!(%activity, error = %e, "an activity task no longer waits")
                }
            }
        }
    }

    /// SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: delivers what a task token brings
    /// to the task it names; returns once that is durable.
    pub async fn deliver(&self, token: &str, callback: Callback) -> Result<(), CallbackRefused> {
        let claims = self
            .key
            .verify(token)
            .map_err(|e| CallbackRefused::InvalidToken(e.to_string()))?;
        if let Some(result) = self
            .executions
            .callback(&claims.execution, claims.task, callback)
            .await
        {
            return result.map_err(|e| match e {
                CallbackError::NotWaiting => CallbackRefused::TaskTimedOut,
                CallbackError::Store(e) => CallbackRefused::Store(e),
            });
        }
        // Not held here: it ended, and its task with it.
        match self.store.execution(&claims.execution)? {
            Some(_) => Err(CallbackRefused::TaskTimedOut),
            None => Err(CallbackRefused::TaskDoesNotExist(claims.execution)),
        }
    }
}
