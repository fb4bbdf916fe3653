//! Durable state: the [`Store`] trait, the records it keeps, and its two implementations —
//! SQLite in a data directory ([`sqlite::SqliteStore`], the embedded default) and memory
//! ([`memory::MemoryStore`], for tests).
//!
//! The server keeps what it serves hot (machines, activities, functions, running executions)
//! in memory and uses the store as its durable copy: every change is a [`Write`], and a batch of
//! writes is committed atomically and durably before the server acts on it or answers. Reads go
//! to the store only for what is not kept in memory: finished executions and histories.

mod changes;
pub mod memory;
pub mod sqlite;

pub use changes::{Changes, Watch};

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why the store could not do what was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database failed (disk full, corrupted file, permissions, ...).
    #[error("the store failed: {0}")]
    Database(String),
    /// A record on disk does not decode: written by another version, or damaged.
    #[error("a stored record is unreadable: {0}")]
    Corrupt(String),
    /// The store has shut down.
    #[error("the store is closed")]
    Closed,
    /// A record that must be new already exists (an execution's ARN).
    #[error("the record already exists: {0}")]
    Conflict(String),
}

/// The two kinds of state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MachineType {
    /// Durable, exactly-once, with a history.
    Standard,
    /// In memory, at-least-once, no history kept.
    Express,
}

/// A state machine as CreateStateMachine and UpdateStateMachine leave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineRecord {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The definition, as the user sent it.
    pub definition: String,
    /// The role it runs as.
    pub role_arn: String,
    /// STANDARD or EXPRESS.
    pub kind: MachineType,
    /// CreateStateMachine's time, milliseconds since the epoch.
    pub created_ms: i64,
    /// The last UpdateStateMachine's time.
    pub updated_ms: Option<i64>,
    /// Changes on every update.
    pub revision_id: String,
    /// The description, if given.
    pub description: Option<String>,
    /// `loggingConfiguration` as given (kept and returned; logs go to the host log).
    pub logging: Option<Value>,
    /// `tracingConfiguration` as given.
    pub tracing: Option<Value>,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// For a published version (whose `arn` is the version's, `...:stateMachine:NAME:N`): the
    /// machine it is a version of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_of: Option<String>,
    /// For a machine: the number its next published version gets. Numbers count from 1 and
    /// are never reused, even after a version is deleted (AWS).
    #[serde(default)]
    pub next_version: u64,
}

impl MachineRecord {
    /// A version's number (the last field of its ARN); None for a machine.
    pub fn version_number(&self) -> Option<u64> {
        self.version_of.as_ref()?;
        self.arn.rsplit(':').next()?.parse().ok()
    }
}

/// An activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// CreateActivity's time.
    pub created_ms: i64,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// A deployed function: its code and its configuration, enough to deploy it again on start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// Its name.
    pub name: String,
    /// The component's bytes.
    #[serde(skip)]
    pub code: Vec<u8>,
    /// Everything else: configuration and Lambda's descriptive fields, as JSON.
    pub meta: Value,
}

/// Where an execution stands, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    /// Still going.
    Running,
    /// Ended with an output.
    Succeeded,
    /// Ended with an error.
    Failed,
    /// Ran past its TimeoutSeconds.
    TimedOut,
    /// Stopped by StopExecution.
    Aborted,
}

impl ExecutionStatus {
    /// The API's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    /// Parses the API's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RUNNING" => ExecutionStatus::Running,
            "SUCCEEDED" => ExecutionStatus::Succeeded,
            "FAILED" => ExecutionStatus::Failed,
            "TIMED_OUT" => ExecutionStatus::TimedOut,
            "ABORTED" => ExecutionStatus::Aborted,
            _ => return None,
        })
    }
}

