//! The `stepwise` binary as users call it: `run` and `validate`, their JSON output and their
//! exit codes (0 succeeded / valid, 1 failed execution, 2 bad definition or input).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{Value, json};

fn stepwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepwise"))
        .args(args)
        .output()
        .expect("the stepwise binary runs")
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON object ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A definition written to a fresh temporary file.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        let dir = std::env::temp_dir().join(format!("stepwise-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn example(path: &str) -> String {
    format!("{}/../examples/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn run_prints_the_output_of_a_succeeded_execution() {
    let out = stepwise(&[
        "run",
        &example("hello/hello.asl.json"),
        "--input",
        r#"{"name": "Ada"}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        stdout_json(&out),
        json!({"status": "SUCCEEDED", "output": "Hello, Ada!"})
    );
}

#[test]
fn run_exits_1_with_error_and_cause_when_the_execution_fails() {
    let out = stepwise(&[
        "run",
        &example("hello/hello.asl.json"),
        "--input",
        r#"{"name": ""}"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout_json(&out),
        json!({"status": "FAILED", "error": "NoName", "cause": "The input has an empty name."})
    );
}

#[test]
fn run_reads_input_from_a_file_and_prints_history_when_asked() {
    let def = TempFile::new(
        "echo.json",
        br#"{"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": true}}}"#,
    );
    let input = TempFile::new("input.json", br#"{"n": 1.0}"#);
    let out = stepwise(&[
        "run",
        def.path(),
        "--input",
        &format!("@{}", input.path()),
        "--history",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = stdout_json(&out);
    // 1.0 stays a float: numbers keep their type end to end.
    assert_eq!(v["output"], json!({"n": 1.0}));
    let types: Vec<&str> = v["history"]
        .as_array()
        .expect("history array")
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        v["history"][1]["stateEnteredEventDetails"]["input"],
        json!(r#"{"n":1.0}"#)
    );
}

#[test]
fn run_reports_timed_out_executions() {
    let def = TempFile::new(
        "timeout.json",
        br#"{"TimeoutSeconds": 1, "StartAt": "W",
             "States": {"W": {"Type": "Wait", "Seconds": 30, "End": true}}}"#,
    );
    let out = stepwise(&["run", def.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_json(&out)["status"], "TIMED_OUT");
}

#[test]
fn a_lambda_task_without_its_function_fails_as_lambda_does() {
    let def = TempFile::new(
        "task.json",
        br#"{"StartAt": "T", "States": {"T": {"Type": "Task",
             "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet", "End": true}}}"#,
    );
    let out = stepwise(&["run", def.path()]);
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["error"], "Lambda.ResourceNotFoundException");
    assert!(
        v["cause"].as_str().unwrap().contains("function:greet"),
        "{v}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--function NAME=PATH.wasm"), "{stderr}");
}

#[test]
fn run_with_a_function_runs_its_component() {
    let greeter = format!("greeter={}", stepwise_test_artifacts::GREETER);
    let machine = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/greeter/greeter.asl.json"
    );
    let out = stepwise(&[
        "run",
        machine,
        "--function",
        &greeter,
        "--input",
        r#"{"name": "Ada"}"#,
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        stdout_json(&out),
        serde_json::json!({"status": "SUCCEEDED", "output": {"greeting": "Hello, Ada!", "greeted_by": "Greet"}})
    );
}

#[test]
fn run_refuses_a_function_that_is_not_a_component() {
    let machine = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/greeter/greeter.asl.json"
    );
    let not_wasm = TempFile::new("not.wasm", b"#!/bin/sh\necho hi\n");
    let arg = format!("greeter={}", not_wasm.path());
    let out = stepwise(&["run", machine, "--function", &arg]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot deploy") && stderr.contains("the code is not WebAssembly"),
        "{stderr}"
    );
    let out = stepwise(&["run", machine, "--function", "no-equals-sign"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected NAME=PATH.wasm"));
}

#[test]
fn bad_definitions_exit_2_with_the_problems_on_stderr() {
    let def = TempFile::new(
        "bad.json",
        br#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}"#,
    );
    let out = stepwise(&["run", def.path()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/States/A/Next"), "{stderr}");
}

#[test]
fn bad_input_exits_2() {
    let def = example("hello/hello.asl.json");
    for input in ["{not json", "@/nonexistent/input.json"] {
        let out = stepwise(&["run", &def, "--input", input]);
        assert_eq!(out.status.code(), Some(2), "input {input}");
        assert!(!out.stderr.is_empty());
    }
    // Through a file: one command-line argument cannot hold 256 KiB on Linux.
    let huge = TempFile::new(
        "huge.json",
        format!("\"{}\"", "x".repeat(300 * 1024)).as_bytes(),
    );
    let out = stepwise(&["run", &def, "--input", &format!("@{}", huge.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("256 KiB"));
}

#[test]
fn validate_accepts_a_good_definition() {
    let out = stepwise(&["validate", &example("hello/hello.asl.json")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout_json(&out),
        json!({"result": "OK", "diagnostics": []})
    );
}

#[test]
fn validate_reports_every_problem_with_its_location() {
    let def = TempFile::new(
        "many.json",
        br#"{"StartAt": "A", "States": {
              "A": {"Type": "Pass", "Next": "Nowhere", "Bogus": 1},
              "B": {"Type": "Wait", "End": true},
              "C": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": true}}}"#,
    );
    let out = stepwise(&["validate", def.path()]);
    assert_eq!(out.status.code(), Some(2));
    let v = stdout_json(&out);
    assert_eq!(v["result"], "FAIL");
    let locations: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["location"].as_str().unwrap())
        .collect();
    for expected in [
        "/States/A/Next",
        "/States/A/Bogus",
        "/States/B",
        "/States/C/HeartbeatSeconds",
    ] {
        assert!(
            locations.iter().any(|l| l.starts_with(expected)),
            "no diagnostic at {expected}: {locations:?}"
        );
    }
}

#[test]
fn validate_catches_jsonata_and_variable_mistakes() {
    let out = stepwise(&["validate", &example("greet-team/greet-team.asl.json")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let def = TempFile::new(
        "jsonata.json",
        br#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
              "A": {"Type": "Pass", "Parameters": {"x.$": "$.x"}, "Next": "B"},
              "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "C"}],
                    "Default": "C"},
              "C": {"Type": "Pass", "Assign": {"states": 1}, "Output": "{% $states.input + %}",
                    "Next": "D"},
              "D": {"Type": "Wait", "Seconds": "{% $delay %}", "End": true}}}"#,
    );
    let out = stepwise(&["validate", def.path()]);
    assert_eq!(out.status.code(), Some(2));
    let v = stdout_json(&out);
    let found = |location: &str, severity: &str| {
        v["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["location"].as_str() == Some(location) && d["severity"].as_str() == Some(severity)
        })
    };
    for location in [
        "/States/A/Parameters",
        "/States/B/Choices/0",
        "/States/C/Assign/states",
        "/States/C/Output",
    ] {
        assert!(found(location, "ERROR"), "no error at {location}: {v:#}");
    }
    // Reading a variable no state assigns is a warning: the expression gives nothing at run time.
    assert!(found("/States/D/Seconds", "WARNING"), "{v:#}");
}

#[test]
fn validate_rejects_hostile_bytes_without_crashing() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<Vec<u8>> = vec![
        b"\xff\xfe not utf-8".to_vec(),
        b"{\"StartAt\": 1e999999}".to_vec(),
        deep.into_bytes(),
        b"".to_vec(),
        b"[]".to_vec(),
    ];
    for (i, bytes) in cases.iter().enumerate() {
        let f = TempFile::new(&format!("hostile{i}.json"), bytes);
        let out = stepwise(&["validate", f.path()]);
        assert_eq!(out.status.code(), Some(2), "case {i}: {out:?}");
        assert_eq!(stdout_json(&out)["result"], "FAIL", "case {i}");
    }
}

/// `stepwise run --mock-config --test-case`: a workflow's test cases with no server and no
/// endpoint; the machine is named after the definition file (`LambdaSQSIntegration.asl.json`).
#[test]
fn run_takes_a_mock_files_test_case() {
    let dir = format!(
        "{}/../examples/lambda-sqs-integration",
        env!("CARGO_MANIFEST_DIR")
    );
    let definition = format!("{dir}/LambdaSQSIntegration.asl.json");
    let mock = format!("{dir}/mock-config.json");
    let started = std::time::Instant::now();
    let out = stepwise(&[
        "run",
        &definition,
        "--mock-config",
        &mock,
        "--test-case",
        "RetryPath",
        "--wait-time-scale",
        "0.01",
        "--history",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout_json(&out);
    assert_eq!(result["status"], "SUCCEEDED");
    assert_eq!(
        result["output"]["MessageId"],
        "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"
    );
    let failed = result["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "TaskFailed")
        .count();
    assert_eq!(failed, 3);
    // 2 + 4 + 8 s of backoff, a hundred times faster.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    let out = stepwise(&[
        "run",
        &definition,
        "--mock-config",
        &mock,
        "--test-case",
        "NoSuchCase",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no test case 'NoSuchCase'"), "{stderr}");
    let out = stepwise(&["run", &definition, "--test-case", "HappyPath"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `examples/checkout/`: a workflow's whole test suite as CI runs it, through `stepwise run`
/// with no server: the happy path, a retried failure, a caught error and a failed run.
#[test]
fn the_checkout_examples_test_cases_pass() {
    let dir = format!("{}/../examples/checkout", env!("CARGO_MANIFEST_DIR"));
    let definition = format!("{dir}/checkout.asl.json");
    let mock = format!("{dir}/mock-config.json");
    let run = |case: &str| {
        let out = stepwise(&[
            "run",
            &definition,
            "--mock-config",
            &mock,
            "--test-case",
            case,
            "--wait-time-scale",
            "0.01",
            "--input",
            r#"{"order": "o-17"}"#,
            "--history",
        ]);
        let result = stdout_json(&out);
        let types: Vec<String> = result["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect();
        (result, types)
    };
    let count = |types: &[String], t: &str| types.iter().filter(|x| *x == t).count();

    let (result, types) = run("HappyPath");
    assert_eq!(result["status"], "SUCCEEDED", "{result}");
    assert_eq!(
        result["output"],
        json!({"order": "o-17", "status": "SHIPPED", "chargeId": "ch_123",
               "shipmentMessage": "b7c1e0a2-5a3f-4d2e-9c61-0f1e2d3c4b5a"})
    );
    assert_eq!(count(&types, "TaskSucceeded"), 3);

    let (result, types) = run("ThrottledThenValid");
    assert_eq!(result["status"], "SUCCEEDED", "{result}");
    assert_eq!(result["output"]["status"], "SHIPPED");
    assert_eq!(count(&types, "TaskFailed"), 1);
    assert_eq!(count(&types, "TaskScheduled"), 4);

    let (result, types) = run("CardDeclined");
    assert_eq!(result["status"], "SUCCEEDED", "{result}");
    assert_eq!(
        result["output"],
        json!({"order": "o-17", "status": "DECLINED",
               "notified": "4d6f1c2e-8a9b-4c3d-b2e1-7f6a5b4c3d2e"})
    );
    assert_eq!(count(&types, "TaskFailed"), 1);
    assert!(!types.iter().any(|t| t == "ExecutionFailed"), "{types:?}");

    let (result, _) = run("OutOfStock");
    assert_eq!(result["status"], "FAILED", "{result}");
    assert_eq!(result["error"], "OutOfStock");
}
