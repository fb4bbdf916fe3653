//! JSONata states and workflow variables end to end: the real server, the AWS SDK for Rust, the
//! `greet-team` example with its WebAssembly task, evaluation failures as AWS reports them, and
//! definitions refused at create time with the JSON path of the mistake.

use crate::common;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use stepwise_test_artifacts as guest;

use crate::common::{Host, create_machine, ended, example, start_execution};

async fn history(host: &Host, execution: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    host.sfn
        .get_execution_history()
        .execution_arn(execution)
        .max_results(1000)
        .send()
        .await
        .unwrap()
        .events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_greet_team_example_runs_with_variables_across_its_map() {
    let host = Host::in_memory().await;
    common::deploy(&host.lambda, "greeter", guest::GREETER, None).await;
    let machine = create_machine(
        &host.sfn,
        "greet-team",
        &example("greet-team/greet-team.asl.json"),
    )
    .await;
    let input = json!({
        "team": "core",
        "requestedBy": "ops",
        "members": [
            {"name": "Ada", "active": true},
            {"name": "Bob", "active": false},
            {"name": "Cy", "active": true}
        ]
    });
    let execution = start_execution(&host.sfn, &machine, &input).await;
    let described = ended(&host.sfn, &execution).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    let greetings = ["Hello, Ada of core!", "Hello, Cy of core!"];
    let digest = hex(&Sha256::digest(greetings.join("|").as_bytes()));
    assert_eq!(
        output,
        json!({
            "team": "core",
            "greetings": greetings,
            "digest": digest,
            "greeted": 2,
            "requestedBy": "ops"
        })
    );

    // The Pass state's Exited event carries what it assigned, as JSON text.
    let events = history(&host, &execution).await;
    let remembered = events
        .iter()
        .filter_map(|e| e.state_exited_event_details())
        .find(|d| d.name() == "Remember")
        .expect("Remember exited");
    let assigned = remembered.assigned_variables().expect("assigned variables");
    assert_eq!(assigned.get("team").map(String::as_str), Some("\"core\""));
    assert_eq!(
        assigned.get("requestedBy").map(String::as_str),
        Some("\"ops\"")
    );
    assert_eq!(
        remembered
            .assigned_variables_details()
            .map(|d| d.truncated()),
        Some(false)
    );

    // Nobody active: the Fail state's Cause is an expression reading the variable.
    let quiet = json!({"team": "idle", "members": [{"name": "Bob", "active": false}]});
    let execution = start_execution(&host.sfn, &machine, &quiet).await;
    let described = ended(&host.sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("NobodyToGreet"));
    assert_eq!(described.cause(), Some("No active member in team idle"));
    host.stop().await;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_expression_is_a_query_evaluation_error_with_its_event() {
    let host = Host::in_memory().await;
    let machine = create_machine(
        &host.sfn,
        "broken",
        &json!({
            "QueryLanguage": "JSONata",
            "StartAt": "Shape",
            "States": {
                "Shape": {
                    "Type": "Pass",
                    "Output": {"total": "{% $sum($states.input.prices) + $states.input.name %}"},
                    "End": true
                }
            }
        }),
    )
    .await;
    let execution =
        start_execution(&host.sfn, &machine, &json!({"prices": [1, 2], "name": "x"})).await;
    let described = ended(&host.sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Failed);
    assert_eq!(described.error(), Some("States.QueryEvaluationError"));
    let cause = described.cause().unwrap();
    assert!(
        cause.starts_with(
            "An error occurred while executing the state 'Shape' (entered at the event id #2). \
             The JSONata expression '$sum($states.input.prices) + $states.input.name' specified \
             for the field 'Output/total'"
        ),
        "{cause}"
    );
    let events = history(&host, &execution).await;
    let kinds: Vec<_> = events.iter().map(|e| e.r#type().clone()).collect();
    assert_eq!(
        kinds,
        [
            HistoryEventType::ExecutionStarted,
            HistoryEventType::PassStateEntered,
            HistoryEventType::EvaluationFailed,
            HistoryEventType::ExecutionFailed
        ]
    );
    let details = events[2].evaluation_failed_event_details().unwrap();
    assert_eq!(details.error(), Some("States.QueryEvaluationError"));
    assert_eq!(details.state(), "Shape");

    // `$eval` is refused, and a Catch on the error name takes it.
    let machine = create_machine(
        &host.sfn,
        "no-eval",
        &json!({
            "QueryLanguage": "JSONata",
            "StartAt": "Eval",
            "States": {
                "Eval": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "nope", "Payload": "{% $eval('1 + 1') %}"},
                    "Catch": [{
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Output": {"caught": "{% $states.errorOutput.Error %}"},
                        "Next": "Caught"
                    }],
                    "End": true
                },
                "Caught": {"Type": "Succeed"}
            }
        }),
    )
    .await;
    let execution = start_execution(&host.sfn, &machine, &json!({})).await;
    let described = ended(&host.sfn, &execution).await;
    assert_eq!(described.status, ExecutionStatus::Succeeded);
    assert_eq!(
        serde_json::from_str::<Value>(described.output().unwrap()).unwrap(),
        json!({"caught": "States.QueryEvaluationError"})
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixing_the_languages_is_refused_at_create_time_with_the_path() {
    let host = Host::in_memory().await;
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Shape",
        "States": {
            "Shape": {"Type": "Pass", "InputPath": "$.a", "Output": "{% $states.input %}", "End": true}
        }
    });
    let err = host
        .sfn
        .create_state_machine()
        .name("mixed")
        .role_arn(common::ROLE)
        .definition(definition.to_string())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("InvalidDefinition"));
    let message = err.message().unwrap_or_default();
    assert!(message.contains("/States/Shape/InputPath"), "{message}");

    let broken = json!({
        "StartAt": "Shape",
        "States": {
            "Shape": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input. %}", "End": true}
        }
    });
    let err = host
        .sfn
        .create_state_machine()
        .name("broken")
        .role_arn(common::ROLE)
        .definition(broken.to_string())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("InvalidDefinition"));
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("/States/Shape/Output"),
        "{err:?}"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonpath_states_assign_and_read_variables_scoped_to_branches() {
    let host = Host::in_memory().await;
    let machine = create_machine(
        &host.sfn,
        "scoped",
        &json!({
            "StartAt": "Set",
            "States": {
                "Set": {"Type": "Pass", "Assign": {"x": 1, "items.$": "$.items"}, "Next": "Fan"},
                "Fan": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "Inner", "States": {
                        "Inner": {"Type": "Pass", "Assign": {"x": 99, "seen.$": "$x"},
                                  "Parameters": {"outer.$": "$x"}, "End": true}
                    }}],
                    "ResultSelector": {"branch.$": "$[0]"},
                    "Assign": {"fromBranch.$": "$.branch.outer"},
                    "Next": "Read"
                },
                "Read": {
                    "Type": "Pass",
                    "Parameters": {
                        "x.$": "$x",
                        "fromBranch.$": "$fromBranch",
                        "count.$": "States.ArrayLength($items)"
                    },
                    "End": true
                }
            }
        }),
    )
    .await;
    let execution = start_execution(&host.sfn, &machine, &json!({"items": [1, 2, 3]})).await;
    let described = ended(&host.sfn, &execution).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    // The branch set its own x; the outer x is still 1.
    assert_eq!(
        serde_json::from_str::<Value>(described.output().unwrap()).unwrap(),
        json!({"x": 1, "fromBranch": 1, "count": 3})
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn variables_survive_a_restart_of_the_host() {
    use std::sync::Arc;
    use stepwise::store::sqlite::SqliteStore;

    let dir = std::env::temp_dir().join(format!("stepwise-jsonata-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let open = || Arc::new(SqliteStore::open(&dir.join("db")).unwrap());
    let host = Host::start(open(), None).await;
    let machine = create_machine(
        &host.sfn,
        "durable-vars",
        &json!({
            "QueryLanguage": "JSONata",
            "StartAt": "Remember",
            "States": {
                "Remember": {
                    "Type": "Pass",
                    "Assign": {"order": "{% $states.input.order %}", "id": "{% $uuid() %}"},
                    "Next": "Sleep"
                },
                "Sleep": {"Type": "Wait", "Seconds": "{% $states.input.wait %}", "Next": "Recall"},
                "Recall": {"Type": "Pass", "Output": {"order": "{% $order %}", "id": "{% $id %}"}, "End": true}
            }
        }),
    )
    .await;
    let execution =
        start_execution(&host.sfn, &machine, &json!({"order": {"n": 7}, "wait": 2})).await;
    // Wait until the Pass state has assigned, then stop the host during the Wait.
    loop {
        let events = history(&host, &execution).await;
        if events
            .iter()
            .any(|e| e.r#type() == &HistoryEventType::WaitStateEntered)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let assigned_id = history(&host, &execution)
        .await
        .iter()
        .filter_map(|e| e.state_exited_event_details())
        .find_map(|d| d.assigned_variables().and_then(|v| v.get("id").cloned()))
        .expect("the id was assigned");
    host.stop().await;

    let host = Host::start(open(), None).await;
    let described = ended(&host.sfn, &execution).await;
    assert_eq!(
        described.status,
        ExecutionStatus::Succeeded,
        "{described:?}"
    );
    let output: Value = serde_json::from_str(described.output().unwrap()).unwrap();
    // The replayed execution has the same variables, the random $uuid() included.
    assert_eq!(output["order"], json!({"n": 7}));
    assert_eq!(
        Value::String(output["id"].as_str().unwrap().to_owned()).to_string(),
        assigned_id
    );
    host.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
