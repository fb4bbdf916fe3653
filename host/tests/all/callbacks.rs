//! Task tokens end to end: activities (GetActivityTask, SendTaskHeartbeat, SendTaskSuccess,
//! SendTaskFailure) and `.waitForTaskToken` / `.sync` through `states:startExecution`, driven
//! by the AWS SDK for Rust against the real server, with every error path of a token.

use std::sync::Arc;
use std::time::Duration;

use crate::common;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, StateMachineType};
use serde_json::{Value, json};

use stepwise::store::sqlite::SqliteStore;

use crate::common::{Host, ROLE, example};

async fn machine(host: &Host, name: &str, definition: &Value) -> String {
    common::create_machine(&host.sfn, name, definition).await
}

async fn activity(host: &Host, name: &str) -> String {
    host.sfn
        .create_activity()
        .name(name)
        .send()
        .await
        .unwrap()
        .activity_arn
}

async fn start(host: &Host, machine: &str, input: Value) -> String {
    common::start_execution(&host.sfn, machine, &input).await
}

async fn ended(
    host: &Host,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    common::ended(&host.sfn, arn).await
}

/// A worker's poll: (token, input).
async fn take(host: &Host, activity: &str, worker: &str) -> (String, Value) {
    let task = host
        .sfn
        .get_activity_task()
        .activity_arn(activity)
        .worker_name(worker)
        .send()
        .await
        .unwrap();
    let token = task.task_token.expect("a task within the poll");
    let input = serde_json::from_str(task.input.as_deref().unwrap()).unwrap();
    (token, input)
}

async fn history_types(host: &Host, arn: &str) -> Vec<HistoryEventType> {
    let events = host
        .sfn
        .get_execution_history()
        .execution_arn(arn)
        .send()
        .await
        .unwrap()
        .events;
    common::assert_no_gap(&events, arn);
    events.into_iter().map(|e| e.r#type).collect()
}

async fn succeed(host: &Host, token: &str, output: Value) -> Result<(), String> {
    host.sfn
        .send_task_success()
        .task_token(token)
        .output(output.to_string())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.into_service_error().code().unwrap_or("?").to_owned())
}

