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
