use serde_json::{Value, json};

use super::*;
use crate::registry::service;

/// Checks `value` as the result of `action` of `service_name` in `mode`.
fn check(
    service_name: &str,
    action: &str,
    value: Value,
    mode: FieldValidation,
) -> Result<(), String> {
    let service = service(service_name).unwrap().unwrap();
    let operation = service.operation(action).unwrap();
    check_output(&service, operation, &value, mode)
}

fn strict(service_name: &str, action: &str, value: Value) -> Result<(), String> {
    check(service_name, action, value, FieldValidation::Strict)
}

fn error(problem: &str) -> Result<(), String> {
    Err(format!("Mock result schema validation error: {problem}"))
}

const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:m:e";

#[test]
fn modes_are_parsed_by_their_names() {
    assert_eq!(
        FieldValidation::parse("STRICT"),
        Some(FieldValidation::Strict)
    );
    assert_eq!(
        FieldValidation::parse("PRESENT"),
        Some(FieldValidation::Present)
    );
    assert_eq!(FieldValidation::parse("NONE"), Some(FieldValidation::None));
    assert_eq!(FieldValidation::parse("strict"), None);
    assert_eq!(FieldValidation::parse(""), None);
    assert_eq!(FieldValidation::default(), FieldValidation::Strict);
    for mode in [
        FieldValidation::Strict,
        FieldValidation::Present,
        FieldValidation::None,
    ] {
        assert_eq!(FieldValidation::parse(mode.as_str()), Some(mode));
    }
}

