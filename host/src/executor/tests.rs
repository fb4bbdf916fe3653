//! The driver and the replay of stored steps, on an in-memory store.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::durable::{ReplayError, replay};
use super::{Clock, Ended, Heartbeat, Journal, Run, TaskFuture, TaskOutcome, TaskRunner, drive};
use crate::asl::validate;
use crate::interp::{Event, Execution, ExecutionInfo, Program, TaskRequest};
use crate::store::memory::MemoryStore;
use crate::store::{ExecutionRecord, ExecutionStatus, StepRecord, Store, Write};

/// Counts invocations; answers each with its input, or never when `hang` is set.
struct Counting {
    calls: AtomicUsize,
    hang: bool,
}

impl TaskRunner for Counting {
    fn run(&self, request: TaskRequest, _: Heartbeat) -> TaskFuture {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let hang = self.hang;
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            TaskOutcome::Succeeded(json!({"echo": request.input}))
        })
    }
}

fn execution() -> (Execution, ExecutionRecord) {
    let definition = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::example:work", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 1, "End": true}}});
    let machine = validate::parse_definition(definition.to_string().as_bytes()).unwrap();
    let program = Arc::new(Program::compile(&machine).unwrap());
    let info = ExecutionInfo::local("m", "e", json!({"n": 1}), 1_000);
    let record = ExecutionRecord {
        seq: 1,
        arn: info.id.clone(),
        name: "e".into(),
        machine_arn: info.state_machine_id.clone(),
        definition_id: "d".into(),
        role_arn: info.role_arn.clone(),
        seed: 7,
        status: ExecutionStatus::Running,
        input: "{\"n\":1}".into(),
        output: None,
        error: None,
        cause: None,
        start_ms: 1_000,
        stop_ms: None,
        test_case: None,
        version_arn: None,
        alias_arn: None,
        redrive_count: 0,
        redrive_ms: None,
        map_run: None,
    };
    (Execution::new(program, info, 7), record)
}

fn stored_steps(store: &MemoryStore) -> Vec<StepRecord> {
    store.load().unwrap().running.remove(0).1
}

#[tokio::test(start_paused = true)]
async fn a_task_whose_result_was_not_recorded_runs_again_after_a_crash() {
    let store = Arc::new(MemoryStore::new());
    let (exec, record) = execution();
    let hanging = Arc::new(Counting {
        calls: AtomicUsize::new(0),
        hang: true,
    });
    let run = Run {
        runner: hanging.clone(),
        clock: Clock::starting_at(1_000),
        journal: Some(Journal {
            store: store.clone(),
            record: record.clone(),
            first_writes: vec![Write::PutExecution(record.clone())],
        }),
        resume: None,
        park_after: None,
        wait_time_scale: 1.0,
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let (started_tx, started_rx) = oneshot::channel();
    let mut exec = exec;
    let driver =
        tokio::spawn(async move { drive(&mut exec, run, Some(rx), Some(started_tx)).await });
    started_rx.await.unwrap().unwrap();
    tokio::task::yield_now().await;
    assert_eq!(hanging.calls.load(Ordering::SeqCst), 1);
    // The host dies while the task runs: nothing of its result was recorded.
    driver.abort();
    drop(tx);

    let steps = stored_steps(&store);
    let (mut exec, record) = execution();
    let outstanding = replay(&mut exec, &steps).unwrap();
    assert_eq!(outstanding.tasks.len(), 1, "the task is in flight");
    assert!(outstanding.tasks.values().all(|t| t.started));
    let working = Arc::new(Counting {
        calls: AtomicUsize::new(0),
        hang: false,
    });
    let run = Run {
        runner: working.clone(),
        clock: Clock::starting_at(5_000),
        journal: Some(Journal {
            store: store.clone(),
            record,
            first_writes: Vec::new(),
        }),
        resume: Some(outstanding),
        park_after: None,
        wait_time_scale: 1.0,
    };
    let (_tx, rx) = mpsc::unbounded_channel();
    let Ended::Finished {
        record: Some(end), ..
    } = drive(&mut exec, run, Some(rx), None).await
    else {
        panic!("the store is in memory; it cannot fail");
    };
    assert_eq!(working.calls.load(Ordering::SeqCst), 1, "ran again, once");
    assert_eq!(end.status, ExecutionStatus::Succeeded);
    assert_eq!(end.output.as_deref(), Some(r#"{"echo":{"n":1}}"#));
    let history = store.history(end.seq).unwrap();
    let types: Vec<&str> = history
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "ExecutionSucceeded"
        ]
    );
    let ids: Vec<u64> = history.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=9).collect::<Vec<_>>());
}

#[test]
fn replay_refuses_steps_that_no_longer_replay_the_same() {
    let (mut exec, _) = execution();
    let step = StepRecord {
        seq: 0,
        now_ms: 1_000,
        event: serde_json::to_string(&Event::Start).unwrap(),
        history: "[]".into(),
    };
    assert!(matches!(
        replay(&mut exec, std::slice::from_ref(&step)),
        Err(ReplayError::Diverged(0))
    ));
    let (mut exec, _) = execution();
    let gap = StepRecord { seq: 1, ..step };
    assert!(matches!(
        replay(&mut exec, &[gap]),
        Err(ReplayError::Gap(0))
    ));
}
