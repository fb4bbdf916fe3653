//! Unit tests of the validator: each asserts the exact list of diagnostics a definition gets,
//! plus the conformance definitions (all valid) and a mutation test that the validator and the
//! model agree.

use super::*;
use serde_json::json;

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
    let mut d = single(json!({"Type": "Succeed", "QueryLanguage": "JSONPath"}));
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

#[test]
fn type_is_required_and_must_be_known() {
    assert_diags(
        &check(single(json!({"End": true}))),
        &[(codes::SCHEMA_VALIDATION_FAILED, "/States/S", "[Type]")],
    );
    assert_diags(
        &check(single(json!({"Type": "Sleep", "End": true}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Type",
            "must be one of Pass, Task",
        )],
    );
    assert_diags(
        &check(single(json!({"Type": 7}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Type",
            "must be a string",
        )],
    );
}

#[test]
fn a_state_must_be_an_object() {
    assert_diags(
        &check(single(json!("Pass"))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "must be a JSON object",
        )],
    );
}

#[test]
fn unknown_state_field_and_fields_of_other_types() {
    let diags = check(single(
        json!({"Type": "Pass", "End": true, "Resource": "arn:x", "Foo": 1}),
    ));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Resource",
                "Field 'Resource' is not supported in a Pass state",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Foo",
                "Field 'Foo' is not supported in a Pass state",
            ),
        ],
    );
}

#[test]
fn jsonata_fields_need_a_jsonata_state() {
    let diags = check(single(json!({
        "Type": "Pass", "End": true, "Assign": {"x": 1}, "Output": {}, "Arguments": {}
    })));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Output",
                "belongs to the JSONata query language",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Arguments",
                "JSONata",
            ),
        ],
    );
    let map = single(json!({
        "Type": "Map", "End": true, "Items": [1],
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}
    }));
    assert_diags(
        &check(map),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Items",
            "JSONata",
        )],
    );
}

#[test]
fn jsonpath_fields_are_refused_in_jsonata_states_with_their_path() {
    let d = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                  "InputPath": "$.a", "ResultPath": "$.b", "End": true,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "F"}]},
            "F": {"Type": "Fail", "CausePath": "$.c"}
        }}]}
    }});
    let at = |field: &str| format!("/States/P/Branches/0/States/{field}");
    let refused = "belongs to the JSONPath query language and is not supported in a JSONata state";
    assert_diags(
        &check(d),
        &[
            (codes::SCHEMA_VALIDATION_FAILED, &at("T/InputPath"), refused),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("T/ResultPath"),
                refused,
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("T/Catch/0/ResultPath"),
                refused,
            ),
            (codes::SCHEMA_VALIDATION_FAILED, &at("F/CausePath"), refused),
        ],
    );
}

#[test]
fn jsonata_expressions_and_assign_are_checked() {
    let d = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "W",
              "Choices": [
                  {"Condition": "{% $states.input.x > %}", "Next": "W"},
                  {"Variable": "$.x", "IsPresent": true, "Next": "W"}
              ]},
        "W": {"Type": "Wait", "Seconds": "{% $wait %}", "Next": "P"},
        "P": {"Type": "Pass", "End": true,
              "Assign": {"states": 1, "9lives": 2, "ok": "{% $states.input %}"},
              "Output": {"deep": ["{% ) %}"]}}
    }});
    let diags = check(d);
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/C/Choices/0/Condition",
                "is not valid",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/C/Choices/1",
                "Condition",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/C/Choices/1/Variable",
                "The field 'Variable' is not supported in a Choice Rule of a JSONata state",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/C/Choices/1/IsPresent",
                "The field 'IsPresent' is not supported in a Choice Rule of a JSONata state",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/P/Assign/states",
                "reserved",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/P/Assign/9lives",
                "not valid",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/P/Output/deep/0",
                "is not valid",
            ),
            (codes::UNDEFINED_VARIABLE, "/States/W/Seconds", "'$wait'"),
        ],
    );
}

