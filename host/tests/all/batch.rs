//! AWS Batch and the HTTP Task end to end: the real server on a free loopback port, driven by
//! `aws-sdk-sfn`, `aws-sdk-lambda` and `aws-sdk-batch` as a user's program would drive AWS.

use std::sync::Arc;
use std::time::Duration;

use crate::common;

use aws_sdk_batch::error::ProvideErrorMetadata;
use aws_sdk_batch::types::{JobStatus, RetryStrategy};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{Value, json};

use stepwise::host::HostConfig;
use stepwise::store::memory::MemoryStore;
use stepwise_test_artifacts as guest;

use crate::common::{Host, ROLE, lambda_client, sfn_client};

const ABORTED: &str = "Execution was aborted by Step Functions";

/// A server on a free port, allowed to call `http_allowed_hosts` from HTTP Tasks.
async fn start(http_allowed_hosts: Vec<String>) -> Host {
    let config = HostConfig {
        http_allowed_hosts,
        ..HostConfig::default()
    };
    Host::with_config(Arc::new(MemoryStore::new()), config).await
}

/// What these tests do often.
impl Host {
    async fn deploy(&self, name: &str, path: &str, timeout: i32) {
        common::deploy(&self.lambda, name, path, Some(timeout)).await;
    }

    /// Creates a Standard machine and starts it on `input`; the execution's ARN.
    async fn run(&self, name: &str, definition: &Value, input: &Value) -> String {
        let machine = common::create_machine(&self.sfn, name, definition).await;
        common::start_execution(&self.sfn, &machine, input).await
    }

    /// Polls until the execution has ended.
    async fn finished(
        &self,
        arn: &str,
    ) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
        common::ended(&self.sfn, arn).await
    }

    async fn job(&self, id: &str) -> aws_sdk_batch::types::JobDetail {
        let jobs = self
            .batch
            .describe_jobs()
            .jobs(id)
            .send()
            .await
            .unwrap()
            .jobs;
        jobs.unwrap_or_default()
            .pop()
            .expect("the job is described")
    }

    /// Polls until the job is in `status`.
    async fn job_in(&self, id: &str, status: JobStatus) -> aws_sdk_batch::types::JobDetail {
        for _ in 0..500 {
            let job = self.job(id).await;
            if job.status() == Some(&status) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {id} never reached {status:?}");
    }
}

