//! Each state type: its required and refused fields, transitions and the graph, Retry and Catch,
//! paths, payload templates and JSONata fields.

use super::*;

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
            "should have one of these values: [Task, Wait",
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
            "Value cannot be empty",
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
