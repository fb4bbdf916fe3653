//! Step Functions Local's mock file: AWS's documented example (`LambdaSQSIntegration` with
//! its HappyPath, RetryPath and HybridPath test cases, `examples/lambda-sqs-integration/`),
//! started as `stateMachineArn#TestCase`, with waits scaled down a hundredfold.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sfn::types::HistoryEventType;
use serde_json::{Value, json};
use stepwise::host::HostConfig;
use stepwise::store::memory::MemoryStore;

use crate::common::{Host, create_machine, ended, example, start_execution};

async fn mocked_host(scale: f64) -> Host {
    let config = HostConfig {
        mock_config: Some(
            format!(
                "{}/../examples/lambda-sqs-integration/mock-config.json",
                env!("CARGO_MANIFEST_DIR")
            )
            .into(),
        ),
        wait_time_scale: Some(scale),
        ..HostConfig::default()
    };
    Host::with_config(Arc::new(MemoryStore::new()), config).await
}

/// A mock file holding `config`, in a directory of its own: (the directory, the file).
fn mock_file(config: Value) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("stepwise-mocking-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mock.json");
    std::fs::write(&file, config.to_string()).unwrap();
    (dir, file)
}

async fn run_case(
    host: &Host,
    machine: &str,
    case: &str,
) -> (String, Value, Vec<HistoryEventType>) {
    let started = host
        .sfn
        .start_execution()
        .state_machine_arn(format!("{machine}#{case}"))
        .input(json!({"order": 7}).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{case}: {:?}", e.into_service_error()));
    let d = ended(&host.sfn, &started.execution_arn).await;
    let history = host
        .sfn
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap();
    let types = history.events.iter().map(|e| e.r#type.clone()).collect();
    let output = d
        .output
        .as_deref()
        .map_or(Value::Null, |o| serde_json::from_str(o).unwrap());
    (d.status.as_str().to_owned(), output, types)
}

#[tokio::test(flavor = "multi_thread")]
async fn awss_documented_test_cases_run_as_documented() {
    let host = mocked_host(0.01).await;
    let machine = create_machine(
        &host.sfn,
        "LambdaSQSIntegration",
        &example("lambda-sqs-integration/LambdaSQSIntegration.asl.json"),
    )
    .await;

    // HappyPath: both states mocked; the same events as a real run.
    let (status, output, types) = run_case(&host, &machine, "HappyPath").await;
    assert_eq!(status, "SUCCEEDED");
    assert_eq!(output["MessageId"], "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51");
    let count =
        |types: &[HistoryEventType], t: HistoryEventType| types.iter().filter(|x| **x == t).count();
    assert_eq!(count(&types, HistoryEventType::TaskScheduled), 2);
    assert_eq!(count(&types, HistoryEventType::TaskStarted), 2);
    assert_eq!(count(&types, HistoryEventType::TaskSucceeded), 2);

    // RetryPath: three failures (invocations 0, 1-2) retried with backoff (2 + 4 + 8 s,
    // scaled to 0.14 s), then the mocked success.
    let began = Instant::now();
    let (status, output, types) = run_case(&host, &machine, "RetryPath").await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert_eq!(count(&types, HistoryEventType::TaskFailed), 3);
    assert_eq!(count(&types, HistoryEventType::TaskScheduled), 5);
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );

    // HybridPath: SQSState is not mocked, and goes to this host's own SQS.
    let queue = host
        .sqs
        .create_queue()
        .queue_name("myQueue")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let (status, output, _) = run_case(&host, &machine, "HybridPath").await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert_ne!(output["MessageId"], "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51");
    let received = host
        .sqs
        .receive_message()
        .queue_url(queue)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    let body: Value = serde_json::from_str(received[0].body.as_deref().unwrap()).unwrap();
    // The message is the mocked Lambda response, as LambdaState passed it on.
    assert_eq!(body["Payload"]["body"], "Hello from Lambda!");

    // A test case the file does not have is refused.
    let err = host
        .sfn
        .start_execution()
        .state_machine_arn(format!("{machine}#NoSuchCase"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_arn(), "{err:?}");
    host.stop().await;
}

/// A callback and an activity, mocked: neither waits for a token or a worker, and their
/// histories show the events of a real run.
#[tokio::test(flavor = "multi_thread")]
async fn callbacks_and_activities_can_be_mocked() {
    let (dir, file) = mock_file(json!({
        "StateMachines": {"waiting": {"TestCases": {"Fast": {
            "Callback": "token", "Work": "worker"
        }}}},
        "MockedResponses": {
            "token": {"0": {"Return": {"approved": true}}},
            "worker": {"0": {"Return": {"done": 1}}}
        }
    }));
    let config = HostConfig {
        mock_config: Some(file),
        ..HostConfig::default()
    };
    let host = Host::with_config(Arc::new(MemoryStore::new()), config).await;
    let definition = json!({"StartAt": "Callback", "States": {
        "Callback": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/none",
                           "MessageBody": {"token.$": "$$.Task.Token"}},
            "ResultPath": "$.callback", "Next": "Work"
        },
        "Work": {
            "Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:nobody",
            "ResultPath": "$.work", "End": true
        }
    }});
    let machine = create_machine(&host.sfn, "waiting", &definition).await;
    let (status, output, types) = run_case(&host, &machine, "Fast").await;
    assert_eq!(status, "SUCCEEDED", "{output} {types:?}");
    assert_eq!(output["callback"], json!({"approved": true}));
    assert_eq!(output["work"], json!({"done": 1}));
    for t in [
        HistoryEventType::TaskSubmitted,
        HistoryEventType::TaskSucceeded,
        HistoryEventType::ActivityScheduled,
        HistoryEventType::ActivityStarted,
        HistoryEventType::ActivitySucceeded,
    ] {
        assert!(types.contains(&t), "{t:?} missing from {types:?}");
    }
    host.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A test case's invocations count on when its execution is rebuilt from the store: woken
/// after parking on a retry's wait, and resumed by another host after a restart. Counting
/// from 0 again would throw invocation 0's error for ever.
#[tokio::test(flavor = "multi_thread")]
async fn invocation_counts_survive_parking_and_restarts() {
    let (dir, file) = mock_file(json!({
        "StateMachines": {"flaky": {"TestCases": {"Recovers": {"Work": "flaky"}}}},
        "MockedResponses": {"flaky": {
            "0-2": {"Throw": {"Error": "Flaky", "Cause": "not yet"}},
            "3": {"Return": {"done": true}}
        }}
    }));
    // One second between attempts: each retry's wait parks the execution (after 250 ms).
    let definition = json!({"StartAt": "Work", "States": {"Work": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "nobody"},
        "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3,
                   "BackoffRate": 1.0}],
        "End": true
    }}});
    let open = || -> Arc<dyn stepwise::store::Store> {
        Arc::new(stepwise::store::sqlite::SqliteStore::open(&dir.join("db")).unwrap())
    };
    let config = || HostConfig {
        mock_config: Some(file.clone()),
        ..HostConfig::default()
    };
    let first = Host::with_config(open(), config()).await;
    let machine = create_machine(&first.sfn, "flaky", &definition).await;
    let arn = start_execution(&first.sfn, &format!("{machine}#Recovers"), &json!({})).await;
    let failures = |events: &[aws_sdk_sfn::types::HistoryEvent]| {
        events
            .iter()
            .filter(|e| e.r#type == HistoryEventType::TaskFailed)
            .count()
    };
    // Two failures, the second after a wake from parking, then the host stops.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let history = first
            .sfn
            .get_execution_history()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        if failures(&history.events) >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{:?}", history.events);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.stop().await;

    let second = Host::with_config(open(), config()).await;
    let d = ended(&second.sfn, &arn).await;
    let history = second
        .sfn
        .get_execution_history()
        .execution_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.status.as_str(), "SUCCEEDED", "{:?}", history.events);
    assert_eq!(d.output.as_deref(), Some(r#"{"done":true}"#));
    assert_eq!(failures(&history.events), 3, "{:?}", history.events);
    crate::common::assert_no_gap(&history.events, &arn);
    second.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
