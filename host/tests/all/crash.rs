//! The crash test: executions parked in Wait states, the server killed with SIGKILL, started
//! again on the same data directory. Each execution must complete exactly once, with the right
//! output, on its original deadline, and with a history that has no gap and no duplicate.

use crate::common;

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::{Value, json};

const EXECUTIONS: usize = 60;
const WAIT_SECONDS: u64 = 4;
/// How long the host stays down. Longer than the lateness the deadline check allows (1.5 s), so
/// that a Wait which started over at the restart would be seen to end late.
const DOWN_SECONDS: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_survive_sigkill_and_complete_exactly_once() {
    let dir = std::env::temp_dir().join(format!("stepwise-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut server, endpoint) = common::serve(&dir, &[]);
    let sfn = common::sfn_client(&endpoint);
    let definition = json!({"StartAt": "Before", "States": {
        "Before": {"Type": "Pass", "Result": "before", "ResultPath": "$.before", "Next": "Park"},
        "Park": {"Type": "Wait", "Seconds": WAIT_SECONDS, "Next": "After"},
        "After": {"Type": "Pass", "Result": "after", "ResultPath": "$.after", "End": true}}});
    let machine = common::create_machine(&sfn, "parked", &definition).await;
    let mut arns = Vec::new();
    for i in 0..EXECUTIONS {
        let started = sfn
            .start_execution()
            .state_machine_arn(&machine)
            .name(format!("e{i}"))
            .input(json!({"i": i}).to_string())
            .send()
            .await
            .unwrap();
        arns.push(started.execution_arn);
    }
    // Every start was acknowledged, so every one is on disk: kill without warning.
    server.kill().unwrap();
    server.wait().unwrap();
    let killed_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(DOWN_SECONDS)).await;

    let (mut server, endpoint) = common::serve(&dir, &[]);
    let restarted = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let sfn = common::sfn_client(&endpoint);
    for (i, arn) in arns.iter().enumerate() {
        let done = loop {
            let d = sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .unwrap();
            if d.status != ExecutionStatus::Running {
                break d;
            }
            assert!(
                killed_at.elapsed() < Duration::from_secs(60),
                "{arn} never finished"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(done.status, ExecutionStatus::Succeeded, "{arn}");
        let output: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
        assert_eq!(
            output,
            json!({"i": i, "before": "before", "after": "after"})
        );

        let history = sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .send()
            .await
            .unwrap()
            .events;
        common::assert_no_gap(&history, arn);
        use HistoryEventType::*;
        let types: Vec<HistoryEventType> = history.iter().map(|e| e.r#type.clone()).collect();
        assert_eq!(
            types,
            vec![
                ExecutionStarted,
                PassStateEntered,
                PassStateExited,
                WaitStateEntered,
                WaitStateExited,
                PassStateEntered,
                PassStateExited,
                ExecutionSucceeded
            ],
            "{arn}"
        );
        // The Wait kept its absolute deadline: it ended at that deadline, or at the restart if
        // the deadline passed while the host was down; had it started over, it would end a whole
        // Wait after the restart.
        let entered = history[3].timestamp.as_secs_f64();
        let exited = history[4].timestamp.as_secs_f64();
        let deadline = entered + WAIT_SECONDS as f64;
        assert!(exited >= deadline - 0.01, "{arn} left its Wait early");
        assert!(
            exited < deadline.max(restarted) + 1.5,
            "{arn} left its Wait {:.2} s after its deadline, {:.2} s after the restart",
            exited - deadline,
            exited - restarted
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Distributed Map whose Standard children wait, the server killed with SIGKILL while some
/// run and others have not started: after the restart the parent waits for the same children
/// (not new ones), starts the rest, and ends with every item's result; each child ran once,
/// with a gap-free history of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_runs_children_survive_sigkill_and_run_once() {
    let dir = std::env::temp_dir().join(format!("stepwise-crash-map-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut server, endpoint) = common::serve(&dir, &[]);
    let sfn = common::sfn_client(&endpoint);
    let definition = json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "Label": "Items", "MaxConcurrency": 3, "End": true,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Park",
            "States": {
                "Park": {"Type": "Wait", "Seconds": 2, "Next": "Mark"},
                "Mark": {"Type": "Pass", "Parameters": {"item.$": "$", "done": true}, "End": true}
            }
        }
    }}});
    let machine = common::create_machine(&sfn, "parked-map", &definition).await;
    let items: Vec<Value> = (0..6).map(|i| json!({"i": i})).collect();
    let parent = common::start_execution(&sfn, &machine, &json!(items)).await;
    // Wait for the first children to be durable, then kill without warning.
    let map_run = loop {
        let runs = sfn
            .list_map_runs()
            .execution_arn(&parent)
            .send()
            .await
            .unwrap()
            .map_runs;
        if let Some(run) = runs.first() {
            let children = sfn
                .list_executions()
                .map_run_arn(&run.map_run_arn)
                .send()
                .await
                .unwrap()
                .executions;
            if children.len() == 3 {
                break run.map_run_arn.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    server.kill().unwrap();
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let (mut server, endpoint) = common::serve(&dir, &[]);
    let sfn = common::sfn_client(&endpoint);
    // On a timeout, what the parent and its children show says where it stood.
    let deadline = Instant::now() + Duration::from_secs(60);
    let d = loop {
        let d = sfn
            .describe_execution()
            .execution_arn(&parent)
            .send()
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            break d;
        }
        if Instant::now() > deadline {
            let h = sfn
                .get_execution_history()
                .execution_arn(&parent)
                .send()
                .await
                .unwrap()
                .events;
            eprintln!(
                "parent: {:?}",
                h.iter().map(|e| e.r#type.clone()).collect::<Vec<_>>()
            );
            for c in sfn
                .list_executions()
                .map_run_arn(&map_run)
                .send()
                .await
                .unwrap()
                .executions
            {
                let h = sfn
                    .get_execution_history()
                    .execution_arn(&c.execution_arn)
                    .send()
                    .await
                    .unwrap()
                    .events;
                eprintln!(
                    "child {:?}: {:?}",
                    c.status,
                    h.iter().map(|e| e.r#type.clone()).collect::<Vec<_>>()
                );
            }
            panic!("the parent did not end");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{:?}", d.cause);
    let output: Vec<Value> = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    let expected: Vec<Value> = items
        .iter()
        .map(|item| json!({"item": item, "done": true}))
        .collect();
    assert_eq!(output, expected);
    let children = sfn
        .list_executions()
        .map_run_arn(&map_run)
        .send()
        .await
        .unwrap()
        .executions;
    assert_eq!(children.len(), 6, "one child per item, none twice");
    let mut inputs = Vec::new();
    for child in &children {
        assert_eq!(child.status, ExecutionStatus::Succeeded);
        let history = sfn
            .get_execution_history()
            .execution_arn(&child.execution_arn)
            .send()
            .await
            .unwrap()
            .events;
        common::assert_no_gap(&history, &child.execution_arn);
        assert_eq!(
            history.len(),
            6,
            "{:?}",
            history.iter().map(|e| e.r#type.clone()).collect::<Vec<_>>()
        );
        let d = sfn
            .describe_execution()
            .execution_arn(&child.execution_arn)
            .send()
            .await
            .unwrap();
        inputs.push(d.input.unwrap());
    }
    inputs.sort();
    inputs.dedup();
    assert_eq!(inputs.len(), 6, "every item ran in its own child");
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Distributed Map reading a JSON Lines object of several pages (ranged reads of S3, moto's),
/// the server killed with SIGKILL while pages are being read and children run: after the
/// restart the parent replays the pages it read, reads on from where it stood, and ends with
/// every item's result once, in order, its history without a gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_reading_pages_survives_sigkill_and_gives_each_item_once() {
    const N: usize = 2_000;
    let moto = crate::moto::moto();
    let s3 = crate::aws_sdk::S3::new(moto);
    let bucket = "crash-pages";
    s3.call("createBucket", json!({"Bucket": bucket})).await;
    let pad = "p".repeat(600);
    let lines: String = (0..N)
        .map(|n| format!("{{\"n\":{n},\"pad\":\"{pad}\"}}\n"))
        .collect();
    assert!(lines.len() > 4 * 256 * 1024, "several pages");
    s3.call(
        "putObject",
        json!({"Bucket": bucket, "Key": "items.jsonl", "Body": lines}),
    )
    .await;
    let env = [
        ("AWS_ENDPOINT_URL", moto),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ];
    let dir = std::env::temp_dir().join(format!("stepwise-crash-pages-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut server, endpoint) = common::serve_with_env(&dir, &[], &env);
    let sfn = common::sfn_client(&endpoint);
    let definition = json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "Label": "Pages", "MaxConcurrency": 200, "End": true,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "JSONL"},
                       "Parameters": {"Bucket": bucket, "Key": "items.jsonl"}},
        "ItemSelector": {"n.$": "$$.Map.Item.Value.n", "i.$": "$$.Map.Item.Index"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "Slow",
            "States": {"Slow": {"Type": "Wait", "Seconds": 1, "End": true}}
        }
    }}});
    let machine = common::create_machine(&sfn, "paged-map", &definition).await;
    let parent = common::start_execution(&sfn, &machine, &json!({})).await;
    // Kill once some children ended and most items are still to come.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let runs = sfn
            .list_map_runs()
            .execution_arn(&parent)
            .send()
            .await
            .unwrap()
            .map_runs;
        if let Some(run) = runs.first() {
            let d = sfn
                .describe_map_run()
                .map_run_arn(&run.map_run_arn)
                .send()
                .await
                .unwrap();
            let done = d.execution_counts.map_or(0, |c| c.succeeded);
            if done >= 200 {
                assert!(done < N as i64 / 2, "killed before the half: {done}");
                break;
            }
        }
        assert!(Instant::now() < deadline, "the Map Run did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let (mut server, endpoint) = common::serve_with_env(&dir, &[], &env);
    let sfn = common::sfn_client(&endpoint);
    let deadline = Instant::now() + Duration::from_secs(90);
    let d = loop {
        let d = sfn
            .describe_execution()
            .execution_arn(&parent)
            .send()
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            break d;
        }
        assert!(Instant::now() < deadline, "the parent did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(d.status, ExecutionStatus::Succeeded, "{:?}", d.cause);
    let output: Vec<Value> = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    let expected: Vec<Value> = (0..N).map(|n| json!({"n": n, "i": n})).collect();
    assert!(output == expected, "every item once, in order");
    let history = sfn
        .get_execution_history()
        .execution_arn(&parent)
        .max_results(1000)
        .send()
        .await
        .unwrap()
        .events;
    common::assert_no_gap(&history, &parent);
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
