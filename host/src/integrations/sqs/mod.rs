//! Built-in SQS queues: the queues themselves ([`Queues`]), durable in the store's objects
//! table, and the `sqs:sendMessage` Step Functions integration over them.
//!
//! A message is committed to the store before SendMessage answers and removed from it when it
//! is deleted; which messages are in flight is kept in memory only, so after a restart every
//! stored message is visible again (at-least-once, as SQS promises). The wire protocol lives in
//! `api/sqs.rs`; this module knows nothing of HTTP.

pub mod config;
pub mod error;
pub mod message;
pub mod queue;
mod task;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::arn::Identity;
use crate::store::{Store, Write};
pub use config::{MAX_DELAY, MAX_VISIBILITY, MAX_WAIT, PASSIVE_ATTRIBUTES, QueueConfig};
pub use error::{Result, SqsError};
use message::{check_attributes, valid_body};
pub use message::{md5_hex, md5_of_attributes};
pub use queue::{MessageAttribute, QueueState, ReceiptError, Received, StoredMessage};

/// The store kind of a queue (key: its name).
pub const QUEUE_KIND: &str = "sqs.queue";
/// The store kind of a message (key: `<queue>/<message id>`).
pub const MESSAGE_KIND: &str = "sqs.message";

/// SQS's limit on a message: body and attributes together, 256 KiB.
pub const MAX_MESSAGE_BYTES: usize = 262_144;

/// One queue.
#[derive(Debug)]
pub struct Queue {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    config: RwLock<QueueConfig>,
    state: Mutex<QueueState>,
    /// Wakes long polls when a message arrives or the queue is deleted.
    arrived: Notify,
    deleted: AtomicBool,
}

impl Queue {
    fn state(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Its settings.
    pub fn config(&self) -> QueueConfig {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What SendMessage takes.
#[derive(Debug, Clone, Default)]
pub struct NewMessage {
    /// The body.
    pub body: String,
    /// Seconds to hide it (the queue's DelaySeconds if `None`).
    pub delay: Option<i64>,
    /// Its attributes.
    pub attributes: BTreeMap<String, MessageAttribute>,
}

/// What SendMessage answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The new MessageId.
    pub id: String,
    /// MD5 of the body, hex.
    pub md5_body: String,
    /// MD5 of the attributes, if any.
    pub md5_attributes: Option<String>,
}

/// Every queue of the host. Cheap to clone.
#[derive(Clone)]
pub struct Queues {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    identity: Identity,
    queues: RwLock<BTreeMap<String, Arc<Queue>>>,
    next_seq: AtomicU64,
    /// Set when the server shuts down: long polls return at once, so that a graceful shutdown
    /// does not wait out their 20 seconds.
    closing: AtomicBool,
}

impl std::fmt::Debug for Queues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queues").finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The queue name in a QueueUrl (`http://host/<account>/<name>`, any host) or a queue ARN
/// (`arn:aws:sqs:<region>:<account>:<name>`), if it is this `account`'s.
pub fn queue_name<'a>(url_or_arn: &'a str, account: &str) -> Option<&'a str> {
    if let Some(arn) = crate::arn::Arn::parse(url_or_arn) {
        return (arn.service == "sqs" && arn.account == account).then_some(arn.resource);
    }
    let path = url_or_arn.split(['?', '#']).next()?.trim_end_matches('/');
    let (rest, name) = path.rsplit_once('/')?;
    let owner = rest.rsplit('/').next()?;
    (owner == account && !name.is_empty()).then_some(name)
}

