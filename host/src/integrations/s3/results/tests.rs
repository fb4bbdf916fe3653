use serde_json::json;

use super::*;

const RUN: &str = "arn:aws:states:us-east-1:123456789012:mapRun:orders/Items:exec-7";

fn children() -> Vec<Value> {
    vec![
        json!({"ExecutionArn": "arn:x:1", "Name": "1", "StateMachineArn": "arn:sm", "Status": "SUCCEEDED",
               "StartDate": 1_700_000_000_000_i64, "StopDate": 1_700_000_001_500_i64,
               "Input": "{\"n\":1}", "Output": "[1,2]"}),
        json!({"ExecutionArn": "arn:x:2", "Name": "2", "StateMachineArn": "arn:sm", "Status": "FAILED",
               "StartDate": 1_700_000_000_000_i64, "StopDate": 1_700_000_000_010_i64,
               "Input": "{\"n\":2}", "Error": "Bad", "Cause": "no"}),
        json!({"ExecutionArn": "arn:x:3", "Name": "3", "StateMachineArn": "arn:sm", "Status": "SUCCEEDED",
               "StartDate": 1_700_000_000_000_i64, "StopDate": 1_700_000_000_020_i64,
               "Input": "{\"n\":3}", "Output": "3"}),
    ]
}

fn layout(json_array: bool, transformation: Transformation) -> Layout {
    Layout {
        json_array,
        transformation,
    }
}

#[test]
fn results_go_under_the_prefix_and_map_run_id_with_a_manifest_naming_them() {
    let written = files(
        "bucket",
        "jobs",
        RUN,
        layout(true, Transformation::None),
        &children(),
    );
    let keys: Vec<&str> = written.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "jobs/exec-7/FAILED_0.json",
            "jobs/exec-7/SUCCEEDED_0.json",
            "jobs/exec-7/manifest.json"
        ]
    );
    let manifest: Value = serde_json::from_str(&written.objects[2].body).unwrap();
    assert_eq!(manifest["DestinationBucket"], "bucket");
    assert_eq!(manifest["MapRunArn"], RUN);
    assert_eq!(manifest["ResultFiles"]["PENDING"], json!([]));
    assert_eq!(
        manifest["ResultFiles"]["SUCCEEDED"],
        json!([{"Key": "jobs/exec-7/SUCCEEDED_0.json", "Size": written.objects[1].body.len()}])
    );
    assert_eq!(
        written.answer,
        json!({"MapRunArn": RUN, "ResultWriterDetails": {"Bucket": "bucket", "Key": "jobs/exec-7/manifest.json"}})
    );
    let succeeded: Value = serde_json::from_str(&written.objects[1].body).unwrap();
    assert_eq!(
        succeeded[0],
        json!({"ExecutionArn": "arn:x:1", "Name": "1", "StateMachineArn": "arn:sm", "Status": "SUCCEEDED",
               "StartDate": "2023-11-14T22:13:20.000Z", "StopDate": "2023-11-14T22:13:21.500Z",
               "Input": "{\"n\":1}", "InputDetails": {"Included": true},
               "Output": "[1,2]", "OutputDetails": {"Included": true},
               "RedriveCount": 0, "RedriveStatus": "NOT_REDRIVABLE",
               "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven"})
    );
    let failed: Value = serde_json::from_str(&written.objects[0].body).unwrap();
    assert_eq!(failed[0]["Error"], "Bad");
    assert_eq!(failed[0]["RedriveStatus"], "REDRIVABLE");
    // No prefix: the Map Run's id is the top folder; a prefix ending in / is not doubled.
    let bare = files("b", "", RUN, layout(true, Transformation::None), &[]);
    assert_eq!(bare.objects[0].key, "exec-7/manifest.json");
    let slash = files("b", "p/", RUN, layout(true, Transformation::None), &[]);
    assert_eq!(slash.objects[0].key, "p/exec-7/manifest.json");
}

#[test]
fn compact_and_flatten_write_outputs_and_failures_whole_as_json_lines() {
    let compact = files(
        "b",
        "p",
        RUN,
        layout(true, Transformation::Compact),
        &children(),
    );
    assert_eq!(compact.objects[1].body, "[[1,2],3]");
    let flat = files(
        "b",
        "p",
        RUN,
        layout(false, Transformation::Flatten),
        &children(),
    );
    assert_eq!(flat.objects[1].key, "p/exec-7/SUCCEEDED_0.jsonl");
    assert_eq!(flat.objects[1].body, "1\n2\n3\n");
    let failed: Value = serde_json::from_str(flat.objects[0].body.trim()).unwrap();
    assert_eq!(failed["Name"], "2", "a failed child is written whole");
    assert_eq!(
        Layout::of(&json!({"OutputType": "JSONL", "Transformation": "FLATTEN"})).unwrap(),
        layout(false, Transformation::Flatten)
    );
    assert!(Layout::of(&json!({"Transformation": "SQUASH"})).is_err());
}
