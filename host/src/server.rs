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
use crate::executor::durable::{self, Command, Durable, Ended};
use crate::executor::{Clock, TaskRunner};
use crate::integrations::{TaskResources, sns, sqs};
use crate::interp::{Execution, ExecutionInfo, Program};
use crate::runtime::{FunctionConfig, Runtime, StartError};
use crate::store::{
    ActivityRecord, ExecutionRecord, ExecutionStatus, FunctionRecord, MachineRecord, Store,
    StoreError, Write, definition_id,
};

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

/// A Standard execution in progress.
#[derive(Debug)]
struct Running {
    input: String,
    start_ms: i64,
    commands: mpsc::UnboundedSender<Command>,
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
    /// Wall clock.
    pub clock: Clock,
    /// The built-in SQS queues.
    pub sqs: sqs::Queues,
    /// The built-in SNS topics.
    pub sns: sns::Topics,
    machines: RwLock<BTreeMap<String, Arc<Machine>>>,
    activities: RwLock<BTreeMap<String, ActivityRecord>>,
    functions: RwLock<BTreeMap<String, Value>>,
    running: Mutex<HashMap<String, Running>>,
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
            http_allowed_hosts: _,
        } = config;
        let runtime = Arc::new(Runtime::new(cache_dir)?);
        let loaded = store.load()?;
        let queues = sqs::Queues::new(store.clone(), &identity, &loaded.objects);
        let topics = sns::Topics::new(store.clone(), &identity, queues.clone(), &loaded.objects);
        let resources = TaskResources::new(runtime.clone())
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
            clock: Clock::system(),
            sqs: queues,
            sns: topics,
            machines: RwLock::default(),
            activities: RwLock::default(),
            functions: RwLock::default(),
            running: Mutex::default(),
            next_seq: AtomicU64::new(loaded.last_execution_seq + 1),
        });
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
    pub async fn delete_machine(&self, arn: &str) -> Result<(), StoreError> {
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
    pub async fn put_activity(&self, activity: ActivityRecord) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::PutActivity(activity.clone())])
            .await?;
        self.activities_mut().insert(activity.arn.clone(), activity);
        Ok(())
    }

    /// Deletes an activity.
    pub async fn delete_activity(&self, arn: &str) -> Result<(), StoreError> {
        self.store
            .commit(vec![Write::DeleteActivity(arn.to_owned())])
            .await?;
        self.activities_mut().remove(arn);
        Ok(())
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
        {
            let mut running = self.running();
            if let Some(r) = running.get(&arn) {
                return if r.input == input_text {
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
                    input: input_text.clone(),
                    start_ms,
                    commands,
                },
            );
        }
        let record = ExecutionRecord {
            seq: self.next_seq.fetch_add(1, Ordering::Relaxed),
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
        let exec = Execution::new(machine.program.clone(), info, record.seed);
        let run = Durable {
            exec,
            record,
            store: self.store.clone(),
            runner: self.runner.clone(),
            clock: self.clock,
            first_writes,
            resume: None,
        };
        let (started_tx, started_rx) = oneshot::channel();
        self.spawn_driver(arn.clone(), run, rx, Some(started_tx));
        match started_rx.await {
            Ok(Ok(())) => Ok(StartedExecution { arn, start_ms }),
            Ok(Err(StoreError::Conflict(_))) => Err(StartExecutionError::AlreadyExists(arn)),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(StoreError::Closed.into()),
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
            if let Some(server) = server.upgrade() {
                server.running().remove(&arn);
            }
            match ended {
                Ended::Finished(record) => {
                    tracing::debug!(execution = %arn, status = record.status.as_str(), "execution ended")
                }
                // A name already used: StartExecution says so; nothing ran.
                Ended::Stalled(StoreError::Conflict(_)) => {}
                Ended::Stalled(e) => {
                    tracing::error!(execution = %arn, error = %e, "execution stalled")
                }
            }
        });
    }

    fn resume(
        self: &Arc<Self>,
        record: ExecutionRecord,
        steps: &[crate::store::StepRecord],
    ) -> Result<(), String> {
        let text = self
            .store
            .definition(&record.definition_id)
            .map_err(|e| e.to_string())?
            .ok_or("its definition is missing from the store")?;
        // The definition it started with, not the machine's current one.
        let program = compile_definition(&text)?;
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
        let mut exec = Execution::new(program, info, record.seed);
        let outstanding = durable::replay(&mut exec, steps).map_err(|e| e.to_string())?;
        let (commands, rx) = mpsc::unbounded_channel();
        self.running().insert(
            record.arn.clone(),
            Running {
                input: record.input.clone(),
                start_ms: record.start_ms,
                commands,
            },
        );
        let arn = record.arn.clone();
        let run = Durable {
            exec,
            record,
            store: self.store.clone(),
            runner: self.runner.clone(),
            clock: self.clock,
            first_writes: Vec::new(),
            resume: Some(outstanding),
        };
        self.spawn_driver(arn, run, rx, None);
        Ok(())
    }

    /// Stops a Standard execution; returns the stop time once the abort is durable. Stopping
    /// one that has already ended changes nothing and returns when it ended.
    pub async fn stop_execution(
        &self,
        arn: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<i64, StopError> {
        let commands = self.running().get(arn).map(|r| r.commands.clone());
        if let Some(commands) = commands {
            let (done, rx) = oneshot::channel();
            if commands.send(Command::Stop { error, cause, done }).is_ok()
                && let Ok(result) = rx.await
            {
                return Ok(result?);
            }
            // It ended meanwhile: its record says when.
        }
        match self.store.execution(arn)? {
            Some(record) => Ok(record.stop_ms.unwrap_or_else(|| self.clock.now_ms())),
            None => Err(StopError::DoesNotExist(arn.to_owned())),
        }
    }

    /// How many Standard executions are running in this host.
    pub fn running_count(&self) -> usize {
        self.running().len()
    }
}

/// A seed for an execution's randomness (jitter, UUIDs): different for every execution.
pub fn rand_seed() -> u64 {
    let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
    a ^ b
}
