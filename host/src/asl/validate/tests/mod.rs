//! Unit tests of the validator. Each asserts the exact list of diagnostics a definition gets
//! ([`assert_diags`]). This file: the helpers, and the definition as a whole (text, top-level
//! fields, depth, many problems at once); `states`: each state type and its fields; `map`: the
//! Map state; `conformance`: the recorded AWS definitions.

use super::*;
use serde_json::json;

mod conformance;
mod map;
mod states;

/// The diagnostics of a definition, as (code, location) pairs plus messages.
fn check(definition: Value) -> Vec<Diagnostic> {
    validate(&definition)
}

/// Asserts that `diags` is exactly `expected`, each given as (code, location, a fragment of the
/// message), in any order: a missing diagnostic and an extra one both fail. Only
/// `UNDEFINED_VARIABLE` is a warning; every other code is an error.
#[track_caller]
fn assert_diags(diags: &[Diagnostic], expected: &[(&str, &str, &str)]) {
    let mut extra: Vec<&Diagnostic> = diags.iter().collect();
    let mut missing = Vec::new();
    for &(code, location, fragment) in expected {
        let found = extra
            .iter()
            .position(|d| d.code == code && d.location == location && d.message.contains(fragment));
        match found {
            Some(i) => {
                extra.remove(i);
            }
            None => missing.push((code, location, fragment)),
        }
    }
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nunexpected {extra:#?}"
    );
    for d in diags {
        let warning = d.code == codes::UNDEFINED_VARIABLE;
        assert_eq!(d.severity == Severity::Warning, warning, "{d:#?}");
    }
}

/// The message fragment of `MISSING_END_STATE`.
const NO_END: &str = "Workflow has no terminal state";

/// A one-state machine around `state` named "S".
fn single(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

/// A Map state named "S" with a one-state item processor, its fields changed by `extra`
/// (a `null` removes the field).
fn map(extra: Value) -> Vec<Diagnostic> {
    let mut s = json!({"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}});
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            s.as_object_mut().unwrap().remove(k);
        } else {
            s[k] = v.clone();
        }
    }
    check(single(s))
}

#[track_caller]
fn assert_valid(definition: Value) {
    let diags = check(definition);
    assert!(diags.is_empty(), "expected no diagnostics, got {diags:#?}");
}

#[test]
fn minimal_machine_is_valid_and_parses() {
    let text = br#"{"StartAt":"S","States":{"S":{"Type":"Pass","End":true}}}"#;
    let machine = parse_definition(text).unwrap();
    assert_eq!(machine.start_at, "S");
    assert_eq!(machine.states.len(), 1);
}

#[test]
fn not_json_is_invalid_json_description() {
    let diags = parse_definition(b"{\"StartAt\": ").unwrap_err();
    assert_diags(
        &diags,
        &[(codes::INVALID_JSON_DESCRIPTION, "", "not valid JSON")],
    );
}

#[test]
fn invalid_utf8_is_invalid_json_description() {
    let diags = parse_definition(&[b'{', 0xff, b'}']).unwrap_err();
    assert_diags(&diags, &[(codes::INVALID_JSON_DESCRIPTION, "", "UTF-8")]);
}

#[test]
fn blank_text_is_not_an_object_and_null_is_missing_description() {
    // As AWS answers a definition of " " (recorded in test_sfn_api_validation).
    let diags = parse_definition(b"  \n").unwrap_err();
    assert_diags(
        &diags,
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "",
            "Definition must be a valid JSON object",
        )],
    );
    let diags = parse_definition(b"null").unwrap_err();
    assert_diags(&diags, &[(codes::MISSING_DESCRIPTION, "/", "null")]);
}

#[test]
fn definition_must_be_an_object() {
    assert_diags(
        &check(json!([1])),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/",
            "must be a JSON object, not an array",
        )],
    );
}

#[test]
fn start_at_and_states_are_required() {
    // One diagnostic at "/", as AWS answers `{}` (recorded in test_sfn_api_validation).
    assert_diags(
        &check(json!({})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/",
            "These fields are required: [States, StartAt]",
        )],
    );
    assert_diags(
        &check(json!({"States": {"S": {"Type": "Succeed"}}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/",
            "These fields are required: [StartAt]",
        )],
    );
}

