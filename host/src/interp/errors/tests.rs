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
fn exact_names_match_themselves_only() {
    assert!(Failure::new("A", "").matches("A"));
    assert!(!Failure::new("A", "").matches("B"));
    assert!(!Failure::new("A", "").matches("State.ALL"));
}

#[test]
fn catch_output_omits_missing_parts() {
    let f = Failure {
        error: Some("E".into()),
        cause: None,
    };
    assert_eq!(f.to_catch_output(), serde_json::json!({"Error": "E"}));
}
