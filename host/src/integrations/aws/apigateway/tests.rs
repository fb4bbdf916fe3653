use super::*;

#[test]
fn the_url_is_endpoint_stage_and_path_with_the_query_parameters() {
    let r = Request::read(
        &json!({
            "ApiEndpoint": "abc123.execute-api.eu-west-1.amazonaws.com",
            "Method": "POST",
            "Stage": "prod",
            "Path": "/orders/7",
            "QueryParameters": {"q": ["a b", "c"], "x": ["1"]},
            "Headers": {"X-Trace": ["t1"]},
            "RequestBody": {"id": 7},
            "AuthType": "IAM_ROLE"
        }),
        "us-east-1",
    )
    .unwrap();
    assert_eq!(
        r.url,
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders/7?q=a+b&q=c&x=1"
    );
    assert_eq!(r.body, br#"{"id":7}"#);
    assert!(r.headers.contains(&("X-Trace".to_owned(), "t1".to_owned())));
    assert!(
        r.headers
            .contains(&("content-type".to_owned(), "application/json".to_owned()))
    );
    assert!(r.signed);
    assert_eq!(r.region, "eu-west-1");
}

#[test]
fn bad_parameters_are_refused_with_the_field() {
    let e = Request::read(&json!({"Method": "GET"}), "us-east-1").unwrap_err();
    assert!(e.contains("ApiEndpoint"), "{e}");
    let e =
        Request::read(&json!({"ApiEndpoint": "h", "Method": "FETCH"}), "us-east-1").unwrap_err();
    assert!(e.contains("FETCH"), "{e}");
    let e = Request::read(
        &json!({"ApiEndpoint": "h", "Method": "GET", "AuthType": "MAGIC"}),
        "us-east-1",
    )
    .unwrap_err();
    assert!(e.contains("MAGIC"), "{e}");
}

#[test]
fn headers_are_named_as_aws_shows_them() {
    assert_eq!(canonical("content-type"), "Content-Type");
    assert_eq!(canonical("x-amzn-requestid"), "x-amzn-requestid");
    assert_eq!(status_text(404), "Not Found");
}