#[test]
fn next_or_end_exactly_one() {
    assert_diags(
        &check(single(json!({"Type": "Pass"}))),
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S",
                "[Next or End]",
            ),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
    let both = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B", "End": true},
        "B": {"Type": "Succeed"}
    }});
    assert_diags(
        &check(both),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/A/End",
            "both 'Next' and \"End\": true",
        )],
    );
    assert_diags(
        &check(single(json!({"Type": "Pass", "End": "yes"}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/End",
            "must be a boolean",
        )],
    );
}

#[test]
fn terminal_states_cannot_have_next_or_end() {
    let diags = check(single(json!({"Type": "Succeed", "End": true})));
    assert_diags(
        &diags,
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/End",
            "Field 'End' is not supported in a Succeed state",
        )],
    );
    let diags = check(json!({"StartAt": "F", "States": {
        "F": {"Type": "Fail", "Next": "F"}
    }}));
    assert_diags(
        &diags,
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/F/Next",
            "not supported in a Fail state",
        )],
    );
}

#[test]
fn next_must_name_a_state() {
    let d = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}});
    let diags = check(d);
    assert_diags(
        &diags,
        &[
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/A/Next",
                "Missing 'Next' target: Nowhere",
            ),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
}

#[test]
fn a_branch_cannot_jump_out_of_its_scope() {
    let d = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Next": "Done", "Branches": [
            {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Done"}}}
        ]},
        "Done": {"Type": "Succeed"}
    }});
    let diags = check(d);
    assert_diags(
        &diags,
        &[
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/P/Branches/0/States/X/Next",
                "Missing 'Next' target: Done",
            ),
            (codes::MISSING_END_STATE, "/States/P/Branches/0", NO_END),
        ],
    );
}

#[test]
fn unreachable_states_are_reported() {
    let d = json!({"StartAt": "A", "States": {
        "A": {"Type": "Succeed"},
        "Lost": {"Type": "Pass", "Next": "A"}
    }});
    assert_diags(
        &check(d),
        &[(
            codes::MISSING_TRANSITION_TARGET,
            "/States/Lost",
            "State \"Lost\" is not reachable.",
        )],
    );
}

#[test]
fn catch_next_and_choice_default_count_as_edges() {
    let d = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "Next": "C",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]},
        "Handler": {"Type": "Fail", "Error": "E"},
        "C": {"Type": "Choice",
              "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Yes"}],
              "Default": "No"},
        "Yes": {"Type": "Succeed"},
        "No": {"Type": "Succeed"}
    }});
    assert_valid(d);
}

#[test]
fn choice_targets_must_exist() {
    let d = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice",
              "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Gone"}],
              "Default": "Away"},
    }});
    let diags = check(d);
    assert_diags(
        &diags,
        &[
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/C/Choices/0/Next",
                "Gone",
            ),
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/C/Default",
                "Away",
            ),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
}

#[test]
fn no_terminal_state() {
    let d = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Next": "A"}
    }});
    assert_diags(
        &check(d),
        &[(codes::MISSING_END_STATE, "/", "no terminal state")],
    );
}

#[test]
fn state_name_length() {
    let long = "x".repeat(81);
    let d = json!({"StartAt": long, "States": {long.clone(): {"Type": "Succeed"}}});
    assert_diags(
        &check(d),
        &[(
            codes::INVALID_STATE_NAME,
            &format!("/States/{long}"),
            "1 to 80 characters",
        )],
    );
    let ok = "é".repeat(80);
    assert_valid(json!({"StartAt": ok, "States": {ok.clone(): {"Type": "Succeed"}}}));
}

#[test]
fn state_names_in_pointers_are_escaped() {
    let d = json!({"StartAt": "a/b", "States": {"a/b": {"Type": "Pass", "Next": "c~d"}}});
    assert_diags(
        &check(d),
        &[
            (codes::MISSING_TRANSITION_TARGET, "/States/a~1b/Next", "c~d"),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
}

#[test]
fn duplicate_state_names_across_scopes() {
    let d = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
        ]}
    }});
    assert_diags(
        &check(d),
        &[(
            codes::DUPLICATE_STATE_NAME,
            "/States/P/Branches/0/States/P",
            "Duplicate State name: P",
        )],
    );
}

