//! Tests of `sns`.

use super::*;
use crate::store::memory::MemoryStore;

fn topics() -> (Topics, Queues) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let none = BTreeMap::new();
    let queues = Queues::new(store.clone(), &Identity::default(), &none);
    (
        Topics::new(store, &Identity::default(), queues.clone(), &none),
        queues,
    )
}

#[test]
fn the_envelope_has_the_fields_sns_sends() {
    let p = Publication {
        topic_arn: "arn:aws:sns:us-east-1:123456789012:t".into(),
        message: "hi".into(),
        subject: Some("s".into()),
        attributes: BTreeMap::from([(
            "k".to_owned(),
            MessageAttribute {
                data_type: "String".into(),
                string_value: Some("v".into()),
                binary_value: None,
            },
        )]),
    };
    let at = chrono::DateTime::from_timestamp_millis(0).unwrap();
    let e = envelope("id", &p, "sub", at);
    assert_eq!(e["Type"], "Notification");
    assert_eq!(e["MessageId"], "id");
    assert_eq!(e["TopicArn"], p.topic_arn);
    assert_eq!(e["Subject"], "s");
    assert_eq!(e["Message"], "hi");
    assert_eq!(e["Timestamp"], "1970-01-01T00:00:00.000Z");
    assert_eq!(
        e["MessageAttributes"]["k"],
        json!({"Type": "String", "Value": "v"})
    );
}

#[tokio::test]
async fn publish_delivers_the_envelope_or_the_raw_message_to_queues() {
    let (topics, queues) = topics();
    let topic = topics.create("t", BTreeMap::new()).await.unwrap();
    let wrapped = queues.create("wrapped", &BTreeMap::new()).await.unwrap();
    let raw = queues.create("raw", &BTreeMap::new()).await.unwrap();
    topics
        .subscribe(&topic, "sqs", &wrapped.arn, &BTreeMap::new())
        .await
        .unwrap();
    let attrs = BTreeMap::from([("RawMessageDelivery".to_owned(), "true".to_owned())]);
    topics
        .subscribe(&topic, "sqs", &raw.arn, &attrs)
        .await
        .unwrap();
    let id = topics
        .clone()
        .publish_task(json!({"TopicArn": topic, "Message": {"a": 1}}))
        .await
        .unwrap()["MessageId"]
        .clone();
    let got = queues.receive(&wrapped, None, Some(0), None).await.unwrap();
    let e: Value = serde_json::from_str(&got[0].message.stored.body).unwrap();
    assert_eq!(e["MessageId"], id);
    assert_eq!(e["Message"], r#"{"a":1}"#);
    let got = queues.receive(&raw, None, Some(0), None).await.unwrap();
    assert_eq!(got[0].message.stored.body, r#"{"a":1}"#);
}

#[tokio::test]
async fn publishing_to_a_missing_topic_is_not_found() {
    let (topics, _) = topics();
    let failure = topics
        .publish_task(
            json!({"TopicArn": "arn:aws:sns:us-east-1:123456789012:nope", "Message": "x"}),
        )
        .await
        .unwrap_err()
        .failure();
    assert_eq!(failure.error.as_deref(), Some("SNS.NotFoundException"));
}
