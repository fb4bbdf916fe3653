use super::*;
use serde_json::json;

fn eval(t: Value, input: Value) -> Result<Value, EvalError> {
    let mut n = 0u64;
    Template::parse(&t).unwrap().evaluate(
        &input,
        &json!({"Execution": {"Id": "arn:x"}}),
        &mut || {
            n += 1;
            n
        },
    )
}

#[test]
fn literals_stay_literal() {
    let t = Template::parse(&json!({"a": [1, {"b": "$.x"}]})).unwrap();
    assert!(matches!(t, Template::Literal(_)));
}

#[test]
fn paths_and_nested_objects_are_evaluated() {
    let out = eval(
        json!({"a.$": "$.x", "n": {"b.$": "$.y[0]"}, "l": [{"c.$": "$$.Execution.Id"}], "k": 1}),
        json!({"x": "X", "y": [7]}),
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"a": "X", "n": {"b": 7}, "l": [{"c": "arn:x"}], "k": 1})
    );
}

#[test]
fn intrinsic_calls_are_evaluated() {
    let out = eval(
        json!({"greeting.$": "States.Format('Hi {}', $.name)"}),
        json!({"name": "Ada"}),
    )
    .unwrap();
    assert_eq!(out, json!({"greeting": "Hi Ada"}));
}

#[test]
fn missing_path_names_field_path_and_input() {
    let err = eval(json!({"a.$": "$.nope"}), json!({"x": 1})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "The JSONPath '$.nope' specified for the field 'a.$' could not be found in the input '{\"x\":1}'"
    );
}

#[test]
fn non_string_dynamic_value_is_a_parse_error() {
    let err = Template::parse(&json!({"a.$": 3})).unwrap_err();
    assert_eq!(
        err,
        ParseError::NotAString {
            field: "a.$".into()
        }
    );
}

#[test]
fn context_paths_lists_only_context_reads() {
    let paths = |t: Value| {
        Template::parse(&t)
            .unwrap()
            .context_paths()
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert!(paths(json!({"a.$": "$.x"})).is_empty());
    assert_eq!(
        paths(
            json!({"a.$": "$$.Map.Item.Value", "b": {"c.$": "States.Format('{} {}', $$.State.Name, $.y)"}})
        ),
        ["$$.Map.Item.Value", "$$.State.Name"]
    );
}