#[test]
fn task_requires_an_arn_resource() {
    assert_diags(
        &check(single(json!({"Type": "Task", "End": true}))),
        &[(codes::SCHEMA_VALIDATION_FAILED, "/States/S", "[Resource]")],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Task", "End": true, "Resource": "lambda"}),
        )),
        &[(
            codes::INVALID_RESOURCE,
            "/States/S/Resource",
            "must be an ARN",
        )],
    );
}

#[test]
fn task_timeouts() {
    let task = |extra: Value| {
        let mut s = json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        check(single(s))
    };
    assert_diags(
        &task(json!({"TimeoutSeconds": "60"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/TimeoutSeconds",
            "not a string",
        )],
    );
    assert_diags(
        &task(json!({"HeartbeatSeconds": 0})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/HeartbeatSeconds",
            "between 1 and 99999999",
        )],
    );
    assert_diags(
        &task(json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 10})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/HeartbeatSeconds",
            "must be smaller than TimeoutSeconds",
        )],
    );
    assert_diags(
        &task(json!({"TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/TimeoutSecondsPath",
            "mutually exclusive",
        )],
    );
    assert_diags(
        &task(json!({"HeartbeatSeconds": 1, "HeartbeatSecondsPath": "$.h"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/HeartbeatSecondsPath",
            "mutually exclusive",
        )],
    );
    assert_diags(
        &task(json!({"TimeoutSecondsPath": "not a path"})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/TimeoutSecondsPath",
            "valid ReferencePath",
        )],
    );
    assert!(task(json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 5})).is_empty());
}

#[test]
fn task_credentials_must_be_an_object_template() {
    let base = json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true});
    let mut s = base.clone();
    s["Credentials"] = json!("role");
    assert_diags(
        &check(single(s)),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Credentials",
            "must be an object",
        )],
    );
    let mut s = base;
    s["Credentials"] = json!({"RoleArn.$": "not a path"});
    assert_diags(
        &check(single(s)),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Credentials/RoleArn.$",
            "The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call",
        )],
    );
}

#[test]
fn choice_rules() {
    assert_diags(
        &check(single(json!({"Type": "Choice", "Default": "S"}))),
        &[
            (codes::SCHEMA_VALIDATION_FAILED, "/States/S", "[Choices]"),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Choice", "Choices": [], "Default": "S"}),
        )),
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Choices",
                "at least one Choice Rule",
            ),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
    let diags = check(single(json!({
        "Type": "Choice", "Default": "S", "Next": "S", "ResultPath": "$.x",
        "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "S"}]
    })));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Next",
                "not supported in a Choice state",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/ResultPath",
                "Field 'ResultPath' is not supported in a Choice state",
            ),
            (codes::MISSING_END_STATE, "/", NO_END),
        ],
    );
}

#[test]
fn choice_rule_problems_come_from_the_choice_module_with_full_pointers() {
    let diags = check(json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true}],
              "Default": "D"},
        "D": {"Type": "Succeed"}
    }}));
    assert_diags(
        &diags,
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/C/Choices/0",
            "Next",
        )],
    );
}

#[test]
fn wait_needs_exactly_one_duration() {
    assert_diags(
        &check(single(json!({"Type": "Wait", "End": true}))),
        &[(codes::SCHEMA_VALIDATION_FAILED, "/States/S", "found none")],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Wait", "End": true, "Seconds": 1, "SecondsPath": "$.s"}),
        )),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S",
            "found [Seconds, SecondsPath]",
        )],
    );
    assert_diags(
        &check(single(json!({"Type": "Wait", "End": true, "Seconds": -1}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Seconds",
            "between 0 and 99999999",
        )],
    );
    assert_valid(single(json!({"Type": "Wait", "End": true, "Seconds": 0})));
}

