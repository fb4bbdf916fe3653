use serde_json::json;

use crate::protocol::tests::{body, header, request, response, try_request};
use crate::protocol::{BuildError, ServiceError};

#[test]
fn api_gateway_get_rest_api_takes_its_label_from_rest_api_id() {
    let request = request("apigateway", "getRestApi", json!({"RestApiId": "a1b2 c3"}));
    assert_eq!(request.method, "GET");
    assert_eq!(request.path_and_query, "/restapis/a1b2%20c3");
    assert!(request.headers.is_empty(), "{:?}", request.headers);
    assert!(request.body.is_empty());
    let result = response(
        "apigateway",
        "getRestApi",
        200,
        &[("Content-Type", "application/json")],
        r#"{"id":"a1b2c3","name":"shop","createdDate":1714558830,"apiKeySource":"HEADER",
            "endpointConfiguration":{"types":["REGIONAL"]},"tags":{"team":"x"},"disableExecuteApiEndpoint":false}"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"Id": "a1b2c3", "Name": "shop", "CreatedDate": "2024-05-01T10:20:30Z",
               "ApiKeySource": "HEADER", "EndpointConfiguration": {"Types": ["REGIONAL"]},
               "Tags": {"team": "x"}, "DisableExecuteApiEndpoint": false})
    );
}

#[test]
fn a_missing_uri_label_is_refused() {
    let error = try_request("apigateway", "getRestApi", json!({})).unwrap_err();
    assert_eq!(error, BuildError::MissingLabel("RestApiId".to_owned()));
    assert_eq!(error.to_string(), "The parameter 'RestApiId' is required");
}

#[test]
fn unbound_members_are_a_json_body_and_bound_ones_a_query_string() {
    let create = request(
        "apigateway",
        "createRestApi",
        json!({"Name": "shop", "EndpointConfiguration": {"Types": ["REGIONAL"]}, "Tags": {"a": "b"}}),
    );
    assert_eq!(create.method, "POST");
    assert_eq!(create.path_and_query, "/restapis");
    assert_eq!(header(&create, "Content-Type"), Some("application/json"));
    assert_eq!(
        body(&create),
        r#"{"name":"shop","endpointConfiguration":{"types":["REGIONAL"]},"tags":{"a":"b"}}"#
    );
    let list = request(
        "apigateway",
        "getRestApis",
        json!({"Limit": 25, "Position": "p/1"}),
    );
    assert_eq!(list.path_and_query, "/restapis?position=p%2F1&limit=25");
    assert!(list.body.is_empty());
    assert_eq!(header(&list, "Content-Type"), None);
}

#[test]
fn an_input_with_body_members_and_none_given_sends_an_empty_object() {
    let request = request(
        "lambda",
        "updateFunctionConfiguration",
        json!({"FunctionName": "f"}),
    );
    assert_eq!(
        request.path_and_query,
        "/2015-03-31/functions/f/configuration"
    );
    assert_eq!(body(&request), "{}");
    assert_eq!(header(&request, "Content-Type"), Some("application/json"));
}

#[test]
fn lambda_invoke_sends_its_payload_raw_and_reads_the_status() {
    let request = request(
        "lambda",
        "invoke",
        json!({"FunctionName": "arn:aws:lambda:us-east-1:1:function:f", "Payload": {"order": 7},
               "InvocationType": "RequestResponse", "Qualifier": "live"}),
    );
    assert_eq!(
        request.path_and_query,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations?Qualifier=live"
    );
    assert_eq!(
        request.headers,
        [(
            "X-Amz-Invocation-Type".to_owned(),
            "RequestResponse".to_owned()
        )]
    );
    assert_eq!(body(&request), r#"{"order":7}"#);
    let result = response(
        "lambda",
        "invoke",
        200,
        &[("X-Amz-Executed-Version", "$LATEST")],
        r#"{"ok":true}"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"StatusCode": 200, "Payload": "{\"ok\":true}", "ExecutedVersion": "$LATEST"})
    );
}

#[test]
fn rest_json_errors_take_their_code_from_the_header() {
    let error = response(
        "apigateway",
        "getRestApi",
        404,
        &[
            ("x-amzn-ErrorType", "NotFoundException:http://internal.amazon.com/coral/com.amazonaws.backplane.controlplane/"),
            ("x-amzn-RequestId", "req-9"),
        ],
        r#"{"message":"Invalid API identifier specified 1:abc"}"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ServiceError {
            status: 404,
            code: "NotFoundException".to_owned(),
            message: "Invalid API identifier specified 1:abc".to_owned(),
            request_id: Some("req-9".to_owned()),
            extended_request_id: None,
        }
    );
    let error = response(
        "lambda",
        "getFunction",
        404,
        &[],
        r#"{"Type":"User","code":"ResourceNotFoundException","Message":"Function not found"}"#,
    )
    .unwrap_err();
    assert_eq!(error.code, "ResourceNotFoundException");
    assert_eq!(error.message, "Function not found");
}
