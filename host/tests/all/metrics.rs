//! `GET /metrics`: after a Standard execution with a function task, an activity task left
//! waiting, a parked execution and an SQS message sent, Prometheus's text shows each (the registry is the
//! process's, shared by the tests running beside this one: names here are this test's own).

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stepwise::store::sqlite::SqliteStore;

use crate::common::{Host, create_machine, deploy, ended, get, start_execution};

/// The value of the first line that starts with `prefix`.
fn value(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no line starting {prefix}:\n{text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_show_executions_tasks_the_store_and_queues() {
    let dir = std::env::temp_dir().join(format!("stepwise-metrics-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let host = Host::start(Arc::new(SqliteStore::open(&dir.join("db")).unwrap()), None).await;
    deploy(
        &host.lambda,
        "metrics-echo",
        stepwise_test_artifacts::ECHO,
        None,
    )
    .await;
    let machine = create_machine(
        &host.sfn,
        "metrics-m",
        &json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:metrics-echo",
            "Next": "P"}, "P": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let arn = start_execution(&host.sfn, &machine, &json!({})).await;
    ended(&host.sfn, &arn).await;

    // An activity task nobody takes, and a message nobody reads.
    let activity = host
        .sfn
        .create_activity()
        .name("metrics-queue")
        .send()
        .await
        .unwrap()
        .activity_arn;
    let waiting = create_machine(
        &host.sfn,
        "metrics-waiting",
        &json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity, "End": true}}}),
    )
    .await;
    start_execution(&host.sfn, &waiting, &json!({})).await;
    // A long Wait parks its execution.
    let sleeper = create_machine(
        &host.sfn,
        "metrics-sleeper",
        &json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}),
    )
    .await;
    start_execution(&host.sfn, &sleeper, &json!({})).await;
    let queue = host
        .sqs
        .create_queue()
        .queue_name("metrics-q")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    host.sqs
        .send_message()
        .queue_url(queue)
        .message_body("hello")
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;

    let text = get(&host.endpoint, "/metrics").await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("content-type: text/plain; version=0.0.4"),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"stepwise_executions_started_total{machine="metrics-m",kind="STANDARD"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"stepwise_executions_ended_total{machine="metrics-m",kind="STANDARD",status="SUCCEEDED"}"#
        ),
        1.0
    );
    assert!(value(&text, "stepwise_state_transitions_total") >= 3.0);
    assert!(
        value(
            &text,
            r#"stepwise_task_seconds_count{resource="lambda",outcome="succeeded"}"#
        ) >= 1.0
    );
    assert!(value(&text, "stepwise_wasm_instantiation_seconds_count") >= 1.0);
    assert!(value(&text, "stepwise_store_commit_seconds_count") >= 1.0);
    assert!(value(&text, "stepwise_store_commit_batches_count") >= 1.0);
    assert_eq!(
        value(
            &text,
            r#"stepwise_activity_tasks_waiting{name="metrics-queue"}"#
        ),
        1.0
    );
    assert_eq!(
        value(&text, r#"stepwise_sqs_messages_visible{name="metrics-q"}"#),
        1.0
    );
    assert!(value(&text, "stepwise_parked_executions") >= 1.0);
    host.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
