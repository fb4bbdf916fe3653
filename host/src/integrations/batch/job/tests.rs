//! Tests of `job`.

use super::*;
use serde_json::json;

#[test]
fn definitions_by_name_revision_or_arn() {
    assert_eq!(
        parse_definition("preprocessing"),
        Some(("preprocessing", 1))
    );
    assert_eq!(parse_definition("prep:3"), Some(("prep", 3)));
    assert_eq!(
        parse_definition("arn:aws:batch:us-east-1:123456789012:job-definition/prep:7"),
        Some(("prep", 7))
    );
    assert_eq!(
        parse_definition("arn:aws:batch:us-east-1:123456789012:job-definition/prep"),
        Some(("prep", 1))
    );
    for bad in [
        "",
        "a b",
        "prep:",
        "prep:0",
        "prep:x",
        "arn:aws:s3:::x",
        "arn:aws:batch:r:a:job-queue/q",
    ] {
        assert_eq!(parse_definition(bad), None, "{bad}");
    }
    assert_eq!(parse_queue("SecondaryQueue"), Some("SecondaryQueue"));
    assert_eq!(
        parse_queue("arn:aws:batch:us-east-1:123456789012:job-queue/Q"),
        Some("Q")
    );
}

#[test]
fn the_seed_request_reads_in_either_case() {
    let sfn = json!({"JobDefinition": "preprocessing", "JobName": "PreprocessingBatchJob",
        "JobQueue": "SecondaryQueue", "Parameters": {"a": "1"}, "RetryStrategy": {"attempts": 5}});
    let rest = json!({"jobDefinition": "preprocessing", "jobName": "PreprocessingBatchJob",
        "jobQueue": "SecondaryQueue", "parameters": {"a": "1"}, "retryStrategy": {"Attempts": 5}});
    let a = SubmitJob::parse(&sfn).unwrap();
    assert_eq!(a, SubmitJob::parse(&rest).unwrap());
    assert_eq!((a.attempts, a.definition.as_str()), (5, "preprocessing"));
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let base = json!({"jobDefinition": "d", "jobName": "n", "jobQueue": "q"});
    let with = |k: &str, v: Value| {
        let mut r = base.clone();
        r[k] = v;
        SubmitJob::parse(&r).unwrap_err()
    };
    assert!(with("jobName", json!("has space")).contains("JobName"));
    assert!(with("jobName", json!("x".repeat(129))).contains("JobName"));
    assert!(with("jobName", json!(3)).contains("must be a string"));
    assert!(with("retryStrategy", json!({"attempts": 11})).contains("1 to 10"));
    assert!(with("retryStrategy", json!({"attempts": 0})).contains("1 to 10"));
    assert!(with("timeout", json!({"attemptDurationSeconds": 59})).contains("at least 60"));
    assert!(with("parameters", json!({"a": 1})).contains("'a'"));
    assert!(
        SubmitJob::parse(&json!({"jobName": "n"}))
            .unwrap_err()
            .contains("required")
    );
    assert!(SubmitJob::parse(&json!([])).is_err());
}

#[test]
fn the_state_sees_pascal_case_but_its_own_parameter_names() {
    let v = pascal_case(json!({"jobId": "x", "parameters": {"inputFile": "f"},
        "attempts": [{"container": {"exitCode": 0}}]}));
    assert_eq!(
        v,
        json!({"JobId": "x", "Parameters": {"inputFile": "f"},
            "Attempts": [{"Container": {"ExitCode": 0}}]})
    );
}
