//! The Map state: item processor, ProcessorConfig, limits, labels, reader, batcher, writer.

use super::*;

#[test]
fn map_processor_and_selector() {
    assert!(map(json!({})).is_empty());
    assert_diags(
        &map(json!({"ItemProcessor": null})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "[ItemProcessor]",
        )],
    );
    assert_diags(
        &map(json!({"Iterator": {"StartAt": "J", "States": {"J": {"Type": "Succeed"}}}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Iterator",
            "both 'ItemProcessor' and 'Iterator'",
        )],
    );
    assert_diags(
        &map(json!({"ItemSelector": {}, "Parameters": {}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Parameters",
            "both 'ItemSelector' and 'Parameters'",
        )],
    );
    assert_diags(
        &map(
            json!({"ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Out"}}}}),
        ),
        &[
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/S/ItemProcessor/States/I/Next",
                "Out",
            ),
            (codes::MISSING_END_STATE, "/States/S/ItemProcessor", NO_END),
        ],
    );
}

#[test]
fn map_processor_config() {
    let with_config = |config: Value| {
        map(
            json!({"ItemProcessor": {"ProcessorConfig": config, "StartAt": "I",
            "States": {"I": {"Type": "Succeed"}}}}),
        )
    };
    assert!(with_config(json!({"Mode": "INLINE"})).is_empty());
    assert!(with_config(json!({"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"})).is_empty());
    assert_diags(
        &with_config(json!({"Mode": "SIDEWAYS"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemProcessor/ProcessorConfig/Mode",
            "\"INLINE\" or \"DISTRIBUTED\"",
        )],
    );
    assert_diags(
        &with_config(json!({"Mode": "DISTRIBUTED"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemProcessor/ProcessorConfig",
            "[ExecutionType]",
        )],
    );
    assert_diags(
        &with_config(json!({"Mode": "DISTRIBUTED", "ExecutionType": "FAST"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemProcessor/ProcessorConfig/ExecutionType",
            "\"STANDARD\" or \"EXPRESS\"",
        )],
    );
    // ProcessorConfig belongs to an item processor only.
    let d = json!({"StartAt": "S", "ProcessorConfig": {}, "States": {"S": {"Type": "Succeed"}}});
    assert_diags(
        &check(d),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/ProcessorConfig",
            "not supported",
        )],
    );
}

#[test]
fn map_numeric_limits_and_exclusive_pairs() {
    assert_diags(
        &map(json!({"MaxConcurrency": 1, "MaxConcurrencyPath": "$.m"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/MaxConcurrencyPath",
            "mutually exclusive",
        )],
    );
    assert_diags(
        &map(json!({"MaxConcurrency": -1})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/MaxConcurrency",
            "at least 0",
        )],
    );
    assert_diags(
        &map(json!({"ToleratedFailurePercentage": 100.5})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ToleratedFailurePercentage",
            "between 0 and 100",
        )],
    );
    assert!(map(json!({"ToleratedFailurePercentage": 12.5})).is_empty());
    assert_diags(
        &map(json!({"ToleratedFailureCount": 1, "ToleratedFailureCountPath": "$.c"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ToleratedFailureCountPath",
            "mutually exclusive",
        )],
    );
    assert_diags(
        &map(json!({"ToleratedFailurePercentage": 1, "ToleratedFailurePercentagePath": "$.p"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ToleratedFailurePercentagePath",
            "mutually exclusive",
        )],
    );
    assert_diags(
        &map(json!({"ItemsPath": "$.a[*]"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemsPath",
            "valid ReferencePath",
        )],
    );
}

#[test]
fn map_labels() {
    assert!(map(json!({"Label": "my-label_1"})).is_empty());
    assert_diags(
        &map(json!({"Label": "x".repeat(41)})),
        &[(codes::INVALID_LABEL_NAME, "/States/S/Label", "at most 40")],
    );
    assert_diags(
        &map(json!({"Label": ""})),
        &[(
            codes::INVALID_LABEL_NAME,
            "/States/S/Label",
            "cannot be empty",
        )],
    );
    assert_diags(
        &map(json!({"Label": "a b"})),
        &[(
            codes::INVALID_LABEL_NAME,
            "/States/S/Label",
            "cannot contain",
        )],
    );
    let d = json!({"StartAt": "A", "States": {
        "A": {"Type": "Map", "Label": "L", "Next": "B",
              "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}},
        "B": {"Type": "Map", "Label": "L", "End": true,
              "ItemProcessor": {"StartAt": "J", "States": {"J": {"Type": "Succeed"}}}}
    }});
    assert_diags(
        &check(d),
        &[(
            codes::DUPLICATE_LABEL_NAME,
            "/States/B/Label",
            "Duplicate Map label: L",
        )],
    );
}

#[test]
fn map_reader_batcher_writer() {
    assert!(
        map(json!({
            "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                           "ReaderConfig": {"InputType": "JSON", "MaxItems": 10},
                           "Parameters": {"Bucket.$": "$.b"}},
            "ItemBatcher": {"MaxItemsPerBatch": 10, "BatchInput": {"a.$": "$.x"}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {}}
        }))
        .is_empty()
    );
    assert_diags(
        &map(json!({"ItemReader": {"ReaderConfig": {}}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemReader",
            "[Resource]",
        )],
    );
    assert_diags(
        &map(json!({"ItemBatcher": {"MaxInputBytesPerBatch": 300000}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemBatcher/MaxInputBytesPerBatch",
            "between 1 and 262144",
        )],
    );
    assert_diags(
        &map(json!({"ItemBatcher": {"Size": 1}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemBatcher/Size",
            "not supported in 'ItemBatcher'",
        )],
    );
    assert_diags(
        &map(json!({"ResultWriter": []})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultWriter",
            "must be an object",
        )],
    );
}

#[test]
fn reader_and_writer_configurations_take_only_what_aws_reads() {
    let reader = |reader: Value| map(json!({ "ItemReader": reader }));
    let get = "arn:aws:states:::s3:getObject";
    assert!(
        reader(json!({"Resource": get, "ReaderConfig": {"InputType": "CSV",
        "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b"], "CSVDelimiter": "PIPE"},
        "Parameters": {"Bucket": "b", "Key": "k"}}))
        .is_empty()
    );
    assert!(
        reader(json!({"Resource": "arn:aws:states:::s3:listObjectsV2",
        "Parameters": {"Bucket": "b", "Prefix": "p/"}}))
        .is_empty()
    );
    assert_diags(
        &reader(json!({"Resource": get, "ReaderConfig": {"InputType": "XML"}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemReader/ReaderConfig/InputType",
            "must be one of CSV, JSON, JSONL, MANIFEST, PARQUET, got \"XML\"",
        )],
    );
    assert_diags(
        &reader(json!({"Resource": get, "ReaderConfig": {}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemReader",
            "needs ReaderConfig.InputType",
        )],
    );
    assert_diags(
        &reader(
            json!({"Resource": get, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}}),
        ),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemReader/ReaderConfig",
            "needs the column names in CSVHeaders",
        )],
    );
    assert_diags(
        &reader(
            json!({"Resource": get, "ReaderConfig": {"InputType": "CSV", "CSVDelimiter": ","}}),
        ),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemReader/ReaderConfig/CSVDelimiter",
            "COMMA, PIPE, SEMICOLON, SPACE, TAB",
        )],
    );
    assert_diags(
        &reader(json!({"Resource": "arn:aws:states:::s3:putObject"})),
        &[(
            codes::INVALID_RESOURCE,
            "/States/S/ItemReader/Resource",
            "s3:listObjectsV2, not \"arn:aws:states:::s3:putObject\"",
        )],
    );

    let writer = |writer: Value| map(json!({ "ResultWriter": writer }));
    let put = "arn:aws:states:::s3:putObject";
    assert!(
        writer(json!({"WriterConfig": {"OutputType": "JSONL", "Transformation": "FLATTEN"}}))
            .is_empty()
    );
    assert!(
        writer(
            json!({"Resource": put, "Parameters": {"Bucket": "b", "Prefix": "p"},
        "WriterConfig": {"Transformation": "COMPACT"}})
        )
        .is_empty()
    );
    assert_diags(
        &writer(json!({})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultWriter",
            "needs Resource and Parameters (to write to S3), WriterConfig",
        )],
    );
    assert_diags(
        &writer(json!({"Resource": put})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultWriter",
            "needs both Resource and Parameters",
        )],
    );
    assert_diags(
        &writer(json!({"WriterConfig": {"Transformation": "SQUASH", "Compress": true}})),
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/ResultWriter/WriterConfig/Transformation",
                "NONE, COMPACT, FLATTEN",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/ResultWriter/WriterConfig/Compress",
                "not supported in 'WriterConfig'",
            ),
        ],
    );
}
