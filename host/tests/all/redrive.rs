//! RedriveExecution through the AWS SDK for Rust: a task that timed out runs again and
//! completes, across a restart; a Map redrives only its iterations that did not succeed;
//! the fields and refusals AWS answers with.

use std::sync::Arc;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionRedriveFilter, ExecutionStatus, HistoryEventType};
use serde_json::{Value, json};
use stepwise::store::sqlite::SqliteStore;

use crate::common::{Host, create_machine, ended, start_execution};

/// RedriveExecution of `arn`: its answer, or the service's error.
async fn redrive(
    host: &Host,
    arn: &str,
) -> Result<
    aws_sdk_sfn::operation::redrive_execution::RedriveExecutionOutput,
    aws_sdk_sfn::operation::redrive_execution::RedriveExecutionError,
> {
    host.sfn
        .redrive_execution()
        .execution_arn(arn)
        .send()
        .await
        .map_err(|e| e.into_service_error())
}

async fn history(host: &Host, arn: &str) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    host.sfn
        .get_execution_history()
        .execution_arn(arn)
        .send()
        .await
        .unwrap()
        .events
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_task_runs_again_and_the_redrive_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("stepwise-redrive-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let open = || Arc::new(SqliteStore::open(&dir.join("db")).unwrap());
    let host = Host::start(open(), None).await;
    let activity = host
        .sfn
        .create_activity()
        .name("approve")
        .send()
        .await
        .unwrap()
        .activity_arn;
    let definition = json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"prepared": true}, "ResultPath": "$.prep",
                    "Next": "Approve"},
        "Approve": {"Type": "Task", "Resource": activity, "TimeoutSeconds": 1, "End": true}
    }});
    let machine = create_machine(&host.sfn, "approval", &definition).await;
    let arn = start_execution(&host.sfn, &machine, &json!({"order": 7})).await;
    // Nobody takes the activity within a second: the state times out, the execution fails.
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.Timeout"));
    assert_eq!(d.redrive_count, Some(0));
    assert_eq!(
        d.redrive_status.as_ref().map(|s| s.as_str()),
        Some("REDRIVABLE")
    );

    let redriven = redrive(&host, &arn).await.unwrap();
    let d = host
        .sfn
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status, ExecutionStatus::Running);
    assert_eq!(d.redrive_count, Some(1));
    assert_eq!(d.redrive_date, Some(redriven.redrive_date));
    // Running again: a second redrive is refused.
    let e = redrive(&host, &arn).await.unwrap_err();
    assert_eq!(e.code(), Some("ExecutionNotRedrivable"), "{e:?}");

    // The host stops with the redriven task waiting; the next one goes on with it.
    host.stop().await;
    let host = Host::start(open(), None).await;
    let task = host
        .sfn
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .unwrap();
    let input: Value = serde_json::from_str(task.input.as_deref().unwrap()).unwrap();
    // The state gets the input it had the first time.
    assert_eq!(input, json!({"order": 7, "prep": {"prepared": true}}));
    host.sfn
        .send_task_success()
        .task_token(task.task_token.unwrap())
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .unwrap();
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{d:?}");
    assert_eq!(d.output.as_deref(), Some(r#"{"approved":true}"#));
    assert_eq!(
        d.redrive_status.as_ref().map(|s| s.as_str()),
        Some("NOT_REDRIVABLE")
    );
    assert_eq!(
        d.redrive_status_reason.as_deref(),
        Some("Execution is SUCCEEDED and cannot be redriven")
    );
    let events = history(&host, &arn).await;
    let types: Vec<_> = events.iter().map(|e| e.r#type.clone()).collect();
    let redrive_at = types
        .iter()
        .position(|t| *t == HistoryEventType::ExecutionRedriven)
        .expect("an ExecutionRedriven event");
    assert_eq!(types[redrive_at - 1], HistoryEventType::ExecutionFailed);
    assert_eq!(types[redrive_at + 1], HistoryEventType::TaskStateEntered);
    // The Pass state before the failure is not run again.
    let passes = types
        .iter()
        .filter(|t| **t == HistoryEventType::PassStateEntered)
        .count();
    assert_eq!(passes, 1);
    assert_eq!(
        events[redrive_at]
            .execution_redriven_event_details
            .as_ref()
            .map(|d| d.redrive_count),
        Some(Some(1))
    );
    crate::common::assert_no_gap(&events, &arn);

    // Listed as redriven; a succeeded execution cannot be redriven; nor one that is not.
    let listed = host
        .sfn
        .list_executions()
        .state_machine_arn(&machine)
        .redrive_filter(ExecutionRedriveFilter::Redriven)
        .send()
        .await
        .unwrap()
        .executions;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].redrive_count, Some(1));
    let e = redrive(&host, &arn).await.unwrap_err();
    assert_eq!(e.code(), Some("ExecutionNotRedrivable"));
    assert_eq!(
        e.message(),
        Some("Execution is SUCCEEDED and cannot be redriven")
    );
    let e = redrive(&host, &format!("{arn}-nope")).await.unwrap_err();
    assert_eq!(e.code(), Some("ExecutionDoesNotExist"));
    host.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Map whose second iteration fails at a Choice (only before a redrive: the Choice reads
/// `$$.Execution.RedriveCount`): the redrive enters that Choice again in that iteration,
/// starts the iteration never started, and keeps the first one's result.
#[tokio::test(flavor = "multi_thread")]
async fn a_map_redrives_only_the_iterations_that_did_not_succeed() {
    let host = Host::in_memory().await;
    let definition = json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "Check", "States": {
            "Check": {"Type": "Choice", "Choices": [{"Not": {"And": [
                {"Variable": "$", "NumericEquals": 2},
                {"Variable": "$$.Execution.RedriveCount", "NumericEquals": 0}]},
                "Next": "Done"}]},
            "Done": {"Type": "Pass",
                     "Parameters": {"item.$": "$", "redrives.$": "$$.Execution.RedriveCount"},
                     "End": true}
        }}
    }}});
    let machine = create_machine(&host.sfn, "items", &definition).await;
    let arn = start_execution(&host.sfn, &machine, &json!([1, 2, 3])).await;
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.NoChoiceMatched"));
    redrive(&host, &arn).await.unwrap();
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(
        d.status,
        ExecutionStatus::Succeeded,
        "{:?} {:#?}",
        d.error,
        history(&host, &arn).await
    );
    let output: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output,
        json!([
            {"item": 1, "redrives": 0},
            {"item": 2, "redrives": 1},
            {"item": 3, "redrives": 1}
        ])
    );
    let events = history(&host, &arn).await;
    let count = |t: HistoryEventType| events.iter().filter(|e| e.r#type == t).count();
    // Item 1 ran once; item 2 failed, then finished after the redrive; item 3 ran after it.
    assert_eq!(count(HistoryEventType::MapIterationSucceeded), 3);
    assert_eq!(count(HistoryEventType::MapIterationFailed), 1);
    assert_eq!(count(HistoryEventType::ExecutionRedriven), 1);
    crate::common::assert_no_gap(&events, &arn);
    host.stop().await;
}

