//! The API end to end: the real server on a free loopback port, driven by the AWS SDK for Rust
//! (`aws-sdk-sfn`, `aws-sdk-lambda`) exactly as a user's program would drive AWS.

use std::sync::Arc;
use std::time::Duration;

use crate::common;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, StateMachineType, Tag};
use serde_json::{Value, json};

use stepwise::store::Store;
use stepwise::store::sqlite::SqliteStore;
use stepwise_test_artifacts as guest;

use crate::common::{Host, ROLE};

const MACHINE_PREFIX: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:";

fn code(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn deploy(host: &Host, name: &str, path: &str) {
    common::deploy(&host.lambda, name, path, None).await;
}

async fn create_machine(
    host: &Host,
    name: &str,
    definition: Value,
    kind: StateMachineType,
) -> String {
    host.sfn
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .r#type(kind)
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating {name}: {:?}", e.into_service_error()))
        .state_machine_arn
}

/// Starts an execution of `machine`, named if `name` is given.
async fn start(
    host: &Host,
    machine: &str,
    name: Option<&str>,
    input: &str,
) -> aws_sdk_sfn::operation::start_execution::StartExecutionOutput {
    host.sfn
        .start_execution()
        .state_machine_arn(machine)
        .set_name(name.map(str::to_owned))
        .input(input)
        .send()
        .await
        .unwrap()
}

fn wait_machine(seconds: u64) -> Value {
    json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "Next": "Done"},
           "Done": {"Type": "Pass", "Result": {"done": true}, "ResultPath": "$.result", "End": true}}})
}

fn greeter_machine() -> Value {
    json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Parameters": {"name.$": "$.who"}, "Next": "Greet"},
        "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greeter", "Next": "Finish"},
        "Finish": {"Type": "Pass", "End": true}}})
}

async fn describe(
    host: &Host,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    host.sfn
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
        .unwrap()
}

/// Polls until the execution has ended.
async fn finished(
    host: &Host,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    common::ended(&host.sfn, arn).await
}

