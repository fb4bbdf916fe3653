//! The WebAssembly sandbox end to end: real components, built from source by
//! `stepwise-test-artifacts` (the hostile guests in `tests/guests` and the examples), deployed
//! into the real runtime and run directly or as Task states through the executor.
//!
//! Every hostile test asserts the exact error the state sees, then that the host still serves
//! an ordinary invocation.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use stepwise::asl::validate;
use stepwise::executor::{self, Clock};
use stepwise::history::EventDetails;
use stepwise::integrations::TaskResources;
use stepwise::interp::{Execution, ExecutionInfo, Program, Status};
use stepwise::runtime::{
    ConfigError, DeployError, FunctionConfig, Invocation, InvokeError, MAX_CALL_DEPTH, Runtime,
};
use stepwise_test_artifacts as guest;

/// One runtime for the whole file, with a compile cache under the target directory so that
/// only the first run of the tests compiles each component.
///
/// It also installs the host log (`HOST_LOG`) as the global subscriber. That must happen
/// before any guest runs: a thread-local subscriber set by one test can miss a log callsite
/// that another test's thread registers at the same moment (tracing caches the interest).
static RUNTIME: LazyLock<Arc<Runtime>> = LazyLock::new(|| {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(HOST_LOG.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("component-cache");
    Arc::new(Runtime::new(Some(cache)).expect("the runtime starts"))
});

fn code(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Deploys `path` as function `name` with `config`.
fn deploy_with(name: &str, path: &str, config: FunctionConfig) {
    RUNTIME
        .deploy(name, &code(path), config)
        .unwrap_or_else(|e| panic!("deploying {name}: {e}"));
}

fn deploy(name: &str, path: &str) {
    deploy_with(name, path, FunctionConfig::default());
}

fn config(timeout_seconds: u32, memory_mb: u32) -> FunctionConfig {
    FunctionConfig {
        timeout_seconds,
        memory_mb,
        ..FunctionConfig::default()
    }
}

/// Invokes `name` directly with JSON text; its calls go to the host's integrations.
async fn invoke(name: &str, input: &str) -> Result<String, InvokeError> {
    let function = RUNTIME.function(name).expect("deployed");
    let resources = Arc::new(TaskResources::new(RUNTIME.clone()));
    RUNTIME
        .invoke(&function, Invocation::new(input, "{}").calls(resources, 0))
        .await
}

/// The host still runs an ordinary function after whatever a test did.
async fn assert_still_serves() {
    deploy("still-serving", guest::ECHO);
    let out = invoke("still-serving", r#"{"alive": true}"#).await;
    assert_eq!(out.as_deref(), Ok(r#"{"alive":true}"#));
}

/// Runs a state machine with the runtime's functions as its Lambda resources.
async fn run_machine(definition: Value, input: Value) -> Execution {
    let machine = validate::parse_definition(definition.to_string().as_bytes())
        .unwrap_or_else(|d| panic!("invalid definition: {d:?}"));
    let program = Arc::new(Program::compile(&machine).expect("compiles"));
    let clock = Clock::system();
    let info = ExecutionInfo::local("machine", "run-1", input, clock.now_ms());
    let mut exec = Execution::new(program, info, 7);
    let resources = TaskResources::new(RUNTIME.clone());
    executor::run(&mut exec, Arc::new(resources), clock)
        .await
        .expect("the execution ends");
    exec
}

fn lambda_arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A one-state machine that runs function `name` with extra Task fields.
fn one_task(name: &str, extra: Value) -> Value {
    let mut task = json!({"Type": "Task", "Resource": lambda_arn(name), "End": true});
    task.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"StartAt": "Work", "States": {"Work": task}})
}

fn failed(exec: &Execution) -> (String, String) {
    match &exec.status {
        Status::Failed(f) => (
            f.error.clone().unwrap_or_default(),
            f.cause.clone().unwrap_or_default(),
        ),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn succeeded(exec: &Execution) -> &Value {
    match &exec.status {
        Status::Succeeded(output) => output,
        other => panic!("expected success, got {other:?}"),
    }
}

fn event_types(exec: &Execution) -> Vec<String> {
    exec.history
        .iter()
        .map(|e| e.details.event_type())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Deploying: only components of our world
// ---------------------------------------------------------------------------------------------

#[test]
fn deploy_refuses_what_is_not_a_component_of_our_world() {
    let refuse = |code: &[u8]| RUNTIME.deploy("refused", code, FunctionConfig::default());
    assert_eq!(refuse(b"").unwrap_err(), DeployError::Empty);
    assert_eq!(refuse(b"hello, world").unwrap_err(), DeployError::NotWasm);
    // The smallest core module: magic and version 1.
    assert_eq!(
        refuse(b"\0asm\x01\0\0\0").unwrap_err(),
        DeployError::CoreModule
    );
    assert!(matches!(
        refuse(b"\0asm\x0d\0\x01\0garbage").unwrap_err(),
        DeployError::Invalid(_)
    ));
    assert_eq!(
        refuse(&code(guest::NEXT_VERSION)).unwrap_err(),
        DeployError::WorldVersion {
            found: "stepwise:task@0.2.0".into()
        }
    );
    let err = refuse(&code(guest::FOREIGN_IMPORT)).unwrap_err();
    assert_eq!(
        err,
        DeployError::UnknownImport {
            import: "acme:db/query@1.0.0".into(),
            detail: String::new()
        }
    );
    assert_eq!(
        err.to_string(),
        "the component imports acme:db/query@1.0.0, which this host does not provide (a task may import stepwise:task/host@0.1.0 and WASI 0.2)"
    );
    assert_eq!(
        DeployError::WorldVersion {
            found: "stepwise:task@0.2.0".into()
        }
        .to_string(),
        "the component was built for stepwise:task@0.2.0, but this host implements stepwise:task@0.1.0: rebuild it against stepwise-guest for this host"
    );
    assert!(RUNTIME.function("refused").is_none());
}

#[test]
fn deploy_checks_the_name_and_configuration() {
    let echo = code(guest::ECHO);
    assert_eq!(
        RUNTIME
            .deploy("bad name", &echo, FunctionConfig::default())
            .unwrap_err(),
        DeployError::InvalidName("bad name".into())
    );
    assert_eq!(
        RUNTIME.deploy("ok", &echo, config(3, 64)).unwrap_err(),
        DeployError::Config(ConfigError::MemorySize(64))
    );
    let f = RUNTIME
        .deploy("configured", &echo, config(10, 256))
        .expect("deploys");
    assert_eq!(f.code_size(), echo.len());
    let f = RUNTIME
        .reconfigure("configured", config(20, 512))
        .expect("valid")
        .expect("exists");
    assert_eq!(
        (f.config().timeout_seconds, f.config().memory_mb),
        (20, 512)
    );
    assert!(
        RUNTIME
            .reconfigure("nobody", config(3, 128))
            .unwrap()
            .is_none()
    );
    assert!(RUNTIME.remove("configured"));
    assert!(RUNTIME.function("configured").is_none());
}

#[tokio::test]
async fn a_restarted_host_loads_components_from_its_cache() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("restart-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = Runtime::new(Some(dir.clone())).unwrap();
    let echo = code(guest::ECHO);
    let f = first
        .deploy("echo", &echo, FunctionConfig::default())
        .unwrap();
    assert!(!f.from_cache());
    drop((f, first));
    let cached: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].ends_with(".cwasm"));

    // A second runtime loads the precompiled code instead of compiling, and it runs.
    let second = Runtime::new(Some(dir.clone())).unwrap();
    let f = second
        .deploy("echo", &echo, FunctionConfig::default())
        .unwrap();
    assert!(f.from_cache());
    let out = second.invoke(&f, Invocation::new("[1]", "{}")).await;
    assert_eq!(out.as_deref(), Ok("[1]"));
    drop((f, second));

    // A corrupted cache file is ignored and replaced by a fresh compile.
    std::fs::write(dir.join(&cached[0]), b"not machine code").unwrap();
    let third = Runtime::new(Some(dir.clone())).unwrap();
    let f = third
        .deploy("echo", &echo, FunctionConfig::default())
        .unwrap();
    assert!(!f.from_cache());
    let out = third.invoke(&f, Invocation::new("[2]", "{}")).await;
    assert_eq!(out.as_deref(), Ok("[2]"));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Invoking: results and the sandbox's limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn echo_returns_its_input() {
    deploy("echo", guest::ECHO);
    let input = r#"{"a":[1,2,3],"b":{"c":"d"}}"#;
    assert_eq!(invoke("echo", input).await.as_deref(), Ok(input));
}

#[tokio::test]
async fn an_infinite_loop_is_stopped_at_the_function_timeout() {
    deploy_with("spin", guest::SPIN, config(1, 128));
    let started = Instant::now();
    let err = invoke("spin", "{}").await.unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.error_name(), "Sandbox.Timedout");
    assert_eq!(err.cause(), "Task timed out after 1.00 seconds");
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert!(took < Duration::from_secs(5), "stopped late: {took:?}");
    assert_still_serves().await;
}

#[tokio::test]
async fn a_memory_bomb_hits_the_memory_cap() {
    deploy_with("memory-bomb", guest::MEMORY_BOMB, config(10, 128));
    let err = invoke("memory-bomb", "{}").await.unwrap_err();
    assert_eq!(err.error_name(), "Runtime.OutOfMemory");
    let cause = err.cause();
    assert!(
        cause.starts_with("the function ran out of memory: it needed more than its 128 MB"),
        "{cause}"
    );
    assert!(cause.contains("memory allocation of"), "{cause}");
    assert_still_serves().await;
}

#[tokio::test]
async fn a_stack_overflow_traps_only_its_invocation() {
    deploy("deep-recursion", guest::DEEP_RECURSION);
    let err = invoke("deep-recursion", "{}").await.unwrap_err();
    assert_eq!(err.error_name(), "Lambda.Unknown");
    assert_eq!(err.cause(), "wasm trap: call stack exhausted");
    assert_still_serves().await;
}

#[tokio::test]
async fn a_panic_is_lambda_unknown_with_what_the_guest_wrote() {
    deploy("panic", guest::PANIC);
    let err = invoke("panic", "{}").await.unwrap_err();
    assert_eq!(err.error_name(), "Lambda.Unknown");
    let cause = err.cause();
    assert!(
        cause.starts_with(
            "wasm trap: wasm `unreachable` instruction executed\nstdout:\nabout to fail\nstderr:\nsomething went wrong in the guest\n"
        ),
        "{cause}"
    );
    assert!(cause.contains("the guest panicked on purpose"), "{cause}");
    assert_still_serves().await;
}

#[tokio::test]
async fn an_oversized_result_is_refused() {
    deploy("huge-output", guest::HUGE_OUTPUT);
    let err = invoke("huge-output", "{}").await.unwrap_err();
    assert_eq!(err.error_name(), "States.DataLimitExceeded");
    assert_eq!(
        err.cause(),
        "the function returned 307202 bytes, more than the 262144 bytes a result may have"
    );
    assert_still_serves().await;
}

#[tokio::test]
async fn the_sandbox_has_no_files() {
    deploy("read-file", guest::READ_FILE);
    let err = invoke("read-file", "{}").await.unwrap_err();
    assert_eq!(err.error_name(), "FileError");
    assert_eq!(err.cause(), "No such file or directory (os error 44)");
    assert_still_serves().await;
}

#[tokio::test]
async fn the_sandbox_has_no_network() {
    // A listener the guest would reach if it had a network.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    deploy("open-socket", guest::OPEN_SOCKET);
    let input = json!({ "address": address }).to_string();
    let err = invoke("open-socket", &input).await.unwrap_err();
    assert_eq!(err.error_name(), "SocketError");
    assert_eq!(err.cause(), "Permission denied (os error 2)");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the guest connected");
    assert_still_serves().await;
}

#[tokio::test]
async fn the_guest_sees_only_its_configured_environment() {
    let config = FunctionConfig {
        environment: BTreeMap::from([("TABLE_NAME".to_owned(), "orders".to_owned())]),
        ..FunctionConfig::default()
    };
    deploy_with("read-env", guest::READ_ENV, config);
    let out: Value = serde_json::from_str(&invoke("read-env", "{}").await.unwrap()).unwrap();
    assert_eq!(
        out,
        json!({
            "env": {
                "AWS_LAMBDA_FUNCTION_NAME": "read-env",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "TABLE_NAME": "orders",
            },
            "args": [],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_run_beside_a_runaway_guest() {
    deploy_with("spin-beside", guest::SPIN, config(2, 128));
    deploy("echo-beside", guest::ECHO);
    let runaway = tokio::spawn(invoke("spin-beside", "{}"));
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..200 {
        calls.spawn(async move { invoke("echo-beside", &format!("{{\"i\":{i}}}")).await });
    }
    let mut done = 0;
    while let Some(result) = calls.join_next().await {
        assert!(result.unwrap().is_ok());
        done += 1;
    }
    assert_eq!(done, 200);
    assert_eq!(
        runaway.await.unwrap().unwrap_err().error_name(),
        "Sandbox.Timedout"
    );
}

// ---------------------------------------------------------------------------------------------
// Task states
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_lambda_task_passes_its_input_and_context() {
    deploy("context", guest::CONTEXT);
    let definition = json!({
        "StartAt": "Look",
        "States": {"Look": {
            "Type": "Task",
            "Resource": lambda_arn("context"),
            "Parameters": {"who.$": "$.name"},
            "TimeoutSeconds": 30,
            "End": true
        }}
    });
    let exec = run_machine(definition, json!({"name": "Ada"})).await;
    let out = succeeded(&exec);
    assert_eq!(out["input"], json!({"who": "Ada"}));
    assert_eq!(out["executionName"], "run-1");
    assert_eq!(
        out["executionId"],
        "arn:aws:states:us-east-1:123456789012:execution:machine:run-1"
    );
    assert_eq!(out["stateMachineName"], "machine");
    assert_eq!(out["stateName"], "Look");
    assert_eq!(out["retryCount"], 0);
    assert_eq!(out["taskToken"], Value::Null);
    let remaining = out["remainingMillis"].as_u64().unwrap();
    // The sooner of the state's 30 s and the function's 3 s.
    assert!(remaining <= 3000 && remaining > 1000, "{remaining}");
    // The execution input is not copied into every invocation's context.
    assert_eq!(out["raw"]["Execution"].get("Input"), None);
}

#[tokio::test]
async fn guest_errors_reach_retry_and_catch_by_name() {
    deploy("behave", guest::BEHAVE);
    let definition = json!({
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": lambda_arn("behave"),
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["Flaky"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": true
            },
            "Caught": {"Type": "Pass", "End": true}
        }
    });
    let input = json!({"fail": {"error": "Flaky", "cause": "try again"}});
    let exec = run_machine(definition, input).await;
    assert_eq!(
        succeeded(&exec)["error"],
        json!({"Error": "Flaky", "Cause": "try again"})
    );
    let types = event_types(&exec);
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "LambdaFunctionFailed")
            .count(),
        2,
        "{types:?}"
    );
}

#[tokio::test]
async fn a_trap_is_caught_as_lambda_unknown() {
    deploy("panic-task", guest::PANIC);
    let definition = json!({
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": lambda_arn("panic-task"),
                "Catch": [{"ErrorEquals": ["Lambda.Unknown"], "Next": "Caught"}],
                "End": true
            },
            "Caught": {"Type": "Pass", "Result": "caught", "End": true}
        }
    });
    let exec = run_machine(definition, json!({})).await;
    assert_eq!(succeeded(&exec), &json!("caught"));
    assert_still_serves().await;
}

#[tokio::test]
async fn the_state_timeout_stops_a_runaway_guest() {
    deploy_with("spin-state", guest::SPIN, config(60, 128));
    let started = Instant::now();
    let exec = run_machine(
        one_task("spin-state", json!({"TimeoutSeconds": 1})),
        json!({}),
    )
    .await;
    assert_eq!(failed(&exec), ("States.Timeout".into(), String::new()));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        event_types(&exec)[2..5],
        [
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionTimedOut"
        ]
    );
    assert_still_serves().await;
}

#[tokio::test]
async fn the_function_timeout_fails_the_state_with_sandbox_timedout() {
    deploy_with("spin-function", guest::SPIN, config(1, 128));
    let exec = run_machine(one_task("spin-function", json!({})), json!({})).await;
    assert_eq!(
        failed(&exec),
        (
            "Sandbox.Timedout".into(),
            "Task timed out after 1.00 seconds".into()
        )
    );
}

#[tokio::test]
async fn heartbeats_keep_a_long_task_alive() {
    deploy("beats", guest::BEHAVE);
    let machine = one_task(
        "beats",
        json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 10}),
    );
    let input = json!({"sleep_ms": 1800, "beats": 6, "log": "working", "print": "progress"});
    let exec = run_machine(machine.clone(), input).await;
    assert_eq!(succeeded(&exec)["done"], true);
    // The same work without heartbeats outlives HeartbeatSeconds.
    let exec = run_machine(machine, json!({"sleep_ms": 1800})).await;
    assert_eq!(failed(&exec), ("States.Timeout".into(), String::new()));
}

