//! AWS Batch, where a job runs a deployed function asynchronously: the job registry
//! ([`Jobs`]), the `batch:submitJob` service integration (request-response and `.sync`), and
//! the operations the REST API (`api/batch.rs`) serves.
//!
//! A job definition names a function: `NAME`, `NAME:REVISION` or
//! `arn:aws:batch:REGION:ACCOUNT:job-definition/NAME[:REVISION]` runs the function NAME (the
//! revision is recorded, not checked). The queue is recorded only: every job starts at once.
//! The function is given `{"jobId", "jobName", "parameters", "containerOverrides"}` and its
//! result is not kept; a failure (or an attempt past `Timeout.attemptDurationSeconds`) fails
//! the attempt, and `RetryStrategy.attempts` (1–10) bounds how many are made. The function's
//! own Lambda `Timeout` still applies to each run, and its `call`s are refused: a job runs
//! outside any execution, and the same after a restart.
//!
//! A job moves SUBMITTED → RUNNABLE → STARTING → RUNNING → SUCCEEDED | FAILED (back to
//! RUNNABLE between attempts). Every change is committed to the store (kind `batch.job`) and
//! announced on the job's `watch` channel, which is what `.sync` waits on: no polling. On
//! start, a job that had not ended runs again from its next attempt.
//!
//! It must not reach into executions: Step Functions sees jobs only through [`Service`].

mod job;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

pub use job::{Job, JobStatus, SubmitJob, pascal_case};

use super::lambda::{self, FunctionRef};
use super::{CallContext, CancelFuture, Pattern, Service, ServiceFuture};
use crate::arn::Identity;
use crate::interp::Failure;
use crate::interp::errors::names;
use crate::runtime::{CallFuture, GuestCall, GuestCalls, Runtime, TaskError};
use crate::store::{Store, Write};

/// The store's kind for job records.
pub const KIND: &str = "batch.job";
/// The error a state sees when Batch refuses a SubmitJob.
pub const CLIENT_EXCEPTION: &str = "Batch.ClientException";
/// The reason given to jobs whose task Step Functions aborts (as AWS gives it).
pub const ABORTED_REASON: &str = "Execution was aborted by Step Functions";

/// Why a Batch operation was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    /// The request is wrong (Batch's `ClientException`).
    #[error("{0}")]
    Client(String),
    /// The host failed (Batch's `ServerException`).
    #[error("{0}")]
    Server(String),
}

/// Every job, by id, and the runs in progress.
pub struct Jobs {
    store: Arc<dyn Store>,
    runtime: Arc<Runtime>,
    identity: Identity,
    jobs: Mutex<HashMap<String, Entry>>,
    /// To hand an owning reference to the runs this registry spawns.
    me: Weak<Jobs>,
}

struct Entry {
    job: Job,
    /// The job's status, for waiters.
    status: watch::Sender<JobStatus>,
    /// The run in progress, aborted by TerminateJob.
    run: Option<tokio::task::AbortHandle>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs").finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Jobs {
    /// The jobs in the store's `objects`. Those that had not ended wait for [`Jobs::resume`],
    /// to be called once the functions they run are deployed again.
    pub fn load(
        store: Arc<dyn Store>,
        objects: &BTreeMap<String, BTreeMap<String, String>>,
        runtime: Arc<Runtime>,
        identity: &Identity,
    ) -> Arc<Jobs> {
        let jobs = Arc::new_cyclic(|me| Jobs {
            store,
            runtime,
            identity: identity.clone(),
            jobs: Mutex::default(),
            me: me.clone(),
        });
        for (key, text) in objects.get(KIND).into_iter().flatten() {
            match serde_json::from_str::<Job>(text) {
                Ok(job) => {
                    jobs.lock().insert(
                        job.job_id.clone(),
                        Entry {
                            status: watch::channel(job.status).0,
                            job,
                            run: None,
                        },
                    );
                }
                Err(e) => tracing::error!(job = %key, error = %e, "cannot load a stored Batch job"),
            }
        }
        jobs
    }