/// The seed's machine, verbatim.
/// The Task state page's Batch example, as `examples/batch-job/` keeps it.
fn seed_machine() -> Value {
    let path = format!(
        "{}/../examples/batch-job/batch-job.asl.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn batch_machine(definition: &str, resource: &str, attempts: u32) -> Value {
    json!({"StartAt": "Job", "States": {"Job": {"Type": "Task", "Resource": resource,
        "Parameters": {"JobDefinition": definition, "JobName": "job", "JobQueue": "q",
                       "RetryStrategy": {"Attempts": attempts}},
        "End": true}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_machine_runs_its_job_to_success() {
    let host = start(vec![]).await;
    host.deploy("preprocessing", guest::ECHO, 3).await;
    let input = json!({"batchjob": {"parameters": {"inputFile": "s3://bucket/in.csv"}}});
    let arn = host.run("seed", &seed_machine(), &input).await;
    let done = host.finished(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let job: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(job["Status"], "SUCCEEDED");
    assert_eq!(job["JobName"], "PreprocessingBatchJob");
    assert_eq!(
        job["Parameters"],
        json!({"inputFile": "s3://bucket/in.csv"})
    );
    assert_eq!(
        job["JobQueue"],
        "arn:aws:batch:us-east-1:123456789012:job-queue/SecondaryQueue"
    );
    assert_eq!(
        job["JobDefinition"],
        "arn:aws:batch:us-east-1:123456789012:job-definition/preprocessing:1"
    );
    assert_eq!(job["RetryStrategy"]["Attempts"], 5);
    assert_eq!(job["Attempts"].as_array().unwrap().len(), 1);
    assert_eq!(job["Container"]["ExitCode"], 0);
    for t in ["CreatedAt", "StartedAt", "StoppedAt"] {
        assert!(job[t].as_i64().is_some(), "{t} in {job}");
    }

    // The same job through the Batch API.
    let id = job["JobId"].as_str().unwrap();
    let described = host.job(id).await;
    assert_eq!(described.status(), Some(&JobStatus::Succeeded));
    assert_eq!(described.job_name(), Some("PreprocessingBatchJob"));
    assert_eq!(described.attempts().len(), 1);
    let listed = host
        .batch
        .list_jobs()
        .job_queue("SecondaryQueue")
        .job_status(JobStatus::Succeeded)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .job_summary_list()
        .iter()
        .filter_map(|s| s.job_id())
        .collect();
    assert_eq!(ids, [id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_function_fails_the_state_after_its_attempts() {
    let host = start(vec![]).await;
    host.deploy("broken", guest::PANIC, 3).await;
    let definition = batch_machine("broken", "arn:aws:states:::batch:submitJob.sync", 2);
    let arn = host.run("fails", &definition, &json!({})).await;
    let done = host.finished(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error.as_deref(), Some("States.TaskFailed"));
    let job: Value = serde_json::from_str(done.cause.as_deref().unwrap()).unwrap();
    assert_eq!(job["Status"], "FAILED");
    assert_eq!(job["Attempts"].as_array().unwrap().len(), 2);
    assert_eq!(job["Container"]["ExitCode"], 1);
    assert!(
        job["Container"]["Reason"]
            .as_str()
            .unwrap()
            .contains("panicked"),
        "{job}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_answers_with_the_submitted_job() {
    let host = start(vec![]).await;
    host.deploy("quick", guest::ECHO, 3).await;
    let definition = batch_machine(
        "arn:aws:batch:us-east-1:123456789012:job-definition/quick:4",
        "arn:aws:states:::batch:submitJob",
        1,
    );
    let arn = host.run("submits", &definition, &json!({})).await;
    let done = host.finished(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let out: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    let id = out["JobId"].as_str().unwrap();
    assert_eq!(out["JobName"], "job");
    assert_eq!(
        out["JobArn"],
        format!("arn:aws:batch:us-east-1:123456789012:job/{id}")
    );
    let job = host.job_in(id, JobStatus::Succeeded).await;
    assert!(
        job.job_definition()
            .unwrap()
            .ends_with("job-definition/quick:4")
    );

    // A definition naming no function fails the state with Batch's error.
    let definition = batch_machine("missing", "arn:aws:states:::batch:submitJob", 1);
    let arn = host.run("missing", &definition, &json!({})).await;
    let done = host.finished(&arn).await;
    assert_eq!(done.error.as_deref(), Some("Batch.ClientException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_execution_terminates_its_job() {
    let host = start(vec![]).await;
    host.deploy("forever", guest::SPIN, 120).await;
    let definition = batch_machine("forever", "arn:aws:states:::batch:submitJob.sync", 1);
    let arn = host.run("stopped", &definition, &json!({})).await;
    let running = async {
        for _ in 0..500 {
            let listed = host.batch.list_jobs().job_queue("q").send().await.unwrap();
            if let Some(id) = listed.job_summary_list().first().and_then(|s| s.job_id()) {
                return id.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the job never ran");
    };
    let id = running.await;
    host.sfn
        .stop_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let job = host.job_in(&id, JobStatus::Failed).await;
    assert_eq!(job.status_reason(), Some(ABORTED));
    assert!(job.stopped_at().is_some());
    assert_eq!(host.finished(&arn).await.status, ExecutionStatus::Aborted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_api_submits_describes_terminates_and_refuses() {
    let host = start(vec![]).await;
    host.deploy("forever", guest::SPIN, 120).await;
    let submitted = host
        .batch
        .submit_job()
        .job_name("by-the-sdk")
        .job_queue("arn:aws:batch:us-east-1:123456789012:job-queue/main")
        .job_definition("forever")
        .parameters("k", "v")
        .retry_strategy(RetryStrategy::builder().attempts(3).build())
        .send()
        .await
        .unwrap();
    let id = submitted.job_id().unwrap();
    assert_eq!(submitted.job_name(), Some("by-the-sdk"));
    let job = host.job_in(id, JobStatus::Running).await;
    assert_eq!(job.parameters().unwrap()["k"], "v");
    assert!(job.started_at.is_some());
    let running = host
        .batch
        .list_jobs()
        .job_queue("main")
        .send()
        .await
        .unwrap();
    assert_eq!(running.job_summary_list().len(), 1);

    // CancelJob leaves a running job alone; TerminateJob stops it.
    host.batch
        .cancel_job()
        .job_id(id)
        .reason("no")
        .send()
        .await
        .unwrap();
    assert_eq!(host.job(id).await.status(), Some(&JobStatus::Running));
    host.batch
        .terminate_job()
        .job_id(id)
        .reason("enough")
        .send()
        .await
        .unwrap();
    let job = host.job(id).await;
    assert_eq!(job.status(), Some(&JobStatus::Failed));
    assert_eq!(job.status_reason(), Some("enough"));

    // Bad requests get Batch's ClientException.
    let bad_name = host
        .batch
        .submit_job()
        .job_name("no spaces")
        .job_queue("q")
        .job_definition("forever")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(bad_name).as_deref(), Some("ClientException"));
    let no_function = host
        .batch
        .submit_job()
        .job_name("j")
        .job_queue("q")
        .job_definition("nothing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(no_function).as_deref(), Some("ClientException"));
    let unknown = host
        .batch
        .terminate_job()
        .job_id("no-such-job")
        .reason("r")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(unknown).as_deref(), Some("ClientException"));
    let described = host
        .batch
        .describe_jobs()
        .jobs("no-such-job")
        .send()
        .await
        .unwrap();
    assert!(described.jobs().is_empty());
}

/// The AWS error name of a failed Batch call.
fn code<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    e: aws_sdk_batch::error::SdkError<E, R>,
) -> Option<String> {
    match &e {
        aws_sdk_batch::error::SdkError::ServiceError(s) => s.err().code().map(str::to_owned),
        other => panic!("not a service error: {other:?}"),
    }
}

/// A tiny HTTP API for the HTTP Task to call: `/hello` answers JSON, anything else 404.
async fn http_api() -> u16 {
    use axum::routing::any;
    let app = axum::Router::new()
        .route(
            "/hello",
            any(|uri: axum::http::Uri, body: String| async move {
                axum::Json(json!({"query": uri.query(), "body": body}))
            }),
        )
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "no such thing") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

fn http_machine(endpoint: &str) -> Value {
    json!({"StartAt": "Call", "States": {"Call": {"Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {"ApiEndpoint": endpoint, "Method": "POST",
            "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c/1"},
            "QueryParameters": {"who": "world"}, "RequestBody": {"n": 1}},
        "End": true}}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_tasks_call_allowed_hosts_only() {
    let port = http_api().await;
    let host = start(vec![format!("127.0.0.1:{port}")]).await;

    let arn = host
        .run(
            "hello",
            &http_machine(&format!("http://127.0.0.1:{port}/hello")),
            &json!({}),
        )
        .await;
    let done = host.finished(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded, "{done:?}");
    let out: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["StatusText"], "OK");
    assert_eq!(
        out["ResponseBody"],
        json!({"query": "who=world", "body": "{\"n\":1}"})
    );
    assert_eq!(out["Headers"]["content-type"], json!(["application/json"]));

    let arn = host
        .run(
            "missing",
            &http_machine(&format!("http://127.0.0.1:{port}/nope")),
            &json!({}),
        )
        .await;
    let done = host.finished(&arn).await;
    assert_eq!(done.error.as_deref(), Some("States.Http.StatusCode.404"));
    let cause: Value = serde_json::from_str(done.cause.as_deref().unwrap()).unwrap();
    assert_eq!(cause["ResponseBody"], "no such thing");

    let arn = host
        .run("refused", &http_machine("http://localhost:9/x"), &json!({}))
        .await;
    let done = host.finished(&arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    let cause = done.cause.unwrap_or_default();
    assert!(
        cause.contains("localhost:9") && cause.contains("--allow-http-host"),
        "{cause}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_allows_the_hosts_named_on_its_command_line() {
    let port = http_api().await;
    let data = std::env::temp_dir().join(format!("stepwise-batch-{}", uuid_like()));
    let allowed = format!("127.0.0.1:{port}");
    let (mut child, endpoint) =
        common::serve(&data, &["--in-memory", "--allow-http-host", &allowed]);
    let sfn = sfn_client(&endpoint);
    let definition = http_machine(&format!("http://127.0.0.1:{port}/hello"));
    let machine = sfn
        .create_state_machine()
        .name("allowed")
        .definition(definition.to_string())
        .role_arn(ROLE)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let done = sfn
        .start_sync_execution()
        .state_machine_arn(machine)
        .input("{}")
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        done.status,
        aws_sdk_sfn::types::SyncExecutionStatus::Succeeded,
        "{done:?}"
    );
    let out: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(out["StatusCode"], 200);
}

/// A name no other test run uses.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_and_its_waiting_execution_survive_sigkill() {
    let dir = std::env::temp_dir().join(format!("stepwise-batch-crash-{}", uuid_like()));
    let (mut server, endpoint) = common::serve(&dir, &[]);
    // The function never returns: each attempt ends at its 2-second Lambda timeout.
    common::deploy(&lambda_client(&endpoint), "slow", guest::SPIN, Some(2)).await;
    let sfn = sfn_client(&endpoint);
    let definition = batch_machine("slow", "arn:aws:states:::batch:submitJob.sync", 1);
    let machine = common::create_machine(&sfn, "survives", &definition).await;
    let arn = common::start_execution(&sfn, &machine, &json!({})).await;
    // Killed once the task has recorded its submission (TaskSubmitted) and the job runs.
    let submitted = async {
        for _ in 0..500 {
            let history = sfn
                .get_execution_history()
                .execution_arn(&arn)
                .send()
                .await
                .unwrap();
            let recorded = history.events().iter().find_map(|e| {
                e.task_submitted_event_details()
                    .and_then(|d| d.output())
                    .map(str::to_owned)
            });
            if let Some(output) = recorded {
                let output: Value = serde_json::from_str(&output).unwrap();
                return output["JobId"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the task never recorded its job");
    };
    let job_id = submitted.await;
    server.kill().unwrap();
    server.wait().unwrap();

    let (mut server, endpoint) = common::serve(&dir, &[]);
    let sfn = sfn_client(&endpoint);
    let mut polls = 0;
    let done = loop {
        polls += 1;
        assert!(polls < 600, "{arn} did not finish after the restart");
        let d = sfn
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(done.error.as_deref(), Some("States.TaskFailed"), "{done:?}");
    let job: Value = serde_json::from_str(done.cause.as_deref().unwrap()).unwrap();
    // The same job, run again after the restart: one recorded attempt, ended by the timeout.
    assert_eq!(job["JobId"], job_id.as_str());
    assert_eq!(job["Status"], "FAILED");
    assert_eq!(job["Attempts"].as_array().unwrap().len(), 1, "{job}");
    assert!(
        job["Container"]["Reason"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{job}"
    );
}
