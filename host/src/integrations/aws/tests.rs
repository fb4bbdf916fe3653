use super::*;

fn model(name: &str) -> Arc<Model> {
    stepwise_aws::service(name).unwrap().unwrap()
}

fn service_error(status: u16, code: &str, message: &str) -> CallError {
    CallError::Service(ServiceError {
        status,
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: Some("req-1".to_owned()),
        extended_request_id: None,
    })
}

/// The names and causes AWS recorded (aws-recordings/v2/error_handling/test_aws_sdk).
#[test]
fn service_errors_are_named_and_described_as_step_functions_records_them() {
    let ddb = model("dynamodb");
    let put = ddb.operation("putItem").unwrap();
    let f = failure(
        &ddb,
        put,
        service_error(
            400,
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            "Requested resource not found",
        ),
    );
    assert_eq!(
        f.error.as_deref(),
        Some("DynamoDb.ResourceNotFoundException")
    );
    assert_eq!(
        f.cause.as_deref(),
        Some(
            "Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: req-1)"
        )
    );
    let f = failure(&ddb, put, service_error(400, "ValidationException", "bad"));
    assert_eq!(f.error.as_deref(), Some("DynamoDb.DynamoDbException"));

    let s3 = model("s3");
    let get = s3.operation("getObject").unwrap();
    let f = failure(
        &s3,
        get,
        CallError::Service(ServiceError {
            status: 404,
            code: "NoSuchKey".to_owned(),
            message: "The specified key does not exist.".to_owned(),
            request_id: Some("R".to_owned()),
            extended_request_id: Some("X".to_owned()),
        }),
    );
    assert_eq!(f.error.as_deref(), Some("S3.NoSuchKeyException"));
    assert_eq!(
        f.cause.as_deref(),
        Some(
            "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: R, Extended Request ID: X)"
        )
    );
}

#[test]
fn no_answer_is_an_sdk_client_exception_of_the_service() {
    let sfn = model("sfn");
    let op = sfn.operation("startExecution").unwrap();
    let f = failure(
        &sfn,
        op,
        CallError::Transport(TransportError::Connect("connection refused".into())),
    );
    assert_eq!(f.error.as_deref(), Some("Sfn.SdkClientException"));
    assert!(f.cause.unwrap().contains("connection refused"));
}

#[test]
fn throttling_5xx_and_unreachable_endpoints_are_retried_client_errors_are_not() {
    assert!(retryable(&service_error(400, "ThrottlingException", "")));
    assert!(retryable(&service_error(503, "ServiceUnavailable", "")));
    assert!(retryable(&CallError::Transport(TransportError::Connect(
        String::new()
    ))));
    assert!(!retryable(&service_error(400, "ValidationException", "")));
    assert!(!retryable(&service_error(404, "NoSuchKey", "")));
    assert!(!retryable(&CallError::Transport(TransportError::TooLarge)));
}

#[test]
fn the_host_header_is_the_authority_of_the_url() {
    assert_eq!(host_of("http://127.0.0.1:5000/b/k?x=1"), "127.0.0.1:5000");
    assert_eq!(
        host_of("https://dynamodb.us-east-1.amazonaws.com/"),
        "dynamodb.us-east-1.amazonaws.com"
    );
    assert_eq!(host_of("https://s3.amazonaws.com?list"), "s3.amazonaws.com");
}

#[test]
fn backoff_stays_under_its_cap() {
    for attempt in 1..5 {
        let cap = Duration::from_millis(100 << attempt);
        assert!(backoff(attempt) <= cap);
    }
}
