//! Tests of `sqs`.

use super::*;
use crate::store::memory::MemoryStore;
use serde_json::json;

fn queues() -> Queues {
    Queues::new(
        Arc::new(MemoryStore::new()),
        &Identity::default(),
        &BTreeMap::new(),
    )
}

#[test]
fn queue_urls_and_arns_name_the_queue_of_this_account() {
    let a = "123456789012";
    assert_eq!(
        queue_name("http://localhost:4566/123456789012/jobs", a),
        Some("jobs")
    );
    assert_eq!(
        queue_name("https://sqs.us-east-1.amazonaws.com/123456789012/jobs/", a),
        Some("jobs")
    );
    assert_eq!(
        queue_name("arn:aws:sqs:us-east-1:123456789012:jobs", a),
        Some("jobs")
    );
    assert_eq!(queue_name("http://localhost/999999999999/jobs", a), None);
    assert_eq!(
        queue_name("arn:aws:sns:us-east-1:123456789012:jobs", a),
        None
    );
    assert_eq!(queue_name("jobs", a), None);
}

#[test]
fn md5_of_attributes_matches_what_sqs_computes() {
    // The encoding spelled out byte by byte: length-prefixed name, type, transport byte 1, value.
    assert_eq!(md5_hex(b"hello"), "5d41402abc4b2a76b9719d911017c592");
    let attrs = BTreeMap::from([(
        "a".to_owned(),
        MessageAttribute {
            data_type: "String".into(),
            string_value: Some("b".into()),
            binary_value: None,
        },
    )]);
    let mut expected = Vec::new();
    expected.extend_from_slice(&[0, 0, 0, 1, b'a', 0, 0, 0, 6]);
    expected.extend_from_slice(b"String");
    expected.extend_from_slice(&[1, 0, 0, 0, 1, b'b']);
    assert_eq!(md5_of_attributes(&attrs).unwrap(), md5_hex(&expected));
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_a_message_is_sent() {
    let qs = queues();
    let q = qs.create("q", &BTreeMap::new()).await.unwrap();
    let poller = {
        let (qs, q) = (qs.clone(), q.clone());
        tokio::spawn(async move { qs.receive(&q, Some(1), Some(20), None).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let body = NewMessage {
        body: "hi".into(),
        ..NewMessage::default()
    };
    qs.send(&q, body).await.unwrap();
    let got = poller.await.unwrap().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message.stored.body, "hi");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn create_is_idempotent_for_the_same_attributes_only_and_checks_them() {
    let qs = queues();
    let attrs = BTreeMap::from([("VisibilityTimeout".to_owned(), "5".to_owned())]);
    qs.create("q", &attrs).await.unwrap();
    qs.create("q", &attrs).await.unwrap();
    let other = BTreeMap::from([("VisibilityTimeout".to_owned(), "6".to_owned())]);
    assert!(matches!(
        qs.create("q", &other).await,
        Err(SqsError::QueueNameExists(_))
    ));
    let bad = BTreeMap::from([("VisibilityTimeout".to_owned(), "-1".to_owned())]);
    assert!(matches!(
        qs.create("r", &bad).await,
        Err(SqsError::InvalidAttributeValue(_))
    ));
    assert!(matches!(
        qs.create("bad name", &attrs).await,
        Err(SqsError::InvalidParameterValue(_))
    ));
}

#[tokio::test]
async fn send_message_refuses_bodies_over_256_kib_and_the_task_names_a_missing_queue() {
    let qs = queues();
    let q = qs.create("q", &BTreeMap::new()).await.unwrap();
    let big = NewMessage {
        body: "x".repeat(MAX_MESSAGE_BYTES + 1),
        ..NewMessage::default()
    };
    assert!(matches!(
        qs.send(&q, big).await,
        Err(SqsError::InvalidParameterValue(_))
    ));
    let failure = qs
        .clone()
        .send_task(json!({"QueueUrl": "http://h/123456789012/nope", "MessageBody": "x"}))
        .await
        .unwrap_err()
        .failure();
    assert_eq!(
        failure.error.as_deref(),
        Some("SQS.QueueDoesNotExistException")
    );
    let response = qs
        .send_task(json!({"QueueUrl": "http://h/123456789012/q", "MessageBody": {"a": 1}}))
        .await
        .unwrap();
    assert_eq!(response["MD5OfMessageBody"], md5_hex(br#"{"a":1}"#));
    assert_eq!(response["SdkHttpMetadata"]["HttpStatusCode"], 200);
}
