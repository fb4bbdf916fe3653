//! `stepwise serve` and `stepwise deploy` as a user runs them: the real binary, its flags, its
//! shutdown on SIGTERM, and deploying to it from the command line.

use crate::common;

use std::process::Command;
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::Value;

use stepwise_test_artifacts as guest;

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stepwise-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn deploy(endpoint: &str, name: &str, file: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(["deploy", name, file, "--endpoint", endpoint])
        .args(extra)
        .output()
        .expect("stepwise deploy runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_creates_then_replaces_a_function_and_refuses_bad_code() {
    let dir = tempdir("deploy");
    let (mut server, endpoint) = common::serve(&dir, &["--in-memory"]);

    let created = deploy(
        &endpoint,
        "greeter",
        guest::GREETER,
        &["--memory-size", "256"],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let config: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(config["FunctionName"], "greeter");
    assert_eq!(config["MemorySize"], 256);

    // Again: the code is replaced and the configuration kept.
    let replaced = deploy(&endpoint, "greeter", guest::ECHO, &[]);
    assert!(
        replaced.status.success(),
        "{}",
        String::from_utf8_lossy(&replaced.stderr)
    );
    let config: Value = serde_json::from_slice(&replaced.stdout).unwrap();
    assert_eq!(config["MemorySize"], 256);
    assert_eq!(
        config["CodeSize"],
        std::fs::metadata(guest::ECHO).unwrap().len()
    );

    let not_wasm = dir.join("not.wasm");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&not_wasm, b"hello").unwrap();
    let refused = deploy(&endpoint, "broken", not_wasm.to_str().unwrap(), &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not WebAssembly"), "{stderr}");

    let unreachable = deploy("http://127.0.0.1:9", "greeter", guest::GREETER, &[]);
    assert_eq!(unreachable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("is `stepwise serve` running?"));

    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_cleanly_and_a_restart_carries_on() {
    let dir = tempdir("sigterm");
    let machine_file = dir.with_extension("asl.json");
    std::fs::write(
        &machine_file,
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": true}}}"#,
    )
    .unwrap();
    let machine_arg = format!("waits={}", machine_file.display());
    let (mut server, endpoint) = common::serve(&dir, &["--machine", &machine_arg]);
    let sfn = common::sfn_client(&endpoint);
    let started = sfn
        .start_execution()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:waits")
        .input("{\"k\": 1}")
        .send()
        .await
        .unwrap();

    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "the server exits 0 on SIGTERM: {status:?}"
    );

    // The machine is created again from the flag (an update, as it exists); the execution
    // resumes and ends.
    let (mut server, endpoint) = common::serve(&dir, &["--machine", &machine_arg]);
    let sfn = common::sfn_client(&endpoint);
    let mut status = ExecutionStatus::Running;
    for _ in 0..200 {
        status = sfn
            .describe_execution()
            .execution_arn(&started.execution_arn)
            .send()
            .await
            .unwrap()
            .status;
        if status != ExecutionStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, ExecutionStatus::Succeeded);
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&machine_file);
}
