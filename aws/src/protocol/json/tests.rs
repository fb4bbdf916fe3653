use serde_json::json;

use crate::protocol::tests::{body, header, request, response, try_request};
use crate::protocol::{BuildError, ServiceError};

#[test]
fn dynamodb_put_item_is_a_json_1_0_post_with_its_target() {
    let request = request(
        "dynamodb",
        "putItem",
        json!({
            "TableName": "orders",
            "Item": {"id": {"S": "o-1"}, "total": {"N": "12.5"}, "tags": {"SS": ["a", "b"]},
                     "gift": {"BOOL": false}, "note": {"NULL": true}},
            "ConditionExpression": "attribute_not_exists(id)",
        }),
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/");
    assert_eq!(
        request.headers,
        [
            (
                "X-Amz-Target".to_owned(),
                "DynamoDB_20120810.PutItem".to_owned()
            ),
            (
                "Content-Type".to_owned(),
                "application/x-amz-json-1.0".to_owned()
            ),
        ]
    );
    assert_eq!(
        body(&request),
        r#"{"TableName":"orders","Item":{"id":{"S":"o-1"},"total":{"N":"12.5"},"tags":{"SS":["a","b"]},"gift":{"BOOL":false},"note":{"NULL":true}},"ConditionExpression":"attribute_not_exists(id)"}"#
    );
    assert_eq!(request.host_prefix, None);
}

#[test]
fn dynamodb_get_item_reads_its_item_and_binary_stays_base64() {
    let request = request(
        "dynamodb",
        "getItem",
        json!({"TableName": "orders", "Key": {"id": {"S": "o-1"}}, "ConsistentRead": true}),
    );
    assert_eq!(
        header(&request, "x-amz-target"),
        Some("DynamoDB_20120810.GetItem")
    );
    assert_eq!(
        body(&request),
        r#"{"TableName":"orders","Key":{"id":{"S":"o-1"}},"ConsistentRead":true}"#
    );
    let result = response(
        "dynamodb",
        "getItem",
        200,
        &[("x-amzn-RequestId", "R1")],
        r#"{"Item":{"id":{"S":"o-1"},"blob":{"B":"aGk="},"n":{"N":"3"}},"ConsumedCapacity":{"TableName":"orders","CapacityUnits":0.5}}"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"Item": {"id": {"S": "o-1"}, "blob": {"B": "aGk="}, "n": {"N": "3"}},
               "ConsumedCapacity": {"TableName": "orders", "CapacityUnits": 0.5}})
    );
    let empty = response("dynamodb", "getItem", 200, &[], "{}").unwrap();
    assert_eq!(empty, json!({}));
}

#[test]
fn dynamodb_update_item_sends_its_expression_maps_in_order() {
    let request = request(
        "dynamodb",
        "updateItem",
        json!({
            "TableName": "orders",
            "Key": {"id": {"S": "o-1"}},
            "UpdateExpression": "SET #s = :s",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":s": {"S": "paid"}},
            "ReturnValues": "ALL_NEW",
        }),
    );
    assert_eq!(
        header(&request, "X-Amz-Target"),
        Some("DynamoDB_20120810.UpdateItem")
    );
    assert_eq!(
        body(&request),
        r##"{"TableName":"orders","Key":{"id":{"S":"o-1"}},"ReturnValues":"ALL_NEW","UpdateExpression":"SET #s = :s","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"paid"}}}"##
    );
    let result = response(
        "dynamodb",
        "updateItem",
        200,
        &[],
        r#"{"Attributes":{"status":{"S":"paid"}}}"#,
    )
    .unwrap();
    assert_eq!(result, json!({"Attributes": {"status": {"S": "paid"}}}));
}

#[test]
fn a_blob_is_sent_as_base64_of_its_text() {
    let request = request(
        "dynamodb",
        "putItem",
        json!({"TableName": "t", "Item": {"b": {"B": "hi"}, "o": {"B": {"k": 1}}}}),
    );
    assert_eq!(
        body(&request),
        r#"{"TableName":"t","Item":{"b":{"B":"aGk="},"o":{"B":"eyJrIjoxfQ=="}}}"#
    );
}