#[test]
fn start_at_must_be_a_string() {
    let diags = check(json!({"StartAt": 1, "States": {"S": {"Type": "Succeed"}}}));
    assert_diags(
        &diags,
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/StartAt",
            "must be a string, not a number",
        )],
    );
}

#[test]
fn start_at_must_name_a_state() {
    let diags = check(json!({"StartAt": "Nope", "States": {"S": {"Type": "Succeed"}}}));
    assert_diags(
        &diags,
        &[(
            codes::MISSING_TRANSITION_TARGET,
            "/StartAt",
            "Missing 'StartAt' target: Nope",
        )],
    );
}

#[test]
fn states_must_be_a_non_empty_object() {
    assert_diags(
        &check(json!({"StartAt": "S", "States": {}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States",
            "at least one state",
        )],
    );
    assert_diags(
        &check(json!({"StartAt": "S", "States": []})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States",
            "must be an object of states",
        )],
    );
}

#[test]
fn comment_must_be_a_string() {
    let mut d = single(json!({"Type": "Pass", "End": true, "Comment": 3}));
    d["Comment"] = json!(false);
    let diags = check(d);
    assert_diags(
        &diags,
        &[
            (codes::SCHEMA_VALIDATION_FAILED, "/Comment", "a boolean"),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Comment",
                "a number",
            ),
        ],
    );
}

#[test]
fn version_must_be_1_0() {
    let mut d = single(json!({"Type": "Succeed"}));
    d["Version"] = json!("1.0");
    assert_valid(d.clone());
    d["Version"] = json!("2.0");
    assert_diags(
        &check(d),
        &[(codes::SCHEMA_VALIDATION_FAILED, "/Version", "\"1.0\"")],
    );
}

#[test]
fn top_level_timeout_seconds_is_a_positive_integer() {
    let mut d = single(json!({"Type": "Succeed"}));
    d["TimeoutSeconds"] = json!(99_999_999);
    assert_valid(d.clone());
    for bad in [json!(0), json!(100_000_000), json!(1.5), json!(-3)] {
        d["TimeoutSeconds"] = bad;
        assert_diags(
            &check(d.clone()),
            &[(
                codes::SCHEMA_VALIDATION_FAILED,
                "/TimeoutSeconds",
                "between 1 and 99999999",
            )],
        );
    }
    d["TimeoutSeconds"] = json!("10");
    assert_diags(
        &check(d),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/TimeoutSeconds",
            "not a string",
        )],
    );
}

#[test]
fn query_language_is_jsonpath_or_jsonata() {
    let mut d = single(json!({"Type": "Succeed"}));
    d["QueryLanguage"] = json!("JSONPath");
    assert_valid(d.clone());
    d["QueryLanguage"] = json!("JSONata");
    assert_valid(d.clone());
    d["QueryLanguage"] = json!("XPath");
    assert_diags(
        &check(d),
        &[(codes::SCHEMA_VALIDATION_FAILED, "/QueryLanguage", "must be")],
    );
    assert_valid(single(
        json!({"Type": "Succeed", "QueryLanguage": "JSONata"}),
    ));
}

#[test]
fn unknown_top_level_field() {
    let mut d = single(json!({"Type": "Succeed"}));
    d["Coment"] = json!("typo");
    assert_diags(
        &check(d),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/Coment",
            "Field 'Coment' is not supported",
        )],
    );
}

