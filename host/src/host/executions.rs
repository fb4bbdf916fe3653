//! Executions: starts, resumes, parks, wakes and stops the executions this host owns, and
//! runs Express ones.
//!
//! A Standard execution this host owns has one entry in one table, under one lock, holding one
//! explicit state ([`Holding`]): live (its driver holds it in memory and takes commands on a
//! channel), parked (only the store holds it), or waking (being rebuilt from the store, with
//! the commands that came meanwhile). Every command is sent under that lock, and every change
//! of state is made under it, so a command is never lost between a driver that parks and a
//! sender: it reaches the live driver, or waits in the waking entry, or (once the execution
//! has ended) is answered from its final record. "Owned by this host" is the entry's
//! existence; with several hosts over one database it becomes "leased by this host".
//!
//! Express executions run in memory only, as AWS documents them; they are tracked here
//! (counted, drained or aborted at shutdown).
//!
//! Must not: verify task tokens (see [`super::callbacks`]) or know any service integration.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, mpsc, oneshot};

use super::machines::{Machine, Machines, ProgramError};
use super::mocks::{MockLookupError, MockedRunner, Mocks};
use crate::arn::Identity;
use crate::executor::durable::{self, Outstanding, ReplayError};
use crate::executor::{
    Clock, Command, Ended, Heartbeat, Journal, Run, TaskFuture, TaskOutcome, TaskRunner, drive,
};
use crate::interp::probe::Probe;
use crate::interp::{
    Event, Execution, ExecutionInfo, Failure, MAX_PAYLOAD_BYTES, Program, TaskRequest,
};
use crate::mock::TestCase;
use crate::store::{
    ExecutionRecord, ExecutionStatus, MachineRecord, MapRunChild, ParkRecord, StepRecord, Store,
    StoreError, Write,
};
use crate::tokens::TokenKey;

/// How long an execution that runs nothing and hears nothing stays in memory before it is
/// parked. Rebuilding one costs a fraction of a millisecond (its steps read and replayed), and
/// a live one costs about 18 KB: parking after a quarter of a second keeps a burst of
/// executions that all go on to wait for tokens under 2 KB each in resident memory
/// (`benches/callbacks.rs`), while one that moves several times a second stays live.
const PARK_AFTER: Duration = Duration::from_millis(250);

/// How long shutdown waits for drivers to finish the commit they are in (a store write takes
/// milliseconds; this bounds a stuck disk).
const RELEASE_WAIT: Duration = Duration::from_secs(5);

/// What StartExecution did.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedExecution {
    /// The execution's ARN.
    pub arn: String,
    /// When it started (for a repeated request, when the first one started it).
    pub start_ms: i64,
}