/// Whether `name` is a valid standard queue name.
fn valid_name(name: &str) -> bool {
    (1..=80).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Queues {
    /// The queues stored in `objects` (as the store loaded them).
    pub fn new(
        store: Arc<dyn Store>,
        identity: &Identity,
        objects: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Queues {
        let mut queues = BTreeMap::new();
        let empty = BTreeMap::new();
        for (name, value) in objects.get(QUEUE_KIND).unwrap_or(&empty) {
            match serde_json::from_str::<QueueConfig>(value) {
                Ok(config) => {
                    let q = Self::make_queue(identity, name, config);
                    queues.insert(name.clone(), q);
                }
                Err(e) => tracing::error!(queue = %name, error = %e, "cannot load a stored queue"),
            }
        }
        let mut last_seq = 0;
        let (now, ms) = (Instant::now(), now_ms());
        for (key, value) in objects.get(MESSAGE_KIND).unwrap_or(&empty) {
            let queue = key.split_once('/').map(|(q, _)| q).unwrap_or_default();
            match (
                queues.get(queue),
                serde_json::from_str::<StoredMessage>(value),
            ) {
                (Some(q), Ok(m)) => {
                    last_seq = last_seq.max(m.seq);
                    let delay = Duration::from_millis((m.delayed_until_ms - ms).max(0) as u64);
                    q.state().push(m, now + delay);
                }
                (_, Err(e)) => {
                    tracing::error!(message = %key, error = %e, "cannot load a stored message")
                }
                (None, _) => tracing::warn!(message = %key, "a stored message has no queue"),
            }
        }
        Queues {
            inner: Arc::new(Inner {
                store,
                identity: identity.clone(),
                queues: RwLock::new(queues),
                next_seq: AtomicU64::new(last_seq + 1),
                closing: AtomicBool::new(false),
            }),
        }
    }

    fn make_queue(identity: &Identity, name: &str, config: QueueConfig) -> Arc<Queue> {
        Arc::new(Queue {
            name: name.to_owned(),
            arn: format!(
                "arn:aws:sqs:{}:{}:{name}",
                identity.region, identity.account
            ),
            config: RwLock::new(config),
            state: Mutex::default(),
            arrived: Notify::new(),
            deleted: AtomicBool::new(false),
        })
    }

    /// Ends every long poll now and in the future with what is there (for shutdown).
    pub fn close(&self) {
        self.inner.closing.store(true, Ordering::SeqCst);
        for q in self.queues().values() {
            q.arrived.notify_waiters();
        }
    }

    /// The account queues belong to.
    pub fn account(&self) -> &str {
        &self.inner.identity.account
    }

    /// A queue's URL on the endpoint `host` (as the request's Host header names it).
    pub fn url(&self, host: &str, name: &str) -> String {
        format!("http://{host}/{}/{name}", self.account())
    }

    fn queues(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Queue>>> {
        self.inner.queues.read().unwrap_or_else(|e| e.into_inner())
    }

    fn queues_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Queue>>> {
        self.inner.queues.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The queue a QueueUrl or queue ARN names.
    pub fn resolve(&self, url_or_arn: &str) -> Result<Arc<Queue>> {
        queue_name(url_or_arn, self.account())
            .and_then(|name| self.queues().get(name).cloned())
            .ok_or_else(|| {
                SqsError::QueueDoesNotExist(format!(
                    "The specified queue does not exist: {url_or_arn}"
                ))
            })
    }

    /// The queue named `name`.
    pub fn get(&self, name: &str) -> Result<Arc<Queue>> {
        self.queues().get(name).cloned().ok_or_else(|| {
            SqsError::QueueDoesNotExist("The specified queue does not exist.".into())
        })
    }

    /// Messages visible in each queue, by name (for the metrics).
    pub fn depths(&self) -> Vec<(String, usize)> {
        let now = Instant::now();
        self.queues()
            .iter()
            .map(|(name, q)| (name.clone(), q.state().counts(now).0))
            .collect()
    }

    /// The names of the queues starting with `prefix`, in order.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        self.queues()
            .keys()
            .filter(|n| n.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// CreateQueue: a new queue, or the existing one if its settings are the same.
    pub async fn create(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
    ) -> Result<Arc<Queue>> {
        if name.ends_with(".fifo") {
            return Err(SqsError::UnsupportedOperation(
                "This host has standard queues only, not FIFO queues".into(),
            ));
        }
        if !valid_name(name) {
            return Err(SqsError::InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length".into(),
            ));
        }
        let mut config = QueueConfig::default();
        config.apply(attributes)?;
        let now = now_ms() / 1000;
        (config.created_s, config.modified_s) = (now, now);
        let queue = {
            let mut queues = self.queues_mut();
            if let Some(existing) = queues.get(name) {
                if existing.config().same_settings(&config) {
                    return Ok(existing.clone());
                }
                return Err(SqsError::QueueNameExists(format!(
                    "A queue already exists with the same name and a different value for attribute(s): {name}"
                )));
            }
            let q = Self::make_queue(&self.inner.identity, name, config.clone());
            queues.insert(name.to_owned(), q.clone());
            q
        };
        let write = Write::PutObject {
            kind: QUEUE_KIND.into(),
            key: name.to_owned(),
            value: serde_json::to_string(&config).unwrap_or_default(),
        };
        if let Err(e) = self.inner.store.commit(vec![write]).await {
            self.queues_mut().remove(name);
            return Err(e.into());
        }
        Ok(queue)
    }

    /// SetQueueAttributes.
    pub async fn set_attributes(
        &self,
        queue: &Queue,
        attributes: &BTreeMap<String, String>,
    ) -> Result<()> {
        let mut config = queue.config();
        config.apply(attributes)?;
        config.modified_s = now_ms() / 1000;
        let write = Write::PutObject {
            kind: QUEUE_KIND.into(),
            key: queue.name.clone(),
            value: serde_json::to_string(&config).unwrap_or_default(),
        };
        self.inner.store.commit(vec![write]).await?;
        *queue.config.write().unwrap_or_else(|e| e.into_inner()) = config;
        Ok(())
    }

    /// DeleteQueue: the queue and its messages; long polls on it return empty.
    pub async fn delete(&self, queue: &Queue) -> Result<()> {
        let Some(removed) = self.queues_mut().remove(&queue.name) else {
            return Ok(());
        };
        removed.deleted.store(true, Ordering::SeqCst);
        removed.arrived.notify_waiters();
        let mut writes = self.message_deletes(&removed.name, removed.state().purge());
        writes.push(Write::DeleteObject {
            kind: QUEUE_KIND.into(),
            key: removed.name.clone(),
        });
        self.inner.store.commit(writes).await?;
        Ok(())
    }

    fn message_deletes(&self, queue: &str, ids: Vec<String>) -> Vec<Write> {
        ids.into_iter()
            .map(|id| Write::DeleteObject {
                kind: MESSAGE_KIND.into(),
                key: format!("{queue}/{id}"),
            })
            .collect()
    }

    /// GetQueueAttributes: the attributes named (`All` for every one).
    pub fn attributes(&self, queue: &Queue, names: &[String]) -> Result<BTreeMap<String, String>> {
        let config = queue.config();
        let (visible, inflight, delayed) = queue.state().counts(Instant::now());
        let mut all: BTreeMap<String, String> = [
            ("QueueArn", queue.arn.clone()),
            ("ApproximateNumberOfMessages", visible.to_string()),
            (
                "ApproximateNumberOfMessagesNotVisible",
                inflight.to_string(),
            ),
            ("ApproximateNumberOfMessagesDelayed", delayed.to_string()),
            ("VisibilityTimeout", config.visibility_timeout.to_string()),
            ("MessageRetentionPeriod", config.retention.to_string()),
            ("DelaySeconds", config.delay.to_string()),
            ("ReceiveMessageWaitTimeSeconds", config.wait.to_string()),
            ("MaximumMessageSize", config.max_size.to_string()),
            ("CreatedTimestamp", config.created_s.to_string()),
            ("LastModifiedTimestamp", config.modified_s.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        all.extend(config.other);
        if names.iter().any(|n| n == "All") {
            return Ok(all);
        }
        let mut out = BTreeMap::new();
        for n in names {
            match all.get(n) {
                Some(v) => {
                    out.insert(n.clone(), v.clone());
                }
                None if PASSIVE_ATTRIBUTES.contains(&n.as_str()) => {}
                None => {
                    return Err(SqsError::InvalidAttributeName(format!(
                        "Unknown Attribute {n}."
                    )));
                }
            }
        }
        Ok(out)
    }

    /// SendMessage: stores the message durably, then makes it receivable.
    pub async fn send(&self, queue: &Queue, message: NewMessage) -> Result<Sent> {
        let config = queue.config();
        let delay = match message.delay {
            None => config.delay,
            Some(d) if (0..=MAX_DELAY as i64).contains(&d) => d as u32,
            Some(d) => {
                return Err(SqsError::invalid(format!(
                    "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= {MAX_DELAY}."
                )));
            }
        };
        let size = message.body.len() + check_attributes(&message.attributes)?;
        if size > config.max_size as usize {
            return Err(SqsError::invalid(format!(
                "Message must be shorter than {} bytes.",
                config.max_size
            )));
        }
        if message.body.is_empty() {
            return Err(SqsError::MissingParameter(
                "The request must contain the parameter MessageBody.".into(),
            ));
        }
        if !valid_body(&message.body) {
            return Err(SqsError::InvalidMessageContents(
                "Invalid characters found. Valid values are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF".into(),
            ));
        }
        let md5_attributes = if message.attributes.is_empty() {
            None
        } else {
            Some(md5_of_attributes(&message.attributes)?)
        };
        let sent_ms = now_ms();
        let stored = StoredMessage {
            seq: self.inner.next_seq.fetch_add(1, Ordering::Relaxed),
            id: uuid::Uuid::new_v4().to_string(),
            md5_body: md5_hex(message.body.as_bytes()),
            body: message.body,
            attributes: message.attributes,
            md5_attributes,
            sent_ms,
            delayed_until_ms: sent_ms + i64::from(delay) * 1000,
        };
        let write = Write::PutObject {
            kind: MESSAGE_KIND.into(),
            key: format!("{}/{}", queue.name, stored.id),
            value: serde_json::to_string(&stored).unwrap_or_default(),
        };
        self.inner.store.commit(vec![write]).await?;
        let sent = Sent {
            id: stored.id.clone(),
            md5_body: stored.md5_body.clone(),
            md5_attributes: stored.md5_attributes.clone(),
        };
        let visible_at = Instant::now() + Duration::from_secs(delay.into());
        {
            let mut state = queue.state();
            // DeleteQueue sets the flag before it purges under this lock: either the purge
            // sees this message, or this sees the flag and takes the message back out.
            if !queue.deleted.load(Ordering::SeqCst) {
                state.push(stored, visible_at);
                drop(state);
                queue.arrived.notify_waiters();
                return Ok(sent);
            }
        }
        let undo = self.message_deletes(&queue.name, vec![sent.id]);
        self.inner.store.commit(undo).await?;
        Err(SqsError::QueueDoesNotExist(
            "The specified queue does not exist.".into(),
        ))
    }

    /// ReceiveMessage: up to `max` messages, waiting up to `wait` seconds (the queue's
    /// ReceiveMessageWaitTimeSeconds if `None`) for the first to be visible.
    pub async fn receive(
        &self,
        queue: &Queue,
        max: Option<i64>,
        wait: Option<i64>,
        visibility: Option<i64>,
    ) -> Result<Vec<Received>> {
        let config = queue.config();
        let max = match max {
            None => 1,
            Some(n @ 1..=10) => n as usize,
            Some(n) => {
                return Err(SqsError::invalid(format!(
                    "Value {n} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
                )));
            }
        };
        let wait = match wait {
            None => config.wait,
            Some(n @ 0..=20) => n as u32,
            Some(n) => {
                return Err(SqsError::invalid(format!(
                    "Value {n} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= {MAX_WAIT}, if provided."
                )));
            }
        };
        let visibility = match visibility {
            None => config.visibility_timeout,
            Some(n) if (0..=MAX_VISIBILITY as i64).contains(&n) => n as u32,
            Some(n) => {
                return Err(SqsError::invalid(format!(
                    "Value {n} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= {MAX_VISIBILITY}, if provided."
                )));
            }
        };
        let deadline = Instant::now() + Duration::from_secs(wait.into());
        loop {
            // Registered before looking, so that a send between the look and the wait still
            // wakes this poll.
            let arrived = queue.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let now = Instant::now();
            let (got, next, expired) = {
                let mut state = queue.state();
                let expired = state.expire(now_ms(), Duration::from_secs(config.retention.into()));
                let got = state.receive(now, now_ms(), max, Duration::from_secs(visibility.into()));
                (got, state.next_visible(now), expired)
            };
            if !expired.is_empty() {
                let writes = self.message_deletes(&queue.name, expired);
                if let Err(e) = self.inner.store.commit(writes).await {
                    tracing::warn!(queue = %queue.name, error = %e, "cannot delete expired messages");
                }
            }
            let ended =
                queue.deleted.load(Ordering::SeqCst) || self.inner.closing.load(Ordering::SeqCst);
            if !got.is_empty() || now >= deadline || ended {
                return Ok(got);
            }
            // A hidden message becoming visible ends the wait too; nothing else polls.
            let wake = next.map_or(deadline, |n| n.min(deadline));
            tokio::select! {
                _ = arrived => {}
                _ = tokio::time::sleep_until(wake.into()) => {}
            }
        }
    }

    /// DeleteMessage.
    pub async fn delete_message(&self, queue: &Queue, receipt: &str) -> Result<()> {
        let removed = queue
            .state()
            .delete(receipt)
            .map_err(|_| invalid_receipt(receipt))?;
        if let Some(m) = removed {
            self.inner
                .store
                .commit(self.message_deletes(&queue.name, vec![m.id]))
                .await?;
        }
        Ok(())
    }

    /// ChangeMessageVisibility.
    pub fn change_visibility(&self, queue: &Queue, receipt: &str, timeout: i64) -> Result<()> {
        if !(0..=MAX_VISIBILITY as i64).contains(&timeout) {
            return Err(SqsError::invalid(format!(
                "Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= {MAX_VISIBILITY}."
            )));
        }
        let result = queue.state().change_visibility(
            receipt,
            Instant::now(),
            Duration::from_secs(timeout as u64),
        );
        match result {
            Ok(()) => {
                // A message made visible at once may end someone's long poll.
                queue.arrived.notify_waiters();
                Ok(())
            }
            Err(ReceiptError::Invalid) => Err(invalid_receipt(receipt)),
            Err(ReceiptError::Gone) => Err(SqsError::invalid(format!(
                "Value {receipt} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
            ))),
            Err(ReceiptError::NotInflight) => Err(SqsError::MessageNotInflight(
                "The message referred to isn't in flight.".into(),
            )),
        }
    }

    /// PurgeQueue.
    pub async fn purge(&self, queue: &Queue) -> Result<()> {
        let ids = queue.state().purge();
        self.inner
            .store
            .commit(self.message_deletes(&queue.name, ids))
            .await?;
        Ok(())
    }
}

fn invalid_receipt(receipt: &str) -> SqsError {
    SqsError::ReceiptHandleIsInvalid(format!(
        "The input receipt handle \"{receipt}\" is not a valid receipt handle."
    ))
}

#[cfg(test)]
mod tests;