    /// Runs again every loaded job that had not ended (from its next attempt). Must be called
    /// within a tokio runtime.
    pub fn resume(&self) {
        let unfinished: Vec<String> = self
            .lock()
            .values()
            .filter(|e| !e.job.status.is_done() && e.run.is_none())
            .map(|e| e.job.job_id.clone())
            .collect();
        for id in &unfinished {
            self.spawn_run(id);
        }
        if !unfinished.is_empty() {
            tracing::info!(
                jobs = unfinished.len(),
                "running unfinished Batch jobs again"
            );
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn spawn_run(&self, id: &str) {
        let Some(me) = self.me.upgrade() else { return };
        let mut jobs = self.lock();
        // Spawned under the lock, so that the run cannot change the job before its handle is
        // kept for TerminateJob.
        let handle = tokio::spawn(me.run(id.to_owned())).abort_handle();
        if let Some(entry) = jobs.get_mut(id) {
            entry.run = Some(handle);
        }
    }

    /// SubmitJob: stores a SUBMITTED job for the function the definition names, and starts
    /// running it.
    pub async fn submit(&self, request: &Value) -> Result<Job, BatchError> {
        let request = SubmitJob::parse(request).map_err(BatchError::Client)?;
        if self.runtime.function(&request.definition).is_none() {
            return Err(BatchError::Client(format!(
                "Job definition '{}' names the function '{}', which is not deployed",
                request.definition, request.definition
            )));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let Identity { region, account } = &self.identity;
        let job = Job {
            job_arn: format!("arn:aws:batch:{region}:{account}:job/{id}"),
            job_id: id.clone(),
            job_name: request.job_name,
            job_queue: format!(
                "arn:aws:batch:{region}:{account}:job-queue/{}",
                request.queue
            ),
            job_definition: format!(
                "arn:aws:batch:{region}:{account}:job-definition/{}:{}",
                request.definition, request.revision
            ),
            status: JobStatus::Submitted,
            status_reason: None,
            created_at: now_ms(),
            started_at: None,
            stopped_at: None,
            parameters: request.parameters,
            retry_strategy: job::RetryStrategy {
                attempts: request.attempts,
            },
            timeout: request.timeout.map(|s| job::JobTimeout {
                attempt_duration_seconds: s,
            }),
            attempts: Vec::new(),
            container: None,
            container_overrides: request.container_overrides,
            function: request.definition,
        };
        let commit = {
            let mut jobs = self.lock();
            jobs.insert(
                id.clone(),
                Entry {
                    status: watch::channel(job.status).0,
                    job: job.clone(),
                    run: None,
                },
            );
            self.store.commit(vec![put(&job)])
        };
        if let Err(e) = commit.await {
            self.lock().remove(&id);
            tracing::error!(error = %e, "the store failed a SubmitJob");
            return Err(BatchError::Server("the job could not be stored".into()));
        }
        self.spawn_run(&id);
        Ok(job)
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Option<Job> {
        self.lock().get(id).map(|e| e.job.clone())
    }

    /// ListJobs: the jobs of a queue (name or ARN) in `status`, oldest first.
    pub fn list(&self, queue: &str, status: JobStatus) -> Vec<Job> {
        let queue = job::parse_queue(queue).unwrap_or(queue);
        let suffix = format!(":job-queue/{queue}");
        let mut found: Vec<Job> = self
            .lock()
            .values()
            .filter(|e| e.job.status == status && e.job.job_queue.ends_with(&suffix))
            .map(|e| e.job.clone())
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.job_id).cmp(&(b.created_at, &b.job_id)));
        found
    }

    /// TerminateJob: fails a job that has not ended with `reason`, dropping its running
    /// function. Ended jobs are left as they are.
    pub async fn terminate(&self, id: &str, reason: &str) -> Result<(), BatchError> {
        self.stop(id, reason, |_| true).await
    }

    /// CancelJob: fails a job that has not started an attempt; others are left as they are,
    /// as Batch does (TerminateJob stops those).
    pub async fn cancel(&self, id: &str, reason: &str) -> Result<(), BatchError> {
        self.stop(id, reason, JobStatus::is_cancellable).await
    }

    async fn stop(
        &self,
        id: &str,
        reason: &str,
        applies: impl Fn(JobStatus) -> bool,
    ) -> Result<(), BatchError> {
        let commit = {
            let mut jobs = self.lock();
            let Some(entry) = jobs.get_mut(id) else {
                return Err(BatchError::Client(format!("Job {id} not found")));
            };
            if entry.job.status.is_done() || !applies(entry.job.status) {
                return Ok(());
            }
            if let Some(run) = entry.run.take() {
                run.abort();
            }
            entry.job.status = JobStatus::Failed;
            entry.job.status_reason = Some(reason.to_owned());
            entry.job.stopped_at = Some(now_ms());
            entry.status.send_replace(JobStatus::Failed);
            self.store.commit(vec![put(&entry.job)])
        };
        commit.await.map_err(|e| {
            tracing::error!(job = id, error = %e, "the store failed to record a stopped job");
            BatchError::Server("the job's new status could not be stored".into())
        })
    }

    /// Waits, without polling, for a job to end; `None` if there is no such job.
    pub async fn wait(&self, id: &str) -> Option<Job> {
        let mut status = self.lock().get(id)?.status.subscribe();
        // The sender lives as long as the entry, which is never removed.
        status.wait_for(|s| s.is_done()).await.ok()?;
        self.job(id)
    }

    /// Changes a job that has not ended, commits and announces the change, and returns the job
    /// as changed; `None` if it has ended (terminated while this run went on) or is unknown.
    async fn update(&self, id: &str, change: impl FnOnce(&mut Job)) -> Option<Job> {
        let (job, commit) = {
            let mut jobs = self.lock();
            let entry = jobs.get_mut(id)?;
            if entry.job.status.is_done() {
                return None;
            }
            change(&mut entry.job);
            if entry.job.status.is_done() {
                entry.run = None;
            }
            entry.status.send_replace(entry.job.status);
            // Committed under the lock so that the store sees changes in the order made.
            (entry.job.clone(), self.store.commit(vec![put(&entry.job)]))
        };
        if let Err(e) = commit.await {
            // The job goes on in memory; a restart runs it again from its last stored status.
            tracing::error!(job = id, error = %e, "the store failed to record a job's status");
        }
        Some(job)
    }

    /// Runs a job's attempts until one succeeds, they are used up, or the job is stopped.
    async fn run(self: Arc<Self>, id: String) {
        let set = |status: JobStatus| move |j: &mut Job| j.status = status;
        if self.update(&id, set(JobStatus::Runnable)).await.is_none() {
            return;
        }
        loop {
            if self.update(&id, set(JobStatus::Starting)).await.is_none() {
                return;
            }
            let started = now_ms();
            let running = |j: &mut Job| {
                j.status = JobStatus::Running;
                j.status_reason = None;
                j.started_at.get_or_insert(started);
            };
            let Some(job) = self.update(&id, running).await else {
                return;
            };
            let outcome = self.attempt(&job).await;
            let stopped = now_ms();
            let ended = move |j: &mut Job| {
                let (container, reason) = match outcome {
                    Ok(()) => (
                        job::Container {
                            exit_code: Some(0),
                            reason: None,
                        },
                        "Essential container in task exited".to_owned(),
                    ),
                    Err((reason, why)) => (
                        job::Container {
                            exit_code: Some(1),
                            reason: Some(reason),
                        },
                        why,
                    ),
                };
                let succeeded = container.exit_code == Some(0);
                j.attempts.push(job::Attempt {
                    container: container.clone(),
                    started_at: started,
                    stopped_at: stopped,
                    status_reason: reason.clone(),
                });
                j.container = Some(container);
                if succeeded {
                    j.status = JobStatus::Succeeded;
                    j.status_reason = Some(reason);
                    j.stopped_at = Some(stopped);
                } else if (j.attempts.len() as u32) < j.retry_strategy.attempts {
                    j.status = JobStatus::Runnable;
                } else {
                    j.status = JobStatus::Failed;
                    j.status_reason = Some(reason);
                    j.stopped_at = Some(stopped);
                }
            };
            match self.update(&id, ended).await {
                Some(j) if j.status == JobStatus::Runnable => continue,
                _ => return,
            }
        }
    }

    /// One run of the job's function: `Err((container reason, status reason))` if it failed.
    async fn attempt(&self, job: &Job) -> Result<(), (String, String)> {
        let call = lambda::Call {
            context: "{}".to_owned(),
            state_deadline: None,
            heartbeat: None,
            calls: Arc::new(NoCalls),
            depth: 0,
        };
        let function = FunctionRef {
            name: &job.function,
            qualifier: None,
        };
        let input = job.function_input();
        let invocation = lambda::invoke(&self.runtime, function, &input, call);
        let limit = job
            .timeout
            .map(|t| Duration::from_secs(t.attempt_duration_seconds));
        let result = match limit {
            Some(limit) => match tokio::time::timeout(limit, invocation).await {
                Ok(r) => r,
                Err(_) => {
                    return Err((
                        "Job attempt duration exceeded timeout".into(),
                        "Job attempt duration exceeded timeout".into(),
                    ));
                }
            },
            None => invocation.await,
        };
        result.map(|_| ()).map_err(|f| {
            let reason = format!(
                "{}: {}",
                f.error.unwrap_or_default(),
                f.cause.unwrap_or_default()
            );
            (reason, "Essential container in task exited".into())
        })
    }
}

fn put(job: &Job) -> Write {
    Write::PutObject {
        kind: KIND.into(),
        key: job.job_id.clone(),
        value: serde_json::to_string(job).unwrap_or_default(),
    }
}

/// Where a job's function's `call`s go: nowhere, since a job belongs to no execution.
struct NoCalls;

impl GuestCalls for NoCalls {
    fn call(&self, call: GuestCall) -> CallFuture {
        let cause = format!(
            "{} runs as a Batch job, which cannot call {}",
            call.caller, call.resource
        );
        Box::pin(std::future::ready(Err(TaskError::new(
            names::RUNTIME,
            cause,
        ))))
    }
}

/// `arn:aws:states:::batch:submitJob[.sync]`.
pub struct Batch {
    jobs: Arc<Jobs>,
}

impl Batch {
    /// The integration over these jobs.
    pub fn new(jobs: Arc<Jobs>) -> Self {
        Batch { jobs }
    }
}

fn job_id(submitted: &Value) -> Option<String> {
    submitted["JobId"].as_str().map(str::to_owned)
}

impl Service for Batch {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "submitJob").then_some(Pattern::RESPONSE_AND_SYNC)
    }

