use super::*;
use serde_json::json;

fn run(template: Value, field: &str) -> Result<Value, QueryError> {
    let mut bindings = Bindings::new();
    bindings.insert("states", &json!({"input": {"a": [1, 2, 3], "name": "x"}}));
    bindings.insert("limit", &json!(2));
    let environment = Environment { now_ms: 0, seed: 7 };
    let scope = Scope {
        bindings: &bindings,
        environment: &environment,
    };
    JsonataTemplate::parse(&template)
        .unwrap()
        .evaluate(field, &scope)
}

#[test]
fn expressions_only_where_the_whole_string_is_delimited() {
    assert_eq!(expression_text("{% 1 %}"), Some(" 1 "));
    assert_eq!(expression_text(" {% 1 %}"), None);
    assert_eq!(expression_text("{% 1 %} "), None);
    assert_eq!(
        run(
            json!({"n": "{% $count($states.input.a) %}", "lit": " {% 1 %} ", "deep": ["{% $limit * 2 %}"]}),
            "Output"
        ),
        Ok(json!({"n": 3, "lit": " {% 1 %} ", "deep": [4]}))
    );
    assert!(matches!(
        JsonataTemplate::parse(&json!({"a": ["{% ( %}"]})),
        Err(SyntaxError { ref pointer, .. }) if pointer == "/a/0"
    ));
}

#[test]
fn undefined_functions_and_errors_give_aws_causes() {
    assert_eq!(
        run(json!({"result": "{% $nothing %}"}), "Output")
            .unwrap_err()
            .to_string(),
        "The JSONata expression '$nothing' specified for the field 'Output/result' returned nothing (undefined)."
    );
    assert_eq!(
        run(json!("{% $fn := function($x){$x} %}"), "Items")
            .unwrap_err()
            .to_string(),
        "The JSONata expression '$fn := function($x){$x}' specified for the field 'Items' returned an unsupported result type."
    );
    let err = run(json!("{% $states.input.name + 1 %}"), "Output").unwrap_err();
    assert!(
        matches!(&err, QueryError::Evaluation { code, .. } if code == "T2001"),
        "{err:?}"
    );
    let value = json!(true);
    assert_eq!(
        type_error(
            &JsonataTemplate::parse(&json!("{% true %}")).unwrap(),
            "Items",
            "array",
            &value
        )
        .to_string(),
        "The JSONata expression 'true' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'boolean' for value: true"
    );
}

#[test]
fn number_fields_take_a_literal_or_an_expression() {
    let literal: Evaluable<u64> = serde_json::from_value(json!(5)).unwrap();
    assert_eq!(literal.literal(), Some(&5));
    let expression: Evaluable<u64> = serde_json::from_value(json!("{% 1 + 1 %}")).unwrap();
    assert!(expression.literal().is_none());
    assert!(serde_json::from_value::<Evaluable<u64>>(json!("five")).is_err());
}
