//! Tests of `diagnostic`.

use super::*;

#[test]
fn a_diagnostic_reads_as_aws_writes_it() {
    let d = Diagnostic::schema("These fields are required: [States]", "/");
    assert_eq!(
        d.to_string(),
        "SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /"
    );
    let d = Diagnostic::error(codes::INVALID_JSON_DESCRIPTION, "Not JSON", "");
    assert_eq!(d.to_string(), "INVALID_JSON_DESCRIPTION: Not JSON");
}

#[test]
fn an_invalid_definition_joins_its_diagnostics() {
    let invalid = InvalidDefinition::from(vec![
        Diagnostic::schema("Bad", "/A"),
        Diagnostic::error(
            codes::MISSING_TRANSITION_TARGET,
            "Missing 'Next' target: X",
            "/B",
        ),
    ]);
    assert_eq!(
        invalid.to_string(),
        "SCHEMA_VALIDATION_FAILED: Bad at /A; \
         MISSING_TRANSITION_TARGET: Missing 'Next' target: X at /B"
    );
    assert_eq!(invalid.len(), 2);
    assert_eq!(
        serde_json::to_value(&invalid).unwrap()[1]["location"],
        serde_json::json!("/B")
    );
    let _: &dyn std::error::Error = &invalid;
}
