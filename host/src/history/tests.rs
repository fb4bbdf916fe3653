//! Tests of `history`.

use super::*;
use serde_json::json;

#[test]
fn state_entered_has_aws_shape() {
    let e = HistoryEvent {
        id: 2,
        previous_event_id: 1,
        timestamp_ms: 1_500,
        details: EventDetails::StateEntered {
            state_type: "Pass",
            name: "Hello".into(),
            input: Arc::new(json!({"a": 1})),
        },
    };
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({
            "timestamp": 1.5, "type": "PassStateEntered", "id": 2, "previousEventId": 1,
            "stateEnteredEventDetails": {"name": "Hello", "input": "{\"a\":1}", "inputDetails": {"truncated": false}}
        })
    );
}

#[test]
fn failure_omits_missing_error_and_cause() {
    let e = HistoryEvent {
        id: 3,
        previous_event_id: 2,
        timestamp_ms: 0,
        details: EventDetails::ExecutionFailed(ErrorDetails {
            error: Some("E".into()),
            cause: None,
        }),
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["executionFailedEventDetails"], json!({"error": "E"}));
    assert_eq!(v["type"], "ExecutionFailed");
}

#[test]
fn events_without_details_have_only_the_header() {
    let e = HistoryEvent {
        id: 4,
        previous_event_id: 3,
        timestamp_ms: 0,
        details: EventDetails::MapStateSucceeded,
    };
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 4);
}
