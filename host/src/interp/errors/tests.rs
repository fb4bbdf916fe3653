//! Tests of `errors`.

use super::*;

#[test]
fn all_matches_ordinary_errors_but_not_terminal_ones() {
    assert!(Failure::new("MyError", "").matches(names::ALL));
    assert!(Failure::new(names::TIMEOUT, "").matches(names::ALL));
    assert!(!Failure::new(names::RUNTIME, "").matches(names::ALL));
    assert!(!Failure::new(names::DATA_LIMIT_EXCEEDED, "").matches(names::ALL));
}

#[test]
fn task_failed_excludes_timeouts() {
    assert!(Failure::new("Lambda.Unknown", "").matches(names::TASK_FAILED));
    assert!(!Failure::new(names::TIMEOUT, "").matches(names::TASK_FAILED));
    assert!(!Failure::new(names::HEARTBEAT_TIMEOUT, "").matches(names::TASK_FAILED));
}

#[test]
fn timeout_covers_heartbeat_timeout() {
    assert!(Failure::new(names::HEARTBEAT_TIMEOUT, "").matches(names::TIMEOUT));
    assert!(!Failure::new(names::TIMEOUT, "").matches(names::HEARTBEAT_TIMEOUT));
}

#[test]
fn a_heartbeat_expiry_is_states_timeout_that_heartbeat_timeout_also_matches() {
    let expiry = Failure::heartbeat_timeout();
    assert_eq!(expiry.error.as_deref(), Some(names::TIMEOUT));
    assert_eq!(expiry.cause, None);
    assert!(expiry.matches(names::TIMEOUT));
    assert!(expiry.matches(names::HEARTBEAT_TIMEOUT));
    assert!(expiry.matches(names::ALL));
    assert!(!expiry.matches(names::TASK_FAILED));
    // Stored steps keep their shape: the marker is written only when set.
    let plain = serde_json::to_string(&Failure::new("E", "c")).unwrap();
    assert_eq!(plain, r#"{"error":"E","cause":"c"}"#);
    let back: Failure = serde_json::from_str(&serde_json::to_string(&expiry).unwrap()).unwrap();
    assert_eq!(back, expiry);
}

#[test]
fn exact_names_match_themselves_only() {
    assert!(Failure::new("A", "").matches("A"));
    assert!(!Failure::new("A", "").matches("B"));
    assert!(!Failure::new("A", "").matches("State.ALL"));
}

#[test]
fn catch_output_omits_missing_parts() {
    let f = Failure::of(Some("E".into()), None);
    assert_eq!(f.to_catch_output(), serde_json::json!({"Error": "E"}));
}
