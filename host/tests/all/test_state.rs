//! TestState through the AWS SDK for Rust: every call AWS recorded
//! (`host/tests/fixtures/test_state_cases.json`, extracted from `aws-recordings/v2/test_state/`
//! by `scripts/extract-test-state-cases`) sent as recorded, its answer compared with AWS's.

use std::sync::Arc;

use aws_sdk_sfn::types::{
    InspectionLevel, MockErrorOutput, MockInput, MockResponseValidationMode, TestStateConfiguration,
};
use serde_json::{Map, Value, json};
use stepwise::store::memory::MemoryStore;

use crate::common::{Host, deploy};

/// Recorded calls this host does not answer as AWS did, each with the reason. Everything else
/// must match; a case listed here that starts to match fails the test too, so the list stays
/// true.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "test_strict_mode_aws_sdk_lambda_get_function_task[integer_more_than_maximum_allowed]",
        "the vendored model (botocore 1.44.5) allows MemorySize up to 32768; AWS was recorded at 10240",
    ),
    (
        "test_present_mode_aws_sdk_lambda_get_function_task[integer_more_than_maximum_allowed]",
        "the vendored model (botocore 1.44.5) allows MemorySize up to 32768; AWS was recorded at 10240",
    ),
];

/// Placeholders LocalStack's transformers put where AWS answered a volatile value.
fn is_placeholder(s: &str) -> bool {
    s == "date" || s == "start-date" || (s.contains('<') && s.contains('>'))
}

/// Whether `actual` is what AWS answered: the same shape and values, where the recording's
/// placeholders match any string and JSON text matches the value it encodes.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), Value::String(_)) if is_placeholder(e) => true,
        (Value::String(e), Value::String(a)) => {
            e == a
                || match (
                    serde_json::from_str::<Value>(e),
                    serde_json::from_str::<Value>(a),
                ) {
                    (Ok(e), Ok(a)) => e != Value::String(e.to_string()) && matches(&e, &a),
                    _ => false,
                }
        }
        (e, Value::String(a)) if !e.is_string() => {
            serde_json::from_str::<Value>(a).is_ok_and(|a| matches(e, &a))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|x| matches(v, x)))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a))
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (e, a) => e == a,
    }
}