    fn call(&self, _action: &str, parameters: Value, _cx: CallContext) -> ServiceFuture {
        let jobs = self.jobs.clone();
        Box::pin(async move {
            match jobs.submit(&parameters).await {
                Ok(job) => Ok(json!({
                    "JobArn": job.job_arn,
                    "JobId": job.job_id,
                    "JobName": job.job_name,
                })),
                Err(BatchError::Client(m)) => Err(Failure::new(CLIENT_EXCEPTION, m)),
                Err(BatchError::Server(m)) => Err(Failure::new("Batch.ServerException", m)),
            }
        })
    }

    fn wait(
        &self,
        _action: &str,
        _parameters: &Value,
        submitted: Value,
        _pattern: Pattern,
    ) -> ServiceFuture {
        let jobs = self.jobs.clone();
        Box::pin(async move {
            let Some(id) = job_id(&submitted) else {
                return Err(Failure::new(
                    names::RUNTIME,
                    format!("the submitted job {submitted} has no JobId"),
                ));
            };
            let Some(job) = jobs.wait(&id).await else {
                return Err(Failure::new(
                    names::RUNTIME,
                    format!("Batch job {id} no longer exists"),
                ));
            };
            let described = pascal_case(job.describe());
            match job.status {
                JobStatus::Succeeded => Ok(described),
                _ => Err(Failure::new(names::TASK_FAILED, described.to_string())),
            }
        })
    }

    fn cancel(&self, _action: &str, _parameters: &Value, submitted: Value) -> CancelFuture {
        let jobs = self.jobs.clone();
        Box::pin(async move {
            if let Some(id) = job_id(&submitted) {
                let _ = jobs.terminate(&id, ABORTED_REASON).await;
            }
        })
    }
}

#[cfg(test)]
mod tests;
