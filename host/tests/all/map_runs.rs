//! Distributed Maps whose iterations are child executions of their own: Standard children
//! durable and listed under their Map Run, each with its own history and description, Express
//! children run in memory; tolerated failures counted over the children.

use aws_sdk_sfn::types::{ExecutionListItem, ExecutionStatus, MapRunListItem, MapRunStatus};
use serde_json::{Value, json};

use crate::common::{Host, create_machine, ended, start_execution};

/// A Distributed Map over `items` whose children fail on `{"fail": true}`.
fn machine(execution_type: &str, extra: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "Label": "Items",
        "MaxConcurrency": 2,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
            "StartAt": "Check",
            "States": {
                "Check": {"Type": "Choice",
                          "Choices": [{"Variable": "$.fail", "IsPresent": true, "Next": "Boom"}],
                          "Default": "Double"},
                "Boom": {"Type": "Fail", "Error": "Item.Bad", "Cause": "this item fails"},
                "Double": {"Type": "Pass", "Parameters": {"n.$": "$.n", "twice.$": "States.MathAdd($.n, $.n)",
                                                          "machine.$": "$$.StateMachine.Name"},
                           "End": true}
            }
        },
        "End": true
    });
    map.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"StartAt": "Map", "States": {"Map": map}})
}

/// The child executions listed under Map Run `map_run_arn`.
async fn children(host: &Host, map_run_arn: &str) -> Vec<ExecutionListItem> {
    host.sfn
        .list_executions()
        .map_run_arn(map_run_arn)
        .send()
        .await
        .unwrap()
        .executions
}

/// The first Map Run of `parent`.
async fn first_map_run(host: &Host, parent: &str) -> Option<MapRunListItem> {
    host.sfn
        .list_map_runs()
        .execution_arn(parent)
        .send()
        .await
        .unwrap()
        .map_runs
        .into_iter()
        .next()
}

/// DescribeMapRun of `map_run_arn`.
async fn describe(
    host: &Host,
    map_run_arn: &str,
) -> aws_sdk_sfn::operation::describe_map_run::DescribeMapRunOutput {
    host.sfn
        .describe_map_run()
        .map_run_arn(map_run_arn)
        .send()
        .await
        .unwrap()
}