/// A Standard execution: written when it starts and again when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    /// Position in start order: lists page by it, newest first.
    pub seq: u64,
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The machine's ARN.
    pub machine_arn: String,
    /// The definition it runs, by [`definition_id`].
    pub definition_id: String,
    /// The role it runs as.
    pub role_arn: String,
    /// Seeds the interpreter's randomness, so that replaying its steps gives the same execution.
    pub seed: u64,
    /// Where it stands.
    pub status: ExecutionStatus,
    /// Its input, as JSON text.
    pub input: String,
    /// Its output, once succeeded.
    pub output: Option<String>,
    /// The error, once failed, timed out or aborted.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
    /// StartExecution's time.
    pub start_ms: i64,
    /// When it ended.
    pub stop_ms: Option<i64>,
    /// The mock file's test case it runs as (`stateMachineArn#TestCase`), if it is a test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_case: Option<String>,
    /// The version it runs, when it was started by a version's or an alias's ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_arn: Option<String>,
    /// The alias it was started by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_arn: Option<String>,
    /// How many times RedriveExecution restarted it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redrive_count: u32,
    /// When it was last redriven.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_ms: Option<i64>,
    /// The Map Run it is a child execution of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_run: Option<MapRunChild>,
}

/// What makes an execution a Map Run's child: the Map Run, and which part of its parent's
/// definition (the Map's item processor, a scope of the compiled program) it runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MapRunChild {
    /// The Map Run's ARN.
    pub arn: String,
    /// The item processor's scope in the program of `definition_id`.
    pub scope: usize,
    /// How many children the Map Run has (0 when not known).
    #[serde(default, skip_serializing_if = "is_zero_usize")]
    pub total: usize,
}

fn is_zero_usize(n: &usize) -> bool {
    *n == 0
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl ExecutionRecord {
    /// What ListExecutions finds it under: its Map Run for a Map Run's child (AWS lists those
    /// by `mapRunArn`), else its machine.
    pub fn listed_under(&self) -> &str {
        self.map_run.as_ref().map_or(&self.machine_arn, |m| &m.arn)
    }

    /// The name of its machine: the last field of the machine's ARN.
    pub fn machine_name(&self) -> &str {
        self.machine_arn.rsplit(':').next().unwrap_or_default()
    }
}

/// One step of a Standard execution: the event fed to the interpreter, when, and the history
/// events that step recorded. Replaying an execution's steps in order rebuilds it exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    /// 0-based position in the execution's steps.
    pub seq: u64,
    /// The interpreter's clock for this step.
    pub now_ms: i64,
    /// The event, as JSON text.
    pub event: String,
    /// The history events recorded, as one JSON array.
    pub history: String,
}

/// What a parked execution waits on, written as it parks: a restarted host parks it again
/// from this, without reading or replaying its steps. It holds only while no step followed it
/// (`steps` still counts them all); otherwise the execution is rebuilt from its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkRecord {
    /// The execution's `seq`.
    pub execution: u64,
    /// How many steps it had when it parked.
    pub steps: u64,
    /// Its soonest timer, ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_timer_ms: Option<i64>,
    /// Its activity tasks that wait for a worker, to queue again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queued: Vec<QueuedActivityTask>,
}

/// An activity task waiting for a worker, as a parked execution's record keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedActivityTask {
    /// The activity's name.
    pub activity: String,
    /// The task's token.
    pub token: String,
    /// Its input, as JSON text.
    pub input: String,
}

