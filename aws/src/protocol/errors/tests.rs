use super::*;

fn answer(status: u16, headers: &[(String, String)]) -> ServiceError {
    let response = HttpResponse {
        status,
        headers,
        body: b"",
    };
    service_error(&response, None, String::new(), Some("from-body".to_owned()))
}

#[test]
fn codes_lose_namespaces_and_urls() {
    assert_eq!(
        clean_code("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
        "ResourceNotFoundException"
    );
    assert_eq!(
        clean_code("NotFoundException:http://internal.amazon.com/x"),
        "NotFoundException"
    );
    assert_eq!(
        clean_code("aws.protocoltests.restjson#FooError:http://x/y#z"),
        "z"
    );
    assert_eq!(clean_code("NoSuchKey"), "NoSuchKey");
}

#[test]
fn an_answer_without_a_code_is_named_after_its_status() {
    assert_eq!(answer(404, &[]).code, "NotFound");
    assert_eq!(answer(403, &[]).code, "Forbidden");
    assert_eq!(answer(418, &[]).code, "Http418");
}

#[test]
fn request_ids_come_from_headers_before_the_body() {
    let headers = vec![
        ("X-Amz-Request-Id".to_owned(), "from-header".to_owned()),
        ("x-amz-id-2".to_owned(), "extended".to_owned()),
    ];
    let error = answer(500, &headers);
    assert_eq!(error.request_id.as_deref(), Some("from-header"));
    assert_eq!(error.extended_request_id.as_deref(), Some("extended"));
    assert_eq!(answer(500, &[]).request_id.as_deref(), Some("from-body"));
}