async fn beat(host: &Host, token: &str) -> Result<(), String> {
    host.sfn
        .send_task_heartbeat()
        .task_token(token)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.into_service_error().code().unwrap_or("?").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activity_state_example_runs_with_a_worker() {
    let host = Host::in_memory().await;
    let hello = activity(&host, "HelloWorld").await;
    let m = machine(&host, "activity", &example("activity/activity.asl.json")).await;
    let run = start(&host, &m, json!({"who": "Ada"})).await;

    let (token, input) = take(&host, &hello, "worker-1").await;
    assert_eq!(input, json!({"who": "Ada"}));
    beat(&host, &token).await.unwrap();
    succeed(&host, &token, json!({"greeting": "Hello, Ada"}))
        .await
        .unwrap();
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(
        serde_json::from_str::<Value>(d.output.as_deref().unwrap()).unwrap(),
        json!({"greeting": "Hello, Ada"})
    );
    use HistoryEventType::*;
    assert_eq!(
        history_types(&host, &run).await,
        [
            ExecutionStarted,
            TaskStateEntered,
            ActivityScheduled,
            ActivityStarted,
            ActivitySucceeded,
            TaskStateExited,
            PassStateEntered,
            PassStateExited,
            ExecutionSucceeded
        ]
    );
    let events = host
        .sfn
        .get_execution_history()
        .execution_arn(&run)
        .send()
        .await
        .unwrap()
        .events;
    let scheduled = events[2].activity_scheduled_event_details.as_ref().unwrap();
    assert_eq!(scheduled.timeout_in_seconds, Some(300));
    assert_eq!(scheduled.heartbeat_in_seconds, Some(60));
    let started = events[3].activity_started_event_details.as_ref().unwrap();
    assert_eq!(started.worker_name.as_deref(), Some("worker-1"));

    // A token is good once; a forged or altered one is not ours at all.
    assert_eq!(
        succeed(&host, &token, json!(1)).await.unwrap_err(),
        "TaskTimedOut"
    );
    assert_eq!(beat(&host, &token).await.unwrap_err(), "TaskTimedOut");
    let mut altered = token.clone().into_bytes();
    let i = altered.len() / 3;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert_eq!(
        succeed(&host, &altered, json!(1)).await.unwrap_err(),
        "InvalidToken"
    );
    assert_eq!(
        succeed(&host, "forged", json!(1)).await.unwrap_err(),
        "InvalidToken"
    );
    assert_eq!(
        succeed(&host, &"x".repeat(1025), json!(1))
            .await
            .unwrap_err(),
        "ValidationException"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_dies_times_out_on_its_heartbeat_and_the_retry_goes_to_another() {
    let host = Host::in_memory().await;
    let work = activity(&host, "work").await;
    let m = machine(
        &host,
        "dies",
        &json!({"StartAt": "A", "States": {"A": {
            "Type": "Task", "Resource": work, "HeartbeatSeconds": 1,
            "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "End": true}}}),
    )
    .await;
    let run = start(&host, &m, json!({"n": 1})).await;
    // The first worker takes the task and dies without a word.
    let (dead, _) = take(&host, &work, "dies").await;
    let (token, input) = take(&host, &work, "lives").await;
    assert_eq!(input, json!({"n": 1}));
    // The dead worker's token no longer names a waiting task: its heartbeat and its late
    // answer are refused.
    assert_eq!(beat(&host, &dead).await.unwrap_err(), "TaskTimedOut");
    assert_eq!(
        succeed(&host, &dead, json!(0)).await.unwrap_err(),
        "TaskTimedOut"
    );
    succeed(&host, &token, json!({"done": true})).await.unwrap();
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    let types = history_types(&host, &run).await;
    assert!(
        types.contains(&HistoryEventType::ActivityTimedOut),
        "{types:?}"
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == HistoryEventType::ActivityScheduled)
            .count(),
        2
    );

    // Without a retry, the heartbeat expiry fails the execution; an SendTaskFailure fails the
    // state with the worker's error.
    let m = machine(
        &host,
        "fails",
        &json!({"StartAt": "A", "States": {"A": {
            "Type": "Task", "Resource": work, "HeartbeatSeconds": 1, "End": true}}}),
    )
    .await;
    let run = start(&host, &m, json!({})).await;
    let _ = take(&host, &work, "dies").await;
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.Timeout"));

    let run = start(&host, &m, json!({})).await;
    let (token, _) = take(&host, &work, "w").await;
    host.sfn
        .send_task_failure()
        .task_token(&token)
        .error("Worker.Broken")
        .cause("the disk is full")
        .send()
        .await
        .unwrap();
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("Worker.Broken"));
    assert_eq!(d.cause.as_deref(), Some("the disk is full"));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_pollers_each_take_one_task() {
    let host = Host::in_memory().await;
    let work = activity(&host, "many").await;
    let m = machine(
        &host,
        "many",
        &json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": work, "End": true}}}),
    )
    .await;
    const N: usize = 40;
    let mut pollers = Vec::new();
    for i in 0..N {
        let sfn = host.sfn.clone();
        let work = work.clone();
        pollers.push(tokio::spawn(async move {
            let task = sfn
                .get_activity_task()
                .activity_arn(work)
                .worker_name(format!("w{i}"))
                .send()
                .await
                .unwrap();
            (task.task_token.unwrap(), task.input.unwrap())
        }));
    }
    let mut runs = Vec::new();
    for i in 0..N {
        runs.push(start(&host, &m, json!({"i": i})).await);
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in pollers {
        let (token, input) = p.await.unwrap();
        let input: Value = serde_json::from_str(&input).unwrap();
        assert!(
            seen.insert(input["i"].as_u64().unwrap()),
            "a task given twice"
        );
        succeed(&host, &token, input).await.unwrap();
    }
    assert_eq!(seen.len(), N);
    for run in runs {
        assert_eq!(ended(&host, &run).await.status, ExecutionStatus::Succeeded);
    }
    // An activity that does not exist.
    let missing = work.replace(":many", ":nope");
    let e = host
        .sfn
        .get_activity_task()
        .activity_arn(missing)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ActivityDoesNotExist"));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_execution_waits_for_its_child_by_token_and_by_sync() {
    let host = Host::in_memory().await;
    let child = machine(
        &host,
        "child",
        &json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}),
    )
    .await;
    let quick = machine(
        &host,
        "quick",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "End": true}}}),
    )
    .await;

    // .waitForTaskToken: the child gets the token in its input; whoever holds it answers.
    let parent = machine(
        &host,
        "by-token",
        &json!({"StartAt": "Child", "States": {"Child": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
            "Parameters": {"StateMachineArn": child, "Input": {"token.$": "$$.Task.Token"}},
            "End": true}}}),
    )
    .await;
    let run = start(&host, &parent, json!({})).await;
    let child_run = loop {
        let list = host
            .sfn
            .list_executions()
            .state_machine_arn(&child)
            .send()
            .await
            .unwrap();
        if let Some(e) = list.executions.first() {
            break e.execution_arn.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let input = host
        .sfn
        .describe_execution()
        .execution_arn(&child_run)
        .send()
        .await
        .unwrap()
        .input
        .unwrap();
    let token = serde_json::from_str::<Value>(&input).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    succeed(&host, &token, json!({"answer": 42})).await.unwrap();
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(d.output.as_deref(), Some(r#"{"answer":42}"#));
    let types = history_types(&host, &run).await;
    assert!(
        types.contains(&HistoryEventType::TaskSubmitted),
        "{types:?}"
    );

    // .sync:2 gives the child's description with its output as JSON; .sync as text.
    for (resource, output) in [
        (
            "arn:aws:states:::states:startExecution.sync:2",
            json!({"ok": 1}),
        ),
        (
            "arn:aws:states:::states:startExecution.sync",
            json!("{\"ok\":1}"),
        ),
    ] {
        let name = if resource.ends_with(":2") {
            "sync2"
        } else {
            "sync1"
        };
        let parent = machine(
            &host,
            name,
            &json!({"StartAt": "Child", "States": {"Child": {
                "Type": "Task", "Resource": resource,
                "Parameters": {"StateMachineArn": quick, "Input": {"x": 1}},
                "End": true}}}),
        )
        .await;
        let d = ended(&host, &start(&host, &parent, json!({})).await).await;
        assert_eq!(d.status, ExecutionStatus::Succeeded, "{resource}");
        let out: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
        assert_eq!(out["Status"], "SUCCEEDED");
        assert_eq!(out["Output"], output, "{resource}");
    }

    // Stopping a parent that waits on .sync stops its child.
    let parent = machine(
        &host,
        "stops",
        &json!({"StartAt": "Child", "States": {"Child": {
            "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
            "Parameters": {"StateMachineArn": child, "Name": "doomed"}, "End": true}}}),
    )
    .await;
    let run = start(&host, &parent, json!({})).await;
    let doomed = child.replace(":stateMachine:", ":execution:") + ":doomed";
    for _ in 0..200 {
        if host
            .sfn
            .describe_execution()
            .execution_arn(&doomed)
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    host.sfn
        .stop_execution()
        .execution_arn(&run)
        .send()
        .await
        .unwrap();
    assert_eq!(ended(&host, &doomed).await.status, ExecutionStatus::Aborted);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_and_patterns_are_checked_when_a_machine_is_created() {
    let host = Host::in_memory().await;
    let create = |definition: Value, kind: StateMachineType| {
        let sfn = host.sfn.clone();
        async move {
            sfn.create_state_machine()
                .name("checked")
                .role_arn(ROLE)
                .r#type(kind)
                .definition(definition.to_string())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    let e = e.into_service_error();
                    (
                        e.code().unwrap_or("?").to_owned(),
                        e.message().unwrap_or("").to_owned(),
                    )
                })
        }
    };
    let task = |resource: &str| json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": true}}});
    let (code, message) = create(
        task("arn:aws:states:::lambda:invoke.sync"),
        StateMachineType::Standard,
    )
    .await
    .unwrap_err();
    assert_eq!(code, "InvalidDefinition");
    assert!(
        message.contains("lambda:invoke") && message.contains("/States/T/Resource"),
        "{message}"
    );
    let (code, message) = create(
        task("arn:aws:states:::nosuch:thing"),
        StateMachineType::Standard,
    )
    .await
    .unwrap_err();
    assert_eq!(code, "InvalidDefinition");
    assert!(message.contains("nosuch"), "{message}");
    let (_, message) = create(
        task("arn:aws:states:::states:startExecution.waitForTaskToken"),
        StateMachineType::Express,
    )
    .await
    .unwrap_err();
    assert!(
        message.contains("Express state machine does not support"),
        "{message}"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_tokens_survive_a_restart() {
    let dir = tempdir("tokens");
    let open = || Arc::new(SqliteStore::open(&dir.join("db")).unwrap());
    let host = Host::start(open(), None).await;
    let work = activity(&host, "durable").await;
    let m = machine(
        &host,
        "durable",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": work, "Next": "B"},
            "B": {"Type": "Task", "Resource": work, "End": true}}}),
    )
    .await;
    let taken = start(&host, &m, json!({"run": 1})).await;
    let queued = start(&host, &m, json!({"run": 2})).await;
    // One task is with a worker, the other waits for one, when the host stops.
    let (token, input) = take(&host, &work, "before").await;
    assert_eq!(input, json!({"run": 1}));
    host.stop().await;

    let host = Host::start(open(), None).await;
    succeed(&host, &token, json!({"step": "A"})).await.unwrap();
    let (token2, input) = take(&host, &work, "after").await;
    let (token3, input3) = take(&host, &work, "after").await;
    let mut got = [input, input3];
    got.sort_by_key(|v| v.to_string());
    assert_eq!(got, [json!({"run": 2}), json!({"step": "A"})]);
    succeed(&host, &token2, json!("done")).await.unwrap();
    succeed(&host, &token3, json!("done")).await.unwrap();
    // The second run's state B.
    let (token4, _) = take(&host, &work, "after").await;
    succeed(&host, &token4, json!("done")).await.unwrap();
    for run in [taken, queued] {
        let d = ended(&host, &run).await;
        assert_eq!(d.status, ExecutionStatus::Succeeded, "{run}");
        history_types(&host, &run).await;
    }
    host.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

fn tag(key: &str, value: &str) -> aws_sdk_sfn::types::Tag {
    aws_sdk_sfn::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
}

/// A fresh directory of this test's own (tests run at once in one process).
fn tempdir(test: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("stepwise-callbacks-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployed_function_works_an_activity_and_heartbeats_through_the_token_path() {
    let host = Host::in_memory().await;
    common::deploy(
        &host.lambda,
        "behave",
        stepwise_test_artifacts::BEHAVE,
        None,
    )
    .await;
    let pool = host
        .sfn
        .create_activity()
        .name("pool")
        .tags(tag("stepwise:worker-function", "behave"))
        .tags(tag("stepwise:worker-concurrency", "2"))
        .send()
        .await
        .unwrap()
        .activity_arn;
    // A pool size out of bounds is refused.
    let e = host
        .sfn
        .tag_resource()
        .resource_arn(&pool)
        .tags(tag("stepwise:worker-concurrency", "0"))
        .tags(tag("stepwise:worker-function", "behave"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("ValidationException"));
    // HeartbeatSeconds 1 while the function works for 2.5 s: only its heartbeats keep it.
    let m = machine(
        &host,
        "pooled",
        &json!({"StartAt": "A", "States": {"A": {
            "Type": "Task", "Resource": pool, "HeartbeatSeconds": 1, "End": true}}}),
    )
    .await;
    let slow = start(&host, &m, json!({"sleep_ms": 2500, "beats": 10})).await;
    let failing = start(
        &host,
        &m,
        json!({"fail": {"error": "Custom.Bad", "cause": "no"}}),
    )
    .await;
    let d = ended(&host, &slow).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{d:?}");
    assert_eq!(d.output.as_deref(), Some(r#"{"done":true,"retryCount":0}"#));
    let d = ended(&host, &failing).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("Custom.Bad"));
    let events = host
        .sfn
        .get_execution_history()
        .execution_arn(&slow)
        .send()
        .await
        .unwrap()
        .events;
    let worker = events
        .iter()
        .find_map(|e| e.activity_started_event_details.as_ref())
        .and_then(|d| d.worker_name.clone())
        .unwrap();
    assert!(worker.starts_with("function:behave#"), "{worker}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_executions_wake_for_a_token_a_stop_and_a_timer() {
    let host = Host::in_memory().await;
    let work = activity(&host, "parking").await;
    let m = machine(
        &host,
        "parking",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": work, "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 2, "End": true}}}),
    )
    .await;
    let answered = start(&host, &m, json!({"n": 1})).await;
    let stopped = start(&host, &m, json!({"n": 2})).await;
    let (t1, _) = take(&host, &work, "w").await;
    let (_t2, _) = take(&host, &work, "w").await;
    // Idle past the parking delay: both are now only in the store.
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert_eq!(host.server.executions.running_count(), 2);
    assert_eq!(host.server.executions.parked_count(), 2, "both left memory");
    succeed(&host, &t1, json!({"ok": true})).await.unwrap();
    host.sfn
        .stop_execution()
        .execution_arn(&stopped)
        .cause("enough")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ended(&host, &stopped).await.status,
        ExecutionStatus::Aborted
    );
    // The first parks again in its Wait, and its timer wakes it.
    let d = ended(&host, &answered).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(d.output.as_deref(), Some(r#"{"ok":true}"#));
    let waited = d.stop_date.unwrap().secs() - d.start_date.secs();
    assert!(waited >= 2, "left the Wait after {waited} s");
    history_types(&host, &answered).await;
    history_types(&host, &stopped).await;
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_invoke_wait_for_task_token_records_the_submission_and_waits() {
    let host = Host::in_memory().await;
    let code = std::fs::read(stepwise_test_artifacts::ECHO).unwrap();
    stepwise::api::lambda::deploy_code(
        &axum::extract::FromRef::from_ref(&host.server),
        "echo",
        code,
    )
    .await
    .unwrap();
    let m = machine(
        &host,
        "lambda-token",
        &json!({"StartAt": "Ask", "States": {"Ask": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "echo", "Payload": {"token.$": "$$.Task.Token"}},
            "End": true}}}),
    )
    .await;
    let run = start(&host, &m, json!({})).await;
    // The function ran and returned; the task waits for its token, recorded as submitted
    // with Lambda's response (whose payload, from this echoing function, holds the token).
    let submitted = loop {
        let events = host
            .sfn
            .get_execution_history()
            .execution_arn(&run)
            .send()
            .await
            .unwrap()
            .events;
        if let Some(d) = events
            .iter()
            .find_map(|e| e.task_submitted_event_details.clone())
        {
            break d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let response: Value = serde_json::from_str(submitted.output.as_deref().unwrap()).unwrap();
    assert_eq!(response["StatusCode"], 200);
    let token = response["Payload"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        host.sfn
            .describe_execution()
            .execution_arn(&run)
            .send()
            .await
            .unwrap()
            .status,
        ExecutionStatus::Running
    );
    succeed(&host, &token, json!({"approved": "yes"}))
        .await
        .unwrap();
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(d.output.as_deref(), Some(r#"{"approved":"yes"}"#));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_execution_never_reports_a_stop_that_did_not_happen() {
    let host = Host::in_memory().await;
    let work = activity(&host, "held").await;
    let m = machine(
        &host,
        "held",
        &json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": work, "End": true}}}),
    )
    .await;
    let run = start(&host, &m, json!({})).await;
    // The host lets go of its executions (as when it stops): the store still says RUNNING.
    host.server.shutdown(Duration::ZERO).await;
    assert_eq!(host.server.executions.running_count(), 0);
    let err = host
        .sfn
        .stop_execution()
        .execution_arn(&run)
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert_eq!(err.meta().code(), Some("ServiceUnavailable"), "{err:?}");
    let d = host
        .sfn
        .describe_execution()
        .execution_arn(&run)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status, ExecutionStatus::Running);
    assert!(d.stop_date.is_none());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn express_executions_are_counted_and_ended_at_shutdown() {
    let host = Host::in_memory().await;
    let m = host
        .sfn
        .create_state_machine()
        .name("slow-express")
        .role_arn(ROLE)
        .r#type(StateMachineType::Express)
        .definition(
            json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}})
                .to_string(),
        )
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    for _ in 0..3 {
        start(&host, &m, json!({})).await;
    }
    assert_eq!(host.server.executions.express_count(), 3);
    // A sync one in flight when the host shuts down is answered, not left hanging.
    let sync = {
        let sfn = host.sfn.clone();
        let m = m.clone();
        tokio::spawn(async move { sfn.start_sync_execution().state_machine_arn(m).send().await })
    };
    while host.server.executions.express_count() < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    host.server.shutdown(Duration::from_millis(100)).await;
    assert_eq!(host.server.executions.express_count(), 0);
    let err = sync.await.unwrap().unwrap_err().into_service_error();
    assert_eq!(err.meta().code(), Some("ServiceUnavailable"), "{err:?}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_whose_activity_tasks_wait_for_a_worker_park_and_a_worker_wakes_them() {
    let host = Host::in_memory().await;
    let work = activity(&host, "backlog").await;
    let m = machine(
        &host,
        "backlog",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": work, "TimeoutSeconds": 30, "End": true}}}),
    )
    .await;
    let short = machine(
        &host,
        "backlog-short",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": work, "TimeoutSeconds": 1, "End": true}}}),
    )
    .await;
    let timed_out = start(&host, &short, json!({"n": 0})).await;
    let mut runs = Vec::new();
    for n in 1..=3 {
        runs.push(start(&host, &m, json!({"n": n})).await);
    }
    // Nobody takes them: idle past the parking delay, all four leave memory.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        host.server.executions.parked_count(),
        4,
        "queued tasks park"
    );
    // The short one's timer wakes it, and its task times out in the queue.
    let d = ended(&host, &timed_out).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.Timeout"));
    // Workers are handed the others (in no promised order: each was queued as its own
    // execution ran), each woken and its start recorded; the timed-out task is handed to
    // nobody.
    let mut handed = Vec::new();
    for w in 0..runs.len() {
        let (token, input) = take(&host, &work, &format!("w{w}")).await;
        let n = input["n"].as_u64().expect("a run's input") as usize;
        handed.push(n);
        use HistoryEventType::*;
        assert_eq!(
            history_types(&host, &runs[n - 1]).await,
            [
                ExecutionStarted,
                TaskStateEntered,
                ActivityScheduled,
                ActivityStarted
            ]
        );
        succeed(&host, &token, json!({"done": n})).await.unwrap();
    }
    handed.sort();
    assert_eq!(handed, [1, 2, 3], "each queued task handed out once");
    for (n, run) in runs.iter().enumerate() {
        let d = ended(&host, run).await;
        assert_eq!(d.status, ExecutionStatus::Succeeded);
        assert_eq!(
            serde_json::from_str::<Value>(d.output.as_deref().unwrap()).unwrap(),
            json!({"done": n + 1})
        );
    }
    let empty = host
        .sfn
        .get_activity_task()
        .activity_arn(&work)
        .send()
        .await
        .unwrap();
    assert_eq!(empty.task_token, None, "nothing else waits");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_activity_fails_the_tasks_that_wait_for_it_even_parked() {
    let host = Host::in_memory().await;
    let work = activity(&host, "doomed").await;
    let m = machine(
        &host,
        "doomed",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": work, "End": true}}}),
    )
    .await;
    let run = start(&host, &m, json!({})).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(host.server.executions.parked_count(), 1);
    host.sfn
        .delete_activity()
        .activity_arn(&work)
        .send()
        .await
        .unwrap();
    let d = ended(&host, &run).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.Runtime"));
    assert!(d.cause.unwrap_or_default().contains("was deleted"));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_parks_parked_executions_again_without_replaying_them() {
    let dir = tempdir("parked");
    let open = || Arc::new(SqliteStore::open(&dir.join("db")).unwrap());
    let host = Host::start(open(), None).await;
    let work = activity(&host, "restart-parked").await;
    let m = machine(
        &host,
        "restart-parked",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": work, "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    )
    .await;
    let with_worker = start(&host, &m, json!({"run": 1})).await;
    let queued = start(&host, &m, json!({"run": 2})).await;
    let (token, _) = take(&host, &work, "before").await;
    // Both park: one on its token, one on its queued task.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(host.server.executions.parked_count(), 2);
    host.stop().await;

    let host = Host::start(open(), None).await;
    // Held as parked at once: nothing was replayed to find what they wait on.
    assert_eq!(host.server.executions.running_count(), 2);
    assert_eq!(
        host.server.executions.parked_count(),
        2,
        "parked again at start"
    );
    // The queued task is queued again, and a worker takes it from the parked execution.
    let (token2, input) = take(&host, &work, "after").await;
    assert_eq!(input, json!({"run": 2}));
    for (t, run) in [(&token, &with_worker), (&token2, &queued)] {
        succeed(&host, t, json!({"ok": true})).await.unwrap();
        // On to its hour-long Wait, and parked there.
        let events = loop {
            let types = history_types(&host, run).await;
            if types.contains(&HistoryEventType::WaitStateEntered) {
                break types;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(
            events
                .iter()
                .filter(|t| **t == HistoryEventType::ActivityScheduled)
                .count(),
            1,
            "{run}: scheduled once"
        );
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(host.server.executions.parked_count(), 2);
    host.stop().await;

    // Parked in their Wait this time: held again, and a stop still reaches them.
    let host = Host::start(open(), None).await;
    assert_eq!(host.server.executions.parked_count(), 2);
    for run in [&with_worker, &queued] {
        host.sfn
            .stop_execution()
            .execution_arn(run)
            .send()
            .await
            .unwrap();
        assert_eq!(ended(&host, run).await.status, ExecutionStatus::Aborted);
        history_types(&host, run).await;
    }
    host.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