/// Sends one recorded request; the answer as AWS's JSON (or the error's code and message).
async fn send(host: &Host, request: &Value, lambda_arn: &str) -> Value {
    let text = |field: &str| {
        request[field].as_str().map(|s| {
            s.replace("${LAMBDA_ARN}", lambda_arn)
                .replace("${LAMBDA_NAME}", "echo")
        })
    };
    let mut call = host
        .sfn
        .test_state()
        .set_definition(text("definition"))
        .set_role_arn(text("roleArn"))
        .set_input(text("input"))
        .set_variables(text("variables"))
        .set_state_name(text("stateName"))
        .set_context(text("context"))
        .set_reveal_secrets(request["revealSecrets"].as_bool())
        .set_inspection_level(
            request["inspectionLevel"]
                .as_str()
                .map(InspectionLevel::from),
        );
    if let Some(mock) = request.get("mock") {
        let error = mock.get("errorOutput").map(|e| {
            MockErrorOutput::builder()
                .set_error(e["error"].as_str().map(Into::into))
                .set_cause(e["cause"].as_str().map(Into::into))
                .build()
        });
        call = call.mock(
            MockInput::builder()
                .set_result(mock["result"].as_str().map(Into::into))
                .set_error_output(error)
                .set_field_validation_mode(
                    mock["fieldValidationMode"]
                        .as_str()
                        .map(MockResponseValidationMode::from),
                )
                .build(),
        );
    }
    if let Some(c) = request.get("stateConfiguration") {
        call = call.state_configuration(
            TestStateConfiguration::builder()
                .set_retrier_retry_count(c["retrierRetryCount"].as_i64().map(|n| n as i32))
                .set_error_caused_by_state(c["errorCausedByState"].as_str().map(Into::into))
                .set_map_iteration_failure_count(
                    c["mapIterationFailureCount"].as_i64().map(|n| n as i32),
                )
                .set_map_item_reader_data(c["mapItemReaderData"].as_str().map(Into::into))
                .build(),
        );
    }
    let out = match call.send().await {
        Ok(out) => out,
        Err(e) => {
            let e = e.into_service_error();
            use aws_sdk_sfn::error::ProvideErrorMetadata;
            return json!({"error": {"Code": e.code(), "Message": e.message()}});
        }
    };
    let mut answer = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v {
            answer.insert(k.into(), json!(v));
        }
    };
    put("output", out.output());
    put("error", out.error());
    put("cause", out.cause());
    put("nextState", out.next_state());
    put("status", out.status().map(|s| s.as_str()));
    if let Some(d) = out.inspection_data() {
        let mut data = Map::new();
        let docs = [
            ("input", d.input()),
            ("afterArguments", d.after_arguments()),
            ("afterInputPath", d.after_input_path()),
            ("afterParameters", d.after_parameters()),
            ("result", d.result()),
            ("afterResultSelector", d.after_result_selector()),
            ("afterResultPath", d.after_result_path()),
            ("variables", d.variables()),
            ("afterItemsPath", d.after_items_path()),
            ("afterItemSelector", d.after_item_selector()),
            ("afterItemBatcher", d.after_item_batcher()),
        ];
        for (k, v) in docs {
            if let Some(v) = v {
                data.insert(k.into(), json!(v));
            }
        }
        if let Some(n) = d.max_concurrency() {
            data.insert("maxConcurrency".into(), json!(n));
        }
        if let Some(n) = d.tolerated_failure_count() {
            data.insert("toleratedFailureCount".into(), json!(n));
        }
        if let Some(p) = d.tolerated_failure_percentage() {
            data.insert("toleratedFailurePercentage".into(), json!(p));
        }
        if let Some(e) = d.error_details() {
            let mut details = Map::new();
            if let Some(i) = e.catch_index() {
                details.insert("catchIndex".into(), json!(i));
            }
            if let Some(i) = e.retry_index() {
                details.insert("retryIndex".into(), json!(i));
            }
            if let Some(s) = e.retry_backoff_interval_seconds() {
                details.insert("retryBackoffIntervalSeconds".into(), json!(s));
            }
            data.insert("errorDetails".into(), Value::Object(details));
        }
        if let Some(r) = d.request() {
            data.insert(
                "request".into(),
                json!({"protocol": r.protocol(), "method": r.method(), "url": r.url(),
                       "headers": r.headers(), "body": r.body()}),
            );
        }
        if let Some(r) = d.response() {
            data.insert(
                "response".into(),
                json!({"protocol": r.protocol(), "statusCode": r.status_code(),
                       "statusMessage": r.status_message(), "headers": r.headers(),
                       "body": r.body()}),
            );
        }
        answer.insert("inspectionData".into(), Value::Object(data));
    }
    Value::Object(answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_answers_as_aws_recorded() {
    let host = Host::start(Arc::new(MemoryStore::new()), None).await;
    deploy(&host.lambda, "echo", stepwise_test_artifacts::ECHO, None).await;
    let lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:echo";
    let cases: Vec<Value> = serde_json::from_str(include_str!("../fixtures/test_state_cases.json"))
        .expect("the fixture is JSON");
    let mut mismatched = Vec::new();
    let mut checked = 0;
    for case in &cases {
        let id = case["id"].as_str().unwrap_or_default();
        // Calls whose recorded answer depends on a function's code or AWS's own headers
        // (`needs`) are checked by the tests below with this host's functions.
        if case["needs"].as_array().is_some_and(|n| !n.is_empty()) {
            continue;
        }
        // botocore refused it before sending: no server answer was recorded.
        if case["expected"]["status_code"].is_null() && case["expected"].get("error").is_some() {
            continue;
        }
        let mut expected = case["expected"].clone();
        if let Some(map) = expected.as_object_mut() {
            map.remove("status_code");
        }
        let actual = send(&host, &case["request"], lambda_arn).await;
        checked += 1;
        if !matches(&expected, &actual) {
            mismatched.push(format!("{id}\n  expected {expected}\n  actual   {actual}"));
        }
    }
    let known = |m: &String| KNOWN_DIFFERENCES.iter().any(|(id, _)| m.starts_with(id));
    let unexpected: Vec<&String> = mismatched.iter().filter(|m| !known(m)).collect();
    let stale: Vec<&str> = KNOWN_DIFFERENCES
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !mismatched.iter().any(|m| m.starts_with(id)))
        .collect();
    assert!(checked >= 140, "only {checked} recorded calls were checked");
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "{} of {checked} recorded TestState calls differ:\n{}\nlisted as different but now matching: {stale:?}",
        unexpected.len(),
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    host.stop().await;
}

