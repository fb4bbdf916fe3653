//! A queue's settings: CreateQueue's and SetQueueAttributes' attributes, checked against SQS's
//! ranges, and what is stored for a queue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MAX_MESSAGE_BYTES;
use super::error::{Result, SqsError};

/// SQS's range for VisibilityTimeout: up to 12 hours.
pub const MAX_VISIBILITY: u32 = 43_200;
/// SQS's range for DelaySeconds: up to 15 minutes.
pub const MAX_DELAY: u32 = 900;
/// SQS's range for long polling: up to 20 seconds.
pub const MAX_WAIT: u32 = 20;

/// A queue's settings, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueConfig {
    /// Seconds a received message stays hidden.
    pub visibility_timeout: u32,
    /// Seconds a message is kept.
    pub retention: u32,
    /// Seconds a new message is hidden.
    pub delay: u32,
    /// The default long-poll wait of ReceiveMessage.
    pub wait: u32,
    /// The largest message accepted.
    pub max_size: u32,
    /// Attributes kept and returned but not acted on (Policy, RedrivePolicy, ...).
    #[serde(default)]
    pub other: BTreeMap<String, String>,
    /// CreateQueue's time, seconds since the epoch.
    pub created_s: i64,
    /// The last change's time.
    pub modified_s: i64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            visibility_timeout: 30,
            retention: 345_600,
            delay: 0,
            wait: 0,
            max_size: MAX_MESSAGE_BYTES as u32,
            other: BTreeMap::new(),
            created_s: 0,
            modified_s: 0,
        }
    }
}

/// Attributes kept as given: SQS accepts them, and this host has nothing to do with them.
pub const PASSIVE_ATTRIBUTES: &[&str] = &[
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
];

impl QueueConfig {
    /// Applies CreateQueue's or SetQueueAttributes' attributes.
    pub fn apply(&mut self, attributes: &BTreeMap<String, String>) -> Result<()> {
        for (name, value) in attributes {
            let number = |lo: u32, hi: u32| -> Result<u32> {
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (lo..=hi).contains(n))
                    .ok_or_else(|| {
                        SqsError::InvalidAttributeValue(format!(
                            "Invalid value for the parameter {name}. It must be an integer from {lo} to {hi}."
                        ))
                    })
            };
            match name.as_str() {
                "VisibilityTimeout" => self.visibility_timeout = number(0, MAX_VISIBILITY)?,
                "MessageRetentionPeriod" => self.retention = number(60, 1_209_600)?,
                "DelaySeconds" => self.delay = number(0, MAX_DELAY)?,
                "ReceiveMessageWaitTimeSeconds" => self.wait = number(0, MAX_WAIT)?,
                "MaximumMessageSize" => {
                    self.max_size = number(1_024, MAX_MESSAGE_BYTES as u32)?;
                }
                "FifoQueue"
                | "ContentBasedDeduplication"
                | "DeduplicationScope"
                | "FifoThroughputLimit" => {
                    return Err(SqsError::UnsupportedOperation(format!(
                        "This host has standard queues only; {name} is for FIFO queues"
                    )));
                }
                n if PASSIVE_ATTRIBUTES.contains(&n) => {
                    self.other.insert(name.clone(), value.clone());
                }
                _ => {
                    return Err(SqsError::InvalidAttributeName(format!(
                        "Unknown Attribute {name}."
                    )));
                }
            }
        }
        Ok(())
    }

    /// Same settings, whatever the times.
    pub fn same_settings(&self, other: &QueueConfig) -> bool {
        QueueConfig {
            created_s: 0,
            modified_s: 0,
            ..self.clone()
        } == QueueConfig {
            created_s: 0,
            modified_s: 0,
            ..other.clone()
        }
    }
}