async fn history_types(host: &Host, arn: &str) -> Vec<String> {
    host.sfn
        .get_execution_history()
        .execution_arn(arn)
        .send()
        .await
        .unwrap()
        .events
        .iter()
        .map(|e| e.r#type.as_str().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_children_are_executions_of_their_own_listed_under_the_map_run() {
    let host = Host::in_memory().await;
    let definition = machine("STANDARD", json!({"ToleratedFailureCount": 1}));
    let machine_arn = create_machine(&host.sfn, "orders", &definition).await;
    let items = json!([{"n": 1}, {"n": 2, "fail": true}, {"n": 3}]);
    let parent = start_execution(&host.sfn, &machine_arn, &items).await;
    let d = ended(&host.sfn, &parent).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{:?}", d.cause);
    let output: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output[0],
        json!({"n": 1, "twice": 2, "machine": "orders/Items"})
    );
    assert_eq!(
        output[1],
        json!({"Error": "Item.Bad", "Cause": "this item fails"})
    );
    assert_eq!(output[2]["twice"], 6);
    // The parent's history shows the Map Run, not the iterations.
    assert_eq!(
        history_types(&host, &parent).await,
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let history = host
        .sfn
        .get_execution_history()
        .execution_arn(&parent)
        .send()
        .await
        .unwrap();
    let map_run_arn = history
        .events
        .iter()
        .find_map(|e| e.map_run_started_event_details.as_ref())
        .and_then(|d| d.map_run_arn.clone())
        .unwrap();
    assert!(
        map_run_arn.contains(":mapRun:orders/Items:"),
        "{map_run_arn}"
    );

    // Its children, listed by the Map Run and not with the machine's executions.
    let children = children(&host, &map_run_arn).await;
    assert_eq!(children.len(), 3);
    let mut statuses: Vec<&str> = children.iter().map(|c| c.status.as_str()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["FAILED", "SUCCEEDED", "SUCCEEDED"]);
    for child in &children {
        assert_eq!(child.map_run_arn.as_deref(), Some(map_run_arn.as_str()));
        assert!(
            child
                .state_machine_arn
                .ends_with(":stateMachine:orders/Items")
        );
    }
    let listed = host
        .sfn
        .list_executions()
        .state_machine_arn(&machine_arn)
        .send()
        .await
        .unwrap()
        .executions;
    assert_eq!(listed.len(), 1, "only the parent is the machine's");

    // Each child has its own description and history.
    let failed = children
        .iter()
        .find(|c| c.status == ExecutionStatus::Failed)
        .unwrap();
    let described = host
        .sfn
        .describe_execution()
        .execution_arn(&failed.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(described.error.as_deref(), Some("Item.Bad"));
    assert_eq!(described.map_run_arn.as_deref(), Some(map_run_arn.as_str()));
    let input: Value = serde_json::from_str(described.input.as_deref().unwrap()).unwrap();
    assert_eq!(input, json!({"n": 2, "fail": true}));
    assert_eq!(
        history_types(&host, &failed.execution_arn).await,
        [
            "ExecutionStarted",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "FailStateEntered",
            "ExecutionFailed"
        ]
    );

    // The Map Run, as ListMapRuns and DescribeMapRun tell it.
    let runs = host
        .sfn
        .list_map_runs()
        .execution_arn(&parent)
        .send()
        .await
        .unwrap()
        .map_runs;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].map_run_arn, map_run_arn);
    assert_eq!(runs[0].execution_arn, parent);
    assert!(
        runs[0]
            .state_machine_arn
            .ends_with(":stateMachine:orders/Items")
    );
    assert!(runs[0].stop_date.is_some());
    let run = describe(&host, &map_run_arn).await;
    assert_eq!(run.status, MapRunStatus::Succeeded);
    assert_eq!(run.execution_arn, parent);
    assert_eq!(run.max_concurrency, 2);
    assert_eq!(run.tolerated_failure_count, 1);
    let counts = run.execution_counts.unwrap();
    assert_eq!(
        (
            counts.total,
            counts.succeeded,
            counts.failed,
            counts.running,
            counts.results_written
        ),
        (3, 2, 1, 0, 3)
    );
    assert_eq!(run.item_counts.unwrap().total, 3);
    let missing = host
        .sfn
        .describe_map_run()
        .map_run_arn(format!("{map_run_arn}0"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(missing.is_resource_not_found(), "{missing:?}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn express_children_run_in_memory_and_too_many_failures_fail_the_map_run() {
    let store: std::sync::Arc<dyn stepwise::store::Store> =
        std::sync::Arc::new(stepwise::store::memory::MemoryStore::new());
    let host = Host::start(store.clone(), None).await;
    let definition = machine("EXPRESS", json!({}));
    let machine_arn = create_machine(&host.sfn, "express-children", &definition).await;
    let items: Vec<Value> = (1..=20).map(|n| json!({"n": n})).collect();
    let parent = start_execution(&host.sfn, &machine_arn, &json!(items)).await;
    let d = ended(&host.sfn, &parent).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{:?}", d.cause);
    let output: Vec<Value> = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    let twice: Vec<i64> = output
        .iter()
        .map(|o| o["twice"].as_i64().unwrap())
        .collect();
    assert_eq!(
        twice,
        (1..=20).map(|n| 2 * n).collect::<Vec<_>>(),
        "in item order"
    );
    // Express children are counted, not listed.
    let map_run_arn = &first_map_run(&host, &parent).await.unwrap().map_run_arn;
    let run = describe(&host, map_run_arn).await;
    let counts = run.execution_counts.unwrap();
    assert_eq!((counts.total, counts.succeeded), (20, 20));
    let listed = children(&host, map_run_arn).await;
    assert!(listed.is_empty(), "Express children keep no record");
    // Another host over the same store (this one restarted) counts them from the parent's
    // steps.
    host.stop().await;
    let host = Host::start(store, None).await;
    let run = describe(&host, map_run_arn).await;
    let counts = run.execution_counts.unwrap();
    assert_eq!(
        (counts.total, counts.succeeded, counts.running),
        (20, 20, 0)
    );
    assert_eq!(run.item_counts.unwrap().succeeded, 20);

    // One failure more than tolerated (none): the Map Run fails, and so the execution.
    let parent = start_execution(&host.sfn, &machine_arn, &json!([{"n": 1}, {"fail": true}])).await;
    let d = ended(&host.sfn, &parent).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(
        d.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let types = history_types(&host, &parent).await;
    assert!(types.contains(&"MapRunFailed".to_owned()), "{types:?}");
    host.stop().await;
}

/// RedriveExecution of a parent whose Map Run failed redrives only the child that failed (the
/// same execution goes on, its redriveCount 1) and starts those that never ran; the parent's
/// history shows MapRunRedriven, and the Map Run ends SUCCEEDED.
#[tokio::test(flavor = "multi_thread")]
async fn a_redrive_redrives_the_failed_child_executions_only() {
    let host = Host::in_memory().await;
    let definition = json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "Label": "Flaky", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "FirstTime",
            // A flaky item matches no rule the first time (States.NoChoiceMatched); a redrive
            // enters this state again, and then it does.
            "States": {
                "FirstTime": {"Type": "Choice", "Choices": [
                    {"Variable": "$.flaky", "IsPresent": false, "Next": "Done"},
                    {"Variable": "$$.Execution.RedriveCount", "NumericGreaterThan": 0, "Next": "Done"}]},
                "Done": {"Type": "Pass", "End": true}
            }
        }
    }}});
    let machine_arn = create_machine(&host.sfn, "flaky-children", &definition).await;
    let items = json!([{"n": 1}, {"n": 2, "flaky": true}, {"n": 3}]);
    let parent = start_execution(&host.sfn, &machine_arn, &items).await;
    let d = ended(&host.sfn, &parent).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(
        d.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let map_run_arn = first_map_run(&host, &parent).await.unwrap().map_run_arn;
    let before = children(&host, &map_run_arn).await;
    assert_eq!(before.len(), 2, "the third item never started");
    let counts = describe(&host, &map_run_arn)
        .await
        .execution_counts
        .unwrap();
    assert_eq!(
        (
            counts.total,
            counts.succeeded,
            counts.failed,
            counts.pending
        ),
        (3, 1, 1, 1)
    );

    host.sfn
        .redrive_execution()
        .execution_arn(&parent)
        .send()
        .await
        .unwrap();
    let d = ended(&host.sfn, &parent).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{:?}", d.cause);
    let output: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, items);
    let types = history_types(&host, &parent).await;
    assert!(types.contains(&"MapRunRedriven".to_owned()), "{types:?}");
    assert_eq!(types.last().map(String::as_str), Some("ExecutionSucceeded"));

    let after = children(&host, &map_run_arn).await;
    assert_eq!(after.len(), 3, "one new child: the one that never ran");
    let flaky = before
        .iter()
        .find(|c| c.status == ExecutionStatus::Failed)
        .unwrap();
    let redriven = after
        .iter()
        .find(|c| c.execution_arn == flaky.execution_arn)
        .unwrap();
    assert_eq!(redriven.status, ExecutionStatus::Succeeded);
    assert_eq!(redriven.redrive_count, Some(1));
    let run = describe(&host, &map_run_arn).await;
    assert_eq!(run.status, MapRunStatus::Succeeded);
    assert_eq!(run.execution_counts.unwrap().succeeded, 3);
    host.stop().await;
}