/// Unmocked, a tested Task calls the real thing: here a deployed function, by its ARN and
/// through `lambda:invoke`, its answer going through ResultSelector and ResultPath.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmocked_tasks_run_for_real() {
    let host = Host::start(Arc::new(MemoryStore::new()), None).await;
    deploy(&host.lambda, "echo", stepwise_test_artifacts::ECHO, None).await;
    let by_arn = json!({
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
        "ResultSelector": {"echoed.$": "$.name"},
        "ResultPath": "$.result",
        "Next": "Done"
    });
    let request = json!({
        "definition": by_arn.to_string(),
        "roleArn": "arn:aws:iam::123456789012:role/test",
        "input": json!({"name": "Ada"}).to_string(),
        "inspectionLevel": "DEBUG",
    });
    let answer = send(&host, &request, "").await;
    assert!(
        matches(
            &json!({
                "output": {"name": "Ada", "result": {"echoed": "Ada"}},
                "nextState": "Done",
                "status": "SUCCEEDED",
                "inspectionData": {
                    "input": {"name": "Ada"},
                    "afterInputPath": {"name": "Ada"},
                    "afterParameters": {"name": "Ada"},
                    "result": {"name": "Ada"},
                    "afterResultSelector": {"echoed": "Ada"},
                    "afterResultPath": {"name": "Ada", "result": {"echoed": "Ada"}},
                },
            }),
            &answer
        ),
        "{answer}"
    );

    let invoke = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "echo", "Payload": "{% $states.input %}"},
        "Output": "{% $states.result.Payload %}",
        "QueryLanguage": "JSONata",
        "End": true
    });
    let request = json!({
        "definition": invoke.to_string(),
        "roleArn": "arn:aws:iam::123456789012:role/test",
        "input": json!({"n": 7}).to_string(),
    });
    let answer = send(&host, &request, "").await;
    assert!(
        matches(&json!({"output": {"n": 7}, "status": "SUCCEEDED"}), &answer),
        "{answer}"
    );

    // Without a role there is no one to call it as (AWS's rule), and a Map runs only mocked.
    let answer = send(&host, &json!({"definition": by_arn.to_string()}), "").await;
    assert_eq!(
        answer["error"]["Message"],
        "RoleArn must be specified when testing a Task state"
    );
    host.stop().await;
}

