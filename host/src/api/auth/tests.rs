//! Tests of `auth`: a request signed as the SDKs sign it passes; every way of getting it
//! wrong is refused with AWS's words.

use super::*;
use axum::http::HeaderValue;

const FILE: &str = "
# team keys
[default]
aws_access_key_id = AKIDGOOD
aws_secret_access_key = s3cret
region = us-east-1

[ci]
aws_access_key_id=AKIDCI
aws_secret_access_key=other
";

fn keys() -> Keys {
    Keys::parse(FILE, "us-east-1").unwrap()
}

/// Headers of a StartExecution signed by `id`/`secret` for `region`/`service` at `at`.
fn signed(
    id: &str,
    secret: &str,
    region: &str,
    service: &str,
    at: SystemTime,
    body: &[u8],
) -> HeaderMap {
    let base = vec![
        ("host".to_owned(), "localhost:8083".to_owned()),
        (
            "x-amz-target".to_owned(),
            "AWSStepFunctions.StartExecution".to_owned(),
        ),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        ),
    ];
    let credentials = aws_credential_types::Credentials::new(id, secret, None, None, "test");
    let added = signature_headers(
        &Unsigned {
            method: "POST",
            url: "http://localhost:8083/",
            headers: &base,
            body,
        },
        &Scope {
            service,
            region,
            time: at,
        },
        &credentials,
    )
    .unwrap();
    let mut headers = HeaderMap::new();
    for (n, v) in base.iter().chain(added.iter()) {
        headers.insert(
            axum::http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    headers
}

fn check(headers: &HeaderMap, body: &[u8], now: SystemTime) -> Result<(), Refusal> {
    verify(&keys(), "POST", "/", headers, body, "states", now)
}

#[test]
fn the_file_lists_who_may_call() {
    let k = keys();
    assert_eq!(k.secrets.len(), 2);
    assert_eq!(k.secrets["AKIDCI"], "other");
    assert!(matches!(
        Keys::parse("[x]\naws_access_key_id = A\n", "us-east-1"),
        Err(KeysError::Incomplete(_))
    ));
    assert!(matches!(
        Keys::parse("aws_access_key_id = A\n", "us-east-1"),
        Err(KeysError::Syntax { line: 1, .. })
    ));
    assert!(matches!(
        Keys::parse("# nothing\n", "us-east-1"),
        Err(KeysError::Empty)
    ));
    assert!(!format!("{k:?}").contains("s3cret"));
}

#[test]
fn a_signed_request_passes_and_a_changed_one_does_not() {
    let now = SystemTime::now();
    let body = br#"{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m"}"#;
    let headers = signed("AKIDGOOD", "s3cret", "us-east-1", "states", now, body);
    assert_eq!(check(&headers, body, now), Ok(()));
    // Another body under the same signature.
    let e = check(&headers, b"{}", now).unwrap_err();
    assert!(
        matches!(&e, Refusal::BadSignature(m) if m.starts_with("The request signature we calculated"))
    );
    assert_eq!(e.code(Service::States), "InvalidSignatureException");
    // The wrong secret.
    let wrong = signed("AKIDGOOD", "guess", "us-east-1", "states", now, body);
    assert!(matches!(
        check(&wrong, body, now),
        Err(Refusal::BadSignature(_))
    ));
    // A key the file does not have.
    let stranger = signed("AKIDNOBODY", "s3cret", "us-east-1", "states", now, body);
    let e = check(&stranger, body, now).unwrap_err();
    assert_eq!(e, Refusal::UnknownKey);
    assert_eq!(e.code(Service::States), "UnrecognizedClientException");
    assert_eq!(e.code(Service::Sns), "InvalidClientTokenId");
    // No signature.
    let e = check(&HeaderMap::new(), body, now).unwrap_err();
    assert_eq!(
        e.code(Service::Lambda),
        "MissingAuthenticationTokenException"
    );
}

#[test]
fn the_scope_and_the_date_must_be_right() {
    let now = SystemTime::now();
    let body = b"{}";
    let other_region = signed("AKIDGOOD", "s3cret", "eu-west-1", "states", now, body);
    assert!(matches!(
        check(&other_region, body, now),
        Err(Refusal::BadSignature(m)) if m.contains("valid region")
    ));
    let other_service = signed("AKIDGOOD", "s3cret", "us-east-1", "sqs", now, body);
    assert!(matches!(
        check(&other_service, body, now),
        Err(Refusal::BadSignature(m)) if m.contains("correct service: 'states'")
    ));
    // Replayed 20 minutes later: outside the 15 minutes AWS allows.
    let then = now - Duration::from_secs(20 * 60);
    let old = signed("AKIDGOOD", "s3cret", "us-east-1", "states", then, body);
    assert!(matches!(
        check(&old, body, now),
        Err(Refusal::BadSignature(m)) if m.starts_with("Signature expired")
    ));
    // Ten minutes of skew is within it.
    let skewed = signed(
        "AKIDGOOD",
        "s3cret",
        "us-east-1",
        "states",
        now - Duration::from_secs(600),
        body,
    );
    assert_eq!(check(&skewed, body, now), Ok(()));
}