/// A stopped execution and one that ran past its TimeoutSeconds go on from the state they
/// were in; the machine's timeout starts again (AWS resets it).
#[tokio::test(flavor = "multi_thread")]
async fn stopped_and_timed_out_executions_can_be_redriven() {
    let host = Host::in_memory().await;
    let definition = json!({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Result": 1, "ResultPath": "$.first", "Next": "Nap"},
        "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}
    }});
    let machine = create_machine(&host.sfn, "napper", &definition).await;
    let arn = start_execution(&host.sfn, &machine, &json!({})).await;
    host.sfn
        .stop_execution()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::Aborted);
    redrive(&host, &arn).await.unwrap();
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{d:?}");
    assert_eq!(d.output.as_deref(), Some(r#"{"first":1}"#));
    let events = history(&host, &arn).await;
    let entered = |t: HistoryEventType| events.iter().filter(|e| e.r#type == t).count();
    assert_eq!(
        entered(HistoryEventType::PassStateEntered),
        2,
        "First once, Done once"
    );
    assert_eq!(entered(HistoryEventType::WaitStateEntered), 2);

    // TimeoutSeconds 1 with a 2 s Wait: timed out; the redrive's own second runs out too,
    // which shows the timeout was armed again.
    let slow = json!({"TimeoutSeconds": 1, "StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 2, "End": true}}});
    let machine = create_machine(&host.sfn, "slow", &slow).await;
    let arn = start_execution(&host.sfn, &machine, &json!({})).await;
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::TimedOut);
    redrive(&host, &arn).await.unwrap();
    let d = ended(&host.sfn, &arn).await;
    assert_eq!(d.status, ExecutionStatus::TimedOut);
    assert_eq!(d.redrive_count, Some(1));
    host.stop().await;
}
