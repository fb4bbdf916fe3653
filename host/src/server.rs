//! The host as a service: what `stepwise serve` holds between requests — state machines,
//! activities, functions and running executions — kept in memory for serving and in the
//! [`Store`] for durability. The API layer (`api/`) speaks the wire protocols on top of it.
//!
//! Standard executions run under the durable executor and are resumed by [`Server::start`];
//! Express executions run in memory only, as AWS documents them.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::asl::validate;
use crate::executor::durable::{self, Callback, CallbackError, Command, Durable, Ended};
use crate::executor::{Clock, TaskRunner};
use crate::integrations::http::HttpInvoke;
use crate::integrations::states::StepFunctions;
use crate::integrations::{TaskResources, batch, sns, sqs};
use crate::interp::{Execution, ExecutionInfo, Program};
use crate::runtime::{FunctionConfig, Runtime, StartError};
use crate::store::{
    ActivityRecord, ExecutionRecord, ExecutionStatus, FunctionRecord, MachineRecord, Store,
    StoreError, Write, definition_id,
};
use crate::tokens::TokenKey;

/// Where the host says it is: the region and account in the ARNs it mints.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The region, `us-east-1` unless configured.
    pub region: String,
    /// The account, `123456789012` unless configured.
    pub account: String,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            region: "us-east-1".into(),
            account: "123456789012".into(),
        }
    }
}

impl Identity {
    /// `arn:aws:states:<region>:<account>:<kind>:<rest>`.
    pub fn states_arn(&self, kind: &str, rest: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:{kind}:{rest}",
            self.region, self.account
        )
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }
}

/// How a host is set up.
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    /// Region and account.
    pub identity: Identity,
    /// Where precompiled components are kept (none: compile on every start).
    pub cache_dir: Option<PathBuf>,
    /// Hosts that HTTP Tasks (`http:invoke`) may call: `name` or `name:port`. None by default.
    pub http_allowed_hosts: Vec<String>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The store would not open or load.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The WebAssembly runtime would not start.
    #[error(transparent)]
    Runtime(#[from] StartError),
}

/// A state machine ready to run.
#[derive(Debug, Clone)]
pub struct Machine {
    /// As stored.
    pub record: MachineRecord,
    /// Its definition, compiled.
    pub program: Arc<Program>,
    /// Its definition's id in the store.
    pub definition_id: String,
}

impl Machine {
    /// Compiles a machine record. The definition was validated when it was accepted.
    pub fn compile(record: MachineRecord) -> Result<Machine, String> {
        Ok(Machine {
            definition_id: definition_id(&record.definition),
            program: compile_definition(&record.definition)?,
            record,
        })
    }
}

