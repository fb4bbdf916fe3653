//! Tasks written in Python and JavaScript, as a user writes them: built by `stepwise build`
//! with the SDKs (`guest-sdk/python`, `guest-sdk/js`), deployed through the Lambda API, run by
//! a real server. The same scenarios for each language: a result, a TaskError, an uncaught
//! exception in Lambda's shape, heartbeats, `call`, a timeout, the memory cap, logging, and a
//! pool of activity workers.

use std::sync::Arc;

use aws_sdk_lambda::types::{Environment, FunctionCode};
use aws_sdk_sfn::types::{SyncExecutionStatus, Tag};
use serde_json::{Value, json};
use stepwise::host::HostConfig;
use stepwise::store::memory::MemoryStore;

use crate::common::{Host, compiled_cache, create_machine, ended, foreign_guest, start_execution};

const ROLE: &str = "arn:aws:iam::123456789012:role/test";

async fn host() -> Host {
    let config = HostConfig {
        cache_dir: Some(compiled_cache()),
        ..HostConfig::default()
    };
    Host::with_config(Arc::new(MemoryStore::new()), config).await
}

async fn deploy(host: &Host, name: &str, code: Vec<u8>, timeout: i32, memory: i32) {
    host.lambda
        .create_function()
        .function_name(name)
        .role(ROLE)
        .timeout(timeout)
        .memory_size(memory)
        .environment(
            Environment::builder()
                .variables("STEPWISE_ALLOWED_CALLS", "arn:aws:states:::lambda:invoke")
                .build(),
        )
        .code(
            FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(code))
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("deploying {name}: {:?}", e.into_service_error()));
}

/// An Express machine of one Task state calling `resource`, with `HeartbeatSeconds` 1 if
/// `heartbeat`.
async fn machine(host: &Host, name: &str, resource: &str, heartbeat: bool) -> String {
    let mut definition = json!({"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": resource, "End": true
    }}});
    if heartbeat {
        definition["States"]["Run"]["HeartbeatSeconds"] = json!(1);
    }
    host.sfn
        .create_state_machine()
        .name(name)
        .role_arn(ROLE)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .definition(definition.to_string())
        .send()
        .await
        .unwrap()
        .state_machine_arn
}

/// Runs `machine` on `input`: (status, output, error, cause).
async fn run(host: &Host, machine: &str, input: Value) -> (String, Value, String, String) {
    let out = host
        .sfn
        .start_sync_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .unwrap();
    let output = out
        .output
        .as_deref()
        .map_or(Value::Null, |o| serde_json::from_str(o).unwrap());
    let status = match out.status {
        SyncExecutionStatus::Succeeded => "SUCCEEDED",
        SyncExecutionStatus::Failed => "FAILED",
        _ => "TIMED_OUT",
    };
    (
        status.to_owned(),
        output,
        out.error.unwrap_or_default(),
        out.cause.unwrap_or_default(),
    )
}