/// The AWS error name of a failed SDK call.
fn error_name<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    result: Result<R, aws_sdk_sfn::error::SdkError<E, aws_sdk_sfn::config::http::HttpResponse>>,
) -> String {
    match result {
        Ok(r) => panic!("expected an error, got {r:?}"),
        Err(e) => e
            .as_service_error()
            .and_then(|s| s.code())
            .unwrap_or_else(|| panic!("not a service error: {e:?}"))
            .to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_a_guest_run_a_machine_and_read_its_history() {
    let host = Host::in_memory().await;
    deploy(&host, "greeter", guest::GREETER).await;
    let machine = create_machine(
        &host,
        "greet",
        greeter_machine(),
        StateMachineType::Standard,
    )
    .await;
    let started = start(&host, &machine, Some("first"), r#"{"who": "Ada"}"#).await;
    assert_eq!(
        started.execution_arn,
        "arn:aws:states:us-east-1:123456789012:execution:greet:first"
    );
    let done = finished(&host, &started.execution_arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"greeting": "Hello, Ada!", "greeted_by": "Greet"})
    );
    assert!(done.stop_date.is_some());

    let history = host
        .sfn
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap();
    let types: Vec<HistoryEventType> = history.events.iter().map(|e| e.r#type.clone()).collect();
    use HistoryEventType::*;
    assert_eq!(
        types,
        vec![
            ExecutionStarted,
            PassStateEntered,
            PassStateExited,
            TaskStateEntered,
            LambdaFunctionScheduled,
            LambdaFunctionStarted,
            LambdaFunctionSucceeded,
            TaskStateExited,
            PassStateEntered,
            PassStateExited,
            ExecutionSucceeded
        ]
    );
    let ids: Vec<i64> = history.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=11).collect::<Vec<_>>());

    // Pages of 4, newest first, without payloads.
    let mut seen = Vec::new();
    let mut entered = 0;
    let mut token = None;
    loop {
        let page = host
            .sfn
            .get_execution_history()
            .execution_arn(&started.execution_arn)
            .max_results(4)
            .reverse_order(true)
            .include_execution_data(false)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.events.len() <= 4);
        for e in &page.events {
            if let Some(d) = &e.state_entered_event_details {
                assert_eq!(d.input, None, "includeExecutionData=false drops inputs");
                entered += 1;
            }
        }
        seen.extend(page.events.iter().map(|e| e.id));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, (1..=11).rev().collect::<Vec<_>>());
    // Prepare, Greet and Finish were entered: the check above saw each of their events.
    assert_eq!(entered, 3);

    let for_execution = host
        .sfn
        .describe_state_machine_for_execution()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(for_execution.state_machine_arn, machine);
    assert_eq!(
        serde_json::from_str::<Value>(&for_execution.definition).unwrap(),
        greeter_machine()
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_sync_execution_answers_with_the_result() {
    let host = Host::in_memory().await;
    deploy(&host, "greeter", guest::GREETER).await;
    let machine = create_machine(
        &host,
        "greet-now",
        greeter_machine(),
        StateMachineType::Express,
    )
    .await;
    let out = host
        .sfn
        .start_sync_execution()
        .state_machine_arn(&machine)
        .input(r#"{"who": "Grace"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.status,
        aws_sdk_sfn::types::SyncExecutionStatus::Succeeded
    );
    let output: Value = serde_json::from_str(out.output.as_deref().unwrap()).unwrap();
    assert_eq!(output["greeting"], "Hello, Grace!");
    assert!(out.execution_arn.contains(":express:greet-now:"));

    let failed = host
        .sfn
        .start_sync_execution()
        .state_machine_arn(&machine)
        .input(r#"{"who": ""}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        failed.status,
        aws_sdk_sfn::types::SyncExecutionStatus::Failed
    );
    assert_eq!(failed.error.as_deref(), Some("NoName"));

    // Express executions keep nothing to describe, as on AWS.
    assert_eq!(
        error_name(
            host.sfn
                .describe_execution()
                .execution_arn(&out.execution_arn)
                .send()
                .await
        ),
        "ExecutionDoesNotExist"
    );
    // A Standard machine does not answer synchronously.
    let standard = create_machine(
        &host,
        "greet-later",
        greeter_machine(),
        StateMachineType::Standard,
    )
    .await;
    assert_eq!(
        error_name(
            host.sfn
                .start_sync_execution()
                .state_machine_arn(&standard)
                .send()
                .await
        ),
        "StateMachineTypeNotSupported"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_execution_is_idempotent_only_while_running_with_the_same_input() {
    let host = Host::in_memory().await;
    let machine = create_machine(&host, "waits", wait_machine(1), StateMachineType::Standard).await;
    let start = |input: &'static str| {
        host.sfn
            .start_execution()
            .state_machine_arn(&machine)
            .name("only")
            .input(input)
            .send()
    };
    let first = start(r#"{"a": 1}"#).await.unwrap();
    let again = start(r#"{"a": 1}"#).await.unwrap();
    assert_eq!(first.execution_arn, again.execution_arn);
    assert_eq!(first.start_date, again.start_date);
    assert_eq!(
        error_name(start(r#"{"a": 2}"#).await),
        "ExecutionAlreadyExists"
    );
    finished(&host, &first.execution_arn).await;
    assert_eq!(
        error_name(start(r#"{"a": 1}"#).await),
        "ExecutionAlreadyExists"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_execution_aborts_a_wait_and_interrupts_a_running_guest() {
    let host = Host::in_memory().await;
    let waits = create_machine(
        &host,
        "long-wait",
        wait_machine(3600),
        StateMachineType::Standard,
    )
    .await;
    let exec = start(&host, &waits, None, "{}").await;
    let stopped = host
        .sfn
        .stop_execution()
        .execution_arn(&exec.execution_arn)
        .error("Operator")
        .cause("no longer needed")
        .send()
        .await
        .unwrap();
    let d = describe(&host, &exec.execution_arn).await;
    assert_eq!(d.status, ExecutionStatus::Aborted);
    assert_eq!(d.error.as_deref(), Some("Operator"));
    assert_eq!(d.stop_date, Some(stopped.stop_date));
    let history = host
        .sfn
        .get_execution_history()
        .execution_arn(&exec.execution_arn)
        .send()
        .await
        .unwrap();
    let last = history.events.last().unwrap();
    assert_eq!(last.r#type, HistoryEventType::ExecutionAborted);
    assert_eq!(
        last.execution_aborted_event_details
            .as_ref()
            .unwrap()
            .cause
            .as_deref(),
        Some("no longer needed")
    );

    // A guest that never returns, with a long timeout: stopping the execution interrupts it.
    host.lambda
        .create_function()
        .function_name("spin")
        .role(ROLE)
        .timeout(600)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(code(guest::SPIN)))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let spins = create_machine(
        &host,
        "spins",
        json!({"StartAt": "Spin", "States": {"Spin": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:spin", "End": true}}}),
        StateMachineType::Standard,
    )
    .await;
    let exec = start(&host, &spins, None, "{}").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = std::time::Instant::now();
    host.sfn
        .stop_execution()
        .execution_arn(&exec.execution_arn)
        .send()
        .await
        .unwrap();
    assert!(
        before.elapsed() < Duration::from_secs(2),
        "stop took {:?}",
        before.elapsed()
    );
    assert_eq!(
        describe(&host, &exec.execution_arn).await.status,
        ExecutionStatus::Aborted
    );
    // The guest is gone: the host still runs another invocation.
    let echo_machine =
        create_machine(&host, "after", greeter_machine(), StateMachineType::Express).await;
    deploy(&host, "greeter", guest::GREETER).await;
    let out = host
        .sfn
        .start_sync_execution()
        .state_machine_arn(&echo_machine)
        .input(r#"{"who": "B"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.status,
        aws_sdk_sfn::types::SyncExecutionStatus::Succeeded
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_stable_tokens() {
    let host = Host::in_memory().await;
    for i in 0..7 {
        create_machine(
            &host,
            &format!("m{i}"),
            wait_machine(0),
            StateMachineType::Standard,
        )
        .await;
    }
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = host
            .sfn
            .list_state_machines()
            .max_results(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.state_machines.len() <= 3);
        names.extend(page.state_machines.into_iter().map(|m| m.name));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(names, (0..7).map(|i| format!("m{i}")).collect::<Vec<_>>());

    let machine = format!("{MACHINE_PREFIX}m0");
    let long = create_machine(
        &host,
        "long",
        wait_machine(3600),
        StateMachineType::Standard,
    )
    .await;
    for i in 0..5 {
        start(&host, &machine, Some(&format!("e{i}")), "{}").await;
    }
    for i in 0..5 {
        finished(
            &host,
            &format!("arn:aws:states:us-east-1:123456789012:execution:m0:e{i}"),
        )
        .await;
    }
    start(&host, &long, Some("r"), "{}").await;
    let page = host
        .sfn
        .list_executions()
        .state_machine_arn(&machine)
        .max_results(2)
        .send()
        .await
        .unwrap();
    let first: Vec<String> = page.executions.iter().map(|e| e.name.clone()).collect();
    assert_eq!(first, ["e4", "e3"], "newest first");
    let token = page.next_token.unwrap();
    // Executions started after the token was made do not shift its page.
    start(&host, &machine, Some("late"), "{}").await;
    let page = host
        .sfn
        .list_executions()
        .state_machine_arn(&machine)
        .max_results(2)
        .next_token(&token)
        .send()
        .await
        .unwrap();
    let second: Vec<String> = page.executions.iter().map(|e| e.name.clone()).collect();
    assert_eq!(second, ["e2", "e1"]);
    let running = host
        .sfn
        .list_executions()
        .state_machine_arn(&long)
        .status_filter(ExecutionStatus::Running)
        .send()
        .await
        .unwrap();
    assert_eq!(running.executions.len(), 1);
    let succeeded = host
        .sfn
        .list_executions()
        .state_machine_arn(&long)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .unwrap();
    assert!(succeeded.executions.is_empty());
    // A token of one list is not a token of another.
    assert_eq!(
        error_name(
            host.sfn
                .list_executions()
                .state_machine_arn(&long)
                .next_token(&token)
                .send()
                .await
        ),
        "InvalidToken"
    );
    assert_eq!(
        error_name(
            host.sfn
                .list_state_machines()
                .next_token("forged")
                .send()
                .await
        ),
        "InvalidToken"
    );

    for i in 0..3 {
        host.sfn
            .create_activity()
            .name(format!("act{i}"))
            .send()
            .await
            .unwrap();
    }
    let page = host
        .sfn
        .list_activities()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.activities.len(), 2);
    let rest = host
        .sfn
        .list_activities()
        .next_token(page.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.activities.len(), 1);
    assert_eq!(rest.next_token, None);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_aws_errors() {
    let host = Host::in_memory().await;
    let ok = wait_machine(0).to_string();
    let create = |name: &str, definition: &str| {
        host.sfn
            .create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(ROLE)
            .send()
    };
    assert_eq!(error_name(create("has space", &ok).await), "InvalidName");
    assert_eq!(
        error_name(create(&"x".repeat(81), &ok).await),
        "InvalidName"
    );
    assert_eq!(error_name(create("bad", "{").await), "InvalidDefinition");
    assert_eq!(
        error_name(
            create(
                "bad",
                r#"{"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "End": true}}}"#
            )
            .await
        ),
        "InvalidDefinition"
    );
    assert_eq!(
        error_name(
            host.sfn
                .create_state_machine()
                .name("r")
                .definition(&ok)
                .role_arn("not-an-arn")
                .send()
                .await
        ),
        "InvalidArn"
    );
    let machine = create_machine(&host, "fine", wait_machine(0), StateMachineType::Standard).await;
    assert_eq!(
        create("fine", &ok).await.unwrap().state_machine_arn,
        machine,
        "same machine again: idempotent"
    );
    assert_eq!(
        error_name(create("fine", &wait_machine(1).to_string()).await),
        "StateMachineAlreadyExists"
    );

    assert_eq!(
        error_name(
            host.sfn
                .describe_state_machine()
                .state_machine_arn(format!("{MACHINE_PREFIX}ghost"))
                .send()
                .await
        ),
        "StateMachineDoesNotExist"
    );
    assert_eq!(
        error_name(
            host.sfn
                .describe_state_machine()
                .state_machine_arn("garbage")
                .send()
                .await
        ),
        "InvalidArn"
    );
    assert_eq!(
        error_name(
            host.sfn
                .describe_state_machine()
                .state_machine_arn("arn:aws:states:us-east-1:123456789012:execution:fine:x")
                .send()
                .await
        ),
        "InvalidArn"
    );
    assert_eq!(
        error_name(
            host.sfn
                .describe_execution()
                .execution_arn("arn:aws:states:us-east-1:123456789012:execution:fine:ghost")
                .send()
                .await
        ),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        error_name(
            host.sfn
                .stop_execution()
                .execution_arn("arn:aws:states:us-east-1:123456789012:execution:fine:ghost")
                .send()
                .await
        ),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        error_name(
            host.sfn
                .stop_execution()
                .execution_arn("arn:aws:states:us-east-1:123456789012:execution:fine:ghost")
                .error("e".repeat(257))
                .send()
                .await
        ),
        "ValidationException"
    );
    let start = |input: String| {
        host.sfn
            .start_execution()
            .state_machine_arn(&machine)
            .input(input)
            .send()
    };
    assert_eq!(
        error_name(start("{not json".into()).await),
        "InvalidExecutionInput"
    );
    let big = format!("\"{}\"", "x".repeat(256 * 1024));
    assert_eq!(error_name(start(big).await), "ValidationException");
    assert_eq!(
        error_name(
            host.sfn
                .start_execution()
                .state_machine_arn(&machine)
                .name("a/b")
                .send()
                .await
        ),
        "InvalidName"
    );
    assert_eq!(
        error_name(
            host.sfn
                .describe_activity()
                .activity_arn("arn:aws:states:us-east-1:123456789012:activity:none")
                .send()
                .await
        ),
        "ActivityDoesNotExist"
    );
    assert_eq!(
        error_name(
            host.sfn
                .list_state_machines()
                .max_results(1001)
                .send()
                .await
        ),
        "ValidationException"
    );
    assert_eq!(
        error_name(
            host.sfn
                .update_state_machine()
                .state_machine_arn(&machine)
                .send()
                .await
        ),
        "MissingRequiredParameter"
    );

    // Tags: up to 50, then TooManyTags; an unknown resource is ResourceNotFound.
    let tags: Vec<Tag> = (0..50)
        .map(|i| Tag::builder().key(format!("k{i}")).value("v").build())
        .collect();
    host.sfn
        .tag_resource()
        .resource_arn(&machine)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_name(
            host.sfn
                .tag_resource()
                .resource_arn(&machine)
                .tags(Tag::builder().key("one-more").build())
                .send()
                .await
        ),
        "TooManyTags"
    );
    host.sfn
        .untag_resource()
        .resource_arn(&machine)
        .tag_keys("k0")
        .send()
        .await
        .unwrap();
    let listed = host
        .sfn
        .list_tags_for_resource()
        .resource_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags.unwrap_or_default().len(), 49);
    assert_eq!(
        error_name(
            host.sfn
                .list_tags_for_resource()
                .resource_arn(format!("{MACHINE_PREFIX}ghost"))
                .send()
                .await
        ),
        "ResourceNotFound"
    );

    let diagnostics = host
        .sfn
        .validate_state_machine_definition()
        .definition(r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        diagnostics.result,
        aws_sdk_sfn::types::ValidateStateMachineDefinitionResultCode::Fail
    );
    assert_eq!(
        diagnostics.diagnostics[0].location.as_deref(),
        Some("/States/A/Next")
    );

    // Raw requests: an unknown action and a body that is not JSON, in AWS's shape.
    let client = raw_request(&host.endpoint, "AWSStepFunctions.Nope", "{}").await;
    assert_eq!(client.0, 400);
    assert_eq!(client.1["__type"], "UnknownOperationException");
    let client = raw_request(
        &host.endpoint,
        "AWSStepFunctions.ListStateMachines",
        "{oops",
    )
    .await;
    assert_eq!(client.1["__type"], "SerializationException");
    host.stop().await;
}

/// One raw JSON 1.0 request with hyper: (status, body).
async fn raw_request(endpoint: &str, target: &str, body: &str) -> (u16, Value) {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<hyper::body::Bytes>>();
    let request = hyper::Request::post(format!("{endpoint}/"))
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(hyper::body::Bytes::from(body.to_owned())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn zipped(name: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("README.txt", options).unwrap();
    zip.write_all(b"not code").unwrap();
    zip.start_file(name, options).unwrap();
    zip.write_all(bytes).unwrap();
    zip.finish().unwrap();
    out.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_over_the_lambda_api() {
    use aws_sdk_lambda::types::{Environment, FunctionCode};
    let host = Host::in_memory().await;
    // A zip archive holding one .wasm, as `aws lambda create-function --zip-file` sends it.
    let created = host
        .lambda
        .create_function()
        .function_name("echo")
        .role(ROLE)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("handle")
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(zipped("task.wasm", &code(guest::ECHO))))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.function_name.as_deref(), Some("echo"));
    assert_eq!(created.memory_size, Some(128));
    assert_eq!(created.timeout, Some(3));
    assert_eq!(created.code_size, code(guest::ECHO).len() as i64);
    assert_eq!(
        created.function_arn.as_deref(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:echo")
    );

    let invoked = host
        .lambda
        .invoke()
        .function_name("echo")
        .payload(Blob::new(r#"{"hello": "world"}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(invoked.status_code, 200);
    assert_eq!(invoked.function_error, None);
    let payload: Value = serde_json::from_slice(invoked.payload.unwrap().as_ref()).unwrap();
    assert_eq!(payload, json!({"hello": "world"}));

    let updated = host
        .lambda
        .update_function_configuration()
        .function_name("arn:aws:lambda:us-east-1:123456789012:function:echo")
        .memory_size(256)
        .timeout(10)
        .environment(Environment::builder().variables("MODE", "test").build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        (updated.memory_size, updated.timeout),
        (Some(256), Some(10))
    );
    let got = host
        .lambda
        .get_function()
        .function_name("echo")
        .send()
        .await
        .unwrap();
    let config = got.configuration.unwrap();
    assert_eq!(config.memory_size, Some(256));
    assert_eq!(
        config.environment.unwrap().variables.unwrap()["MODE"],
        "test"
    );

    // A guest failure comes back as Lambda reports it: 200, X-Amz-Function-Error, the error.
    host.lambda
        .update_function_code()
        .function_name("echo")
        .zip_file(Blob::new(code(guest::PANIC)))
        .send()
        .await
        .unwrap();
    let failed = host
        .lambda
        .invoke()
        .function_name("echo")
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.function_error.as_deref(), Some("Unhandled"));
    let payload: Value = serde_json::from_slice(failed.payload.unwrap().as_ref()).unwrap();
    assert_eq!(payload["errorType"], "Lambda.Unknown");

    // Bad components are refused with Lambda's error and a message that says why.
    let refused = host
        .lambda
        .create_function()
        .function_name("garbage")
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(b"definitely not wasm".to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    let refused = refused.into_service_error();
    assert!(
        refused.is_invalid_parameter_value_exception(),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("not WebAssembly"), "{refused}");
    let conflict = host
        .lambda
        .create_function()
        .function_name("echo")
        .role(ROLE)
        .code(
            FunctionCode::builder()
                .zip_file(Blob::new(code(guest::ECHO)))
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(conflict.is_resource_conflict_exception(), "{conflict:?}");

    let listed = host.lambda.list_functions().send().await.unwrap();
    assert_eq!(listed.functions.unwrap().len(), 1);
    let (status, kind) = {
        use http_body_util::Empty;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Empty<hyper::body::Bytes>>();
        let uri = format!("{}/2015-03-31/functions/?MaxItems=lots", host.endpoint);
        let response = client.get(uri.parse().unwrap()).await.unwrap();
        let kind = response.headers()["x-amzn-errortype"]
            .to_str()
            .unwrap()
            .to_owned();
        (response.status().as_u16(), kind)
    };
    assert_eq!(
        (status, kind.as_str()),
        (400, "InvalidParameterValueException")
    );
    host.lambda
        .delete_function()
        .function_name("echo")
        .send()
        .await
        .unwrap();
    let gone = host
        .lambda
        .get_function()
        .function_name("echo")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_resource_not_found_exception(), "{gone:?}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_execution_keeps_the_definition_it_started_with() {
    let host = Host::in_memory().await;
    let machine = create_machine(
        &host,
        "evolving",
        wait_machine(1),
        StateMachineType::Standard,
    )
    .await;
    let exec = start(&host, &machine, None, "{}").await;
    let new_definition =
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "v2", "End": true}}});
    host.sfn
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(new_definition.to_string())
        .send()
        .await
        .unwrap();
    let done = finished(&host, &exec.execution_arn).await;
    let output: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!({"result": {"done": true}}));
    let used = host
        .sfn
        .describe_state_machine_for_execution()
        .execution_arn(&exec.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&used.definition).unwrap(),
        wait_machine(1)
    );
    let next = start(&host, &machine, None, "{}").await;
    let done = finished(&host, &next.execution_arn).await;
    assert_eq!(done.output.as_deref(), Some("\"v2\""));
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machines_functions_and_waiting_executions_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("stepwise-api-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&dir.join("db")).unwrap()) };
    let host = Host::start(open(), Some(dir.join("components"))).await;
    deploy(&host, "greeter", guest::GREETER).await;
    let greet = create_machine(
        &host,
        "greet",
        greeter_machine(),
        StateMachineType::Standard,
    )
    .await;
    let waits = create_machine(&host, "waits", wait_machine(2), StateMachineType::Standard).await;
    let parked = start(&host, &waits, None, r#"{"n": 1}"#).await;
    host.stop().await;

    let host = Host::start(open(), Some(dir.join("components"))).await;
    let done = finished(&host, &parked.execution_arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(
        serde_json::from_str::<Value>(done.output.as_deref().unwrap()).unwrap(),
        json!({"n": 1, "result": {"done": true}})
    );
    let exec = start(&host, &greet, None, r#"{"who": "again"}"#).await;
    assert_eq!(
        finished(&host, &exec.execution_arn).await.status,
        ExecutionStatus::Succeeded
    );
    let history = host
        .sfn
        .get_execution_history()
        .execution_arn(&parked.execution_arn)
        .send()
        .await
        .unwrap();
    common::assert_no_gap(&history.events, &parked.execution_arn);
    host.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_past_its_timeout_is_timed_out_and_deleting_its_machine_stops_the_rest() {
    let host = Host::in_memory().await;
    let mut definition = wait_machine(3600);
    definition["TimeoutSeconds"] = json!(1);
    let machine = create_machine(&host, "bounded", definition, StateMachineType::Standard).await;
    let exec = start(&host, &machine, None, "{}").await;
    let done = finished(&host, &exec.execution_arn).await;
    assert_eq!(done.status, ExecutionStatus::TimedOut);
    let history = host
        .sfn
        .get_execution_history()
        .execution_arn(&exec.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        history.events.last().unwrap().r#type,
        HistoryEventType::ExecutionTimedOut
    );

    let waits = create_machine(
        &host,
        "doomed",
        wait_machine(3600),
        StateMachineType::Standard,
    )
    .await;
    let exec = start(&host, &waits, None, "{}").await;
    host.sfn
        .delete_state_machine()
        .state_machine_arn(&waits)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&host, &exec.execution_arn).await.status,
        ExecutionStatus::Aborted
    );
    assert_eq!(
        error_name(
            host.sfn
                .describe_state_machine()
                .state_machine_arn(&waits)
                .send()
                .await
        ),
        "StateMachineDoesNotExist"
    );
    host.stop().await;
}
