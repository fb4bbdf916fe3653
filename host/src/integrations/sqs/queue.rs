//! One queue's messages and their visibility: a pure state machine over an [`Instant`] the
//! caller passes in, so that visibility timeouts and delays are tested without sleeping.
//!
//! It owns nothing durable and does no I/O: [`super::Queues`] commits a message before handing
//! it here, and commits the deletions this module reports.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// A message attribute as SQS's JSON protocol spells it (`{"DataType", "StringValue"}` or
/// `{"DataType", "BinaryValue"}` with base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageAttribute {
    /// `String`, `Number`, `Binary`, optionally with a `.custom` suffix.
    pub data_type: String,
    /// The value of a String or Number attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// The base64 value of a Binary attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_value: Option<String>,
}

/// A message as it is stored: what survives a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// Position in the host's send order: queues hand out the oldest first.
    pub seq: u64,
    /// Its MessageId.
    pub id: String,
    /// The body, as sent.
    pub body: String,
    /// MD5 of the body, hex.
    pub md5_body: String,
    /// Its attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, MessageAttribute>,
    /// MD5 of the attributes, hex, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5_attributes: Option<String>,
    /// SendMessage's time, milliseconds since the epoch.
    pub sent_ms: i64,
    /// Until when it is delayed (DelaySeconds), milliseconds since the epoch.
    #[serde(default)]
    pub delayed_until_ms: i64,
}

/// A message in a queue: the stored part and its in-memory delivery state.
#[derive(Debug, Clone)]
pub struct Message {
    /// What is stored.
    pub stored: StoredMessage,
    /// When it can next be received.
    pub visible_at: Instant,
    /// How many times it was received (since the host started).
    pub receive_count: u32,
    /// The first receive's time, milliseconds since the epoch.
    pub first_receive_ms: Option<i64>,
    /// The handle of its latest receive.
    pub receipt: Option<String>,
}

/// A receive's copy of a message.
#[derive(Debug, Clone)]
pub struct Received {
    /// The message as it is now.
    pub message: Message,
    /// The handle to delete it or change its visibility with.
    pub receipt: String,
}

/// Why a receipt handle is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptError {
    /// Not a handle this host issued.
    Invalid,
    /// The message is not in flight (ChangeMessageVisibility).
    NotInflight,
    /// The message was deleted, or received again since this handle was issued.
    Gone,
}

/// The messages of one queue, oldest first.
#[derive(Debug, Default)]
pub struct QueueState {
    messages: BTreeMap<u64, Message>,
    by_id: HashMap<String, u64>,
}

/// A receipt handle: the message's id and a fresh nonce, so that each receive's handle differs
/// and a handle names its message without a table of handles.
pub fn receipt_handle(message_id: &str) -> String {
    let raw = format!("{message_id}#{}", uuid::Uuid::new_v4().simple());
    URL_SAFE_NO_PAD.encode(raw)
}

/// The message id a receipt handle names.
pub fn receipt_message_id(receipt: &str) -> Option<String> {
    let raw = URL_SAFE_NO_PAD.decode(receipt).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (id, nonce) = raw.split_once('#')?;
    (!id.is_empty() && nonce.len() == 32).then(|| id.to_owned())
}

impl QueueState {
    /// Adds a message that becomes visible at `visible_at`.
    pub fn push(&mut self, stored: StoredMessage, visible_at: Instant) {
        self.by_id.insert(stored.id.clone(), stored.seq);
        self.messages.insert(
            stored.seq,
            Message {
                stored,
                visible_at,
                receive_count: 0,
                first_receive_ms: None,
                receipt: None,
            },
        );
    }

    /// How many messages there are: visible, in flight, and delayed (never received yet and
    /// not visible).
    pub fn counts(&self, now: Instant) -> (usize, usize, usize) {
        let (mut visible, mut inflight, mut delayed) = (0, 0, 0);
        for m in self.messages.values() {
            if m.visible_at <= now {
                visible += 1;
            } else if m.receipt.is_some() {
                inflight += 1;
            } else {
                delayed += 1;
            }
        }
        (visible, inflight, delayed)
    }

