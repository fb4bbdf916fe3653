//! Tests of `batch`.

use super::*;
use crate::runtime::FunctionConfig;
use crate::store::memory::MemoryStore;
use stepwise_test_artifacts as guest;

fn runtime() -> Arc<Runtime> {
    let runtime = Runtime::new(None).unwrap();
    for (name, path) in [("echo", guest::ECHO), ("spin", guest::SPIN)] {
        let code = std::fs::read(path).unwrap();
        let config = FunctionConfig {
            timeout_seconds: 30,
            ..FunctionConfig::default()
        };
        runtime.deploy(name, &code, config).unwrap();
    }
    Arc::new(runtime)
}

fn no_objects() -> BTreeMap<String, BTreeMap<String, String>> {
    BTreeMap::new()
}

fn request(function: &str) -> Value {
    json!({"jobName": "j", "jobQueue": "q", "jobDefinition": function,
           "parameters": {"p": "1"}, "containerOverrides": {"command": ["x"]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_is_stored_at_every_step_and_gives_the_function_its_input() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let jobs = Jobs::load(
        store.clone(),
        &no_objects(),
        runtime(),
        &Identity::default(),
    );
    let job = jobs.submit(&request("echo")).await.unwrap();
    assert_eq!(job.status, JobStatus::Submitted);
    assert_eq!(
        job.function_input(),
        json!({"jobId": job.job_id, "jobName": "j", "parameters": {"p": "1"},
               "containerOverrides": {"command": ["x"]}})
    );
    let done = jobs.wait(&job.job_id).await.unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert!(done.started_at.is_some() && done.stopped_at >= done.started_at);
    let stored = &store.load().unwrap().objects[KIND][&job.job_id];
    let stored: Job = serde_json::from_str(stored).unwrap();
    assert_eq!(stored, done);
    assert!(
        !done
            .describe()
            .as_object()
            .unwrap()
            .contains_key("function")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_job_runs_again_on_start() {
    let runtime = runtime();
    let first = Jobs::load(
        Arc::new(MemoryStore::new()),
        &no_objects(),
        runtime.clone(),
        &Identity::default(),
    );
    let mut job = first.submit(&request("echo")).await.unwrap();
    job.status = JobStatus::Running;
    let again = loaded_with(&job, runtime);
    again.resume();
    let done = again.wait(&job.job_id).await.unwrap();
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.attempts.len(), 1);
}

/// A host's jobs after a restart whose store held `job`.
fn loaded_with(job: &Job, runtime: Arc<Runtime>) -> Arc<Jobs> {
    let objects = BTreeMap::from([(
        KIND.to_owned(),
        BTreeMap::from([(job.job_id.clone(), serde_json::to_string(job).unwrap())]),
    )]);
    Jobs::load(
        Arc::new(MemoryStore::new()),
        &objects,
        runtime,
        &Identity::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_past_its_timeout_fails() {
    let runtime = runtime();
    let first = Jobs::load(
        Arc::new(MemoryStore::new()),
        &no_objects(),
        runtime.clone(),
        &Identity::default(),
    );
    // SubmitJob refuses timeouts under a minute; a stored job can carry a shorter one.
    let mut job = first.submit(&request("spin")).await.unwrap();
    first.terminate(&job.job_id, "replaced").await.unwrap();
    job.status = JobStatus::Submitted;
    job.timeout = Some(job::JobTimeout {
        attempt_duration_seconds: 1,
    });
    let jobs = loaded_with(&job, runtime);
    jobs.resume();
    let done = jobs.wait(&job.job_id).await.unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    assert_eq!(
        done.attempts[0].container.reason.as_deref(),
        Some("Job attempt duration exceeded timeout")
    );
}

#[tokio::test]
async fn the_integration_refuses_what_batch_would() {
    let jobs = Jobs::load(
        Arc::new(MemoryStore::new()),
        &no_objects(),
        runtime(),
        &Identity::default(),
    );
    let batch = Batch::new(jobs);
    assert_eq!(
        batch.patterns("submitJob"),
        Some(Pattern::RESPONSE_AND_SYNC)
    );
    assert_eq!(batch.patterns("describeJobs"), None);
    let failure = batch
        .call("submitJob", request("absent"), CallContext::default())
        .await
        .unwrap_err();
    assert_eq!(failure.error.as_deref(), Some(CLIENT_EXCEPTION));
    let failure = batch
        .wait(
            "submitJob",
            &Value::Null,
            json!({"JobId": "nope"}),
            Pattern::RunJob,
        )
        .await
        .unwrap_err();
    assert_eq!(failure.error.as_deref(), Some(names::RUNTIME));
}