#[test]
fn wait_timestamps_are_rfc3339_as_aws_accepts_them() {
    for ok in [
        "2016-03-14T01:59:00Z",
        "2016-03-05T21:29:29.243167252Z",
        "2016-03-14T01:59:00+01:00",
    ] {
        assert_valid(single(
            json!({"Type": "Wait", "End": true, "Timestamp": ok}),
        ));
    }
    for bad in [
        "2016-03-14t01:59:00Z",
        "2016-03-14T01:59:00z",
        "2016-03-14 01:59:00Z",
        "2016-03-14T01:59:00",
        "2016-13-14T01:59:00Z",
        "yesterday",
    ] {
        assert_diags(
            &check(single(
                json!({"Type": "Wait", "End": true, "Timestamp": bad}),
            )),
            &[(
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Timestamp",
                "RFC 3339",
            )],
        );
    }
}

#[test]
fn fail_error_and_cause_fields() {
    assert_valid(single(json!({
        "Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('{}', $.c)"
    })));
    let diags = check(single(json!({
        "Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "C", "CausePath": "$.c"
    })));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/ErrorPath",
                "'Error' and 'ErrorPath' are mutually exclusive",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/CausePath",
                "'Cause' and 'CausePath' are mutually exclusive",
            ),
        ],
    );
    assert_diags(
        &check(single(json!({"Type": "Fail", "ErrorPath": "nope"}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ErrorPath",
            "The value for the field 'ErrorPath' must be a valid JSONPath or a valid intrinsic function call",
        )],
    );
    assert_diags(
        &check(single(json!({"Type": "Fail", "InputPath": "$"}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/InputPath",
            "not supported in a Fail state",
        )],
    );
    assert_diags(
        &check(single(json!({"Type": "Fail", "Error": 5}))),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Error",
            "must be a string",
        )],
    );
}

#[test]
fn parallel_branches() {
    assert_diags(
        &check(single(json!({"Type": "Parallel", "End": true}))),
        &[(codes::SCHEMA_VALIDATION_FAILED, "/States/S", "[Branches]")],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Parallel", "End": true, "Branches": []}),
        )),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Branches",
            "at least one branch",
        )],
    );
    let diags = check(single(
        json!({"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "X", "States": {"X": {"Type": "Pass"}}, "Version": "1.0"},
            5
        ]}),
    ));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Branches/0/States/X",
                "[Next or End]",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Branches/0/Version",
                "not supported",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Branches/1",
                "A branch must be an object",
            ),
            (codes::MISSING_END_STATE, "/States/S/Branches/0", NO_END),
        ],
    );
}

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
fn retriers() {
    let task = |retry: Value| {
        check(single(
            json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
            "Retry": retry}),
        ))
    };
    assert!(
        task(
            json!([{"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 0,
        "BackoffRate": 1.0, "MaxDelaySeconds": 5, "JitterStrategy": "FULL"}])
        )
        .is_empty()
    );
    let diags = task(json!([
        {"ErrorEquals": [], "IntervalSeconds": 0, "MaxAttempts": -1, "BackoffRate": 0.5,
         "MaxDelaySeconds": 0, "JitterStrategy": "SOME", "Extra": 1},
        {"IntervalSeconds": 1}
    ]));
    let at = |f: &str| format!("/States/S/Retry/0/{f}");
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("ErrorEquals"),
                "at least one error name",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("IntervalSeconds"),
                "between 1 and",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("MaxAttempts"),
                "between 0 and",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("BackoffRate"),
                "at least 1",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("MaxDelaySeconds"),
                "between 1 and",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("JitterStrategy"),
                "\"FULL\" or \"NONE\"",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                &at("Extra"),
                "not supported in a retrier",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Retry/1",
                "[ErrorEquals]",
            ),
        ],
    );
    assert_diags(
        &task(json!({"ErrorEquals": ["A"]})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Retry",
            "must be an array",
        )],
    );
}