/// One change to durable state.
#[derive(Debug, Clone)]
pub enum Write {
    /// Create or replace a state machine.
    PutMachine(MachineRecord),
    /// Delete a state machine (its executions stay readable).
    DeleteMachine(String),
    /// Create or replace an activity.
    PutActivity(ActivityRecord),
    /// Delete an activity.
    DeleteActivity(String),
    /// Create or replace a function.
    PutFunction(FunctionRecord),
    /// Replace a stored function's configuration, keeping its code.
    SetFunctionMeta {
        /// The function.
        name: String,
        /// Its new configuration.
        meta: Value,
    },
    /// Delete a function.
    DeleteFunction(String),
    /// Keep a definition text under its [`definition_id`] (no-op when already kept).
    PutDefinition {
        /// Its id.
        id: String,
        /// The text.
        text: String,
    },
    /// Create an execution record; the batch fails with [`StoreError::Conflict`] if one of
    /// that ARN exists.
    InsertExecution(ExecutionRecord),
    /// Create or replace an execution record.
    PutExecution(ExecutionRecord),
    /// Append steps to an execution.
    AppendSteps {
        /// The execution's `seq`.
        execution: u64,
        /// The steps, in order.
        steps: Vec<StepRecord>,
    },
    /// Create or replace an object of a built-in service (a queue, a message, a topic, a job).
    PutObject {
        /// Its kind, such as `sqs.message`.
        kind: String,
        /// Its key, unique within the kind.
        key: String,
        /// Its value, as its service serialises it.
        value: String,
    },
    /// Delete an object of a built-in service (no-op if absent).
    DeleteObject {
        /// Its kind.
        kind: String,
        /// Its key.
        key: String,
    },
    /// Keep what a parked execution waits on (replacing what it kept before).
    Park(ParkRecord),
    /// Forget what the execution with this `seq` kept when it parked (no-op if nothing).
    Unpark(u64),
    /// Set a host setting (the task-token secret, ...).
    PutSetting {
        /// Its key.
        key: String,
        /// Its value.
        value: String,
    },
}

/// Everything the server loads on start.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every state machine.
    pub machines: Vec<MachineRecord>,
    /// Every activity.
    pub activities: Vec<ActivityRecord>,
    /// Every function, with its code.
    pub functions: Vec<FunctionRecord>,
    /// Every running execution that did not park since its last step, with its steps in order.
    pub running: Vec<(ExecutionRecord, Vec<StepRecord>)>,
    /// Every running execution parked since its last step, with what it waits on.
    pub parked: Vec<(ExecutionRecord, ParkRecord)>,
    /// The highest execution `seq` ever used.
    pub last_execution_seq: u64,
    /// Host settings.
    pub settings: BTreeMap<String, String>,
    /// The built-in services' objects: kind -> key -> value.
    pub objects: BTreeMap<String, BTreeMap<String, String>>,
}

/// A future that the store resolves once a batch is durable.
pub type CommitFuture = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send>>;

/// Which executions to list.
#[derive(Debug, Clone)]
pub struct ExecutionQuery {
    /// Of this machine, or of this Map Run ([`ExecutionRecord::listed_under`]).
    pub machine_arn: String,
    /// Only those in this status.
    pub status: Option<ExecutionStatus>,
    /// Only those started before the one with this `seq` (the page token).
    pub before_seq: Option<u64>,
    /// At most this many.
    pub limit: usize,
}

/// Durable state. Implementations batch concurrent commits into one transaction.
pub trait Store: Send + Sync + 'static {
    /// Applies `writes` atomically; the future resolves once they are durable.
    fn commit(&self, writes: Vec<Write>) -> CommitFuture;
    /// Everything needed to start serving.
    fn load(&self) -> Result<Loaded, StoreError>;
    /// One execution.
    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError>;
    /// Executions of a machine, newest first.
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRecord>, StoreError>;
    /// The history events of the execution with this `seq`, oldest first, as the API's JSON
    /// objects.
    fn history(&self, execution: u64) -> Result<Vec<Value>, StoreError>;
    /// The steps of the execution with this `seq`, in order (to rebuild a parked execution).
    fn steps(&self, execution: u64) -> Result<Vec<StepRecord>, StoreError>;
    /// A definition text by its id.
    fn definition(&self, id: &str) -> Result<Option<String>, StoreError>;
    /// Where the store tells which executions each durable commit changed.
    fn changes(&self) -> &Changes;
}

/// A definition's id: the hex SHA-256 of its text. Executions refer to the text they run by
/// it, so an UpdateStateMachine does not change what a running execution does.
pub fn definition_id(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses one step's history array into its events.
fn history_events(text: &str) -> Result<Vec<Value>, StoreError> {
    match serde_json::from_str(text) {
        Ok(Value::Array(events)) => Ok(events),
        Ok(_) => Err(StoreError::Corrupt("a history step is not an array".into())),
        Err(e) => Err(StoreError::Corrupt(format!("a history step: {e}"))),
    }
}

#[cfg(test)]
pub(crate) mod tests;
