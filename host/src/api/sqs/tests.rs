//! Tests of `sqs`.

use std::time::Instant;

use super::*;
use crate::integrations::sqs::queue::{Message, StoredMessage};

fn received() -> Received {
    let attr = |v: &str| MessageAttribute {
        data_type: "String".into(),
        string_value: Some(v.into()),
        binary_value: None,
    };
    let stored = StoredMessage {
        seq: 1,
        id: "id".into(),
        body: "b".into(),
        md5_body: "x".into(),
        attributes: BTreeMap::from([
            ("app.color".to_owned(), attr("blue")),
            ("size".to_owned(), attr("9")),
        ]),
        md5_attributes: None,
        sent_ms: 5,
        delayed_until_ms: 0,
    };
    Received {
        message: Message {
            stored,
            visible_at: Instant::now(),
            receive_count: 3,
            first_receive_ms: Some(7),
            receipt: Some("r".into()),
        },
        receipt: "r".into(),
    }
}

#[test]
fn receive_returns_only_the_attributes_asked_for() {
    let m = received();
    let bare = message_json(&m, &[], &[], "1").unwrap();
    assert!(bare.get("Attributes").is_none());
    assert!(bare.get("MessageAttributes").is_none());

    let some = message_json(
        &m,
        &["ApproximateReceiveCount".into()],
        &["app.*".into()],
        "1",
    )
    .unwrap();
    assert_eq!(some["Attributes"], json!({"ApproximateReceiveCount": "3"}));
    let names: Vec<&String> = some["MessageAttributes"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names, ["app.color"]);
    let only = BTreeMap::from([(
        "app.color".to_owned(),
        m.message.stored.attributes["app.color"].clone(),
    )]);
    assert_eq!(
        some["MD5OfMessageAttributes"],
        md5_of_attributes(&only).unwrap()
    );

    let all = message_json(&m, &["All".into()], &["All".into()], "1").unwrap();
    assert_eq!(all["Attributes"]["SentTimestamp"], "5");
    assert_eq!(all["Attributes"]["ApproximateFirstReceiveTimestamp"], "7");
    assert_eq!(all["MessageAttributes"].as_object().unwrap().len(), 2);
}

#[test]
fn batch_ids_are_checked_as_sqs_checks_them() {
    assert!(matches!(
        check_batch([].into_iter()),
        Err(SqsError::EmptyBatchRequest(_))
    ));
    assert!(matches!(
        check_batch(["a", "a"].into_iter()),
        Err(SqsError::BatchEntryIdsNotDistinct(_))
    ));
    assert!(matches!(
        check_batch(["a b"].into_iter()),
        Err(SqsError::InvalidParameterValue(_))
    ));
    assert!(check_batch(["a-1", "b_2"].into_iter()).is_ok());
}
