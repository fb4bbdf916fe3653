use super::*;
use stepwise_aws::ServiceError;

fn spec(name: &str) -> &'static Spec {
    SPECS
        .iter()
        .chain(FORWARDABLE)
        .find(|s| s.name == name)
        .unwrap()
}

fn ddb() -> Arc<Model> {
    stepwise_aws::service("dynamodb").unwrap().unwrap()
}

fn error(code: &str, message: &str) -> CallError {
    CallError::Service(ServiceError {
        status: 400,
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: Some("RID".to_owned()),
        extended_request_id: None,
    })
}

/// What AWS recorded (aws-recordings/v2/error_handling/test_task_service_dynamodb).
#[test]
fn dynamodb_errors_are_named_as_the_java_sdk_1_names_them() {
    let model = ddb();
    let put = model.operation("putItem").unwrap();
    let f = java_failure(
        spec("dynamodb"),
        &model,
        put,
        error(
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            "Requested resource not found",
        ),
    );
    assert_eq!(
        f.error.as_deref(),
        Some("DynamoDB.ResourceNotFoundException")
    );
    assert_eq!(
        f.cause.as_deref(),
        Some(
            "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: RID; Proxy: null)"
        )
    );
    let f = java_failure(
        spec("dynamodb"),
        &model,
        put,
        error("ValidationException", "1 validation error"),
    );
    assert_eq!(f.error.as_deref(), Some("DynamoDB.AmazonDynamoDBException"));
}

#[test]
fn dynamodb_results_carry_the_answers_http_metadata() {
    let reply = Reply {
        result: json!({"Item": {"id": {"S": "1"}}}),
        status: 200,
        headers: vec![
            ("content-type".into(), "application/x-amz-json-1.0".into()),
            ("x-amzn-RequestId".into(), "RID".into()),
        ],
    };
    let out = finish(spec("dynamodb"), reply).unwrap();
    assert_eq!(out["Item"]["id"]["S"], "1");
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        out["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"],
        "RID"
    );
    assert_eq!(
        out["SdkHttpMetadata"]["AllHttpHeaders"]["content-type"],
        json!(["application/x-amz-json-1.0"])
    );
    assert_eq!(out["SdkResponseMetadata"]["RequestId"], "RID");
}

/// What AWS recorded (aws-recordings/v2/services/test_events_task_service).
#[test]
fn eventbridge_failed_entries_fail_the_task_with_the_result_as_cause() {
    let result = json!({"Entries": [{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}], "FailedEntryCount": 1});
    let reply = Reply {
        result: result.clone(),
        status: 200,
        headers: vec![],
    };
    let f = finish(spec("events"), reply).unwrap_err();
    assert_eq!(f.error.as_deref(), Some("EventBridge.FailedEntry"));
    let cause: Value = serde_json::from_str(f.cause.as_deref().unwrap()).unwrap();
    assert_eq!(cause, result);
    let ok = json!({"Entries": [{"EventId": "e1"}], "FailedEntryCount": 0});
    let reply = Reply {
        result: ok.clone(),
        status: 200,
        headers: vec![],
    };
    assert_eq!(finish(spec("events"), reply).unwrap(), ok);
}

#[test]
fn only_the_actions_and_patterns_aws_offers_are_offered() {
    let client = Arc::new(AwsClient::new(Default::default(), "us-east-1"));
    let ddb = Optimized {
        spec: spec("dynamodb"),
        client,
        region: None,
    };
    assert_eq!(ddb.patterns("getItem"), Some(REQUEST_RESPONSE));
    assert_eq!(ddb.patterns("query"), None);
}

/// What AWS recorded for its SQS integration (aws-recordings/v2/error_handling/test_task_service_sqs).
#[test]
fn a_forwarded_sqs_is_named_as_aws_sqs_integration_names_its_errors() {
    let model = stepwise_aws::service("sqs").unwrap().unwrap();
    let send = model.operation("sendMessage").unwrap();
    let f = java_failure(
        spec("sqs"),
        &model,
        send,
        CallError::Transport(super::super::transport::TransportError::Connect(
            "dns error".into(),
        )),
    );
    assert_eq!(f.error.as_deref(), Some("SQS.SdkClientException"));
    assert_eq!(
        f.cause.as_deref(),
        Some("Unable to execute HTTP request: dns error")
    );
    let f = java_failure(
        spec("sqs"),
        &model,
        send,
        error(
            "MissingParameter",
            "The request must contain the parameter MessageBody.",
        ),
    );
    assert_eq!(f.error.as_deref(), Some("SQS.AmazonSQSException"));
    assert_eq!(
        f.cause.as_deref(),
        Some(
            "The request must contain the parameter MessageBody. (Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: RID; Proxy: null)"
        )
    );
}

#[test]
fn forwarding_replaces_only_the_named_built_ins() {
    let client = Arc::new(AwsClient::new(Default::default(), "us-east-1"));
    let names: Vec<&str> = Optimized::all(&client, &[])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let every: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
    assert_eq!(names, every);
    let names: Vec<&str> = Optimized::all(&client, &["sqs".to_owned()])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names[..every.len()], every[..]);
    assert_eq!(names[every.len()..], ["sqs"]);
}

#[test]
fn emr_actions_are_the_operations_step_functions_maps_them_to() {
    let alias = |action: &str| EMR_ALIASES.iter().find(|a| a.action == action).unwrap();
    let add = alias("addStep");
    assert_eq!(add.operation, "addJobFlowSteps");
    assert_eq!(
        (add.request)(&json!({"ClusterId": "j-1", "Step": {"Name": "s"}})),
        Some(json!({"JobFlowId": "j-1", "Steps": [{"Name": "s"}]}))
    );
    assert_eq!((add.request)(&json!({"Step": {}})), None);
    assert_eq!(
        (add.response)(json!({"StepIds": ["s-1"]})),
        json!({"StepId": "s-1"})
    );
    let create = alias("createCluster");
    assert_eq!(
        (create.response)(json!({"JobFlowId": "j-1", "ClusterArn": "arn"})),
        json!({"ClusterArn": "arn", "ClusterId": "j-1"})
    );
    let terminate = alias("terminateCluster");
    assert_eq!(
        (terminate.request)(&json!({"ClusterId": "j-1"})),
        Some(json!({"JobFlowIds": ["j-1"]}))
    );
}

/// The models load lazily, so a spec naming a model or action that is not there would only
/// show when called: every spec's model loads and has every action (or alias) it offers.
#[test]
fn every_optimized_action_is_an_operation_of_its_model() {
    for spec in SPECS.iter().chain(FORWARDABLE) {
        let model = model_of(spec).unwrap();
        for (action, _) in spec.actions {
            let operation = spec
                .aliases
                .iter()
                .find(|a| a.action == *action)
                .map_or(*action, |a| a.operation);
            assert!(
                model.operation(operation).is_some(),
                "{}:{action}",
                spec.name
            );
        }
        for job in spec.jobs {
            assert!(
                model.operation(job.poll).is_some(),
                "{}: {}",
                spec.name,
                job.poll
            );
            if let Some((stop, _)) = job.cancel {
                assert!(model.operation(stop).is_some(), "{}: {stop}", spec.name);
            }
        }
    }
}
