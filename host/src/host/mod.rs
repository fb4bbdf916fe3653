//! The host, composed: what `stepwise serve` holds between requests, as components that each
//! own one thing — [`Machines`], [`Activities`], [`Functions`], [`Executions`],
//! [`Callbacks`] (task tokens) and [`Services`] (the integrations) — each with a narrow
//! interface, wired together once in [`Host::start`]. The API layer (`api/`) takes the
//! component each handler uses.
//!
//! Standard executions run under the durable driver and are resumed by [`Host::start`];
//! Express executions run in memory only, as AWS documents them.
//!
//! Must not: be imported by any component, integration or the sandbox (each gets what it
//! needs as a small trait or a sibling component at construction).

pub mod activities;
pub mod callbacks;
pub mod executions;
pub mod functions;
pub mod machines;
pub mod mocks;
pub mod services;
mod workers;

use std::path::PathBuf;
use std::sync::{Arc, Weak};

use serde_json::Value;

pub use activities::Activities;
pub use callbacks::{CallbackRefused, Callbacks};
pub use executions::{
    Executions, ExpressAborted, ExpressRun, RedriveError, StartExecutionError, StartedExecution,
    StopError, rand_seed,
};
pub use functions::{ALLOWED_CALLS_VARIABLE, Functions, function_config};
pub use machines::{Alias, DefinitionError, Machine, Machines, Route, VersionError};
pub use services::Services;
pub use workers::{CONCURRENCY_TAG, FUNCTION_TAG, MAX_CONCURRENCY};

use crate::arn::Identity;
use crate::executor::Clock;
use crate::integrations::activity::{ActivityQueues, ActivityTask};
use crate::integrations::aws::AwsConfig;
use crate::integrations::states::{ChildError, ChildExecutions, ChildFuture, MapChildStart};
use crate::runtime::{GuestCalls, Runtime, StartError};
use crate::store::{ExecutionRecord, ExecutionStatus, MachineType, Store, StoreError};