#[test]
fn sfn_start_execution_sends_an_object_input_as_its_json_text() {
    let request = request(
        "sfn",
        "startExecution",
        json!({"StateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:m",
               "Input": {"key": "value"}, "Name": "run-1"}),
    );
    assert_eq!(
        header(&request, "X-Amz-Target"),
        Some("AWSStepFunctions.StartExecution")
    );
    assert_eq!(
        header(&request, "Content-Type"),
        Some("application/x-amz-json-1.0")
    );
    assert_eq!(
        body(&request),
        r#"{"stateMachineArn":"arn:aws:states:us-east-1:1:stateMachine:m","name":"run-1","input":"{\"key\":\"value\"}"}"#
    );
    let result = response(
        "sfn",
        "startExecution",
        200,
        &[],
        r#"{"executionArn":"arn:e","startDate":1.714558830123E9}"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"ExecutionArn": "arn:e", "StartDate": "2024-05-01T10:20:30.123Z"})
    );
    let whole = response(
        "sfn",
        "startExecution",
        200,
        &[],
        r#"{"executionArn":"arn:e","startDate":1714558830}"#,
    )
    .unwrap();
    assert_eq!(whole["StartDate"], "2024-05-01T10:20:30Z");
}

#[test]
fn timestamps_in_json_bodies_are_epoch_seconds() {
    let request = request(
        "cloudwatch",
        "getMetricData",
        json!({"MetricDataQueries": [], "StartTime": "2024-05-01T10:20:30Z",
               "EndTime": 1714558830.5}),
    );
    let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(sent["StartTime"], json!(1714558830));
    assert_eq!(sent["EndTime"], json!(1714558830.5));
}

#[test]
fn an_operation_without_input_sends_an_empty_object() {
    let request = request("sfn", "listActivities", json!({}));
    assert_eq!(body(&request), "{}");
    let secrets = request_without_input();
    assert_eq!(body(&secrets), "{}");
    assert_eq!(
        header(&secrets, "Content-Type"),
        Some("application/x-amz-json-1.1")
    );
}

fn request_without_input() -> crate::protocol::HttpRequest {
    request("secretsmanager", "getRandomPassword", json!(null))
}

#[test]
fn secrets_manager_errors_are_read_from_type_and_message() {
    let error = response(
        "secretsmanager",
        "getSecretValue",
        400,
        &[("x-amzn-RequestId", "req-1")],
        r#"{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ServiceError {
            status: 400,
            code: "ResourceNotFoundException".to_owned(),
            message: "Secrets Manager can't find the specified secret.".to_owned(),
            request_id: Some("req-1".to_owned()),
            extended_request_id: None,
        }
    );
}

#[test]
fn error_codes_lose_their_namespace_and_the_header_wins() {
    let error = response(
        "dynamodb",
        "putItem",
        400,
        &[],
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
    )
    .unwrap_err();
    assert_eq!(error.code, "ConditionalCheckFailedException");
    assert_eq!(error.message, "The conditional request failed");
    let error = response(
        "dynamodb",
        "putItem",
        400,
        &[(
            "X-Amzn-ErrorType",
            "ValidationException:http://internal.amazon.com/",
        )],
        r#"{"message":"bad"}"#,
    )
    .unwrap_err();
    assert_eq!(error.code, "ValidationException");
}

#[test]
fn an_error_body_that_is_not_json_is_the_message() {
    let error = response(
        "sfn",
        "startExecution",
        503,
        &[],
        "<html>Service Unavailable</html>",
    )
    .unwrap_err();
    assert_eq!(error.code, "ServiceUnavailable");
    assert_eq!(error.message, "<html>Service Unavailable</html>");
    let error = response("sfn", "startExecution", 599, &[], "").unwrap_err();
    assert_eq!(error.code, "Http599");
    assert_eq!(error.message, "");
}

#[test]
fn a_successful_body_that_is_not_json_is_an_error() {
    let error = response("sfn", "startExecution", 200, &[], "{not json").unwrap_err();
    assert_eq!(error.code, "MalformedResponse");
    assert!(
        error.message.starts_with("The response is not valid JSON"),
        "{}",
        error.message
    );
    let error = response("sfn", "startExecution", 200, &[], "[1]").unwrap_err();
    assert_eq!(error.message, "The response is a list, not a JSON object");
    assert_eq!(
        response("sfn", "startExecution", 200, &[], "null"),
        Ok(json!({}))
    );
}

#[test]
fn numbers_are_checked_against_their_shapes() {
    let ok = request("dynamodb", "scan", json!({"TableName": "t", "Limit": 5.0}));
    assert_eq!(body(&ok), r#"{"TableName":"t","Limit":5}"#);
    let error =
        try_request("dynamodb", "scan", json!({"TableName": "t", "Limit": 5.5})).unwrap_err();
    assert_eq!(
        error,
        BuildError::WrongType {
            path: "Limit".to_owned(),
            expected: "an integer",
            found: "a number",
        }
    );
    let error = try_request(
        "dynamodb",
        "scan",
        json!({"TableName": "t", "ConsistentRead": "yes"}),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        BuildError::WrongType {
            expected: "a boolean",
            ..
        }
    ));
}