/// TRACE shows what an HTTP Task sent and what came back; DEBUG does not. A refused status
/// is traced too, with the state's failure.
#[tokio::test(flavor = "multi_thread")]
async fn trace_shows_the_http_tasks_request_and_response() {
    use axum::routing::post;
    let app = axum::Router::new()
        .route(
            "/orders",
            post(|uri: axum::http::Uri, body: String| async move {
                axum::Json(json!({"query": uri.query(), "got": body}))
            }),
        )
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "no such thing") });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = stepwise::host::HostConfig {
        http_allowed_hosts: vec![format!("127.0.0.1:{port}")],
        ..Default::default()
    };
    let host = Host::with_config(Arc::new(MemoryStore::new()), config).await;
    let state = |path: &str| {
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint": format!("http://127.0.0.1:{port}{path}"),
                "Method": "POST",
                "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c/1"},
                "Headers": {"x-order": "7"},
                "QueryParameters": {"rush": "yes"},
                "RequestBody": {"item": "book"}
            },
            "ResultSelector": {"status.$": "$.StatusCode"},
            "End": true
        })
        .to_string()
    };
    let request = |path: &str, level: &str| {
        json!({
            "definition": state(path),
            "roleArn": "arn:aws:iam::123456789012:role/test",
            "inspectionLevel": level,
            "revealSecrets": true,
        })
    };
    let answer = send(&host, &request("/orders", "TRACE"), "").await;
    assert_eq!(answer["status"], "SUCCEEDED", "{answer}");
    assert_eq!(answer["output"], r#"{"status":200}"#);
    let data = &answer["inspectionData"];
    let url = format!("http://127.0.0.1:{port}/orders?rush=yes");
    assert_eq!(
        data["request"],
        json!({
            "protocol": "http",
            "method": "POST",
            "url": url,
            "headers": "[x-order: 7, content-type: application/json]",
            "body": r#"{"item":"book"}"#,
        }),
        "{answer}"
    );
    let response = &data["response"];
    assert_eq!(response["protocol"], "http");
    assert_eq!(response["statusCode"], "200");
    assert_eq!(response["statusMessage"], "OK");
    let headers = response["headers"].as_str().unwrap();
    assert!(
        headers.starts_with('[') && headers.contains("content-type: application/json"),
        "{headers}"
    );
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"query": "rush=yes", "got": r#"{"item":"book"}"#})
    );
    // The state's own inspection data is there as at DEBUG.
    assert!(data["afterParameters"].is_string(), "{answer}");

    let debug = send(&host, &request("/orders", "DEBUG"), "").await;
    assert!(debug["inspectionData"]["afterParameters"].is_string());
    assert!(debug["inspectionData"].get("request").is_none(), "{debug}");

    let missing = send(&host, &request("/nowhere", "TRACE"), "").await;
    assert_eq!(missing["status"], "FAILED", "{missing}");
    assert_eq!(missing["error"], "States.Http.StatusCode.404");
    assert_eq!(missing["inspectionData"]["response"]["statusCode"], "404");
    assert_eq!(
        missing["inspectionData"]["response"]["body"],
        "no such thing"
    );
    host.stop().await;
}

/// A Resource this host cannot run is refused as CreateStateMachine refuses it, before
/// anything runs; a Map with a ResultWriter takes its mocked result whole.
#[tokio::test(flavor = "multi_thread")]
async fn resources_are_checked_and_a_result_writer_map_can_be_mocked() {
    let host = Host::start(Arc::new(MemoryStore::new()), None).await;
    let unknown = json!({
        "Type": "Task", "Resource": "arn:aws:states:::nosuchservice:doIt", "End": true
    });
    let answer = send(
        &host,
        &json!({
            "definition": unknown.to_string(),
            "roleArn": "arn:aws:iam::123456789012:role/test",
            "mock": {"result": "{}"},
        }),
        "",
    )
    .await;
    assert_eq!(answer["error"]["Code"], "InvalidDefinition", "{answer}");
    let message = answer["error"]["Message"].as_str().unwrap();
    assert!(
        message.contains("/States/StateName/Resource") && message.contains("nosuchservice"),
        "{message}"
    );

    let map = json!({
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": true}}
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "results", "Prefix": "runs"}
        },
        "ResultSelector": {"bucket.$": "$.ResultWriterDetails.Bucket"},
        "End": true
    });
    let written = json!({
        "MapRunArn": "arn:aws:states:us-east-1:123456789012:mapRun:m/StateName:1",
        "ResultWriterDetails": {"Bucket": "results", "Key": "runs/manifest.json"}
    });
    let answer = send(
        &host,
        &json!({
            "definition": map.to_string(),
            "input": "[1, 2]",
            "mock": {"result": written.to_string()},
            "inspectionLevel": "DEBUG",
        }),
        "",
    )
    .await;
    assert_eq!(answer["status"], "SUCCEEDED", "{answer}");
    assert_eq!(answer["output"], r#"{"bucket":"results"}"#);
    let answer = send(
        &host,
        &json!({"definition": map.to_string(), "input": "[1]", "mock": {"result": "[1]"}}),
        "",
    )
    .await;
    assert_eq!(
        answer["error"]["Message"], "Mocked result must be a JSON object.",
        "{answer}"
    );
    host.stop().await;
}