/// The definitions AWS validated in LocalStack's `test_sfn_api_validation`, with its answers.
#[test]
fn aws_recorded_validation_answers() {
    assert_valid(json!({"StartAt": "StartState",
        "States": {"StartState": {"Type": "Pass", "End": true}}}));
    assert_diags(
        &check(json!({"States": {"StartState": {"Type": "Pass", "End": true}}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/",
            "These fields are required: [StartAt]",
        )],
    );
    assert_diags(
        &check(json!({"StartAt": "Pass", "QueryLanguage": "JSONata",
            "States": {"Pass": {"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/Pass",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        )],
    );
    // A JSONPath machine may hold a JSONata state, and that one a JSONPath state again.
    assert_valid(
        json!({"StartAt": "Map", "QueryLanguage": "JSONPath", "States": {
            "Map": {"Type": "Map", "QueryLanguage": "JSONata", "End": true, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Pass",
                "States": {"Pass": {"QueryLanguage": "JSONPath", "Type": "Pass", "End": true}}}}
        }}),
    );
}

#[test]
fn deep_values_are_refused_without_recursion() {
    // Built by hand: `json!` would serialise the interpolated value recursively.
    let mut deep = json!(1);
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    let mut d = single(json!({"Type": "Pass", "End": true, "Parameters": {}}));
    d["States"]["S"]["Parameters"]["a"] = deep;
    let diags = validate(&d);
    assert_diags(
        &diags,
        &[(codes::TOO_DEEPLY_NESTED, "/", "more than 128 levels")],
    );
    // serde_json drops deep values recursively; leak this one so the test thread's stack
    // is not the thing under test.
    std::mem::forget(d);
    let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert_diags(
        &parse_definition(text.as_bytes()).unwrap_err(),
        &[(codes::INVALID_JSON_DESCRIPTION, "", "recursion limit")],
    );
}

#[test]
fn depth_limit_matches_serde_json_parse_limit() {
    let nest = |levels: usize| {
        let mut v = json!(1);
        for _ in 0..levels {
            v = Value::Array(vec![v]);
        }
        v
    };
    // The deepest document serde_json parses (127 containers) is within our limit...
    let deepest_parsable = nest(MAX_JSON_DEPTH - 1);
    let text = serde_json::to_string(&deepest_parsable).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_ok());
    assert!(!json_depth_exceeds(&deepest_parsable, MAX_JSON_DEPTH));
    assert!(!json_depth_exceeds(&nest(MAX_JSON_DEPTH), MAX_JSON_DEPTH));
    // ...and one level more than the limit is refused.
    assert!(json_depth_exceeds(
        &nest(MAX_JSON_DEPTH + 1),
        MAX_JSON_DEPTH
    ));
}

#[test]
fn many_problems_are_all_reported() {
    let d = json!({
        "StartAt": "Missing",
        "TimeoutSeconds": "long",
        "Extra": true,
        "States": {
            "A": {"Type": "Pass", "Next": "Nowhere", "InputPath": "bad"},
            "B": {"Type": "Task", "End": true},
            "C": {"Type": "Wait", "End": true, "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z"},
            "D": {"Type": "Bogus"},
            "E": {"Type": "Fail", "Error": "x", "ErrorPath": "$.e"}
        }
    });
    let diags = check(d);
    assert_diags(
        &diags,
        &[
            (
                codes::MISSING_TRANSITION_TARGET,
                "/StartAt",
                "Missing 'StartAt' target: Missing",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/TimeoutSeconds",
                "not a string",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/Extra",
                "Field 'Extra' is not supported",
            ),
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/A/Next",
                "Nowhere",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/A/InputPath",
                "valid JSONPath",
            ),
            (codes::SCHEMA_VALIDATION_FAILED, "/States/B", "[Resource]"),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/C",
                "found [Seconds, Timestamp]",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/D/Type",
                "should have one of these values",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/E/ErrorPath",
                "mutually exclusive",
            ),
        ],
    );
    let err = parse_definition(
        serde_json::to_string(&json!({"StartAt": 1}))
            .unwrap()
            .as_bytes(),
    )
    .unwrap_err();
    assert_diags(
        &err,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/StartAt",
                "must be a string",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/",
                "These fields are required: [States]",
            ),
        ],
    );
}

#[test]
fn parse_definition_builds_nested_models() {
    let text = serde_json::to_vec(&json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Parallel", "Next": "M", "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}}
            ]},
            "M": {"Type": "Map", "End": true, "ItemsPath": "$.items", "MaxConcurrency": 2,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I",
                                    "States": {"I": {"Type": "Succeed"}}},
                  "Retry": [{"ErrorEquals": ["States.ALL"], "BackoffRate": 1.5}]}
        }
    }))
    .unwrap();
    let machine = parse_definition(&text).unwrap();
    assert_eq!(machine.states.len(), 2);
}