/// Every scenario against the `tests/polyglot/LANG` guest.
async fn scenarios(lang: &str, uncaught: &str, stack_field: &str) {
    let host = host().await;
    let code = foreign_guest(&format!("tests/polyglot/{lang}"));
    let name = format!("behave-{lang}");
    deploy(&host, &name, code.clone(), 2, 128).await;
    crate::common::deploy(&host.lambda, "echo", stepwise_test_artifacts::ECHO, None).await;
    let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
    let m = machine(&host, &format!("run-{lang}"), &arn, false).await;
    let beating = machine(&host, &format!("beating-{lang}"), &arn, true).await;

    // A result, with what the context says.
    let (status, output, error, cause) = run(&host, &m, json!({"name": "Ada"})).await;
    assert_eq!(status, "SUCCEEDED", "{lang}: {error} {cause}");
    assert_eq!(output["echo"], json!({"name": "Ada"}));
    assert_eq!(output["state"], "Run");
    assert_eq!(output["retry_count"], 0);
    assert_eq!(output["remaining_ms_positive"], true);
    assert!(output["execution"].as_str().is_some_and(|s| !s.is_empty()));

    // A TaskError names the state's error.
    let fail = json!({"fail": {"error": "Rejected", "cause": "no way"}});
    let (status, _, error, cause) = run(&host, &m, fail).await;
    assert_eq!(
        (status.as_str(), error.as_str(), cause.as_str()),
        ("FAILED", "Rejected", "no way")
    );

    // Anything else is reported as Lambda's runtime for the language reports it.
    let (status, _, error, cause) = run(&host, &m, json!({"raise": "bad value"})).await;
    assert_eq!(status, "FAILED");
    assert_eq!(error, uncaught, "{cause}");
    let cause: Value = serde_json::from_str(&cause).unwrap();
    assert_eq!(cause["errorType"], uncaught);
    assert_eq!(cause["errorMessage"], "bad value");
    let stack = cause[stack_field].as_array().unwrap();
    assert!(
        stack.iter().any(|l| l.as_str().unwrap().contains("behave")),
        "{cause}"
    );

    // HeartbeatSeconds 1: beats every 300 ms keep a 1.5 s task alive; one beat after 1.5 s
    // comes too late, and the state times out (AWS names a heartbeat's expiry States.Timeout;
    // Retry and Catch tell it apart with States.HeartbeatTimeout).
    let (status, output, error, _) = run(
        &host,
        &beating,
        json!({"heartbeats": 5, "interval_ms": 300}),
    )
    .await;
    assert_eq!(status, "SUCCEEDED", "{lang}: {error}");
    assert_eq!(output, json!({"beats": 5}));
    let (status, _, error, _) = run(
        &host,
        &beating,
        json!({"heartbeats": 1, "interval_ms": 1500}),
    )
    .await;
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("FAILED", "States.Timeout")
    );

    // `call` reaches an allowed integration; any other is refused.
    let call = |resource: &str| {
        json!({"call": {"resource": resource,
                        "parameters": {"FunctionName": "echo", "Payload": {"x": 1}}}})
    };
    let (status, output, error, cause) =
        run(&host, &m, call("arn:aws:states:::lambda:invoke")).await;
    assert_eq!(status, "SUCCEEDED", "{lang}: {error} {cause}");
    assert_eq!(output["called"]["Payload"], json!({"x": 1}));
    let (status, _, error, _) = run(&host, &m, call("arn:aws:states:::sqs:sendMessage")).await;
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("FAILED", "AccessDeniedException")
    );

    // The function's 2 s timeout stops a guest that computes for ever.
    let (status, _, error, cause) = run(&host, &m, json!({"spin": true})).await;
    assert_eq!(
        (status.as_str(), error.as_str()),
        ("FAILED", "Sandbox.Timedout"),
        "{cause}"
    );

    // 128 MB is all it gets: 40 MB fits, 300 MB does not.
    let (status, output, error, cause) = run(&host, &m, json!({"allocate_mb": 40})).await;
    assert_eq!(status, "SUCCEEDED", "{lang}: {error} {cause}");
    assert_eq!(output, json!({"allocated_mb": 40}));
    let (status, _, error, cause) = run(&host, &m, json!({"allocate_mb": 300})).await;
    assert_eq!(status, "FAILED", "{lang}");
    // As Lambda reports it in every language, whatever the interpreter raised.
    assert_eq!(error, "Runtime.OutOfMemory", "{lang}: {cause}");
    assert!(cause.contains("128 MB"), "{lang}: {cause}");

    // Logging works (print, the language's logger, ctx.log) and does not disturb the result.
    let (status, output, error, _) = run(&host, &m, json!({"log": "hello"})).await;
    assert_eq!(status, "SUCCEEDED", "{lang}: {error}");
    assert_eq!(output, json!({"logged": true}));

    // A pool of activity workers made of the same function.
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    let pool = host
        .sfn
        .create_activity()
        .name(format!("pool-{lang}"))
        .tags(tag("stepwise:worker-function", &name))
        .tags(tag("stepwise:worker-concurrency", "2"))
        .send()
        .await
        .unwrap()
        .activity_arn;
    let definition = json!({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": pool, "End": true}}});
    let standard = create_machine(&host.sfn, &format!("pooled-{lang}"), &definition).await;
    let arn = start_execution(&host.sfn, &standard, &json!({"result": {"worked": lang}})).await;
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status.as_str(), "SUCCEEDED", "{d:?}");
    assert_eq!(
        d.output.as_deref(),
        Some(json!({"worked": lang}).to_string().as_str())
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn python_tasks_run_with_the_sdk() {
    scenarios("python", "ValueError", "stackTrace").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn javascript_tasks_run_with_the_sdk() {
    scenarios("js", "RangeError", "trace").await;
}

/// An 18 MB Python component is compiled once, when it is deployed; a restarted host loads it
/// precompiled from its cache and runs it at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_large_component_reloads_precompiled_after_a_restart() {
    let dir = std::env::temp_dir().join(format!("stepwise-polyglot-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let start = || {
        let store = Arc::new(stepwise::store::sqlite::SqliteStore::open(&dir.join("db")).unwrap());
        let config = HostConfig {
            cache_dir: Some(dir.join("compiled")),
            ..HostConfig::default()
        };
        Host::with_config(store, config)
    };
    let code = foreign_guest("examples/python/greeter");
    assert!(code.len() > 10_000_000, "{} bytes", code.len());
    let first = start().await;
    deploy(&first, "greeter-py", code, 3, 128).await;
    let f = first.server.runtime.function("greeter-py").unwrap();
    assert!(!f.from_cache());
    drop(f);
    first.stop().await;

    let second = start().await;
    let f = second.server.runtime.function("greeter-py").unwrap();
    assert!(f.from_cache(), "the restarted host compiled it again");
    drop(f);
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:greeter-py";
    let m = machine(&second, "greet", arn, false).await;
    let (status, output, error, cause) = run(&second, &m, json!({"name": "Ada"})).await;
    assert_eq!(status, "SUCCEEDED", "{error} {cause}");
    assert_eq!(output["greeting"], "Hello, Ada!");
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The Python and JavaScript examples (`examples/python/`, `examples/js/`): the greeter and
/// the credit check with their machines, as `./scripts/serve` deploys them.
#[tokio::test(flavor = "multi_thread")]
async fn the_python_and_javascript_examples_run() {
    let host = host().await;
    for (dir, suffix) in [("python", "py"), ("js", "js")] {
        for example in ["greeter", "credit-check"] {
            let code = foreign_guest(&format!("examples/{dir}/{example}"));
            deploy(&host, &format!("{example}-{suffix}"), code, 3, 128).await;
            let definition = crate::common::example(&format!("{dir}/{example}/{example}.asl.json"));
            create_machine(&host.sfn, &format!("{example}-{suffix}"), &definition).await;
        }
        let machine = |name: &str| {
            format!("arn:aws:states:us-east-1:123456789012:stateMachine:{name}-{suffix}")
        };
        let started = |name: &str, input: Value| {
            let sfn = host.sfn.clone();
            let arn = machine(name);
            async move {
                let e = start_execution(&sfn, &arn, &input).await;
                ended(&sfn, &e).await
            }
        };
        let d = started("greeter", json!({"name": "Ada"})).await;
        assert_eq!(d.status.as_str(), "SUCCEEDED", "{dir}: {d:?}");
        let output: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
        assert_eq!(
            output,
            json!({"greeting": "Hello, Ada!", "greeted_by": "Greet"})
        );
        let d = started("greeter", json!({"name": " "})).await;
        assert_eq!(d.error.as_deref(), Some("NoName"), "{dir}");

        let apply = |income: u32| json!({"applicant": "Ada", "amount": 1000, "income": income});
        let d = started("credit-check", apply(3000)).await;
        let output: Value = serde_json::from_str(d.output.as_deref().unwrap_or("null")).unwrap();
        assert_eq!(
            output,
            json!({"applicant": "Ada", "outcome": "approved", "score": 800}),
            "{dir}: {d:?}"
        );
        let d = started("credit-check", apply(500)).await;
        let output: Value = serde_json::from_str(d.output.as_deref().unwrap_or("null")).unwrap();
        assert_eq!(output["outcome"], "sent to an underwriter", "{dir}: {d:?}");
        assert_eq!(output["score"], 550);
        let d = started("credit-check", apply(100)).await;
        assert_eq!(d.error.as_deref(), Some("CreditDeclined"), "{dir}");
        assert_eq!(d.cause.as_deref(), Some("Ada scored 350"));
        let d = started("credit-check", json!({"applicant": "Ada", "amount": 0})).await;
        assert_eq!(d.error.as_deref(), Some("InvalidApplication"), "{dir}");
    }
    host.stop().await;
}