/// Why StartExecution refused.
#[derive(Debug, thiserror::Error)]
pub enum StartExecutionError {
    /// An execution of that name exists and is not the same running one.
    #[error("Execution Already Exists: '{0}'")]
    AlreadyExists(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why StopExecution could not stop.
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    /// No execution has that ARN.
    #[error("Execution Does Not Exist: '{0}'")]
    DoesNotExist(String),
    /// The store says it runs, but this host does not hold it (its driver stalled on a store
    /// failure, or it could not be resumed): it is not stopped, and resumes at the next start.
    #[error("the execution '{0}' is not running on this host; it resumes when the host restarts")]
    NotHeld(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why RedriveExecution could not restart an execution.
#[derive(Debug, thiserror::Error)]
pub enum RedriveError {
    /// No execution has that ARN.
    #[error("Execution Does Not Exist: '{0}'")]
    DoesNotExist(String),
    /// AWS's refusal, with its reason (it succeeded, it runs, it is too old, ...).
    #[error("{0}")]
    NotRedrivable(String),
    /// It could not be rebuilt from its steps.
    #[error("the execution cannot be rebuilt: {0}")]
    Rebuild(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// AWS redrives an execution for 14 days after it started.
pub const REDRIVE_PERIOD_MS: i64 = 14 * 24 * 3600 * 1000;

/// Why an execution could not be rebuilt from the store.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Its record is gone.
    #[error("its record is missing")]
    Missing,
    /// Its definition cannot be had.
    #[error(transparent)]
    Program(#[from] ProgramError),
    /// Its stored input is not JSON.
    #[error("its stored input does not decode: {0}")]
    Input(#[from] serde_json::Error),
    /// Its steps do not replay.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

/// How this host holds an execution it owns.
#[derive(Debug)]
enum Holding {
    /// Its driver holds it in memory and takes commands here.
    Live(mpsc::UnboundedSender<Command>),
    /// Only the store holds it: it waits for a token, a stop or its next timer.
    Parked,
    /// Being rebuilt from the store; the commands that came meanwhile, in order.
    // Boxed on purpose: one word in every entry instead of three (parked executions are
    // counted in bytes, `benches/callbacks.rs`), for a state that is brief and rare.
    #[allow(clippy::box_collection)]
    Waking(Box<Vec<Command>>),
}

/// A Standard execution this host owns.
#[derive(Debug)]
struct Owned {
    /// Its record's `seq`, to load its steps when it is rebuilt.
    seq: u64,
    /// A digest of its input, for StartExecution's idempotency (the input itself is stored).
    input_digest: u64,
    start_ms: i64,
    holding: Holding,
    /// Dropped when the execution ends, which wakes whoever waits for that.
    /// (Boxed: most executions have none, and every byte counts for parked ones.)
    #[allow(clippy::box_collection)]
    watchers: Option<Box<Vec<oneshot::Sender<()>>>>,
}

impl Owned {
    /// The entry of the execution `record`, held as `holding`.
    fn of(record: &ExecutionRecord, holding: Holding) -> Owned {
        Owned {
            seq: record.seq,
            input_digest: digest(&record.input),
            start_ms: record.start_ms,
            holding,
            watchers: None,
        }
    }
}

/// The due times of parked executions' soonest timers.
#[derive(Debug, Default)]
struct ParkedTimers {
    due: Mutex<BTreeSet<(i64, String)>>,
    changed: Notify,
}

impl ParkedTimers {
    /// Arms these (due time, execution) timers and tells the wake-up task.
    fn arm(&self, due: impl IntoIterator<Item = (i64, String)>) {
        let mut set = self.due.lock().unwrap_or_else(|e| e.into_inner());
        let before = set.len();
        set.extend(due);
        if set.len() != before {
            drop(set);
            self.changed.notify_one();
        }
    }
}

/// The Express executions in progress, to count them and to end them at shutdown.
#[derive(Debug, Default)]
struct ExpressRuns {
    /// Set while a drain waits for the count to fall.
    draining: std::sync::atomic::AtomicBool,
    next: AtomicU64,
    running: Mutex<HashMap<u64, tokio::task::AbortHandle>>,
    count: AtomicUsize,
    ended: Notify,
}

/// An Express execution that ran to its end.
#[derive(Debug)]
pub struct ExpressRun {
    /// Its ARN.
    pub arn: String,
    /// When it started.
    pub start_ms: i64,
    /// When it ended.
    pub stop_ms: i64,
    /// The execution, with its status and history.
    pub exec: Box<Execution>,
}

/// An Express execution was aborted before its end (the host shut down).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the execution was aborted: the host is shutting down")]
pub struct ExpressAborted;

/// The executions of this host.
pub struct Executions {
    identity: Identity,
    store: Arc<dyn Store>,
    runner: Arc<dyn TaskRunner>,
    clock: Clock,
    /// Signs the task tokens executions mint.
    token_key: Arc<TokenKey>,
    /// Where a rebuilt execution's program comes from.
    machines: Arc<Machines>,
    owned: Mutex<HashMap<String, Owned>>,
    parked_timers: Arc<ParkedTimers>,
    express: ExpressRuns,
    next_seq: AtomicU64,
    /// Turns true when the host shuts down: every driver lets go of its execution then.
    closing: std::sync::atomic::AtomicBool,
    /// Notified as drivers let go at shutdown.
    released: Notify,
    /// The mock file's test cases, for executions started as one.
    mocks: Arc<Mocks>,
    /// Scales every wait (1: real time).
    wait_time_scale: f64,
    /// The Express children of each Map Run this host ran (executions, items), which no
    /// store keeps: what DescribeMapRun counts of them. One entry per Map Run.
    express_children: Mutex<HashMap<String, (MapRunCounts, MapRunCounts)>>,
    /// The parents whose Maps start children, by ARN (at most [`MAP_PARENTS_KEPT`]).
    map_parents: Mutex<HashMap<String, Arc<MapParent>>>,
}

/// Map Runs whose Express children's counts are kept in memory at once.
const EXPRESS_MAP_RUNS_KEPT: usize = 1024;

/// Parents of Map Runs kept at once; past this the cache starts over.
const MAP_PARENTS_KEPT: usize = 256;

/// What a Map Run's children take of their parent execution.
struct MapParent {
    definition_id: String,
    role_arn: String,
    program: Arc<Program>,
}

impl std::fmt::Debug for Executions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executions").finish_non_exhaustive()
    }
}

fn digest(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// A seed for an execution's randomness (jitter, UUIDs): different for every execution.
pub fn rand_seed() -> u64 {
    let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
    a ^ b
}

/// A Map Run's children (or their items), by how they stand.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct MapRunCounts {
    /// Still running.
    pub running: u64,
    /// Succeeded.
    pub succeeded: u64,
    /// Failed.
    pub failed: u64,
    /// Timed out.
    pub timed_out: u64,
    /// Stopped.
    pub aborted: u64,
    /// How many the Map Run has in all, started or not (0: not known).
    pub total: u64,
}

impl MapRunCounts {
    /// Counts `n` more in `status`.
    pub fn count(&mut self, status: ExecutionStatus, n: u64) {
        match status {
            ExecutionStatus::Running => self.running += n,
            ExecutionStatus::Succeeded => self.succeeded += n,
            ExecutionStatus::Failed => self.failed += n,
            ExecutionStatus::TimedOut => self.timed_out += n,
            ExecutionStatus::Aborted => self.aborted += n,
        }
    }
}

/// A child execution of a Map Run, as its Map hands it over.
#[derive(Debug, Clone)]
pub struct MapChild {
    /// The Map Run.
    pub map_run_arn: String,
    /// The child's name (a UUID).
    pub name: String,
    /// Its input (the iteration's: the item, selected and batched).
    pub input: Value,
    /// The Map's item processor: a scope of the parent's program.
    pub scope: usize,
    /// How many children the Map Run has.
    pub total: usize,
}

/// The machine a Map Run's children are executions of: `...:mapRun:MACHINE/LABEL:ID` gives
/// `...:stateMachine:MACHINE/LABEL`.
pub fn child_machine_arn(map_run_arn: &str) -> String {
    let machine = map_run_arn
        .rsplit_once(':')
        .map_or(map_run_arn, |(machine, _)| machine);
    machine.replacen(":mapRun:", ":stateMachine:", 1)
}

/// The information an execution of `machine` is built with.
fn execution_info(
    machine: &MachineRecord,
    arn: &str,
    name: &str,
    input: Value,
    start_ms: i64,
) -> ExecutionInfo {
    ExecutionInfo {
        redrive_count: 0,
        id: arn.to_owned(),
        name: name.to_owned(),
        state_machine_id: machine.arn.clone(),
        state_machine_name: machine.name.clone(),
        role_arn: machine.role_arn.clone(),
        start_time_ms: start_ms,
        input,
    }
}

impl Executions {
    /// The executions of a host; `last_seq` is the store's highest execution `seq`.
    pub fn new(
        identity: Identity,
        store: Arc<dyn Store>,
        runner: Arc<dyn TaskRunner>,
        clock: Clock,
        token_key: Arc<TokenKey>,
        machines: Arc<Machines>,
        last_seq: u64,
    ) -> Executions {
        Executions {
            identity,
            store,
            runner,
            clock,
            token_key,
            machines,
            owned: Mutex::default(),
            parked_timers: Arc::default(),
            express: ExpressRuns::default(),
            next_seq: AtomicU64::new(last_seq + 1),
            closing: std::sync::atomic::AtomicBool::new(false),
            released: Notify::new(),
            mocks: Arc::new(Mocks::none()),
            wait_time_scale: 1.0,
            express_children: Mutex::default(),
            map_parents: Mutex::default(),
        }
    }

    /// The same, with test cases from `mocks` and waits scaled by `wait_time_scale`.
    pub fn for_tests_of_workflows(mut self, mocks: Arc<Mocks>, wait_time_scale: f64) -> Self {
        self.mocks = mocks;
        self.wait_time_scale = wait_time_scale;
        self
    }

    /// The test case named `case` of `machine` in the mock file.
    pub fn test_case(&self, machine: &str, case: &str) -> Result<Arc<TestCase>, MockLookupError> {
        self.mocks.test_case(machine, case)
    }

    /// Who runs the tasks of an execution of `machine` started as test case `case` (None:
    /// not a test), when `resume` is what its stored steps left in flight.
    fn runner_for(
        &self,
        machine: &str,
        case: Option<&str>,
        resume: Option<&Outstanding>,
    ) -> Arc<dyn TaskRunner> {
        let Some(case) = case else {
            return self.runner.clone();
        };
        match self.mocks.test_case(machine, case) {
            Ok(case) => {
                let invoked = resume.map(|o| o.ended_by_state.clone()).unwrap_or_default();
                Arc::new(MockedRunner::resuming(self.runner.clone(), case, invoked))
            }
            // A resumed test whose case left the file: its tasks fail, saying why.
            Err(e) => Arc::new(Refused(e.to_string())),
        }
    }

    /// Who runs the tasks of an execution run as test case `case` (None: not a test).
    fn runner_with(&self, case: Option<Arc<TestCase>>) -> Arc<dyn TaskRunner> {
        match case {
            Some(case) => Arc::new(MockedRunner::new(self.runner.clone(), case)),
            None => self.runner.clone(),
        }
    }

    fn owned(&self) -> MutexGuard<'_, HashMap<String, Owned>> {
        self.owned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The ARN of Standard execution `name` of `machine`.
    pub fn execution_arn(&self, machine: &MachineRecord, name: &str) -> String {
        self.identity
            .states_arn("execution", &format!("{}:{name}", machine.name))
    }

    /// A Standard execution of this host: its tokens signed with the host's key (before any
    /// replay, which mints them again), its Distributed Maps' iterations child executions.
    fn new_execution(&self, program: Arc<Program>, info: ExecutionInfo, seed: u64) -> Execution {
        self.new_express_execution(program, info, seed)
            .with_child_executions()
    }

    /// An Express execution of this host, tokens signed likewise. Its Distributed Maps run
    /// their iterations within it: a Map Run's children need a stored parent, which an
    /// Express one never is.
    fn new_express_execution(
        &self,
        program: Arc<Program>,
        info: ExecutionInfo,
        seed: u64,
    ) -> Execution {
        Execution::new(program, info, seed).with_token_key(self.token_key.clone())
    }

    /// How a Standard execution of this host is driven.
    fn durable_run(&self, journal: Journal, resume: Option<Outstanding>) -> Run {
        let runner = self.runner_for(
            journal.record.machine_name(),
            journal.record.test_case.as_deref(),
            resume.as_ref(),
        );
        Run {
            runner,
            clock: self.clock,
            journal: Some(journal),
            resume,
            park_after: Some(PARK_AFTER),
            wait_time_scale: self.wait_time_scale,
        }
    }

    /// Starts a Standard execution; returns once its start is durable. As AWS: the same name
    /// and input while that execution runs gives back the running one.
    pub async fn start(
        self: &Arc<Self>,
        machine: &Machine,
        name: &str,
        input_text: String,
        input: Value,
        test_case: Option<&TestCase>,
        alias_arn: Option<String>,
    ) -> Result<StartedExecution, StartExecutionError> {
        if self.is_closing() {
            return Err(StoreError::Closed.into());
        }
        let arn = self.execution_arn(&machine.record, name);
        let start_ms = self.clock.now_ms();
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let record = ExecutionRecord {
            seq,
            arn: arn.clone(),
            name: name.to_owned(),
            // A version's execution belongs to its machine, and says which version it runs.
            machine_arn: machine
                .record
                .version_of
                .clone()
                .unwrap_or_else(|| machine.record.arn.clone()),
            definition_id: machine.definition_id.clone(),
            role_arn: machine.record.role_arn.clone(),
            seed: rand_seed(),
            status: ExecutionStatus::Running,
            input: input_text,
            output: None,
            error: None,
            cause: None,
            start_ms,
            stop_ms: None,
            test_case: test_case.map(|c| c.name.clone()),
            version_arn: machine
                .record
                .version_of
                .is_some()
                .then(|| machine.record.arn.clone()),
            alias_arn,
            redrive_count: 0,
            redrive_ms: None,
            map_run: None,
        };
        let info = execution_info(&machine.record, &arn, name, input, start_ms);
        let exec = self.new_execution(machine.program.clone(), info, record.seed);
        let started = self.launch(record, exec).await?;
        crate::metrics::execution_started(&machine.record.name, "STANDARD");
        Ok(started)
    }

    /// Starts child execution `child` of a Map Run of Standard execution `parent`: the
    /// parent's definition from its Map's item processor, as an execution of
    /// `...:stateMachine:MACHINE/LABEL`, durable like any. Returns once its start is durable;
    /// the same name again while it runs gives back the running one.
    pub async fn start_map_child(
        self: &Arc<Self>,
        parent: &str,
        child: MapChild,
    ) -> Result<StartedExecution, StartExecutionError> {
        if self.is_closing() {
            return Err(StoreError::Closed.into());
        }
        let parent = self.map_parent(parent)?;
        let arn = self.map_child_arn(&child);
        let scope = child.scope;
        let (mut record, info) = self.map_child_record(&parent, child, arn);
        record.seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let machine_name = info.state_machine_name.clone();
        let exec = self
            .new_execution(parent.program.clone(), info, record.seed)
            .rooted_at(Some(scope));
        let started = self.launch(record, exec).await?;
        crate::metrics::execution_started(&machine_name, "STANDARD");
        Ok(started)
    }

    /// Runs child execution `child` of a Map Run of `parent` as an Express execution, in
    /// memory, to its end; its record (never stored) says how it ended.
    pub async fn run_map_child(
        self: &Arc<Self>,
        parent: &str,
        child: MapChild,
    ) -> Result<ExecutionRecord, StartExecutionError> {
        if self.is_closing() {
            return Err(StoreError::Closed.into());
        }
        let parent = self.map_parent(parent)?;
        let machine_arn = child_machine_arn(&child.map_run_arn);
        let machine_name = machine_arn.rsplit(':').next().unwrap_or_default();
        let arn = self.identity.states_arn(
            "express",
            &format!("{machine_name}:{}:{}", child.name, child.name),
        );
        // A batch is as many items as it holds.
        let items = child.input["Items"].as_array().map_or(1, Vec::len) as u64;
        let (scope, total) = (child.scope, child.total);
        let (record, info) = self.map_child_record(&parent, child, arn);
        let map_run = record
            .map_run
            .as_ref()
            .map(|m| m.arn.clone())
            .unwrap_or_default();
        let exec = self
            .new_express_execution(parent.program.clone(), info, record.seed)
            .rooted_at(Some(scope));
        self.count_express(&map_run, items, None, total);
        let (tx, rx) = oneshot::channel();
        self.track_express(exec, None, move |run| {
            let _ = tx.send(run);
        });
        let Ok(run) = rx.await.unwrap_or(Err(ExpressAborted)) else {
            self.count_express(&map_run, items, Some(ExecutionStatus::Aborted), total);
            return Err(StoreError::Closed.into());
        };
        let record = durable::ended(record, &run.exec.status, run.stop_ms);
        self.count_express(&map_run, items, Some(record.status), total);
        Ok(record)
    }

    /// A new record of a Map Run's child (its `seq` for the caller to give), and the
    /// information its execution is built with.
    fn map_child_record(
        &self,
        parent: &MapParent,
        child: MapChild,
        arn: String,
    ) -> (ExecutionRecord, ExecutionInfo) {
        let machine_arn = child_machine_arn(&child.map_run_arn);
        let machine_name = machine_arn
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        let start_ms = self.clock.now_ms();
        let record = ExecutionRecord {
            seq: 0,
            arn: arn.clone(),
            name: child.name.clone(),
            machine_arn: machine_arn.clone(),
            definition_id: parent.definition_id.clone(),
            role_arn: parent.role_arn.clone(),
            seed: rand_seed(),
            status: ExecutionStatus::Running,
            input: child.input.to_string(),
            output: None,
            error: None,
            cause: None,
            start_ms,
            stop_ms: None,
            test_case: None,
            version_arn: None,
            alias_arn: None,
            redrive_count: 0,
            redrive_ms: None,
            map_run: Some(MapRunChild {
                arn: child.map_run_arn,
                scope: child.scope,
                total: child.total,
            }),
        };
        let info = ExecutionInfo {
            redrive_count: 0,
            id: arn,
            name: child.name,
            state_machine_id: machine_arn,
            state_machine_name: machine_name,
            role_arn: parent.role_arn.clone(),
            start_time_ms: start_ms,
            input: child.input,
        };
        (record, info)
    }

    /// One more Express child of `map_run` running (`ended` None), or one that ended so.
    fn count_express(
        &self,
        map_run: &str,
        items: u64,
        ended: Option<ExecutionStatus>,
        total: usize,
    ) {
        let mut all = self
            .express_children
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Map Runs whose children all ended are forgotten past this many: DescribeMapRun
        // counts them from their parents' steps then.
        if all.len() >= EXPRESS_MAP_RUNS_KEPT && !all.contains_key(map_run) {
            all.retain(|_, (executions, _)| executions.running > 0);
        }
        let (executions, batch) = all.entry(map_run.to_owned()).or_default();
        executions.total = executions.total.max(total as u64);
        if let Some(status) = ended {
            executions.running -= 1;
            batch.running -= items;
            executions.count(status, 1);
            batch.count(status, items);
        } else {
            executions.count(ExecutionStatus::Running, 1);
            batch.count(ExecutionStatus::Running, items);
        }
    }

    /// The Express children of `map_run` this host ran, and their items.
    pub fn express_children(&self, map_run: &str) -> (MapRunCounts, MapRunCounts) {
        self.express_children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(map_run)
            .copied()
            .unwrap_or_default()
    }

    /// The ARN of a Map Run's Standard child.
    pub fn map_child_arn(&self, child: &MapChild) -> String {
        let machine = child_machine_arn(&child.map_run_arn);
        let machine_name = machine.rsplit(':').next().unwrap_or_default();
        self.identity
            .states_arn("execution", &format!("{machine_name}:{}", child.name))
    }

    /// What a Map Run's children take of the execution whose Map starts them: its definition,
    /// role and program. Kept for the last few parents, so that the thousands of children of
    /// one Map Run read the parent's record once.
    fn map_parent(&self, parent: &str) -> Result<Arc<MapParent>, StoreError> {
        let mut cached = self.map_parents.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cached.get(parent) {
            return Ok(p.clone());
        }
        let record = self
            .store
            .execution(parent)?
            .ok_or_else(|| StoreError::Database(format!("the execution '{parent}' is not stored: a Distributed Map's children need a Standard parent")))?;
        let program = self
            .machines
            .program_of(&record)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let found = Arc::new(MapParent {
            definition_id: record.definition_id,
            role_arn: record.role_arn,
            program,
        });
        if cached.len() >= MAP_PARENTS_KEPT {
            cached.clear();
        }
        cached.insert(parent.to_owned(), found.clone());
        Ok(found)
    }

    /// Drives `exec`, the execution of the new `record`, durably; returns once its start is
    /// durable. As AWS: the same name and input while that execution runs gives back the
    /// running one.
    async fn launch(
        self: &Arc<Self>,
        record: ExecutionRecord,
        exec: Execution,
    ) -> Result<StartedExecution, StartExecutionError> {
        let arn = record.arn.clone();
        let start_ms = record.start_ms;
        let (commands, rx) = mpsc::unbounded_channel();
        {
            let mut owned = self.owned();
            if let Some(r) = owned.get(&arn) {
                return if r.input_digest == digest(&record.input) {
                    Ok(StartedExecution {
                        arn,
                        start_ms: r.start_ms,
                    })
                } else {
                    Err(StartExecutionError::AlreadyExists(arn))
                };
            }
            // Names are unique per machine for good (AWS: for 90 days): the store refuses a
            // second record of the same ARN when the start is committed.
            owned.insert(arn.clone(), Owned::of(&record, Holding::Live(commands)));
        }
        let journal = Journal {
            store: self.store.clone(),
            first_writes: vec![Write::InsertExecution(record.clone())],
            record,
        };
        match self
            .drive_durably(arn.clone(), exec, journal, None, rx)
            .await
        {
            Ok(()) => Ok(StartedExecution { arn, start_ms }),
            Err(StoreError::Conflict(_)) => Err(StartExecutionError::AlreadyExists(arn)),
            Err(e) => Err(e.into()),
        }
    }

    /// Drives `exec` as the Standard execution `arn`, its steps journaled; returns once its
    /// first commit is durable (or failed).
    async fn drive_durably(
        self: &Arc<Self>,
        arn: String,
        exec: Execution,
        journal: Journal,
        resume: Option<Outstanding>,
        commands: mpsc::UnboundedReceiver<Command>,
    ) -> Result<(), StoreError> {
        let (started_tx, started_rx) = oneshot::channel();
        self.spawn_driver(
            arn,
            exec,
            self.durable_run(journal, resume),
            commands,
            Some(started_tx),
        );
        started_rx.await.unwrap_or(Err(StoreError::Closed))
    }

    fn spawn_driver(
        self: &Arc<Self>,
        arn: String,
        exec: Execution,
        run: Run,
        commands: mpsc::UnboundedReceiver<Command>,
        started: Option<oneshot::Sender<Result<(), StoreError>>>,
    ) {
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut exec = exec;
            let ended = drive(&mut exec, run, Some(commands), started).await;
            drop(exec);
            if let Some(this) = this.upgrade() {
                this.driver_ended(arn, ended);
            }
        });
    }

    /// What happens to an execution when its driver lets go of it.
    fn driver_ended(self: &Arc<Self>, arn: String, ended: Ended) {
        match ended {
            Ended::Finished { record, commands } => {
                self.owned().remove(&arn);
                if let Some(r) = &record {
                    crate::metrics::execution_ended(
                        r.machine_name(),
                        "STANDARD",
                        r.status.as_str(),
                    );
                }
                // Nobody can send any more: answer what came as it ended.
                let stop_ms = record
                    .as_ref()
                    .and_then(|r| r.stop_ms)
                    .unwrap_or_else(|| self.clock.now_ms());
                if let Some(mut commands) = commands {
                    while let Ok(command) = commands.try_recv() {
                        command.answer_ended(stop_ms);
                    }
                }
                tracing::debug!(execution = %arn, "execution ended");
            }
            Ended::Parked {
                mut commands,
                next_timer,
            } => {
                let mut owned = self.owned();
                let Some(entry) = owned.get_mut(&arn) else {
                    return;
                };
                let mut queued = Vec::new();
                while let Ok(command) = commands.try_recv() {
                    queued.push(command);
                }
                if !queued.is_empty() {
                    // Commands came as it parked: rebuild it for them at once.
                    entry.holding = Holding::Waking(Box::new(queued));
                    let seq = entry.seq;
                    drop(owned);
                    self.wake(arn, seq);
                    return;
                }
                // Under the lock: from now on a command finds it parked and wakes it.
                entry.holding = Holding::Parked;
                drop(owned);
                self.parked_timers.arm(next_timer.map(|at| (at, arn)));
            }
            // A name already used: StartExecution says so; nothing ran.
            Ended::Stalled(StoreError::Conflict(_)) => {
                self.owned().remove(&arn);
            }
            Ended::Stalled(e) => {
                self.owned().remove(&arn);
                tracing::error!(execution = %arn, error = %e, "execution stalled; it stays RUNNING in the store and resumes at the next start");
            }
            // The host shuts down; the store holds all of it.
            Ended::Released => {
                self.owned().remove(&arn);
                self.released.notify_waiters();
            }
            Ended::Stuck => {
                self.owned().remove(&arn);
                tracing::error!(execution = %arn, "execution stuck: it waits on nothing");
            }
        }
    }

    /// Sends a command to an execution this host owns, waking it if it is parked; `None` if
    /// this host does not hold it.
    fn send<T>(
        self: &Arc<Self>,
        arn: &str,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Option<oneshot::Receiver<T>> {
        let (done, answer) = oneshot::channel();
        let command = make(done);
        let mut owned = self.owned();
        let entry = owned.get_mut(arn)?;
        match &mut entry.holding {
            // Its driver only lets go of the channel under this lock, so a send fails only if
            // the driver's task died (a panic): then nobody holds it.
            Holding::Live(tx) => tx.send(command).ok()?,
            Holding::Waking(queued) => queued.push(command),
            Holding::Parked => {
                entry.holding = Holding::Waking(Box::new(vec![command]));
                let seq = entry.seq;
                drop(owned);
                self.wake(arn.to_owned(), seq);
            }
        }
        Some(answer)
    }

    /// Rebuilds a waking execution from the store and drives it on with the commands that
    /// came meanwhile.
    fn wake(self: &Arc<Self>, arn: String, seq: u64) {
        let this = self.clone();
        tokio::spawn(async move {
            let rebuilt = this
                .store
                .execution(&arn)
                .map_err(RebuildError::from)
                .and_then(|r| r.ok_or(RebuildError::Missing))
                .and_then(|record| {
                    let steps = this.store.steps(seq)?;
                    this.rebuild(record, &steps)
                });
            match rebuilt {
                Ok((exec, record, mut outstanding)) => {
                    // Woken where it parked: what it queued for workers is still queued.
                    outstanding.queues_kept = true;
                    this.go_live(arn, exec, record, outstanding)
                }
                Err(e) => {
                    tracing::error!(execution = %arn, error = %e, "cannot rebuild a parked execution; it stays RUNNING in the store");
                    let queued = match this.owned().get_mut(&arn) {
                        Some(entry) => match std::mem::replace(&mut entry.holding, Holding::Parked)
                        {
                            Holding::Waking(queued) => *queued,
                            other => {
                                entry.holding = other;
                                Vec::new()
                            }
                        },
                        None => Vec::new(),
                    };
                    for command in queued {
                        command.answer_failed(StoreError::Corrupt(format!(
                            "the execution cannot be rebuilt: {e}"
                        )));
                    }
                }
            }
        });
    }

    /// An execution rebuilt from its record and steps, with what was in flight.
    fn rebuild(
        &self,
        record: ExecutionRecord,
        steps: &[StepRecord],
    ) -> Result<(Execution, ExecutionRecord, Outstanding), RebuildError> {
        self.rebuild_by(record, steps, durable::replay)
    }

    /// The same, its steps fed by `replay` (which says what they must leave: a running
    /// execution, or for a redrive an ended one).
    fn rebuild_by(
        &self,
        record: ExecutionRecord,
        steps: &[StepRecord],
        replay: fn(&mut Execution, &[StepRecord]) -> Result<Outstanding, ReplayError>,
    ) -> Result<(Execution, ExecutionRecord, Outstanding), RebuildError> {
        // The definition it started with, not the machine's current one.
        let program = self.machines.program_of(&record)?;
        let input: Value = serde_json::from_str(&record.input)?;
        let info = ExecutionInfo {
            redrive_count: 0,
            id: record.arn.clone(),
            name: record.name.clone(),
            state_machine_id: record.machine_arn.clone(),
            state_machine_name: record.machine_name().to_owned(),
            role_arn: record.role_arn.clone(),
            start_time_ms: record.start_ms,
            input,
        };
        let mut exec = self
            .new_execution(program, info, record.seed)
            .rooted_at(record.map_run.as_ref().map(|m| m.scope));
        let outstanding = replay(&mut exec, steps)?;
        Ok((exec, record, outstanding))
    }

    /// Drives a rebuilt execution on: the commands queued while it woke go first.
    fn go_live(
        self: &Arc<Self>,
        arn: String,
        exec: Execution,
        record: ExecutionRecord,
        outstanding: Outstanding,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        {
            let mut owned = self.owned();
            if self.is_closing() {
                // Woke as the host shuts down: it stays in the store.
                owned.remove(&arn);
                return;
            }
            let Some(entry) = owned.get_mut(&arn) else {
                return;
            };
            if let Holding::Waking(queued) = std::mem::replace(&mut entry.holding, Holding::Parked)
            {
                for command in *queued {
                    let _ = tx.send(command);
                }
            }
            entry.holding = Holding::Live(tx);
        }
        let journal = Journal {
            store: self.store.clone(),
            record,
            first_writes: Vec::new(),
        };
        self.spawn_driver(
            arn,
            exec,
            self.durable_run(journal, Some(outstanding)),
            rx,
            None,
        );
    }

    /// RedriveExecution: an ended Standard execution that did not succeed goes on from the
    /// states that did not finish; returns once that is durable, with the redrive's time.
    pub async fn redrive(self: &Arc<Self>, arn: &str) -> Result<i64, RedriveError> {
        if self.is_closing() {
            return Err(StoreError::Closed.into());
        }
        let record = self
            .store
            .execution(arn)?
            .ok_or_else(|| RedriveError::DoesNotExist(arn.to_owned()))?;
        let refuse = |why: String| Err(RedriveError::NotRedrivable(why));
        match record.status {
            ExecutionStatus::Failed | ExecutionStatus::Aborted | ExecutionStatus::TimedOut => {}
            status => {
                return refuse(format!(
                    "Execution is {} and cannot be redriven",
                    status.as_str()
                ));
            }
        }
        let now = self.clock.now_ms();
        if now - record.start_ms > REDRIVE_PERIOD_MS {
            return refuse(
                "Execution can no longer be redriven: it started more than 14 days ago".into(),
            );
        }
        let steps = self.store.steps(record.seq)?;
        let (exec, record, outstanding) = self
            .rebuild_by(record, &steps, durable::replay_to_redrive)
            .map_err(|e| RedriveError::Rebuild(e.to_string()))?;
        let mut redriven = record.clone();
        redriven.status = ExecutionStatus::Running;
        redriven.output = None;
        redriven.error = None;
        redriven.cause = None;
        redriven.stop_ms = None;
        redriven.redrive_count += 1;
        redriven.redrive_ms = Some(now);
        let (commands, rx) = mpsc::unbounded_channel();
        {
            let mut owned = self.owned();
            if owned.contains_key(arn) {
                return refuse("Execution is RUNNING and cannot be redriven".into());
            }
            owned.insert(arn.to_owned(), Owned::of(&record, Holding::Live(commands)));
        }
        let journal = Journal {
            store: self.store.clone(),
            first_writes: vec![Write::PutExecution(redriven.clone())],
            record: redriven,
        };
        self.drive_durably(arn.to_owned(), exec, journal, Some(outstanding), rx)
            .await?;
        Ok(now)
    }

    /// Holds the executions the store says parked since their last step (at start): parked
    /// again, their soonest timers armed, nothing read or replayed until a command or a timer
    /// wakes them.
    pub fn park_all(self: &Arc<Self>, parked: Vec<(ExecutionRecord, ParkRecord)>) {
        let count = parked.len();
        let mut due = Vec::new();
        {
            let mut owned = self.owned();
            for (record, park) in parked {
                if let Some(at) = park.next_timer_ms {
                    due.push((at, record.arn.clone()));
                }
                let entry = Owned::of(&record, Holding::Parked);
                owned.insert(record.arn, entry);
            }
        }
        self.parked_timers.arm(due);
        if count > 0 {
            tracing::info!(executions = count, "parked executions held again");
        }
    }

    /// Resumes the executions the store says are running (at start).
    pub fn resume_all(self: &Arc<Self>, running: Vec<(ExecutionRecord, Vec<StepRecord>)>) {
        // All held before any is driven: a resumed parent at once asks for its Map Run's
        // children, and a child not held yet would be started again (and refused).
        {
            let mut owned = self.owned();
            for (record, _) in &running {
                let entry = Owned::of(record, Holding::Waking(Box::default()));
                owned.insert(record.arn.clone(), entry);
            }
        }
        let mut resumed = 0;
        for (record, steps) in running {
            let arn = record.arn.clone();
            match self.rebuild(record, &steps) {
                Ok((exec, record, outstanding)) => {
                    self.go_live(arn, exec, record, outstanding);
                    resumed += 1;
                }
                Err(e) => {
                    tracing::error!(execution = %arn, error = %e, "cannot resume an execution; it stays RUNNING in the store");
                    let entry = self.owned().remove(&arn);
                    if let Some(Holding::Waking(queued)) = entry.map(|e| e.holding) {
                        for command in *queued {
                            command.answer_failed(StoreError::Corrupt(format!(
                                "the execution cannot be rebuilt: {e}"
                            )));
                        }
                    }
                }
            }
        }
        if resumed > 0 {
            tracing::info!(executions = resumed, "resumed running executions");
        }
    }

    /// Stops a Standard execution; returns the stop time once the abort is durable. Stopping
    /// one that has already ended changes nothing and returns when it ended.
    pub async fn stop(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, StopError> {
        let answer = self.send(arn, |done| Command::Stop { error, cause, done });
        if let Some(answer) = answer
            && let Ok(result) = answer.await
        {
            return Ok(result?);
        }
        // Not held here: its record says whether it ended, and when. A record that still
        // runs was not stopped, and no stop time is made up for it.
        match self.store.execution(arn)? {
            None => Err(StopError::DoesNotExist(arn.to_owned())),
            Some(record) if record.status == ExecutionStatus::Running => {
                Err(StopError::NotHeld(arn.to_owned()))
            }
            Some(record) => Ok(record.stop_ms.unwrap_or(record.start_ms)),
        }
    }

    /// Feeds `event` (UpdateMapRun's) to running execution `arn`; false if this host does
    /// not hold it. Returns once the event is durable.
    pub async fn feed(self: &Arc<Self>, arn: &str, event: Event) -> Result<bool, StoreError> {
        let Some(answer) = self.send(arn, |done| Command::Event { event, done }) else {
            return Ok(false);
        };
        match answer.await {
            Ok(result) => result.map(|()| true),
            Err(_) => Ok(false),
        }
    }

    /// Delivers what a task token brings to `task` of execution `arn`; `None` if this host
    /// does not hold that execution.
    pub async fn callback(
        self: &Arc<Self>,
        arn: &str,
        task: crate::interp::TaskId,
        callback: crate::executor::Callback,
    ) -> Option<Result<(), crate::executor::CallbackError>> {
        let answer = self.send(arn, |done| Command::Callback {
            task,
            callback,
            done,
        })?;
        answer.await.ok()
    }

    /// Stops every running execution of the state machine `machine_arn` (it was deleted).
    pub async fn stop_all_of(self: &Arc<Self>, machine_arn: &str, cause: &str) {
        let prefix = format!(
            "{}:",
            machine_arn.replacen(":stateMachine:", ":execution:", 1)
        );
        let doomed: Vec<String> = self
            .owned()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for execution in doomed {
            if let Err(e) = self
                .stop(
                    &execution,
                    Some("States.Aborted".into()),
                    Some(cause.to_owned()),
                )
                .await
            {
                tracing::warn!(%execution, error = %e, "cannot stop an execution of a deleted machine");
            }
        }
    }

    /// Returns once the Standard execution `arn` is not held by this host (at once if it is
    /// not).
    pub async fn ended(&self, arn: &str) {
        let ended = match self.owned().get_mut(arn) {
            Some(r) => {
                let (tx, rx) = oneshot::channel();
                r.watchers.get_or_insert_default().push(tx);
                rx
            }
            None => return,
        };
        // The sender is dropped, never used: that is the signal.
        let _ = ended.await;
    }

    /// An execution's record, as stored.
    pub fn record(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        self.store.execution(arn)
    }

    /// How many Standard executions this host holds (live, parked or waking).
    pub fn running_count(&self) -> usize {
        self.owned().len()
    }

    /// How many of them are parked: in the store only, none of their state in memory.
    pub fn parked_count(&self) -> usize {
        self.owned()
            .values()
            .filter(|o| matches!(o.holding, Holding::Parked))
            .count()
    }

    /// How many Express executions are in progress.
    pub fn express_count(&self) -> usize {
        self.express.count.load(Ordering::SeqCst)
    }

    /// Wakes parked executions when their soonest timer is due (their driver, rebuilt, fires
    /// it). Runs until the executions are dropped.
    pub fn spawn_timer_wakeups(self: &Arc<Self>) {
        let this = Arc::downgrade(self);
        let timers = self.parked_timers.clone();
        let clock = self.clock;
        tokio::spawn(async move {
            loop {
                let changed = timers.changed.notified();
                tokio::pin!(changed);
                changed.as_mut().enable();
                let now = clock.now_ms();
                let (due, next) = {
                    let mut set = timers.due.lock().unwrap_or_else(|e| e.into_inner());
                    let later = set.split_off(&(now.saturating_add(1), String::new()));
                    let due = std::mem::replace(&mut *set, later);
                    (due, set.first().map(|(at, _)| *at))
                };
                if !due.is_empty() {
                    let Some(executions) = this.upgrade() else {
                        return;
                    };
                    for (_, arn) in due {
                        executions.wake_parked(&arn);
                    }
                }
                match next {
                    Some(at) => {
                        tokio::select! {
                            () = tokio::time::sleep_until(clock.instant_at(at)) => {}
                            () = &mut changed => {}
                        }
                    }
                    None => changed.await,
                }
                // Dropped executions notify as they go: then this task ends too.
                if this.strong_count() == 0 {
                    return;
                }
            }
        });
    }

    /// Wakes a parked execution (its own timers fire once it runs).
    fn wake_parked(self: &Arc<Self>, arn: &str) {
        let mut owned = self.owned();
        if let Some(entry) = owned.get_mut(arn)
            && matches!(entry.holding, Holding::Parked)
        {
            entry.holding = Holding::Waking(Box::default());
            let seq = entry.seq;
            drop(owned);
            self.wake(arn.to_owned(), seq);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Express
    // -----------------------------------------------------------------------------------------

    /// The ARN of a new Express execution `name` of `machine`.
    fn express_arn(&self, machine: &MachineRecord, name: &str) -> String {
        self.identity.states_arn(
            "express",
            &format!("{}:{name}:{}", machine.name, uuid::Uuid::new_v4()),
        )
    }

    /// Starts an Express execution (StartExecution on an Express machine) and returns its ARN
    /// and start time; it runs in memory, and nothing of it is kept.
    pub fn start_express(
        self: &Arc<Self>,
        machine: &Machine,
        name: &str,
        input: Value,
        test_case: Option<Arc<TestCase>>,
    ) -> Result<(String, i64), ExpressAborted> {
        let exec = self.new_express(machine, name, input)?;
        let (arn, start_ms) = (exec.info.id.clone(), exec.info.start_time_ms);
        let express = arn.clone();
        self.track_express(exec, test_case, move |run: Result<ExpressRun, ExpressAborted>| {
            if let Ok(run) = run {
                tracing::debug!(execution = %express, status = ?run.exec.status, "express execution ended");
            }
        });
        Ok((arn, start_ms))
    }

    /// Runs an Express execution to its end (StartSyncExecution).
    pub async fn run_express(
        self: &Arc<Self>,
        machine: &Machine,
        name: &str,
        input: Value,
        test_case: Option<Arc<TestCase>>,
    ) -> Result<ExpressRun, ExpressAborted> {
        let exec = self.new_express(machine, name, input)?;
        let (tx, rx) = oneshot::channel();
        self.track_express(exec, test_case, move |run| {
            let _ = tx.send(run);
        });
        rx.await.unwrap_or(Err(ExpressAborted))
    }

    /// A new Express execution of `machine`, starting now; refused while the host closes.
    fn new_express(
        &self,
        machine: &Machine,
        name: &str,
        input: Value,
    ) -> Result<Execution, ExpressAborted> {
        if self.is_closing() {
            return Err(ExpressAborted);
        }
        let arn = self.express_arn(&machine.record, name);
        let info = execution_info(&machine.record, &arn, name, input, self.clock.now_ms());
        Ok(self.new_express_execution(machine.program.clone(), info, rand_seed()))
    }

    /// Whether the host is shutting down (no new execution starts then).
    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Runs an Express execution as a tracked task; `then` hears how it ended.
    fn track_express(
        self: &Arc<Self>,
        exec: Execution,
        test_case: Option<Arc<TestCase>>,
        then: impl FnOnce(Result<ExpressRun, ExpressAborted>) + Send + 'static,
    ) {
        let id = self.express.next.fetch_add(1, Ordering::Relaxed);
        let this = Arc::downgrade(self);
        let runner = self.runner_with(test_case);
        let scale = self.wait_time_scale;
        let clock = self.clock;
        // Counted before it is spawned, so that a drain that starts now waits for it.
        self.express.count.fetch_add(1, Ordering::SeqCst);
        // Ends the tracking however the task ends: finished, or aborted at shutdown.
        struct Tracked(std::sync::Weak<Executions>, u64);
        impl Drop for Tracked {
            fn drop(&mut self) {
                if let Some(this) = self.0.upgrade() {
                    this.express
                        .running
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&self.1);
                    this.express.count.fetch_sub(1, Ordering::SeqCst);
                    // Only a drain listens; the hot path takes no lock for nobody.
                    if this.express.draining.load(Ordering::SeqCst) {
                        this.express.ended.notify_waiters();
                    }
                }
            }
        }
        let tracked = Tracked(this, id);
        // `then` hears of an abort from a guard dropped with the task.
        struct Abort<F: FnOnce(Result<ExpressRun, ExpressAborted>)>(Option<F>);
        impl<F: FnOnce(Result<ExpressRun, ExpressAborted>)> Drop for Abort<F> {
            fn drop(&mut self) {
                if let Some(f) = self.0.take() {
                    f(Err(ExpressAborted));
                }
            }
        }
        let mut abort = Abort(Some(then));
        // Held across the spawn, so that the task's end (which takes it) finds its handle.
        let mut running = self
            .express
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let handle = tokio::spawn(async move {
            let _tracked = tracked;
            let mut exec = exec;
            let start_ms = exec.info.start_time_ms;
            let run = Run::in_memory(runner, clock).with_wait_time_scale(scale);
            crate::metrics::execution_started(&exec.info.state_machine_name, "EXPRESS");
            let ended = drive(&mut exec, run, None, None).await;
            if matches!(ended, Ended::Stuck) {
                tracing::error!(execution = %exec.info.id, "express execution stuck: it waits on nothing");
            }
            crate::metrics::execution_ended(
                &exec.info.state_machine_name,
                "EXPRESS",
                durable::record_status(&exec.status).as_str(),
            );
            if let Some(f) = abort.0.take() {
                f(Ok(ExpressRun {
                    arn: exec.info.id.clone(),
                    start_ms,
                    stop_ms: clock.now_ms(),
                    exec: Box::new(exec),
                }));
            }
        });
        running.insert(id, handle.abort_handle());
    }

    /// The region and account of this host's ARNs.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The host's clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs a TestState execution (one with a probe) in memory, its tasks run by `runner` (a
    /// mock's answers, a tracing one) or for real; None if it ran past `limit` (TestState's
    /// five minutes).
    pub async fn run_probe(
        &self,
        program: Arc<Program>,
        info: ExecutionInfo,
        probe: Probe,
        runner: Option<Arc<dyn TaskRunner>>,
        limit: Duration,
    ) -> Option<Execution> {
        let mut exec = self
            .new_execution(program, info, rand_seed())
            .with_probe(probe);
        let runner = runner.unwrap_or_else(|| self.runner.clone());
        let run = Run::in_memory(runner, self.clock).with_wait_time_scale(self.wait_time_scale);
        tokio::time::timeout(limit, drive(&mut exec, run, None, None))
            .await
            .ok()?;
        Some(exec)
    }

    /// Lets go of every Standard execution (each stays RUNNING in the store and resumes at the
    /// next start) and gives Express ones up to `grace` to end.
    pub async fn shutdown(&self, grace: Duration) {
        self.closing.store(true, Ordering::SeqCst);
        // Each live driver hears it on its own channel (no waiter list shared by every driver
        // on the hot path).
        for entry in self.owned().values() {
            if let Holding::Live(tx) = &entry.holding {
                let _ = tx.send(Command::Release);
            }
        }
        self.drain_express(grace).await;
        // Drivers let go between turns, once what they were committing is durable: after
        // this no write of theirs can land behind the next host's back.
        let live = || {
            self.owned()
                .values()
                .filter(|o| matches!(o.holding, Holding::Live(_)))
                .count()
        };
        if !wait_until(&self.released, RELEASE_WAIT, || live() == 0).await {
            tracing::warn!(executions = live(), "drivers still busy at shutdown");
        }
        self.owned().clear();
    }

    /// Waits up to `grace` for the Express executions in progress to end, then aborts the
    /// rest (Standard ones need nothing: they resume at the next start).
    pub async fn drain_express(&self, grace: Duration) {
        self.express.draining.store(true, Ordering::SeqCst);
        let none_left = || self.express_count() == 0;
        if wait_until(&self.express.ended, grace, none_left).await {
            return;
        }
        let handles: Vec<_> = self
            .express
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, h)| h)
            .collect();
        if !handles.is_empty() {
            tracing::warn!(
                executions = handles.len(),
                "aborting express executions at shutdown"
            );
        }
        for h in handles {
            h.abort();
        }
        // The aborted tasks end at their next poll.
        wait_until(&self.express.ended, RELEASE_WAIT, none_left).await;
    }
}

/// Waits until `done()` holds, checking it each time `changed` is notified, for at most
/// `within`; whether it holds.
async fn wait_until(changed: &Notify, within: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        // Registered before the check, so that a notification between the two is not lost.
        let notified = changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if done() {
            return true;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return done();
        }
    }
}

impl Drop for Executions {
    fn drop(&mut self) {
        // Ends the timer task (see `spawn_timer_wakeups`).
        self.parked_timers.changed.notify_one();
    }
}

/// The memory AWS bills an Express execution for: the definition, the input and the data
/// passed between states (here, the history recorded), in 64 MB units, at least one.
pub fn billed_memory_mb(definition_bytes: usize, input_bytes: usize, exec: &Execution) -> u64 {
    const UNIT: u64 = 64 * 1024 * 1024;
    let known = (definition_bytes + input_bytes) as u64;
    // No event holds more than two payloads: when even that bound fits in one unit, the
    // history need not be measured (it is, for the rare execution that might not fit).
    let bound = (exec.history.len() as u64).saturating_mul(2 * MAX_PAYLOAD_BYTES as u64 + 1024);
    let history = if known.saturating_add(bound) < UNIT {
        0
    } else {
        serde_json::to_vec(&exec.history).map_or(0, |v| v.len() as u64)
    };
    known.saturating_add(history).div_ceil(UNIT).max(1) * 64
}

/// Fails every task, saying why (a resumed test execution whose test case left the file).
struct Refused(String);

impl TaskRunner for Refused {
    fn run(&self, _: TaskRequest, _: Heartbeat) -> TaskFuture {
        let failure = Failure::new(crate::interp::errors::names::RUNTIME, self.0.clone());
        Box::pin(std::future::ready(TaskOutcome::Failed(failure)))
    }
}

#[cfg(test)]
mod tests;
