//! Tests of `http`.

use super::*;

fn allowed() -> Vec<String> {
    vec!["api.local".into(), "127.0.0.1:8080".into()]
}

#[test]
fn the_allowlist_takes_names_and_ports() {
    let a = allowed();
    assert!(is_allowed(&a, "api.local", 80));
    assert!(is_allowed(&a, "API.local", 9999));
    assert!(is_allowed(&a, "127.0.0.1", 8080));
    assert!(!is_allowed(&a, "127.0.0.1", 8081));
    assert!(!is_allowed(&a, "other", 80));
    assert!(!is_allowed(&[], "api.local", 80));
}

#[test]
fn a_request_from_every_parameter() {
    let p = json!({
        "ApiEndpoint": "http://api.local/items?x=1",
        "Method": "POST",
        "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c"},
        "Headers": {"x-n": 3},
        "QueryParameters": {"q": "a b", "tag": ["1", "2"]},
        "RequestBody": {"k": ["a", "b"], "n": 1},
        "Transform": {"RequestBodyEncoding": "URL_ENCODED"},
    });
    let r = build_request(&p, &allowed()).unwrap();
    assert_eq!(r.method(), Method::POST);
    assert_eq!(
        r.uri().to_string(),
        "http://api.local/items?x=1&q=a%20b&tag=1&tag=2"
    );
    assert_eq!(r.headers()["x-n"], "3");
    assert_eq!(
        r.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let body = futures_body(r);
    assert_eq!(body, "k%5B0%5D=a&k%5B1%5D=b&n=1");
}

fn futures_body(r: Request<Bytes>) -> String {
    String::from_utf8(r.into_body().to_vec()).unwrap()
}

#[test]
fn a_json_body_by_default() {
    let p = json!({"ApiEndpoint": "http://api.local", "Method": "put", "RequestBody": {"a": 1}});
    let r = build_request(&p, &allowed()).unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(futures_body(r), r#"{"a":1}"#);
}

#[test]
fn bad_parameters_and_refused_hosts_say_why() {
    let err = |p: Value| build_request(&p, &allowed()).unwrap_err();
    assert!(err(json!({"Method": "GET"})).contains("ApiEndpoint"));
    assert!(err(json!({"ApiEndpoint": "http://api.local"})).contains("Method"));
    assert!(err(json!({"ApiEndpoint": "http://api.local", "Method": "TRACE"})).contains("TRACE"));
    assert!(err(json!({"ApiEndpoint": "https://api.local", "Method": "GET"})).contains("https"));
    assert!(err(json!({"ApiEndpoint": "ftp://api.local", "Method": "GET"})).contains("http://"));
    let refused = err(json!({"ApiEndpoint": "http://evil.example:81/x", "Method": "GET"}));
    assert!(refused.contains("evil.example:81") && refused.contains("--allow-http-host"));
    assert!(
        err(json!({"ApiEndpoint": "http://api.local", "Method": "GET", "Headers": {"a": {}}}))
            .contains("header 'a'")
    );
    assert!(
        err(json!({"ApiEndpoint": "http://api.local", "Method": "GET",
        "Transform": {"RequestBodyEncoding": "URL_ENCODED"}, "RequestBody": "x"}))
        .contains("object")
    );
    assert!(err(json!({"ApiEndpoint": "http://api.local", "Method": "GET", "Headers": {"bad name": "x"}})).contains("cannot be made"));
}

#[tokio::test]
async fn a_refused_connection_is_a_socket_failure() {
    // Port 1 on loopback: nothing listens there.
    let http = HttpInvoke::new(vec!["127.0.0.1:1".into()]);
    let p = json!({"ApiEndpoint": "http://127.0.0.1:1/x", "Method": "GET"});
    let failure = http
        .call("invoke", p, CallContext::default())
        .await
        .unwrap_err();
    assert_eq!(failure.error.as_deref(), Some(SOCKET));
    assert!(failure.cause.unwrap().contains("127.0.0.1:1"));
    assert_eq!(
        http.patterns("invoke"),
        Some(&[Pattern::RequestResponse][..])
    );
    assert_eq!(http.patterns("get"), None);
}

#[test]
fn array_formats() {
    let o = json!({"a": ["x", "y"]});
    let o = o.as_object().unwrap();
    let enc = |f| form_encode(o, f).unwrap();
    assert_eq!(enc(ArrayFormat::Indices), "a%5B0%5D=x&a%5B1%5D=y");
    assert_eq!(enc(ArrayFormat::Repeat), "a=x&a=y");
    assert_eq!(enc(ArrayFormat::Commas), "a=x%2Cy");
    assert_eq!(enc(ArrayFormat::Brackets), "a%5B%5D=x&a%5B%5D=y");
}

#[test]
fn the_response_body_is_json_only_when_it_says_so() {
    let (mut parts, ()) = hyper::Response::builder()
        .status(404)
        .header("content-type", "application/json")
        .body(())
        .unwrap()
        .into_parts();
    let v = response_value(&parts, br#"{"a":1}"#);
    assert_eq!(v["ResponseBody"], json!({"a": 1}));
    assert_eq!(v["StatusText"], "Not Found");
    assert_eq!(v["Headers"]["content-type"], json!(["application/json"]));
    parts.headers.clear();
    assert_eq!(response_value(&parts, b"{}")["ResponseBody"], "{}");
}