#[test]
fn states_all_alone_and_last() {
    let diags = check(single(
        json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
            "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["B"]}],
            "Catch": [{"ErrorEquals": ["States.ALL", "X"], "Next": "S"}]
        }),
    ));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Retry/0/ErrorEquals",
                "must be the last one",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Catch/0/ErrorEquals",
                "must appear alone",
            ),
        ],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
            "Retry": [{"ErrorEquals": ["A", 3]}]}),
        )),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/Retry/0/ErrorEquals/1",
            "must be a string",
        )],
    );
}

#[test]
fn catchers() {
    let diags = check(single(json!({"Type": "Parallel", "End": true,
        "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Succeed"}}}],
        "Catch": [{"ErrorEquals": ["A"]}, {"ErrorEquals": ["B"], "Next": "Gone",
                   "ResultPath": "bad"}]
    })));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Catch/0",
                "[Next]",
            ),
            (
                codes::MISSING_TRANSITION_TARGET,
                "/States/S/Catch/1/Next",
                "Missing 'Next' target: Gone",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Catch/1/ResultPath",
                "valid ReferencePath",
            ),
        ],
    );
}

#[test]
fn io_paths() {
    assert_valid(single(
        json!({"Type": "Pass", "End": true, "InputPath": null,
        "OutputPath": null, "ResultPath": null}),
    ));
    assert_valid(single(
        json!({"Type": "Pass", "End": true, "InputPath": "$$.Execution.Input",
        "OutputPath": "$.a", "ResultPath": "$.b"}),
    ));
    let diags = check(single(
        json!({"Type": "Pass", "End": true, "InputPath": "a",
        "OutputPath": 3, "ResultPath": "x"}),
    ));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/InputPath",
                "The value for the field 'InputPath' must be a valid JSONPath",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/OutputPath",
                "not a number",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/ResultPath",
                "The value for the field 'ResultPath' must be a valid ReferencePath",
            ),
        ],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Wait", "End": true, "SecondsPath": null}),
        )),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/SecondsPath",
            "not null",
        )],
    );
}

#[test]
fn payload_templates_check_every_dollar_key() {
    let diags = check(single(json!({"Type": "Pass", "End": true, "Parameters": {
        "ok.$": "$.a",
        "call.$": "States.Format('{}', $.a)",
        "bad.$": "a.b",
        "nested": {"deep": [{"x.$": 7}]},
        "literal": "a.b"
    }})));
    assert_diags(
        &diags,
        &[
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Parameters/bad.$",
                "The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function call",
            ),
            (
                codes::SCHEMA_VALIDATION_FAILED,
                "/States/S/Parameters/nested/deep/0/x.$",
                "must be a STRING",
            ),
        ],
    );
    assert_diags(
        &check(single(
            json!({"Type": "Task", "Resource": "arn:aws:states:::x", "End": true,
            "ResultSelector": {"r.$": "States.NoSuchFunction()"}}),
        )),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ResultSelector/r.$",
            "'r.$'",
        )],
    );
    assert_diags(
        &map(json!({"ItemSelector": {"i.$": "nope"}})),
        &[(
            codes::SCHEMA_VALIDATION_FAILED,
            "/States/S/ItemSelector/i.$",
            "'i.$'",
        )],
    );
}

#[test]
fn pass_result_is_a_literal() {
    assert_valid(single(json!({"Type": "Pass", "End": true,
        "Result": {"x.$": "not a path", "y.$": 3}})));
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
                "must be one of",
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

/// The in-scope conformance definitions, as JSON values.
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
        let out_of_scope = case["features"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x == "jsonata" || x == "variables"));
        if !out_of_scope {
            out.push((path.display().to_string(), case["definition"].clone()));
        }
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

/// Every in-scope conformance case ran on AWS, so each definition must be accepted.
#[test]
fn conformance_definitions_are_all_valid() {
    let definitions = conformance_definitions();
    assert!(
        definitions.len() >= 400,
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