/// UpdateMapRun applies to the running Map Run: with MaxConcurrency raised from 1 to 3, the
/// items waiting start at once; DescribeMapRun tells the new settings; a Map Run that ended
/// takes no update.
#[tokio::test(flavor = "multi_thread")]
async fn update_map_run_changes_the_running_map_run() {
    let host = Host::in_memory().await;
    let activity = host
        .sfn
        .create_activity()
        .name("never-answered")
        .send()
        .await
        .unwrap()
        .activity_arn;
    let definition = json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "Label": "Slow", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Task", "Resource": activity, "End": true}}
        }
    }}});
    let machine_arn = create_machine(&host.sfn, "slow-children", &definition).await;
    let parent = start_execution(&host.sfn, &machine_arn, &json!([1, 2, 3])).await;
    let map_run_arn = loop {
        if let Some(run) = first_map_run(&host, &parent).await {
            break run.map_run_arn;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let mut started = 0;
    for _ in 0..100 {
        started = children(&host, &map_run_arn).await.len();
        if started > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(started, 1, "one at a time");
    let counts = describe(&host, &map_run_arn)
        .await
        .execution_counts
        .unwrap();
    assert_eq!(
        (counts.total, counts.running, counts.pending),
        (3, 1, 2),
        "two items wait"
    );

    host.sfn
        .update_map_run()
        .map_run_arn(&map_run_arn)
        .max_concurrency(3)
        .tolerated_failure_count(2)
        .send()
        .await
        .unwrap();
    for _ in 0..100 {
        started = children(&host, &map_run_arn).await.len();
        if started == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(started, 3, "the waiting items started");
    let run = describe(&host, &map_run_arn).await;
    assert_eq!(run.status, MapRunStatus::Running);
    assert_eq!((run.max_concurrency, run.tolerated_failure_count), (3, 2));
    assert_eq!(run.execution_counts.unwrap().running, 3);

    host.sfn
        .stop_execution()
        .execution_arn(&parent)
        .send()
        .await
        .unwrap();
    ended(&host.sfn, &parent).await;
    // Its children were stopped with it.
    for child in children(&host, &map_run_arn).await {
        let d = ended(&host.sfn, &child.execution_arn).await;
        assert_eq!(d.status, ExecutionStatus::Aborted);
    }
    let refused = host
        .sfn
        .update_map_run()
        .map_run_arn(&map_run_arn)
        .max_concurrency(5)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(refused.to_string().contains("not running"), "{refused:?}");
    let negative = host
        .sfn
        .update_map_run()
        .map_run_arn(&map_run_arn)
        .max_concurrency(-1)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(negative.is_validation_exception(), "{negative:?}");
    host.stop().await;
}
