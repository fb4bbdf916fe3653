//! What every protocol shares: the checks on parameters, and the helpers the protocols' tests
//! use to build requests and read answers with the vendored models.

use serde_json::json;

use super::*;
use crate::registry::service;

/// The request `action` of `service` makes of `parameters`.
pub(crate) fn request(name: &str, action: &str, parameters: Value) -> HttpRequest {
    try_request(name, action, parameters).unwrap()
}

/// The request, or why there is none.
pub(crate) fn try_request(
    name: &str,
    action: &str,
    parameters: Value,
) -> Result<HttpRequest, BuildError> {
    let service = service(name).unwrap().unwrap();
    let operation = service.operation(action).unwrap();
    build_request(&service, operation, &parameters)
}

/// What `action` of `service` makes of an answer.
pub(crate) fn response(
    name: &str,
    action: &str,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Value, ServiceError> {
    let service = service(name).unwrap().unwrap();
    let operation = service.operation(action).unwrap();
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    parse_response(
        &service,
        operation,
        HttpResponse {
            status,
            headers: &headers,
            body: body.as_bytes(),
        },
    )
}

/// The request's header `name`, in any case.
pub(crate) fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The request's body as text.
pub(crate) fn body(request: &HttpRequest) -> &str {
    std::str::from_utf8(&request.body).unwrap()
}

#[test]
fn a_parameter_the_operation_lacks_is_refused_with_its_path() {
    let error = try_request(
        "dynamodb",
        "putItem",
        json!({"TableName": "t", "Item": {"id": {"S": "1", "Q": "x"}}}),
    )
    .unwrap_err();
    assert_eq!(
        error,
        BuildError::UnknownField {
            operation: "PutItem".to_owned(),
            path: "Item.id".to_owned(),
            field: "Q".to_owned(),
        }
    );
    assert_eq!(
        error.to_string(),
        "The field 'Q' is not a parameter of PutItem at 'Item.id'"
    );
    let top = try_request("sfn", "startExecution", json!({"StateMachine": "x"})).unwrap_err();
    assert_eq!(
        top,
        BuildError::UnknownField {
            operation: "StartExecution".to_owned(),
            path: String::new(),
            field: "StateMachine".to_owned(),
        }
    );
}

#[test]
fn a_value_of_the_wrong_type_is_refused_with_its_path() {
    let error = try_request(
        "dynamodb",
        "query",
        json!({"TableName": "t", "Limit": "ten"}),
    )
    .unwrap_err();
    assert_eq!(
        error,
        BuildError::WrongType {
            path: "Limit".to_owned(),
            expected: "an integer",
            found: "a string",
        }
    );
    let error = try_request(
        "ec2",
        "describeInstances",
        json!({"Filters": [{"Name": "a", "Values": "b"}]}),
    )
    .unwrap_err();
    assert_eq!(
        error,
        BuildError::WrongType {
            path: "Filters[0].Values".to_owned(),
            expected: "a list",
            found: "a string",
        }
    );
    let error = try_request(
        "s3",
        "getObject",
        json!({"Bucket": "b", "Key": "k", "IfModifiedSince": true}),
    )
    .unwrap_err();
    assert_eq!(
        error,
        BuildError::WrongType {
            path: "IfModifiedSince".to_owned(),
            expected: "an ISO-8601 timestamp or seconds since the epoch",
            found: "a boolean",
        }
    );
    let error = try_request("sfn", "startExecution", json!(["not", "an", "object"])).unwrap_err();
    assert_eq!(
        error,
        BuildError::WrongType {
            path: String::new(),
            expected: "an object",
            found: "a list",
        }
    );
}

#[test]
fn nulls_are_not_sent_and_model_names_are_accepted_as_given() {
    let request = request("apigateway", "getRestApi", json!({"restApiId": "abc123"}));
    assert_eq!(request.path_and_query, "/restapis/abc123");
    let start = super::tests::request(
        "sfn",
        "startExecution",
        json!({"stateMachineArn": "arn:m", "Name": null, "Input": null}),
    );
    assert_eq!(body(&start), r#"{"stateMachineArn":"arn:m"}"#);
    let error = try_request("apigateway", "getRestApi", json!({"RestApiId": null})).unwrap_err();
    assert_eq!(error, BuildError::MissingLabel("RestApiId".to_owned()));
}

#[test]
fn services_and_operations_a_task_cannot_call_are_unsupported() {
    let error = try_request("cloudwatchomni", "createDomain", json!({}));
    let error = match error {
        Err(e) => e,
        Ok(_) => panic!("a CBOR-only service built a request"),
    };
    assert!(
        matches!(&error, BuildError::Unsupported(m) if m.contains("CBOR")),
        "{error:?}"
    );
    let error = try_request(
        "s3",
        "selectObjectContent",
        json!({"Bucket": "b", "Key": "k", "Expression": "x", "ExpressionType": "SQL",
               "InputSerialization": {}, "OutputSerialization": {}}),
    )
    .unwrap_err();
    assert_eq!(
        error,
        BuildError::Unsupported(
            "SelectObjectContent streams events, which a Task cannot call".to_owned()
        )
    );
}

#[test]
fn idempotency_tokens_left_out_are_fresh_uuids() {
    let first = request("ec2", "runInstances", json!({"MinCount": 1, "MaxCount": 1}));
    let second = request("ec2", "runInstances", json!({"MinCount": 1, "MaxCount": 1}));
    let token = |r: &HttpRequest| {
        body(r)
            .split('&')
            .find_map(|p| p.strip_prefix("ClientToken="))
            .map(str::to_owned)
            .unwrap()
    };
    let (a, b) = (token(&first), token(&second));
    assert_ne!(a, b);
    let uuid = uuid::Uuid::parse_str(&a).unwrap();
    assert_eq!(uuid.get_version_num(), 4);
    let given = request(
        "ec2",
        "runInstances",
        json!({"MinCount": 1, "MaxCount": 1, "ClientToken": "mine"}),
    );
    assert_eq!(token(&given), "mine");
}

#[test]
fn host_prefixes_take_their_labels_from_the_parameters() {
    let request = request(
        "s3control",
        "listAccessPoints",
        json!({"AccountId": "123456789012"}),
    );
    assert_eq!(request.host_prefix.as_deref(), Some("123456789012."));
    let error = try_request("s3control", "listAccessPoints", json!({})).unwrap_err();
    assert_eq!(error, BuildError::MissingLabel("AccountId".to_owned()));
    let error =
        try_request("s3control", "listAccessPoints", json!({"AccountId": "a.b"})).unwrap_err();
    assert!(matches!(error, BuildError::WrongType { .. }), "{error:?}");
}

#[test]
fn every_operation_of_every_model_builds_or_refuses_and_reads_any_answer() {
    let mut built = 0;
    for name in crate::registry::names() {
        let service = service(name).unwrap().unwrap();
        let cbor_only = service.model.protocol().is_none();
        for operation in service.model.operations.values() {
            match build_request(&service, operation, &json!({})) {
                Ok(request) => {
                    built += 1;
                    assert!(
                        request.path_and_query.starts_with('/'),
                        "{name} {}",
                        operation.name
                    );
                }
                Err(BuildError::MissingLabel(_) | BuildError::Unsupported(_)) => {}
                Err(other) => panic!("{name} {}: {other:?}", operation.name),
            }
            if cbor_only {
                continue;
            }
            for (status, body) in [
                (200, ""),
                (200, "{}"),
                (200, "<a><b>c</b></a>"),
                (200, "\u{0}garbage"),
                (404, ""),
                (500, "<Error><Code>X</Code></Error>"),
                (503, "{\"__type\":\"Y\"}"),
            ] {
                let answer = HttpResponse {
                    status,
                    headers: &[],
                    body: body.as_bytes(),
                };
                match parse_response(&service, operation, answer) {
                    Ok(Value::Object(_)) => {}
                    Ok(other) => panic!("{name} {}: {other}", operation.name),
                    Err(error) => assert!(!error.code.is_empty(), "{name} {}", operation.name),
                }
            }
        }
    }
    assert!(built > 10_000, "{built} requests built");
}
