//! `serve --otlp-endpoint`: the server exports a trace per execution to a collector over
//! OTLP/HTTP. The collector here is the test's own loopback server, which decodes what it is
//! sent with the protocol's messages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use prost::Message;
use serde_json::json;

use crate::common;

/// Every span the collector received.
type Received = Arc<Mutex<Vec<Span>>>;

async fn collector() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("an OTLP request");
                let mut spans = sink.lock().unwrap();
                for resource in request.resource_spans {
                    for scope in resource.scope_spans {
                        spans.extend(scope.spans);
                    }
                }
                // An empty ExportTraceServiceResponse.
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.as_ref()?.value.clone())
        .map(|v| match v {
            Any::StringValue(s) => s,
            Any::BoolValue(b) => b.to_string(),
            other => format!("{other:?}"),
        })
}

/// The spans of `execution`: its stretches and everything under them.
fn spans_of(received: &Received, execution: &str) -> Vec<Span> {
    let spans = received.lock().unwrap();
    let traces: Vec<Vec<u8>> = spans
        .iter()
        .filter(|s| attribute(s, "stepwise.execution_arn").as_deref() == Some(execution))
        .map(|s| s.trace_id.clone())
        .collect();
    spans
        .iter()
        .filter(|s| traces.contains(&s.trace_id))
        .cloned()
        .collect()
}