/// How a host is set up.
#[derive(Debug, Clone, Default)]
pub struct HostConfig {
    /// Region and account.
    pub identity: Identity,
    /// Where precompiled components are kept (none: compile on every start).
    pub cache_dir: Option<PathBuf>,
    /// Hosts that HTTP Tasks (`http:invoke`) may call: `name` or `name:port`. None by default.
    pub http_allowed_hosts: Vec<String>,
    /// Where and as whom `aws-sdk:` Tasks call AWS.
    pub aws: AwsConfig,
    /// Step Functions Local's mock file, for executions started as one of its test cases.
    pub mock_config: Option<PathBuf>,
    /// Scales every wait (Wait states, retry intervals, timeouts, heartbeats); None: 1, real
    /// time. For tests.
    pub wait_time_scale: Option<f64>,
}

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The store would not open or load.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The WebAssembly runtime would not start.
    #[error(transparent)]
    Runtime(#[from] StartError),
    /// The mock file would not read.
    #[error(transparent)]
    Mock(#[from] mocks::MockFileError),
}

/// The host: its components, cheap to clone (the API's state).
#[derive(Clone)]
pub struct Host {
    /// Region and account.
    pub identity: Identity,
    /// Wall clock.
    pub clock: Clock,
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// The WebAssembly functions' runtime.
    pub runtime: Arc<Runtime>,
    /// State machines.
    pub machines: Arc<Machines>,
    /// Activities and their workers.
    pub activities: Arc<Activities>,
    /// Deployed functions' Lambda fields.
    pub functions: Arc<Functions>,
    /// Running executions.
    pub executions: Arc<Executions>,
    /// Task tokens' callbacks.
    pub callbacks: Arc<Callbacks>,
    /// The service integrations.
    pub services: Services,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Host {
    /// Starts the host on `store`: deploys the stored functions, loads machines and
    /// activities, and resumes every running execution.
    pub async fn start(store: Arc<dyn Store>, config: HostConfig) -> Result<Host, HostError> {
        let HostConfig {
            identity,
            cache_dir,
            http_allowed_hosts,
            aws,
            mock_config,
            wait_time_scale,
        } = config;
        let mocks = Arc::new(match mock_config {
            Some(path) => mocks::Mocks::load(path)?,
            None => mocks::Mocks::none(),
        });
        let clock = Clock::system();
        let runtime = Arc::new(Runtime::new(cache_dir)?);
        let loaded = store.load()?;
        let token_key = Arc::new(callbacks::token_key(&store, &loaded.settings).await?);
        let functions = Arc::new(Functions::load(
            store.clone(),
            runtime.clone(),
            loaded.functions,
        ));
        let machines = Arc::new(Machines::load(
            store.clone(),
            loaded.machines,
            &loaded.objects,
        ));
        let queues = Arc::new(ActivityQueues::default());
        // Executions run tasks through the services, and the Step Functions integration
        // starts executions: the one cycle of the host, closed by a weak reference.
        let mut services = None;
        let executions = Arc::new_cyclic(|executions: &Weak<Executions>| {
            let children = Arc::new(Children {
                machines: machines.clone(),
                executions: executions.clone(),
            });
            let built = Services::new(services::ServiceParts {
                store: store.clone(),
                identity: &identity,
                runtime: runtime.clone(),
                activities: queues.clone(),
                http_allowed_hosts,
                aws,
                children,
                objects: &loaded.objects,
            });
            let runner = built.resources.clone();
            services = Some(built);
            Executions::new(
                identity.clone(),
                store.clone(),
                runner,
                clock,
                token_key.clone(),
                machines.clone(),
                loaded.last_execution_seq,
            )
            .for_tests_of_workflows(mocks, wait_time_scale.unwrap_or(1.0))
        });
        let services = services.expect("built with the executions");
        // Jobs run functions: they start again once the functions are back.
        services.batch.resume();
        let callbacks = Arc::new(Callbacks::new(token_key, store.clone(), executions.clone()));
        let calls: Arc<dyn GuestCalls> = services.resources.clone();
        let activities = Arc::new(Activities::load(
            store.clone(),
            queues,
            runtime.clone(),
            calls,
            callbacks.clone(),
            loaded.activities,
        ));
        executions.spawn_timer_wakeups();
        let mut running = loaded.running;
        let mut parked = loaded.parked;
        // An activity deleted meanwhile is for the execution's replay to report.
        let queues = activities.queues();
        for (record, _) in parked.extract_if(.., |(_, park)| {
            park.queued.iter().any(|q| !queues.is_open(&q.activity))
        }) {
            let steps = store.steps(record.seq)?;
            running.push((record, steps));
        }
        let queued: Vec<_> = parked
            .iter()
            .flat_map(|(_, park)| park.queued.iter().cloned())
            .collect();
        // Held before their tasks are queued again: a function worker may take one at once,
        // and its execution must be there to be told.
        executions.park_all(parked);
        for q in queued {
            let task = ActivityTask {
                token: q.token,
                input: q.input,
            };
            // The activity is open: this cannot fail.
            let _ = queues.schedule(&q.activity, task);
        }
        executions.resume_all(running);
        Ok(Host {
            identity,
            clock,
            store,
            runtime,
            machines,
            activities,
            functions,
            executions,
            callbacks,
            services,
        })
    }
}

impl Host {
    /// Stops the host's work without ending any of it: Standard executions stay RUNNING in
    /// the store (they resume at the next start), Express ones get `grace` to end, then are
    /// aborted.
    pub async fn shutdown(&self, grace: std::time::Duration) {
        self.services.sqs.close();
        self.executions.shutdown(grace).await;
    }
}

/// The Step Functions integration's view of the host: Standard executions of its machines.
struct Children {
    machines: Arc<Machines>,
    executions: Weak<Executions>,
}

impl Children {
    fn executions(&self) -> Result<Arc<Executions>, ChildError> {
        self.executions
            .upgrade()
            .ok_or_else(|| ChildError::Host("the host is shutting down".into()))
    }
}

impl ChildExecutions for Children {
    fn start(
        &self,
        machine_arn: String,
        name: String,
        input_text: String,
        input: Value,
    ) -> ChildFuture<(String, i64)> {
        let machine = self.machines.get(&machine_arn);
        let executions = self.executions();
        Box::pin(async move {
            let machine = machine.ok_or(ChildError::NoMachine(machine_arn))?;
            if machine.record.kind == MachineType::Express {
                return Err(ChildError::Express);
            }
            match executions?
                .start(&machine, &name, input_text, input, None, None)
                .await
            {
                Ok(started) => Ok((started.arn, started.start_ms)),
                Err(StartExecutionError::AlreadyExists(arn)) => Err(ChildError::AlreadyExists(arn)),
                Err(StartExecutionError::Store(e)) => Err(ChildError::Host(e.to_string())),
            }
        })
    }

    fn ended(&self, arn: String) -> ChildFuture<ExecutionRecord> {
        let executions = self.executions();
        Box::pin(async move {
            let executions = executions?;
            loop {
                executions.ended(&arn).await;
                let record = executions
                    .record(&arn)
                    .map_err(|e| ChildError::Host(e.to_string()))?
                    .ok_or_else(|| ChildError::Host(format!("the execution '{arn}' is gone")))?;
                if record.status != ExecutionStatus::Running {
                    return Ok(record);
                }
                // Only while the host starts: the child is not resumed yet.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        })
    }

    fn start_map_child(&self, parent: String, child: MapChildStart) -> ChildFuture<(String, i64)> {
        let executions = self.executions();
        Box::pin(async move {
            match executions?.start_map_child(&parent, map_child(child)).await {
                Ok(started) => Ok((started.arn, started.start_ms)),
                Err(StartExecutionError::AlreadyExists(arn)) => Err(ChildError::AlreadyExists(arn)),
                Err(StartExecutionError::Store(e)) => Err(ChildError::Host(e.to_string())),
            }
        })
    }

    fn redrive_map_child(&self, parent: String, child: MapChildStart) -> ChildFuture<String> {
        let executions = self.executions();
        Box::pin(async move {
            let executions = executions?;
            let child = map_child(child);
            let arn = executions.map_child_arn(&child);
            // A child that just ended may still be letting go of its driver: wait for it.
            for _ in 0..100 {
                match executions.redrive(&arn).await {
                    Ok(_) => return Ok(arn),
                    // It never started (the parent stopped before its start was durable).
                    Err(RedriveError::DoesNotExist(_)) => {
                        return match executions.start_map_child(&parent, child).await {
                            Ok(started) => Ok(started.arn),
                            Err(StartExecutionError::AlreadyExists(arn)) => Ok(arn),
                            Err(StartExecutionError::Store(e)) => {
                                Err(ChildError::Host(e.to_string()))
                            }
                        };
                    }
                    Err(RedriveError::NotRedrivable(why)) => {
                        let record = executions
                            .record(&arn)
                            .map_err(|e| ChildError::Host(e.to_string()))?;
                        match record.map(|r| r.status) {
                            // Redriven already (a restart mid-redrive), or it succeeded:
                            // nothing to do but wait for it.
                            Some(ExecutionStatus::Running | ExecutionStatus::Succeeded) => {
                                return Ok(arn);
                            }
                            Some(_) if why.contains("RUNNING") => executions.ended(&arn).await,
                            _ => return Err(ChildError::Host(why)),
                        }
                    }
                    Err(e) => return Err(ChildError::Host(e.to_string())),
                }
            }
            Err(ChildError::Host(format!(
                "the child '{arn}' could not be redriven"
            )))
        })
    }

    fn run_map_child(&self, parent: String, child: MapChildStart) -> ChildFuture<ExecutionRecord> {
        let executions = self.executions();
        Box::pin(async move {
            executions?
                .run_map_child(&parent, map_child(child))
                .await
                .map_err(|e| ChildError::Host(e.to_string()))
        })
    }

    fn stop(&self, arn: String, cause: String) -> ChildFuture<()> {
        let executions = self.executions();
        Box::pin(async move {
            executions?
                .stop(&arn, None, Some(cause))
                .await
                .map(|_| ())
                .map_err(|e| ChildError::Host(e.to_string()))
        })
    }
}

fn map_child(child: MapChildStart) -> executions::MapChild {
    executions::MapChild {
        map_run_arn: child.map_run_arn,
        name: child.name,
        input: child.input,
        scope: child.scope,
        total: child.total,
    }
}
