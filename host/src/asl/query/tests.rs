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

/// Variables known as JSON, so that paths are read directly.
struct Direct {
    states: serde_json::Map<String, Value>,
    variables: serde_json::Map<String, Value>,
    bindings: Bindings,
    environment: Environment,
}

impl Variables for Direct {
    fn states_part(&self, part: &str) -> Lookup<'_> {
        self.states
            .get(part)
            .map_or(Lookup::Undefined, Lookup::Value)
    }

    fn variable(&self, name: &str) -> Lookup<'_> {
        self.variables
            .get(name)
            .map_or(Lookup::Unknown, Lookup::Value)
    }

    fn evaluate(&self, expression: &Expression) -> Result<Evaluated, jsonata::Error> {
        expression.evaluate(None, &self.bindings, &self.environment)
    }
}

#[test]
fn a_path_read_from_the_json_gives_what_the_evaluator_gives() {
    let values = [
        json!({"a": {"b": 1, "c": [1, 2], "d": [{"e": 1}, {"e": 2}], "f": null}}),
        json!({"a": [{"b": 1}, {"b": [2, 3]}]}),
        json!({"a": {"b": 1.0, "c": 12345678901234567890u64, "d": -0.0, "e": 0.1}}),
        json!({"a": {"b": "text", "c": {"d": {"e": true}}}}),
        json!({"a": 3}),
        json!([{"a": 1}]),
        json!("scalar"),
    ];
    let expressions = [
        "$states.input",
        "$states.input.a",
        "$states.input.a.b",
        "$states.input.a.c",
        "$states.input.a.d",
        "$states.input.a.d.e",
        "$states.input.a.f",
        "$states.input.a.missing",
        "$states.input.a.b.c",
        "$states.result.a",
        "$states.nothing",
        "$v",
        "$v.a",
        "$v.a.b",
        "$v.a.c.d.e",
    ];
    for value in &values {
        let mut bindings = Bindings::new();
        bindings.insert("states", &json!({"input": value}));
        bindings.insert("v", value);
        let environment = Environment { now_ms: 0, seed: 7 };
        let direct = Direct {
            states: serde_json::Map::from_iter([("input".to_string(), value.clone())]),
            variables: serde_json::Map::from_iter([("v".to_string(), value.clone())]),
            bindings: bindings.clone(),
            environment,
        };
        let general = Scope {
            bindings: &bindings,
            environment: &environment,
        };
        for text in expressions {
            let template = JsonataTemplate::parse(&json!(format!("{{% {text} %}}"))).unwrap();
            assert!(
                template.as_expression().unwrap().variable_path().is_some(),
                "{text} is a path"
            );
            assert_eq!(
                template.evaluate("Output", &direct),
                template.evaluate("Output", &general),
                "{text} over {value}"
            );
        }
    }
}

#[test]
fn only_plain_paths_are_read_directly() {
    for text in [
        "$states.input.a[0]",
        "$states.input.a.*",
        "$states.input.(a)",
        "$states.input.a[]",
        "$states.input.a^(b)",
        "$states.input.a{'k': b}",
        "$states.input.a@$x",
        "$states.input.a#$i",
        "$states.input.a.%",
        "$",
        "$.a",
        "a.b",
        "[$v]",
        "$v + 1",
    ] {
        let e = Expression::parse(text).unwrap();
        assert!(e.variable_path().is_none(), "{text}");
    }
}
