use super::*;

use std::time::{Duration, UNIX_EPOCH};

/// `get-vanilla` from AWS's Signature Version 4 test suite: the request, the example
/// credentials, and the signature AWS publishes for them.
#[test]
fn signs_aws_published_test_vector() {
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "test",
    );
    let headers = [("host".to_owned(), "example.amazonaws.com".to_owned())];
    let request = Unsigned {
        method: "GET",
        url: "https://example.amazonaws.com/",
        headers: &headers,
        body: b"",
    };
    // 2015-08-30T12:36:00Z
    let scope = Scope {
        service: "service",
        region: "us-east-1",
        time: UNIX_EPOCH + Duration::from_secs(1_440_938_160),
    };
    let signed = signature_headers(&request, &scope, &credentials).unwrap();
    let get = |name: &str| {
        signed
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("x-amz-date"), Some("20150830T123600Z"));
    assert_eq!(
        get("authorization"),
        Some(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
    );
}

#[test]
fn s3_requests_carry_the_payload_hash_and_a_session_token_is_sent() {
    let credentials = Credentials::new("AKID", "SECRET", Some("TOKEN".into()), None, "test");
    let headers = [("host".to_owned(), "s3.us-east-1.amazonaws.com".to_owned())];
    let request = Unsigned {
        method: "PUT",
        url: "https://s3.us-east-1.amazonaws.com/bucket/a%20key",
        headers: &headers,
        body: b"hello",
    };
    let scope = Scope {
        service: "s3",
        region: "us-east-1",
        time: SystemTime::now(),
    };
    let signed = signature_headers(&request, &scope, &credentials).unwrap();
    let names: Vec<String> = signed.iter().map(|(n, _)| n.to_lowercase()).collect();
    assert!(
        names.contains(&"x-amz-content-sha256".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"x-amz-security-token".to_owned()),
        "{names:?}"
    );
    let sha = &signed
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-content-sha256"))
        .unwrap()
        .1;
    // sha256("hello")
    assert_eq!(
        sha,
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
}
