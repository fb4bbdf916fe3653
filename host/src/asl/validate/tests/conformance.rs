//! The recorded AWS conformance definitions: all valid, and still agreeing with the model when
//! mutated.

use super::*;

/// Every conformance definition (JSONPath and JSONata), as JSON values.
fn conformance_definitions() -> Vec<(String, Value)> {
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/cases"
    ));
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let case: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        out.push((path.display().to_string(), case["definition"].clone()));
    }
    out
}

/// Whatever the validator accepts, the model must deserialise: replace each field of the
/// top-level states of the conformance definitions by values of each JSON type and check
/// that `parse_definition` never reports a validator gap (and never panics).
#[test]
fn validator_and_model_agree_on_mutated_definitions() {
    let replacements = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5),
        json!("$.x"),
        json!("x"),
        json!([]),
        json!([{}]),
        json!({}),
    ];
    let mut gaps = Vec::new();
    // One mutation per (state type, field) keeps this fast; cases repeat the same shapes.
    let mut seen = HashSet::new();
    // The conformance cases have no Task state; add one with every Task field.
    let mut definitions = conformance_definitions();
    definitions.push((
        "synthetic task".to_owned(),
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                  "Comment": "c", "InputPath": "$", "OutputPath": "$", "ResultPath": "$.r",
                  "Parameters": {"a.$": "$.a"}, "ResultSelector": {"b.$": "$.b"},
                  "TimeoutSeconds": 10, "HeartbeatSeconds": 5,
                  "Credentials": {"RoleArn": "arn:aws:iam::1:role/r"},
                  "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]},
            "F": {"Type": "Fail", "Error": "E", "Cause": "C"}
        }}),
    ));
    if let Some((_, task)) = definitions.last() {
        assert_eq!(validate(task), Vec::new());
    }
    for (name, definition) in definitions {
        let Some(states) = definition["States"].as_object() else {
            continue;
        };
        for (state, fields) in states {
            let Some(fields) = fields.as_object() else {
                continue;
            };
            let state_type = fields["Type"].as_str().unwrap_or_default().to_owned();
            for field in fields.keys() {
                if !seen.insert((state_type.clone(), field.clone())) {
                    continue;
                }
                for replacement in &replacements {
                    let mut mutated = definition.clone();
                    mutated["States"][state][field] = replacement.clone();
                    let text = serde_json::to_vec(&mutated).unwrap();
                    if let Err(diags) = parse_definition(&text)
                        && diags
                            .iter()
                            .any(|d| d.message.contains("could not be read"))
                    {
                        gaps.push(format!("{name} {state}.{field}={replacement}: {diags:?}"));
                    }
                }
            }
        }
    }
    assert!(gaps.is_empty(), "{} gaps:\n{}", gaps.len(), gaps.join("\n"));
}

/// Every conformance case ran on AWS, so each definition must be accepted.
#[test]
fn conformance_definitions_are_all_valid() {
    let definitions = conformance_definitions();
    assert!(
        definitions.len() >= 600,
        "only {} cases found",
        definitions.len()
    );
    let failures: Vec<String> = definitions
        .iter()
        .filter_map(|(name, definition)| {
            let text = serde_json::to_vec(definition).ok()?;
            parse_definition(&text)
                .err()
                .map(|diags| format!("{name}: {diags:#?}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