/// Compiles a definition's text, with its problems as one message if it has any.
fn compile_definition(text: &str) -> Result<Arc<Program>, String> {
    let parsed = validate::parse_definition(text.as_bytes()).map_err(|d| {
        d.iter()
            .map(|d| format!("{}: {} at {}", d.code, d.message, d.location))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let program = Program::compile(&parsed).map_err(|e| e.to_string())?;
    Ok(Arc::new(program))
}

/// A Standard execution in progress: live (its driver holds it in memory), or parked (only
/// this entry and the store hold it; see [`Ended::Parked`]).
#[derive(Debug)]
struct Running {
    /// Its record's `seq`, to load its steps when it is rebuilt.
    seq: u64,
    /// A digest of its input, for StartExecution's idempotency (the input itself is stored).
    input_digest: u64,
    start_ms: i64,
    /// Where its driver takes commands; `None` while parked.
    commands: Option<mpsc::UnboundedSender<Command>>,
    /// Dropped when the execution ends, which wakes whoever waits for that.
    watchers: Vec<oneshot::Sender<()>>,
}

/// How long an execution that runs nothing and hears nothing stays in memory before it is
/// parked. Rebuilding one costs a fraction of a millisecond (its steps read and replayed), and
/// a live one costs about 18 KB: parking after a quarter of a second keeps a burst of
/// executions that all go on to wait for tokens under 2 KB each in resident memory
/// (`benches/callbacks.rs`), while one that moves several times a second stays live.
const PARK_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

/// The due times of parked executions' soonest timers.
#[derive(Debug, Default)]
struct ParkedTimers {
    due: Mutex<std::collections::BTreeSet<(i64, String)>>,
    changed: tokio::sync::Notify,
}

fn digest(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

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
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

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

/// The settings key of the task-token secret.
const TOKEN_KEY_SETTING: &str = "task_token_key";

/// The host's state.
pub struct Server {
    /// Region and account.
    pub identity: Identity,
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// The WebAssembly functions.
    pub runtime: Arc<Runtime>,
    /// Runs Task states and serves guests' calls.
    pub resources: Arc<TaskResources>,
    /// The same, as the executor takes it.
    pub runner: Arc<dyn TaskRunner>,
    /// AWS Batch's jobs, for its API.
    pub batch: Arc<batch::Jobs>,
    /// Wall clock.
    pub clock: Clock,
    /// Signs task tokens; persisted, so that waiting tokens survive a restart.
    token_key: Arc<TokenKey>,
    /// The built-in SQS queues.
    pub sqs: sqs::Queues,
    /// The built-in SNS topics.
    pub sns: sns::Topics,
    machines: RwLock<BTreeMap<String, Arc<Machine>>>,
    activities: RwLock<BTreeMap<String, ActivityRecord>>,
    functions: RwLock<BTreeMap<String, Value>>,
    running: Mutex<HashMap<String, Running>>,
    /// When parked executions are due to wake.
    parked_timers: Arc<ParkedTimers>,
    /// The function workers of each activity (by name), see `workers.rs`.
    worker_pools: Mutex<HashMap<String, Vec<tokio::task::AbortHandle>>>,
    next_seq: AtomicU64,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// Rebuilds the runtime's configuration of a function from its stored Lambda fields.
pub fn function_config(meta: &Value) -> FunctionConfig {
    let mut config = FunctionConfig::default();
    if let Some(m) = meta["MemorySize"].as_u64() {
        config.memory_mb = m as u32;
    }
    if let Some(t) = meta["Timeout"].as_u64() {
        config.timeout_seconds = t as u32;
    }
    if let Some(vars) = meta["Environment"]["Variables"].as_object() {
        config.environment = vars
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
    }
    config
}

impl Server {
    /// Starts the host on `store`: deploys the stored functions, loads machines and activities,
    /// and resumes every running execution.
    pub async fn start(
        store: Arc<dyn Store>,
        config: HostConfig,
    ) -> Result<Arc<Server>, ServerError> {
        let HostConfig {
            identity,
            cache_dir,
            http_allowed_hosts,
        } = config;
        let runtime = Arc::new(Runtime::new(cache_dir)?);
        let loaded = store.load()?;
        let token_key = match loaded
            .settings
            .get(TOKEN_KEY_SETTING)
            .and_then(|k| TokenKey::from_hex(k))
        {
            Some(key) => key,
            None => {
                let key = TokenKey::generate();
                store
                    .commit(vec![Write::PutSetting {
                        key: TOKEN_KEY_SETTING.into(),
                        value: key.to_hex(),
                    }])
                    .await?;
                key
            }
        };
        let step_functions = Arc::new(StepFunctions::default());
        let batch = batch::Jobs::load(store.clone(), &loaded.objects, runtime.clone(), &identity);
        let queues = sqs::Queues::new(store.clone(), &identity, &loaded.objects);
        let topics = sns::Topics::new(store.clone(), &identity, queues.clone(), &loaded.objects);
        let resources = TaskResources::new(runtime.clone())
            .with_service("states", step_functions.clone())
            .with_service("batch", Arc::new(batch::Batch::new(batch.clone())))
            .with_service("http", Arc::new(HttpInvoke::new(http_allowed_hosts)))
            .with_service("sqs", Arc::new(queues.clone()))
            .with_service("sns", Arc::new(topics.clone()));
        let resources = Arc::new(resources);
        let runner: Arc<dyn TaskRunner> = resources.clone();
        let server = Arc::new(Server {
            identity,
            store,
            runtime,
            resources,
            runner,
            batch,
            clock: Clock::system(),
            token_key: Arc::new(token_key),
            sqs: queues,
            sns: topics,
            machines: RwLock::default(),
            activities: RwLock::default(),
            functions: RwLock::default(),
            running: Mutex::default(),
            parked_timers: Arc::default(),
            worker_pools: Mutex::default(),
            next_seq: AtomicU64::new(loaded.last_execution_seq + 1),
        });
        step_functions.attach(Arc::downgrade(&server));
        tokio::spawn(wake_parked(
            Arc::downgrade(&server),
            server.parked_timers.clone(),
            server.clock,
        ));
        for f in loaded.functions {
            // A stored function deployed once; if this host cannot load it any more (a newer
            // world version, say), the rest of the host still starts.
            match server
                .runtime
                .deploy(&f.name, &f.code, function_config(&f.meta))
            {
                Ok(_) => {
                    server.functions_mut().insert(f.name, f.meta);
                }
                Err(e) => {
                    tracing::error!(function = %f.name, error = %e, "cannot load a stored function")
                }
            }
        }
        // Jobs run functions: they start again once the functions are back.
        server.batch.resume();
        for record in loaded.machines {
            let arn = record.arn.clone();
            match Machine::compile(record) {
                Ok(m) => {
                    server.machines_mut().insert(arn, Arc::new(m));
                }
                Err(e) => {
                    tracing::error!(machine = %arn, error = %e, "cannot load a stored state machine")
                }
            }
        }
        for a in loaded.activities {
            server.resources.activities.open(&a.name);
            server.staff(&a);
            server.activities_mut().insert(a.arn.clone(), a);
        }
        let mut resumed = 0;
        for (record, steps) in loaded.running {
            let arn = record.arn.clone();
            match server.resume(record, &steps) {
                Ok(()) => resumed += 1,
                Err(e) => {
                    tracing::error!(execution = %arn, error = %e, "cannot resume an execution; it stays RUNNING in the store")
                }
            }
        }
        if resumed > 0 {
            tracing::info!(executions = resumed, "resumed running executions");
        }
        Ok(server)
    }

    fn functions_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Value>> {
        self.functions.write().unwrap_or_else(|e| e.into_inner())
    }

    fn machines_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Arc<Machine>>> {
        self.machines.write().unwrap_or_else(|e| e.into_inner())
    }

    fn activities_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, ActivityRecord>> {
        self.activities.write().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    // -----------------------------------------------------------------------------------------
    // State machines
    // -----------------------------------------------------------------------------------------

    /// A state machine by ARN.
    pub fn machine(&self, arn: &str) -> Option<Arc<Machine>> {
        self.machines
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)
            .cloned()
    }

    /// Every state machine, by ARN.
    pub fn machines(&self) -> Vec<Arc<Machine>> {
        self.machines
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Stores `machine` (new or updated) and serves it. With `only_if_new`, refuses (returns
    /// the existing one) when a machine of that ARN exists.
    pub async fn put_machine(
        &self,
        machine: Machine,
        only_if_new: bool,
    ) -> Result<Option<Arc<Machine>>, StoreError> {
        let arn = machine.record.arn.clone();
        let writes = vec![
            Write::PutMachine(machine.record.clone()),
            // Executions name their definition by id, so that an update does not change what
            // a running one does (and a restart resumes it with the text it started with).
            Write::PutDefinition {
                id: machine.definition_id.clone(),
                text: machine.record.definition.clone(),
            },
        ];
        let previous = {
            let mut machines = self.machines_mut();
            if only_if_new && let Some(existing) = machines.get(&arn) {
                return Ok(Some(existing.clone()));
            }
            machines.insert(arn.clone(), Arc::new(machine))
        };
        let result = self.store.commit(writes).await;
        if let Err(e) = result {
            let mut machines = self.machines_mut();
            match previous {
                Some(p) => machines.insert(arn, p),
                None => machines.remove(&arn),
            };
            return Err(e);
        }
        Ok(None)
    }

    /// Deletes a state machine; its running executions are stopped, as AWS does.
    pub async fn delete_machine(self: &Arc<Self>, arn: &str) -> Result<(), StoreError> {
        let removed = self.machines_mut().remove(arn);
        if removed.is_none() {
            return Ok(());
        }
        if let Err(e) = self
            .store
            .commit(vec![Write::DeleteMachine(arn.to_owned())])
            .await
        {
            if let Some(m) = removed {
                self.machines_mut().insert(arn.to_owned(), m);
            }
            return Err(e);
        }
        let prefix = format!("{}:", arn.replacen(":stateMachine:", ":execution:", 1));
        let doomed: Vec<String> = self
            .running()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for execution in doomed {
            let _ = self
                .stop_execution(
                    &execution,
                    Some("States.Aborted".into()),
                    Some("The state machine was deleted".into()),
                )
                .await;
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Activities
    // -----------------------------------------------------------------------------------------

    /// An activity by ARN.
    pub fn activity(&self, arn: &str) -> Option<ActivityRecord> {
        self.activities
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(arn)
            .cloned()
    }

    /// Every activity.
    pub fn activities(&self) -> Vec<ActivityRecord> {
        self.activities
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Stores an activity (new or with new tags).
    pub async fn put_activity(
        self: &Arc<Self>,
        activity: ActivityRecord,
    ) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::PutActivity(activity.clone())])
            .await?;
        self.resources.activities.open(&activity.name);
        self.staff(&activity);
        self.activities_mut().insert(activity.arn.clone(), activity);
        Ok(())
    }

    /// Deletes an activity.
    pub async fn delete_activity(&self, arn: &str) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::DeleteActivity(arn.to_owned())])
            .await?;
        if let Some(a) = self.activities_mut().remove(arn) {
            self.resources.activities.close(&a.name);
            self.dismiss(&a.name);
        }
        Ok(())
    }

    /// Starts the function workers an activity's tags ask for, replacing any it had.
    fn staff(self: &Arc<Self>, activity: &ActivityRecord) {
        self.dismiss(&activity.name);
        let (function, concurrency) = match crate::workers::pool_of(&activity.tags) {
            Ok(Some(pool)) => pool,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(activity = %activity.name, error = %e, "no function workers");
                return;
            }
        };
        let handles = (0..concurrency)
            .map(|i| {
                let work = crate::workers::work(
                    Arc::downgrade(self),
                    activity.name.clone(),
                    function.clone(),
                    i,
                );
                tokio::spawn(work).abort_handle()
            })
            .collect();
        self.worker_pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(activity.name.clone(), handles);
    }

    fn dismiss(&self, activity: &str) {
        let pool = self
            .worker_pools
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(activity);
        for handle in pool.into_iter().flatten() {
            handle.abort();
        }
    }

    // -----------------------------------------------------------------------------------------
    // Functions
    // -----------------------------------------------------------------------------------------

    /// A function's stored Lambda fields.
    pub fn function_meta(&self, name: &str) -> Option<Value> {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Every function's stored Lambda fields, by name.
    pub fn function_metas(&self) -> Vec<Value> {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Records a function the runtime has just deployed: with its code, or (`None`) a new
    /// configuration for the code already stored.
    pub async fn put_function(
        &self,
        name: &str,
        code: Option<Vec<u8>>,
        meta: Value,
    ) -> Result<(), StoreError> {
        let write = match code {
            Some(code) => Write::PutFunction(FunctionRecord {
                name: name.to_owned(),
                code,
                meta: meta.clone(),
            }),
            None => Write::SetFunctionMeta {
                name: name.to_owned(),
                meta: meta.clone(),
            },
        };
        self.store.commit(vec![write]).await?;
        self.functions_mut().insert(name.to_owned(), meta);
        Ok(())
    }

    /// Forgets a function.
    pub async fn delete_function(&self, name: &str) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::DeleteFunction(name.to_owned())])
            .await?;
        self.functions_mut().remove(name);
        self.runtime.remove(name);
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Executions
    // -----------------------------------------------------------------------------------------

    /// The ARN of execution `name` of `machine`.
    pub fn execution_arn(&self, machine: &MachineRecord, name: &str) -> String {
        self.identity
            .states_arn("execution", &format!("{}:{name}", machine.name))
    }

    /// The information an execution of `machine` is built with.
    pub fn execution_info(
        &self,
        machine: &MachineRecord,
        arn: &str,
        name: &str,
        input: Value,
        start_ms: i64,
    ) -> ExecutionInfo {
        ExecutionInfo {
            id: arn.to_owned(),
            name: name.to_owned(),
            state_machine_id: machine.arn.clone(),
            state_machine_name: machine.name.clone(),
            role_arn: machine.role_arn.clone(),
            start_time_ms: start_ms,
            input,
        }
    }

    /// Starts a Standard execution; returns once its start is durable. As AWS: the same name
    /// and input while that execution runs gives back the running one.
    pub async fn start_execution(
        self: &Arc<Self>,
        machine: &Machine,
        name: &str,
        input_text: String,
        input: Value,
    ) -> Result<StartedExecution, StartExecutionError> {
        let arn = self.execution_arn(&machine.record, name);
        let start_ms = self.clock.now_ms();
        let (commands, rx) = mpsc::unbounded_channel();
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        {
            let mut running = self.running();
            if let Some(r) = running.get(&arn) {
                return if r.input_digest == digest(&input_text) {
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
            running.insert(
                arn.clone(),
                Running {
                    seq,
                    input_digest: digest(&input_text),
                    start_ms,
                    commands: Some(commands),
                    watchers: Vec::new(),
                },
            );
        }
        let record = ExecutionRecord {
            seq,
            arn: arn.clone(),
            name: name.to_owned(),
            machine_arn: machine.record.arn.clone(),
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
        };
        let first_writes = vec![Write::InsertExecution(record.clone())];
        let info = self.execution_info(&machine.record, &arn, name, input, start_ms);
        let exec = self.new_execution(machine.program.clone(), info, record.seed);
        let run = self.durable(exec, record, first_writes, None);
        let (started_tx, started_rx) = oneshot::channel();
        self.spawn_driver(arn.clone(), run, rx, Some(started_tx));
        match started_rx.await {
            Ok(Ok(())) => Ok(StartedExecution { arn, start_ms }),
            Ok(Err(StoreError::Conflict(_))) => Err(StartExecutionError::AlreadyExists(arn)),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(StoreError::Closed.into()),
        }
    }

    /// An execution of this host: its tokens signed with the host's key (before any replay,
    /// which mints them again).
    fn new_execution(&self, program: Arc<Program>, info: ExecutionInfo, seed: u64) -> Execution {
        Execution::new(program, info, seed).with_token_key(self.token_key.clone())
    }

    /// A Standard execution ready for the durable driver, parking when idle.
    fn durable(
        &self,
        exec: Execution,
        record: ExecutionRecord,
        first_writes: Vec<Write>,
        resume: Option<durable::Outstanding>,
    ) -> Durable {
        Durable {
            exec,
            record,
            store: self.store.clone(),
            runner: self.runner.clone(),
            clock: self.clock,
            first_writes,
            resume,
            park_after: Some(PARK_AFTER),
        }
    }

    fn spawn_driver(
        self: &Arc<Self>,
        arn: String,
        run: Durable,
        commands: mpsc::UnboundedReceiver<Command>,
        started: Option<oneshot::Sender<Result<(), StoreError>>>,
    ) {
        let server = Arc::downgrade(self);
        tokio::spawn(async move {
            let ended = durable::drive(run, commands, started).await;
            let Some(server) = server.upgrade() else {
                return;
            };
            match ended {
                Ended::Finished(record) => {
                    server.running().remove(&arn);
                    tracing::debug!(execution = %arn, status = record.status.as_str(), "execution ended")
                }
                Ended::Parked {
                    commands,
                    next_timer,
                } => server.park(arn, commands, next_timer),
                // A name already used: StartExecution says so; nothing ran.
                Ended::Stalled(StoreError::Conflict(_)) => {
                    server.running().remove(&arn);
                }
                Ended::Stalled(e) => {
                    server.running().remove(&arn);
                    tracing::error!(execution = %arn, error = %e, "execution stalled")
                }
            }
        });
    }

    /// Lets go of an idle execution's memory; it is rebuilt from the store when a command
    /// comes or its timer is due.
    fn park(
        self: &Arc<Self>,
        arn: String,
        commands: mpsc::UnboundedReceiver<Command>,
        next_timer: Option<i64>,
    ) {
        let mut running = self.running();
        let Some(r) = running.get_mut(&arn) else {
            return;
        };
        if !commands.is_empty() {
            // A command came as it parked: carry on with it at once.
            let seq = r.seq;
            drop(running);
            self.unpark(arn, seq, commands);
            return;
        }
        // Senders still held elsewhere now fail, and their holders come back for a new one.
        r.commands = None;
        drop(running);
        drop(commands);
        if let Some(at) = next_timer {
            let timers = &self.parked_timers;
            timers
                .due
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((at, arn));
            timers.changed.notify_one();
        }
    }

    /// The command channel of a running execution, rebuilding it first if it is parked;
    /// `None` if it is not running here.
    fn commands(self: &Arc<Self>, arn: &str) -> Option<mpsc::UnboundedSender<Command>> {
        let mut running = self.running();
        let r = running.get_mut(arn)?;
        if let Some(commands) = &r.commands {
            return Some(commands.clone());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        r.commands = Some(tx.clone());
        let seq = r.seq;
        drop(running);
        self.unpark(arn.to_owned(), seq, rx);
        Some(tx)
    }

    /// Sends a command to a running execution and waits for its answer, waking it if it is
    /// parked; `None` if it is not running (or ended before answering).
    async fn command<T>(
        self: &Arc<Self>,
        arn: &str,
        make: impl Fn(oneshot::Sender<T>) -> Command,
    ) -> Option<T> {
        // A driver that parks as the command is sent drops it; the next try wakes it.
        for _ in 0..3 {
            let commands = self.commands(arn)?;
            let (done, rx) = oneshot::channel();
            if commands.send(make(done)).is_ok()
                && let Ok(answer) = rx.await
            {
                return Some(answer);
            }
            tokio::task::yield_now().await;
        }
        None
    }

    /// Rebuilds a parked execution from its steps and drives it on with `commands`.
    fn unpark(self: &Arc<Self>, arn: String, seq: u64, commands: mpsc::UnboundedReceiver<Command>) {
        let server = self.clone();
        tokio::spawn(async move {
            let rebuilt = (|| {
                let record = server
                    .store
                    .execution(&arn)
                    .map_err(|e| e.to_string())?
                    .ok_or("its record is missing")?;
                let steps = server.store.steps(seq).map_err(|e| e.to_string())?;
                server.drive_resumed(record, &steps, commands)
            })();
            if let Err(e) = rebuilt {
                tracing::error!(execution = %arn, error = %e, "cannot rebuild a parked execution; it stays RUNNING in the store");
            }
        });
    }

    fn resume(
        self: &Arc<Self>,
        record: ExecutionRecord,
        steps: &[crate::store::StepRecord],
    ) -> Result<(), String> {
        let (commands, rx) = mpsc::unbounded_channel();
        self.running().insert(
            record.arn.clone(),
            Running {
                seq: record.seq,
                input_digest: digest(&record.input),
                start_ms: record.start_ms,
                commands: Some(commands),
                watchers: Vec::new(),
            },
        );
        let arn = record.arn.clone();
        self.drive_resumed(record, steps, rx).inspect_err(|_| {
            self.running().remove(&arn);
        })
    }

    /// Replays an execution's steps and drives it on.
    fn drive_resumed(
        self: &Arc<Self>,
        record: ExecutionRecord,
        steps: &[crate::store::StepRecord],
        commands: mpsc::UnboundedReceiver<Command>,
    ) -> Result<(), String> {
        // The definition it started with, not the machine's current one: usually still the
        // machine's, compiled already.
        let program = match self.machine(&record.machine_arn) {
            Some(m) if m.definition_id == record.definition_id => m.program.clone(),
            _ => {
                let text = self
                    .store
                    .definition(&record.definition_id)
                    .map_err(|e| e.to_string())?
                    .ok_or("its definition is missing from the store")?;
                compile_definition(&text)?
            }
        };
        let input: Value = serde_json::from_str(&record.input).map_err(|e| e.to_string())?;
        let info = ExecutionInfo {
            id: record.arn.clone(),
            name: record.name.clone(),
            state_machine_id: record.machine_arn.clone(),
            state_machine_name: record.machine_name().to_owned(),
            role_arn: record.role_arn.clone(),
            start_time_ms: record.start_ms,
            input,
        };
        let mut exec = self.new_execution(program, info, record.seed);
        let outstanding = durable::replay(&mut exec, steps).map_err(|e| e.to_string())?;
        let arn = record.arn.clone();
        let run = self.durable(exec, record, Vec::new(), Some(outstanding));
        self.spawn_driver(arn, run, commands, None);
        Ok(())
    }

    /// Stops a Standard execution; returns the stop time once the abort is durable. Stopping
    /// one that has already ended changes nothing and returns when it ended.
    pub async fn stop_execution(
        self: &Arc<Self>,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, StopError> {
        let stop = |done| Command::Stop {
            error: error.clone(),
            cause: cause.clone(),
            done,
        };
        if let Some(result) = self.command(arn, stop).await {
            return Ok(result?);
        }
        // It ended meanwhile: its record says when.
        match self.store.execution(arn)? {
            Some(record) => Ok(record.stop_ms.unwrap_or_else(|| self.clock.now_ms())),
            None => Err(StopError::DoesNotExist(arn.to_owned())),
        }
    }

    /// SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: delivers what a task token brings
    /// to the task it names; returns once that is durable.
    pub async fn callback(
        self: &Arc<Self>,
        token: &str,
        callback: Callback,
    ) -> Result<(), CallbackRefused> {
        let claims = self
            .token_key
            .verify(token)
            .map_err(|e| CallbackRefused::InvalidToken(e.to_string()))?;
        let command = |done| Command::Callback {
            task: claims.task,
            callback: callback.clone(),
            done,
        };
        if let Some(result) = self.command(&claims.execution, command).await {
            return result.map_err(|e| match e {
                CallbackError::NotWaiting => CallbackRefused::TaskTimedOut,
                CallbackError::Store(e) => CallbackRefused::Store(e),
            });
        }
        // It ended meanwhile, and its task with it.
        match self.store.execution(&claims.execution)? {
            Some(_) => Err(CallbackRefused::TaskTimedOut),
            None => Err(CallbackRefused::TaskDoesNotExist(claims.execution)),
        }
    }

    /// Returns once the Standard execution `arn` is not running in this host (at once if it
    /// is not).
    pub async fn execution_ended(&self, arn: &str) {
        let ended = match self.running().get_mut(arn) {
            Some(r) => {
                let (tx, rx) = oneshot::channel();
                r.watchers.push(tx);
                rx
            }
            None => return,
        };
        // The sender is dropped, never used: that is the signal.
        let _ = ended.await;
    }

    /// How many Standard executions are running in this host.
    pub fn running_count(&self) -> usize {
        self.running().len()
    }
}

/// Wakes parked executions when their soonest timer is due (their driver, rebuilt, fires it).
async fn wake_parked(server: std::sync::Weak<Server>, timers: Arc<ParkedTimers>, clock: Clock) {
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
            let Some(host) = server.upgrade() else { return };
            for (_, arn) in due {
                // Rebuilding it is enough: its own timers fire once it runs.
                let _ = host.commands(&arn);
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
    }
}

/// A seed for an execution's randomness (jitter, UUIDs): different for every execution.
pub fn rand_seed() -> u64 {
    let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
    a ^ b
}
