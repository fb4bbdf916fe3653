//! `serve --credentials`: every request must be signed (SigV4) by a key pair of the file. The
//! AWS SDK for Rust with the right secret gets in; the wrong secret, a key nobody gave, a
//! signature for another region or service, one replayed outside the allowed skew, and no
//! signature at all are refused with AWS's errors, for Step Functions, Lambda, SQS and SNS,
//! and change nothing.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_sfn::config::{Credentials, Region};
use aws_sdk_sfn::error::ProvideErrorMetadata;
use serde_json::json;
use stepwise::api::auth::Keys;
use stepwise::integrations::aws::signing::{Scope, Unsigned, signature_headers};
use stepwise::store::memory::MemoryStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::Host;

const FILE: &str = "[team]\naws_access_key_id = AKIDTEAM\naws_secret_access_key = team-secret\n";

fn sfn(endpoint: &str, id: &str, secret: &str, region: &str) -> aws_sdk_sfn::Client {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(id, secret, None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sfn::Client::from_conf(config)
}

/// A Step Functions request signed by hand at `at` for `service`; the status and body.
async fn raw(endpoint: &str, at: SystemTime, service: &str) -> (u16, String) {
    let host = endpoint.trim_start_matches("http://");
    let body = b"{}";
    let headers = vec![
        ("host".to_owned(), host.to_owned()),
        (
            "x-amz-target".to_owned(),
            "AWSStepFunctions.ListStateMachines".to_owned(),
        ),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.0".to_owned(),
        ),
    ];
    let credentials = Credentials::new("AKIDTEAM", "team-secret", None, None, "test");
    let signed = signature_headers(
        &Unsigned {
            method: "POST",
            url: &format!("{endpoint}/"),
            headers: &headers,
            body,
        },
        &Scope {
            service,
            region: "us-east-1",
            time: at,
        },
        &credentials,
    )
    .unwrap();
    let mut request = String::from("POST / HTTP/1.1\r\n");
    for (n, v) in headers.iter().chain(signed.iter()) {
        request.push_str(&format!("{n}: {v}\r\n"));
    }
    request.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn only_signed_requests_get_in() {
    let keys = Keys::parse(FILE, "us-east-1").unwrap();
    let host = Host::with_keys(Arc::new(MemoryStore::new()), keys).await;
    let team = sfn(&host.endpoint, "AKIDTEAM", "team-secret", "us-east-1");
    let definition = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;

    // The right key pair: in, whatever the action.
    let machine = team
        .create_state_machine()
        .name("m")
        .role_arn(crate::common::ROLE)
        .definition(definition)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let arn = crate::common::start_execution(&team, &machine, &json!({"a": [1, "two"]})).await;
    let d = crate::common::ended(&team, &arn).await;
    assert_eq!(d.status.as_str(), "SUCCEEDED");

    // The wrong secret: refused, and nothing made.
    let guess = sfn(&host.endpoint, "AKIDTEAM", "guess", "us-east-1");
    let e = guess
        .create_state_machine()
        .name("sneaky")
        .role_arn(crate::common::ROLE)
        .definition(definition)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert!(
        e.message()
            .unwrap()
            .starts_with("The request signature we calculated does not match")
    );
    let listed = team.list_state_machines().send().await.unwrap();
    assert_eq!(listed.state_machines.len(), 1);

    // A key nobody gave.
    let stranger = sfn(&host.endpoint, "AKIDNOBODY", "team-secret", "us-east-1");
    let e = stranger
        .list_state_machines()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        e.message(),
        Some("The security token included in the request is invalid.")
    );

    // Signed for another region.
    let elsewhere = sfn(&host.endpoint, "AKIDTEAM", "team-secret", "eu-west-1");
    let e = elsewhere
        .list_state_machines()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert!(e.message().unwrap().contains("valid region"), "{e:?}");

    // Signed for another service, and a good signature replayed 20 minutes later.
    let (status, body) = raw(&host.endpoint, SystemTime::now(), "sqs").await;
    assert_eq!(status, 400);
    assert!(
        body.contains("InvalidSignatureException") && body.contains("correct service"),
        "{body}"
    );
    let (status, body) = raw(
        &host.endpoint,
        SystemTime::now() - Duration::from_secs(20 * 60),
        "states",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("Signature expired"), "{body}");
    let (status, _) = raw(&host.endpoint, SystemTime::now(), "states").await;
    assert_eq!(status, 200);

    // Lambda, SQS and SNS check the same, and answer in their own protocols.
    let lambda = |secret: &str| {
        aws_sdk_lambda::Client::from_conf(
            aws_sdk_lambda::Config::builder()
                .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
                .region(aws_sdk_lambda::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                    "AKIDTEAM", secret, None, None, "test",
                ))
                .endpoint_url(&host.endpoint)
                .build(),
        )
    };
    lambda("team-secret").list_functions().send().await.unwrap();
    let e = lambda("guess")
        .list_functions()
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::code(&e),
        Some("InvalidSignatureException")
    );
    let sqs = |secret: &str| {
        aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::Config::builder()
                .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
                .region(aws_sdk_sqs::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                    "AKIDTEAM", secret, None, None, "test",
                ))
                .endpoint_url(&host.endpoint)
                .build(),
        )
    };
    sqs("team-secret").list_queues().send().await.unwrap();
    let e = sqs("guess")
        .create_queue()
        .queue_name("q")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_sqs::error::ProvideErrorMetadata::code(&e),
        Some("InvalidSignatureException")
    );
    let sns = |secret: &str| {
        aws_sdk_sns::Client::from_conf(
            aws_sdk_sns::Config::builder()
                .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
                .region(aws_sdk_sns::config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_sns::config::Credentials::new(
                    "AKIDTEAM", secret, None, None, "test",
                ))
                .endpoint_url(&host.endpoint)
                .build(),
        )
    };
    sns("team-secret").list_topics().send().await.unwrap();
    let e = sns("guess")
        .create_topic()
        .name("t")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_sns::error::ProvideErrorMetadata::code(&e),
        Some("SignatureDoesNotMatch")
    );
    // Prometheus cannot sign: /metrics stays open (names and counts, no payloads).
    let answer = crate::common::get(&host.endpoint, "/metrics").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let queues = sqs("team-secret").list_queues().send().await.unwrap();
    assert!(queues.queue_urls.unwrap_or_default().is_empty());
    let topics = sns("team-secret").list_topics().send().await.unwrap();
    assert!(topics.topics.unwrap_or_default().is_empty());
    host.stop().await;
}

/// Without credentials the server stays on loopback unless told otherwise, and says why.
#[test]
fn an_open_server_needs_insecure_or_credentials() {
    let dir = std::env::temp_dir().join(format!("stepwise-auth-{}", uuid::Uuid::new_v4()));
    let stderr = crate::common::refused(&[
        "--in-memory".as_ref(),
        "--listen".as_ref(),
        "0.0.0.0:0".as_ref(),
        "--data-dir".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without --credentials"),
        "{stderr}"
    );
    let file = std::env::temp_dir().join(format!("stepwise-creds-{}", uuid::Uuid::new_v4()));
    std::fs::write(&file, "[x]\naws_access_key_id = A\n").unwrap();
    let stderr = crate::common::refused(&[
        "--in-memory".as_ref(),
        "--listen".as_ref(),
        "0.0.0.0:0".as_ref(),
        "--credentials".as_ref(),
        file.as_os_str(),
    ]);
    assert!(
        stderr.contains("needs both aws_access_key_id and aws_secret_access_key"),
        "{stderr}"
    );
    std::fs::remove_file(&file).unwrap();
}