#[test]
fn a_list_must_be_an_array() {
    assert_eq!(
        strict("eventbridge", "putEvents", json!({"Entries": "x"})),
        error("Field 'Entries' must be an array")
    );
    assert_eq!(
        strict(
            "eventbridge",
            "putEvents",
            json!({"Entries": {"EventId": "1"}})
        ),
        error("Field 'Entries' must be an array")
    );
    assert_eq!(
        strict(
            "eventbridge",
            "putEvents",
            json!({"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]})
        ),
        Ok(())
    );
}

#[test]
fn a_nested_field_is_named_by_itself_not_by_its_path() {
    assert_eq!(
        strict(
            "eventbridge",
            "putEvents",
            json!({"Entries": [{"EventId": 1}]})
        ),
        error("Field 'EventId' must be a string")
    );
    assert_eq!(
        strict(
            "eventbridge",
            "putEvents",
            json!({"Entries": [{"EventId": "a"}, {"EventId": false}]})
        ),
        error("Field 'EventId' must be a string")
    );
}

#[test]
fn a_list_element_is_named_by_the_list() {
    assert_eq!(
        strict(
            "eventbridge",
            "putEvents",
            json!({"Entries": [{"EventId": "a"}, "b"]})
        ),
        error("Field 'Entries' must be an object")
    );
}

#[test]
fn required_members_must_be_present_in_strict_mode_only() {
    assert_eq!(
        strict(
            "sfn",
            "startExecution",
            json!({"StartDate": "2024-01-01T00:00:00Z"})
        ),
        error("Required field 'ExecutionArn' is missing")
    );
    assert_eq!(
        check(
            "sfn",
            "startExecution",
            json!({"StartDate": "2024-01-01T00:00:00Z"}),
            FieldValidation::Present
        ),
        Ok(())
    );
    assert_eq!(
        strict(
            "sfn",
            "startExecution",
            json!({"ExecutionArn": ARN, "StartDate": "2024-01-01T00:00:00Z"})
        ),
        Ok(())
    );
    // A null is an absent value.
    assert_eq!(
        strict(
            "sfn",
            "startExecution",
            json!({"ExecutionArn": null, "StartDate": "2024-01-01T00:00:00Z"})
        ),
        error("Required field 'ExecutionArn' is missing")
    );
}

#[test]
fn a_field_named_in_another_case_is_an_unknown_field() {
    let lower = json!({"executionArn": ARN, "startDate": "2024-01-01T00:00:00Z"});
    assert_eq!(
        strict("sfn", "startExecution", lower.clone()),
        error("Required field 'ExecutionArn' is missing")
    );
    assert_eq!(
        check("sfn", "startExecution", lower, FieldValidation::Present),
        Ok(())
    );
}

#[test]
fn a_timestamp_must_be_a_string() {
    for date in [json!(true), json!(1700000000), json!(1.5)] {
        assert_eq!(
            check(
                "sfn",
                "startExecution",
                json!({"ExecutionArn": ARN, "StartDate": date}),
                FieldValidation::Present
            ),
            error("Field 'StartDate' must be a string")
        );
    }
    // Its format is not checked.
    assert_eq!(
        strict(
            "sfn",
            "startExecution",
            json!({"ExecutionArn": ARN, "StartDate": "yesterday"})
        ),
        Ok(())
    );
}

#[test]
fn numbers_must_be_numbers() {
    assert_eq!(
        strict("lambda", "invoke", json!({"StatusCode": "200"})),
        error("Field 'StatusCode' must be a number")
    );
    assert_eq!(
        strict("lambda", "invoke", json!({"StatusCode": 200})),
        Ok(())
    );
    assert_eq!(
        strict("lambda", "invoke", json!({"StatusCode": 200.5})),
        error("Field 'StatusCode' must be an integer")
    );
    assert_eq!(
        strict(
            "dynamodb",
            "putItem",
            json!({"ConsumedCapacity": {"CapacityUnits": "1"}})
        ),
        error("Field 'CapacityUnits' must be a number")
    );
    assert_eq!(
        strict(
            "dynamodb",
            "putItem",
            json!({"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.5}})
        ),
        Ok(())
    );
    assert_eq!(
        strict("s3", "getObject", json!({"ContentLength": "12"})),
        error("Field 'ContentLength' must be a number")
    );
    assert_eq!(
        strict(
            "s3",
            "getObject",
            json!({"ContentLength": 12, "Body": "hello"})
        ),
        Ok(())
    );
}

#[test]
fn an_enum_must_be_one_of_its_values() {
    assert_eq!(
        strict("s3", "getObject", json!({"StorageClass": "NOT_A_CLASS"})),
        error("Field 'StorageClass' is not an expected value")
    );
    assert_eq!(
        strict("s3", "getObject", json!({"StorageClass": "STANDARD"})),
        Ok(())
    );
}

#[test]
fn a_blob_is_a_string_of_the_model_s_length() {
    assert_eq!(
        strict("kms", "encrypt", json!({"CiphertextBlob": 123})),
        error("Field 'CiphertextBlob' must be a string")
    );
    assert_eq!(
        strict("kms", "encrypt", json!({"CiphertextBlob": ""})),
        error("Field 'CiphertextBlob' is smaller than the minimum length")
    );
    assert_eq!(
        strict(
            "kms",
            "encrypt",
            json!({"CiphertextBlob": "x".repeat(6145)})
        ),
        error("Field 'CiphertextBlob' is larger than the maximum length")
    );
    assert_eq!(
        strict(
            "kms",
            "encrypt",
            json!({"CiphertextBlob": "AQID", "KeyId": "k"})
        ),
        Ok(())
    );
}

#[test]
fn a_number_must_be_within_the_model_s_range() {
    let memory = |size: Value| {
        strict(
            "lambda",
            "getFunction",
            json!({"Configuration": {"MemorySize": size}}),
        )
    };
    assert_eq!(
        memory(json!(1)),
        error("Field 'MemorySize' is less than the minimum value")
    );
    // botocore 1.44.5 has MemorySize's max at 32768 (AWS's recorded 20000 was over an older
    // model's 10240).
    assert_eq!(
        memory(json!(40000)),
        error("Field 'MemorySize' exceeds the maximum value")
    );
    assert_eq!(memory(json!(128)), Ok(()));
    assert_eq!(memory(json!(32768)), Ok(()));
}

#[test]
fn other_types_have_words_of_their_own() {
    // A boolean.
    assert_eq!(
        strict("s3", "getObject", json!({"DeleteMarker": "true"})),
        error("Field 'DeleteMarker' must be a boolean")
    );
    // A structure.
    assert_eq!(
        strict("lambda", "getFunction", json!({"Configuration": []})),
        error("Field 'Configuration' must be an object")
    );
    // A map, and its values named by their keys.
    assert_eq!(
        strict("lambda", "getFunction", json!({"Tags": ["a"]})),
        error("Field 'Tags' must be an object")
    );
    assert_eq!(
        strict("lambda", "getFunction", json!({"Tags": {"team": 7}})),
        error("Field 'team' must be a string")
    );
    assert_eq!(
        strict("lambda", "getFunction", json!({"Tags": {"team": "core"}})),
        Ok(())
    );
}

#[test]
fn the_result_must_be_an_object() {
    for value in [json!("x"), json!([]), json!(1), json!(null)] {
        assert_eq!(
            strict("sfn", "startExecution", value),
            error("Result must be an object")
        );
    }
}

#[test]
fn none_mode_accepts_anything() {
    for value in [
        json!("x"),
        json!({"Entries": "x"}),
        json!({"Entries": [{"EventId": 1}]}),
    ] {
        assert_eq!(
            check("eventbridge", "putEvents", value, FieldValidation::None),
            Ok(())
        );
    }
    assert_eq!(
        check("sfn", "startExecution", json!({}), FieldValidation::None),
        Ok(())
    );
}

#[test]
fn unknown_fields_are_accepted() {
    assert_eq!(
        strict(
            "sfn",
            "startExecution",
            json!({"ExecutionArn": ARN, "StartDate": "2024-01-01T00:00:00Z", "Extra": {"a": [1]}})
        ),
        Ok(())
    );
    assert_eq!(
        strict(
            "eventbridge",
            "putEvents",
            json!({"Entries": [{"EventId": "1", "Whatever": 5}], "Other": true})
        ),
        Ok(())
    );
}

#[test]
fn an_empty_object_is_a_result_without_required_members() {
    assert_eq!(strict("eventbridge", "putEvents", json!({})), Ok(()));
    assert_eq!(strict("s3", "getObject", json!({})), Ok(()));
    assert_eq!(strict("lambda", "getFunction", json!({})), Ok(()));
}

#[test]
fn an_operation_without_output_accepts_anything() {
    // S3's DeleteBucket has no output shape.
    let s3 = service("s3").unwrap().unwrap();
    let operation = s3.operation("deleteBucket").unwrap();
    assert!(operation.output.is_none());
    assert_eq!(
        check_output(&s3, operation, &json!("x"), FieldValidation::Strict),
        Ok(())
    );
}

#[test]
fn recursive_shapes_are_walked_as_deep_as_the_value() {
    // DynamoDB's AttributeValue is recursive (M of AttributeValues, L of AttributeValues).
    let item = json!({"Attributes": {"a": {"M": {"b": {"L": [{"M": {"c": {"S": 5}}}]}}}}});
    assert_eq!(
        strict("dynamodb", "putItem", item),
        error("Field 'S' must be a string")
    );
    let item = json!({"Attributes": {"a": {"M": {"b": {"L": [{"M": {"c": {"S": "x"}}}]}}}}});
    assert_eq!(strict("dynamodb", "putItem", item), Ok(()));
}