/// Waits until `execution`'s spans include `count` spans named `name`.
async fn wait_for(received: &Received, execution: &str, name: &str, count: usize) -> Vec<Span> {
    for _ in 0..300 {
        let spans = spans_of(received, execution);
        if spans.iter().filter(|s| s.name == name).count() >= count {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no {count} '{name}' spans for {execution}: {:#?}",
        spans_of(received, execution)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn executions_states_and_tasks_are_exported_as_one_trace_per_execution() {
    let (collector, received) = collector().await;
    let dir = std::env::temp_dir().join(format!("stepwise-otlp-{}", uuid::Uuid::new_v4()));
    let (mut server, endpoint) = common::serve(&dir, &["--otlp-endpoint", &collector]);
    let sfn = common::sfn_client(&endpoint);
    let lambda = common::lambda_client(&endpoint);
    common::deploy(&lambda, "otlp-echo", stepwise_test_artifacts::ECHO, None).await;

    // Pass, a function task, then a Wait long enough for the execution to park (it is idle
    // for more than 250 ms) and be woken by its timer: two stretches of one trace.
    let machine = common::create_machine(
        &sfn,
        "otlp-m",
        &json!({"StartAt": "P", "States": {
            "P": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task",
                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:otlp-echo",
                  "Next": "W"},
            "W": {"Type": "Wait", "Seconds": 1, "End": true}}}),
    )
    .await;
    let arn = common::start_execution(&sfn, &machine, &json!({"n": 1})).await;
    let described = common::ended(&sfn, &arn).await;
    assert_eq!(
        described.status,
        aws_sdk_sfn::types::ExecutionStatus::Succeeded
    );

    wait_for(&received, &arn, "execution", 2).await;
    // The last state's span may come in a later export than the stretch it belongs to.
    let spans = wait_for(&received, &arn, "state W", 1).await;
    let by_name: HashMap<&str, Vec<&Span>> = spans.iter().fold(HashMap::new(), |mut m, s| {
        m.entry(s.name.as_str()).or_default().push(s);
        m
    });
    let stretches = &by_name["execution"];
    assert_eq!(stretches.len(), 2, "{spans:#?}");
    let ended: Vec<String> = stretches
        .iter()
        .map(|s| attribute(s, "stepwise.driver_ended").unwrap())
        .collect();
    assert!(ended.contains(&"parked".to_owned()), "{ended:?}");
    assert!(ended.contains(&"finished".to_owned()), "{ended:?}");
    let finished = stretches
        .iter()
        .find(|s| attribute(s, "stepwise.driver_ended").as_deref() == Some("finished"))
        .unwrap();
    assert_eq!(
        attribute(finished, "stepwise.status").as_deref(),
        Some("SUCCEEDED")
    );
    assert_eq!(
        attribute(finished, "stepwise.resumed").as_deref(),
        Some("true")
    );
    // Both stretches hang under the same parent: the execution.
    assert_eq!(stretches[0].trace_id, stretches[1].trace_id);
    assert_eq!(stretches[0].parent_span_id, stretches[1].parent_span_id);

    for state in ["P", "T", "W"] {
        let spans = &by_name[format!("state {state}").as_str()];
        assert_eq!(spans.len(), 1, "state {state}: {spans:#?}");
        assert_eq!(
            attribute(spans[0], "stepwise.state").as_deref(),
            Some(state)
        );
        assert!(
            stretches
                .iter()
                .any(|s| s.span_id == spans[0].parent_span_id)
        );
    }
    // The Wait's span covers its second, though nobody drove the execution for most of it.
    let wait = by_name["state W"][0];
    let waited_ns = wait.end_time_unix_nano - wait.start_time_unix_nano;
    assert!(waited_ns >= 1_000_000_000, "the Wait took {waited_ns} ns");
    let task = &by_name["task T"];
    assert_eq!(task.len(), 1);
    assert_eq!(
        attribute(task[0], "stepwise.resource").as_deref(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:otlp-echo")
    );
    assert_eq!(
        attribute(task[0], "stepwise.outcome").as_deref(),
        Some("succeeded")
    );
    assert_eq!(
        attribute(by_name["state T"][0], "stepwise.state_type").as_deref(),
        Some("Task")
    );

    // A failed execution's stretch carries the error.
    let failing = common::create_machine(
        &sfn,
        "otlp-fails",
        &json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Broke", "Cause": "on purpose"}}}),
    )
    .await;
    let arn = common::start_execution(&sfn, &failing, &json!({})).await;
    common::ended(&sfn, &arn).await;
    let spans = wait_for(&received, &arn, "execution", 1).await;
    let stretch = spans.iter().find(|s| s.name == "execution").unwrap();
    assert_eq!(
        attribute(stretch, "stepwise.status").as_deref(),
        Some("FAILED")
    );
    let status = stretch.status.as_ref().unwrap();
    assert_eq!(status.code, StatusCode::Error as i32);
    assert_eq!(status.message, "Broke");

    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_stopped_by_sigterm_sends_the_spans_it_still_holds() {
    let (collector, received) = collector().await;
    let dir = std::env::temp_dir().join(format!("stepwise-otlp-stop-{}", uuid::Uuid::new_v4()));
    // An export an hour away: whatever the collector gets, the shutdown sent.
    let (mut server, endpoint) = common::serve_with_env(
        &dir,
        &["--otlp-endpoint", &collector],
        &[("OTEL_BSP_SCHEDULE_DELAY", "3600000")],
    );
    let sfn = common::sfn_client(&endpoint);
    let machine = common::create_machine(
        &sfn,
        "otlp-stop",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let arn = common::start_execution(&sfn, &machine, &json!({})).await;
    common::ended(&sfn, &arn).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        spans_of(&received, &arn).is_empty(),
        "nothing is exported before the delay"
    );

    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(server.wait().unwrap().success());
    let names: Vec<String> = spans_of(&received, &arn)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.contains(&"execution".to_owned()), "{names:?}");
    assert!(names.contains(&"state P".to_owned()), "{names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_endpoint_stops_the_server_with_a_reason() {
    let dir = std::env::temp_dir().join(format!("stepwise-otlp-bad-{}", uuid::Uuid::new_v4()));
    let stderr = common::refused(&[
        "--listen".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--data-dir".as_ref(),
        dir.as_os_str(),
        "--otlp-endpoint".as_ref(),
        "collector:4317".as_ref(),
    ]);
    assert!(
        stderr.contains("is not an OTLP/HTTP endpoint"),
        "stderr: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