    /// Removes the messages older than `retention` and returns their ids.
    pub fn expire(&mut self, now_ms: i64, retention: Duration) -> Vec<String> {
        let oldest = now_ms - retention.as_millis() as i64;
        let expired: Vec<u64> = self
            .messages
            .values()
            .filter(|m| m.stored.sent_ms < oldest)
            .map(|m| m.stored.seq)
            .collect();
        expired
            .into_iter()
            .filter_map(|seq| self.messages.remove(&seq))
            .map(|m| {
                self.by_id.remove(&m.stored.id);
                m.stored.id
            })
            .collect()
    }

    /// Receives up to `max` visible messages, oldest first, hiding each for `visibility`.
    pub fn receive(
        &mut self,
        now: Instant,
        now_ms: i64,
        max: usize,
        visibility: Duration,
    ) -> Vec<Received> {
        let mut out = Vec::new();
        for m in self.messages.values_mut() {
            if out.len() == max {
                break;
            }
            if m.visible_at > now {
                continue;
            }
            let receipt = receipt_handle(&m.stored.id);
            m.visible_at = now + visibility;
            m.receive_count += 1;
            m.first_receive_ms.get_or_insert(now_ms);
            m.receipt = Some(receipt.clone());
            out.push(Received {
                message: m.clone(),
                receipt,
            });
        }
        out
    }

    /// When the next hidden message becomes visible, if one is hidden.
    pub fn next_visible(&self, now: Instant) -> Option<Instant> {
        self.messages
            .values()
            .map(|m| m.visible_at)
            .filter(|&t| t > now)
            .min()
    }

    /// Deletes the message a receipt handle names; `Ok(None)` if it is already gone (AWS
    /// accepts deleting a deleted message). A handle from an earlier receive deletes nothing
    /// once the message was received again, as SQS documents: the message belongs to its
    /// latest consumer. Handles issued before a restart still delete a message not received
    /// since.
    pub fn delete(&mut self, receipt: &str) -> Result<Option<StoredMessage>, ReceiptError> {
        let id = receipt_message_id(receipt).ok_or(ReceiptError::Invalid)?;
        let Some(&seq) = self.by_id.get(&id) else {
            return Ok(None);
        };
        let latest = self.messages.get(&seq).and_then(|m| m.receipt.as_deref());
        if latest.is_some_and(|r| r != receipt) {
            return Ok(None);
        }
        self.by_id.remove(&id);
        Ok(self.messages.remove(&seq).map(|m| m.stored))
    }

    /// Sets the visibility timeout of an in-flight message from `now`. Only the latest
    /// receive's handle can.
    pub fn change_visibility(
        &mut self,
        receipt: &str,
        now: Instant,
        timeout: Duration,
    ) -> Result<(), ReceiptError> {
        let id = receipt_message_id(receipt).ok_or(ReceiptError::Invalid)?;
        let m = self
            .by_id
            .get(&id)
            .and_then(|seq| self.messages.get_mut(seq))
            .ok_or(ReceiptError::Gone)?;
        if m.receipt.as_deref() != Some(receipt) {
            return Err(ReceiptError::Gone);
        }
        if m.visible_at <= now {
            return Err(ReceiptError::NotInflight);
        }
        m.visible_at = now + timeout;
        Ok(())
    }

    /// Removes every message and returns their ids.
    pub fn purge(&mut self) -> Vec<String> {
        self.by_id.clear();
        std::mem::take(&mut self.messages)
            .into_values()
            .map(|m| m.stored.id)
            .collect()
    }

    /// The ids of every message.
    pub fn ids(&self) -> Vec<String> {
        self.messages
            .values()
            .map(|m| m.stored.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests;