#[tokio::test]
async fn an_unknown_function_is_resource_not_found() {
    let exec = run_machine(one_task("nobody-home", json!({})), json!({})).await;
    assert_eq!(
        failed(&exec),
        (
            "Lambda.ResourceNotFoundException".into(),
            "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nobody-home (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)".into()
        )
    );
}

#[tokio::test]
async fn lambda_invoke_answers_in_lambdas_shape() {
    deploy("echo-invoke", guest::ECHO);
    let definition = json!({
        "StartAt": "Invoke",
        "States": {"Invoke": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:echo-invoke:$LATEST",
                "Payload": {"n.$": "$.n"}
            },
            "End": true
        }}
    });
    let exec = run_machine(definition, json!({"n": 7})).await;
    let out = succeeded(&exec);
    assert_eq!(out["Payload"], json!({"n": 7}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert!(out["SdkResponseMetadata"]["RequestId"].is_string());
    assert_eq!(
        event_types(&exec)[2..5],
        ["TaskScheduled", "TaskStarted", "TaskSucceeded"]
    );
}

/// Runs a one-state machine that calls `lambda:invoke` with these parameters.
async fn run_invoke(parameters: Value) -> Execution {
    let definition = json!({"StartAt": "I", "States": {"I": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": parameters, "End": true}}});
    run_machine(definition, json!({})).await
}

#[tokio::test]
async fn lambda_invoke_dry_runs_and_invokes_asynchronously() {
    deploy("echo-async", guest::ECHO);
    let run = |invocation_type: &str| {
        run_invoke(json!({"FunctionName": "echo-async", "InvocationType": invocation_type}))
    };
    let exec = run("DryRun").await;
    assert_eq!(succeeded(&exec)["StatusCode"], 204);
    assert_eq!(succeeded(&exec)["Payload"], "");
    let exec = run("Event").await;
    assert_eq!(succeeded(&exec)["StatusCode"], 202);
}

#[tokio::test]
async fn lambda_invoke_refuses_bad_parameters() {
    let exec = run_invoke(json!({"FunctionName": 5})).await;
    assert_eq!(
        failed(&exec),
        (
            "Lambda.InvalidParameterValueException".into(),
            "FunctionName must be a string, not 5".into()
        )
    );
    let exec = run_invoke(json!({"FunctionName": "echo", "InvocationType": "Later"})).await;
    assert_eq!(failed(&exec).0, "Lambda.InvalidParameterValueException");
    let exec = run_invoke(json!({"FunctionName": "missing-one"})).await;
    assert_eq!(failed(&exec).0, "Lambda.ResourceNotFoundException");
}

// ---------------------------------------------------------------------------------------------
// Guest calls
// ---------------------------------------------------------------------------------------------

fn call_echo(payload: Value) -> Value {
    json!({"call": {
        "resource": "arn:aws:states:::lambda:invoke",
        "parameters": {"FunctionName": "echo-callee", "Payload": payload}
    }})
}

#[tokio::test]
async fn a_guest_calls_an_allowed_integration() {
    deploy("echo-callee", guest::ECHO);
    let allowed = FunctionConfig {
        allowed_calls: vec!["arn:aws:states:::lambda:invoke".into()],
        ..FunctionConfig::default()
    };
    deploy_with("caller", guest::BEHAVE, allowed);
    let out = invoke("caller", &call_echo(json!({"x": 1})).to_string())
        .await
        .unwrap();
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(out["called"]["Payload"], json!({"x": 1}));
    assert_eq!(out["called"]["StatusCode"], 200);
}

#[tokio::test]
async fn a_guest_may_not_call_what_its_configuration_does_not_allow() {
    deploy("echo-callee", guest::ECHO);
    deploy("forbidden-caller", guest::BEHAVE);
    let err = invoke("forbidden-caller", &call_echo(json!({})).to_string())
        .await
        .unwrap_err();
    assert_eq!(err.error_name(), "AccessDeniedException");
    assert_eq!(
        err.cause(),
        "function 'forbidden-caller' is not allowed to call arn:aws:states:::lambda:invoke: add it to the function's allowed calls"
    );
}

#[tokio::test]
async fn calls_that_loop_stop_at_the_depth_limit() {
    let allowed = FunctionConfig {
        allowed_calls: vec!["arn:aws:states:::lambda:invoke".into()],
        timeout_seconds: 30,
        ..FunctionConfig::default()
    };
    deploy_with("recurse", guest::BEHAVE, allowed);
    // Each level asks the function to call itself with the next level, deeper than allowed.
    let mut orders = json!({});
    for _ in 0..MAX_CALL_DEPTH + 2 {
        orders = json!({"call": {
            "resource": "arn:aws:states:::lambda:invoke",
            "parameters": {"FunctionName": "recurse", "Payload": orders}
        }});
    }
    let resources = TaskResources::new(RUNTIME.clone());
    let function = RUNTIME.function("recurse").unwrap();
    let input = orders.to_string();
    let err = RUNTIME
        .invoke(
            &function,
            Invocation::new(&input, "{}").calls(Arc::new(resources), 0),
        )
        .await
        .unwrap_err();
    assert_eq!(err.error_name(), "RecursiveInvocationException");
    assert_eq!(
        err.cause(),
        format!(
            "function 'recurse' is {MAX_CALL_DEPTH} calls deep; calls stop at {MAX_CALL_DEPTH} to end loops of functions calling each other"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The examples
// ---------------------------------------------------------------------------------------------

fn example(path: &str) -> Value {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/");
    serde_json::from_str(&std::fs::read_to_string(format!("{file}{path}")).unwrap()).unwrap()
}

#[tokio::test]
async fn example_greeter() {
    deploy("greeter", guest::GREETER);
    let exec = run_machine(example("greeter/greeter.asl.json"), json!({"name": "Ada"})).await;
    assert_eq!(
        succeeded(&exec),
        &json!({"greeting": "Hello, Ada!", "greeted_by": "Greet"})
    );
    let exec = run_machine(example("greeter/greeter.asl.json"), json!({"name": " "})).await;
    assert_eq!(
        failed(&exec),
        ("NoName".into(), "there is nobody to greet".into())
    );
    let exec = run_machine(example("greeter/greeter.asl.json"), json!({"nom": "Ada"})).await;
    let (error, cause) = failed(&exec);
    assert_eq!(error, "Runtime.UnmarshalError");
    assert!(cause.contains("missing field `name`"), "{cause}");
}

#[tokio::test]
async fn example_credit_check() {
    deploy("credit-check", guest::CREDIT_CHECK);
    let machine = example("credit-check/credit-check.asl.json");
    let apply = |income: f64, missed: u32| json!({"applicant": "Ada", "amount": 1000, "income": income, "missed_payments": missed});
    let exec = run_machine(machine.clone(), apply(3000.0, 0)).await;
    assert_eq!(
        succeeded(&exec),
        &json!({"applicant": "Ada", "outcome": "approved", "score": 800})
    );
    let exec = run_machine(machine.clone(), apply(500.0, 0)).await;
    assert_eq!(succeeded(&exec)["outcome"], "sent to an underwriter");
    let exec = run_machine(machine, apply(100.0, 2)).await;
    assert_eq!(
        failed(&exec),
        ("CreditDeclined".into(), "Ada scored 230".into())
    );
}

#[tokio::test]
async fn example_long_job_heartbeats() {
    deploy("long-job", guest::LONG_JOB);
    let input = json!({"items": ["a", "b", "c", "d"], "ms_per_item": 400});
    let exec = run_machine(example("long-job/long-job.asl.json"), input).await;
    assert_eq!(
        succeeded(&exec),
        &json!({"processed": ["A", "B", "C", "D"], "heartbeats": 4})
    );
}

#[tokio::test]
async fn example_flaky_retries_then_catches() {
    deploy("flaky", guest::FLAKY);
    let machine = example("flaky/flaky.asl.json");
    let input = json!({"card": "4242", "amount": 10, "failures_before_success": 1});
    let exec = run_machine(machine.clone(), input).await;
    assert_eq!(
        succeeded(&exec),
        &json!({"card": "4242", "amount": 10.0, "attempts": 2})
    );
    let exec = run_machine(machine, json!({"card": "0000-1", "amount": 10})).await;
    assert_eq!(
        succeeded(&exec),
        &json!({"status": "declined", "reason": "card 0000-1 was declined"})
    );
    assert!(matches!(
        exec.history[3].details,
        EventDetails::LambdaFunctionStarted
    ));
}

// ---------------------------------------------------------------------------------------------
// The host's log
// ---------------------------------------------------------------------------------------------

/// Everything the host logs while the tests in this file run.
static HOST_LOG: LazyLock<LogBuffer> = LazyLock::new(LogBuffer::default);

/// A log sink shared by every thread.
#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> LogBuffer {
        self.clone()
    }
}

#[tokio::test]
async fn guest_logs_and_output_reach_the_host_log() {
    deploy("logger", guest::BEHAVE);
    let input = r#"{"log": "hello from the guest", "print": "printed line"}"#;
    invoke("logger", input).await.unwrap();
    // Other tests log too; only this one deploys a function called "logger".
    let text = String::from_utf8_lossy(&HOST_LOG.0.lock().unwrap()).into_owned();
    let line = |needle: &str| {
        text.lines()
            .filter(|l| l.contains("function=\"logger\""))
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no '{needle}' in the log:\n{text}"))
            .to_owned()
    };
    let logged = line("hello from the guest");
    assert!(
        logged.contains("INFO") && logged.contains("function=\"logger\""),
        "{logged}"
    );
    assert!(line("stream=\"stdout\"").contains("printed line"));
    assert!(line("stream=\"stderr\"").contains("printed line"));
}
