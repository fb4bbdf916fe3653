use super::*;
use serde_json::json;

fn parse_ok(value: Value) -> ChoiceBranch {
    let mut diags = Vec::new();
    let branch = parse_branch(&value, "/States/C/Choices/0", &mut diags);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
    branch.expect("branch")
}

fn parse_errors(value: Value) -> Vec<(String, String)> {
    let mut diags = Vec::new();
    let branch = parse_branch(&value, "/S/C/Choices/0", &mut diags);
    assert!(branch.is_none(), "expected a rejection");
    assert!(
        diags.iter().all(|d| d.code == "SCHEMA_VALIDATION_FAILED"),
        "{diags:?}"
    );
    diags.into_iter().map(|d| (d.message, d.location)).collect()
}

/// A resolver over the input (`$...`) and a context object whose `Execution.Input` is
/// the same input (`$$...`).
fn resolver(input: &Value) -> impl FnMut(&ReferencePath) -> Option<Value> + '_ {
    let context = json!({"Execution": {"Input": input.clone()}});
    move |path: &ReferencePath| path.get(input, &context).ok()
}

fn eval(rule: Value, input: Value) -> Result<bool, ChoiceError> {
    let mut rule = rule;
    if let Value::Object(map) = &mut rule {
        map.insert("Next".into(), json!("X"));
    }
    let branch = parse_ok(rule);
    evaluate(branch.rule.as_ref().unwrap(), &mut resolver(&input))
}

fn holds(rule: Value, input: Value) -> bool {
    eval(rule, input).expect("evaluation")
}

// ----- parsing -----------------------------------------------------------------------

#[test]
fn parses_a_comparison_branch() {
    let branch = parse_ok(json!({
        "Variable": "$.a", "NumericEqualsPath": "$$.Execution.Input.b",
        "Next": "Done", "Comment": "why"
    }));
    assert_eq!(branch.next, "Done");
    assert_eq!(branch.comment.as_deref(), Some("why"));
    let Some(Rule::Compare(comparison)) = &branch.rule else {
        panic!("expected a comparison, got {:?}", branch.rule);
    };
    assert_eq!(comparison.variable, "$.a");
    assert_eq!(comparison.op, Operator::NumericEquals);
    assert_eq!(
        comparison.operand,
        Operand::Path(ReferencePath::parse("$$.Execution.Input.b").unwrap())
    );
    assert_eq!(comparison.field_name(), "NumericEqualsPath");
    assert_eq!(comparison.op.name(), "NumericEquals");
}

#[test]
fn parses_combinators() {
    let branch = parse_ok(json!({
        "And": [
            {"Variable": "$.a", "IsPresent": true},
            {"Not": {"Variable": "$.b", "StringMatches": "x*"}},
            {"Or": [{"Variable": "$['c']", "BooleanEquals": true}]}
        ],
        "Next": "N"
    }));
    let Some(Rule::And(rules)) = branch.rule else {
        panic!("expected And");
    };
    assert_eq!(rules.len(), 3);
    assert!(matches!(&rules[1], Rule::Not(inner) if matches!(**inner, Rule::Compare(_))));
    assert!(matches!(&rules[2], Rule::Or(inner) if inner.len() == 1));
}

#[test]
fn every_operator_field_parses_with_a_well_typed_operand() {
    for &(name, op, is_path) in OPERATOR_FIELDS {
        let operand = if is_path {
            json!("$.other")
        } else {
            match op.family() {
                Family::String | Family::Pattern => json!("text"),
                Family::Numeric => json!(1.5),
                Family::Boolean | Family::TypeTest => json!(true),
                Family::Timestamp => json!("2016-03-14T01:59:00Z"),
            }
        };
        let mut rule = Map::new();
        rule.insert("Variable".into(), json!("$.v"));
        rule.insert(name.into(), operand);
        rule.insert("Next".into(), json!("N"));
        let branch = parse_ok(Value::Object(rule));
        let Some(Rule::Compare(comparison)) = branch.rule else {
            panic!("{name}: expected a comparison");
        };
        assert_eq!(comparison.op, op, "{name}");
        assert_eq!(comparison.field_name(), name);
    }
    assert_eq!(OPERATOR_FIELDS.len(), 39);
}

#[test]
fn reports_every_problem_of_a_branch() {
    let errors = parse_errors(json!({
        "Variable": 5, "NumericEquals": "1", "Extra": 1, "Comment": 3
    }));
    assert_eq!(
        errors,
        vec![
            (
                "These fields are required: [Next]".into(),
                "/S/C/Choices/0".into()
            ),
            (
                "Expected value of type String".into(),
                "/S/C/Choices/0/Comment".into()
            ),
            (
                "Field 'Extra' is not supported".into(),
                "/S/C/Choices/0/Extra".into()
            ),
            (
                "The value for the field 'Variable' must be a valid JSONPath".into(),
                "/S/C/Choices/0/Variable".into()
            ),
            (
                "Expected value of type Number".into(),
                "/S/C/Choices/0/NumericEquals".into()
            ),
        ]
    );
}

#[test]
fn reports_operand_type_errors() {
    let cases = [
        (
            json!({"BooleanEquals": 1}),
            "Expected value of type Boolean",
            "BooleanEquals",
        ),
        (
            json!({"IsNull": "true"}),
            "Expected value of type Boolean",
            "IsNull",
        ),
        (
            json!({"IsPresent": null}),
            "Expected value of type Boolean",
            "IsPresent",
        ),
        (
            json!({"StringEquals": 1}),
            "Expected value of type String",
            "StringEquals",
        ),
        (
            json!({"StringMatches": false}),
            "Expected value of type String",
            "StringMatches",
        ),
        (
            json!({"NumericLessThan": "2"}),
            "Expected value of type Number",
            "NumericLessThan",
        ),
        (
            json!({"TimestampEquals": 3}),
            "Expected value of type String",
            "TimestampEquals",
        ),
        (
            json!({"TimestampEquals": "2016-03-14"}),
            "The value for the field 'TimestampEquals' must be a valid timestamp",
            "TimestampEquals",
        ),
        (
            json!({"StringEqualsPath": "a.b"}),
            "The value for the field 'StringEqualsPath' must be a valid JSONPath",
            "StringEqualsPath",
        ),
        (
            json!({"NumericEqualsPath": 3}),
            "The value for the field 'NumericEqualsPath' must be a valid JSONPath",
            "NumericEqualsPath",
        ),
    ];
    for (mut rule, message, field) in cases {
        let map = rule.as_object_mut().expect("object");
        map.insert("Variable".into(), json!("$.v"));
        map.insert("Next".into(), json!("N"));
        let errors = parse_errors(rule);
        assert_eq!(
            errors,
            vec![(message.to_owned(), format!("/S/C/Choices/0/{field}"))]
        );
    }
}

#[test]
fn requires_exactly_one_operator() {
    assert_eq!(
        parse_errors(json!({"Variable": "$.v", "Next": "N"})),
        vec![(
            "A Choice Rule must have exactly one comparison operator, or one of And, Or, Not"
                .into(),
            "/S/C/Choices/0".into()
        )]
    );
    assert_eq!(
        parse_errors(json!({"Variable": "$.v", "IsNull": true, "IsString": true, "Next": "N"})),
        vec![(
            "Each Choice Rule can only have one comparison operator, found: [IsNull, IsString]"
                .into(),
            "/S/C/Choices/0".into()
        )]
    );
}

#[test]
fn requires_variable_on_comparisons_and_rejects_it_on_combinators() {
    assert_eq!(
        parse_errors(json!({"StringEquals": "a", "Next": "N"})),
        vec![(
            "These fields are required: [Variable]".into(),
            "/S/C/Choices/0".into()
        )]
    );
    assert_eq!(
        parse_errors(json!({
            "Variable": "$.v", "Not": {"Variable": "$.v", "IsNull": true}, "Next": "N"
        })),
        vec![(
            "Field 'Variable' is not supported".into(),
            "/S/C/Choices/0/Variable".into()
        )]
    );
}

#[test]
fn rejects_next_on_nested_rules_and_empty_combinators() {
    let errors = parse_errors(json!({
        "Or": [
            {"Variable": "$.a", "IsNull": true, "Next": "Inner"},
            {"And": []},
            {"Not": [1]},
            7
        ],
        "Next": "N"
    }));
    assert_eq!(
        errors,
        vec![
            (
                "Field 'Next' is not supported".into(),
                "/S/C/Choices/0/Or/0/Next".into()
            ),
            (
                "The field 'And' must contain at least one Choice Rule".into(),
                "/S/C/Choices/0/Or/1/And".into()
            ),
            (
                "Expected value of type Object".into(),
                "/S/C/Choices/0/Or/2/Not".into()
            ),
            (
                "Expected value of type Object".into(),
                "/S/C/Choices/0/Or/3".into()
            ),
        ]
    );
    assert_eq!(
        parse_errors(json!({"And": {}, "Next": "N"})),
        vec![(
            "Expected value of type Array".into(),
            "/S/C/Choices/0/And".into()
        )]
    );
    assert_eq!(
        parse_errors(json!("rule")),
        vec![(
            "Expected value of type Object".into(),
            "/S/C/Choices/0".into()
        )]
    );
}

#[test]
fn parse_rule_is_for_nested_rules() {
    let mut diags = Vec::new();
    let rule = parse_rule(
        &json!({"Variable": "$.a", "IsNull": false}),
        "/x",
        &mut diags,
    );
    assert!(diags.is_empty());
    assert!(matches!(rule, Some(Rule::Compare(_))));
    let rule = parse_rule(
        &json!({"Variable": "$.a", "IsNull": false, "Next": "N"}),
        "/x",
        &mut diags,
    );
    assert!(rule.is_none());
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].location, "/x/Next");
}

#[test]
fn escapes_field_names_in_locations() {
    let errors = parse_errors(json!({"Variable": "$.v", "IsNull": true, "a/b~": 1, "Next": "N"}));
    assert_eq!(
        errors,
        vec![(
            "Field 'a/b~' is not supported".into(),
            "/S/C/Choices/0/a~1b~0".into()
        )]
    );
}

#[test]
fn bounds_nesting_depth() {
    let mut rule = json!({"Variable": "$.a", "IsNull": true});
    for _ in 0..=MAX_RULE_DEPTH {
        rule = json!({ "Not": rule });
    }
    let mut diags = Vec::new();
    assert!(parse_rule(&rule, "/r", &mut diags).is_none());
    assert_eq!(diags.len(), 1);
    assert_eq!(
        diags[0].message,
        format!("Choice Rules cannot be nested more than {MAX_RULE_DEPTH} levels deep")
    );
}

/// Whether `path` is accepted as a rule's `Variable` and as a `...Path` operand.
fn accepts_variable(path: &str) -> bool {
    let mut diags = Vec::new();
    let variable = parse_branch(
        &json!({"Variable": path, "IsNull": true, "Next": "N"}),
        "/r",
        &mut diags,
    );
    let operand = parse_branch(
        &json!({"Variable": "$", "StringEqualsPath": path, "Next": "N"}),
        "/r",
        &mut diags,
    );
    assert_eq!(variable.is_some(), operand.is_some(), "{path}");
    variable.is_some()
}

#[test]
fn reference_path_syntax() {
    for good in [
        "$",
        "$$",
        "$.a",
        "$.a.b",
        "$$.Execution.Input.input-value",
        "$['a b']",
        "$[\"x\"]",
        "$.a[0].b",
        "$.a['it\\'s']",
        "$.über",
        // Workflow variables.
        "$a",
        "$über.b[0]",
        // A name runs to the next '.' or '[' (Jayway's grammar, the one every path uses).
        "$.a]",
    ] {
        assert!(accepts_variable(good), "{good}");
    }
    for bad in [
        "",
        "a",
        "$.",
        "$..a",
        "$.a.*",
        "$[*]",
        "$.a[?(@.b)]",
        "$[1:2]",
        "$[0,1]",
        "$['a'",
        "$[]",
        "$$a",
        "$$$",
    ] {
        assert!(!accepts_variable(bad), "{bad}");
    }
}

// ----- evaluation --------------------------------------------------------------------

#[test]
fn wrong_types_are_false_not_errors() {
    assert!(!holds(
        json!({"Variable": "$.v", "NumericEquals": 1}),
        json!({"v": "1"})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "StringEquals": "1"}),
        json!({"v": 1})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "BooleanEquals": true}),
        json!({"v": 1})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "TimestampEquals": "2012-10-09T19:00:55Z"}),
        json!({"v": null})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "StringMatches": "*"}),
        json!({"v": {}})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "NumericEqualsPath": "$.w"}),
        json!({"v": 1, "w": "1"})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "BooleanEqualsPath": "$.w"}),
        json!({"v": 0, "w": false})
    ));
}

#[test]
fn numbers_compare_by_value() {
    assert!(holds(
        json!({"Variable": "$.v", "NumericEquals": 1.0}),
        json!({"v": 1})
    ));
    assert!(holds(
        json!({"Variable": "$.v", "NumericEquals": 0}),
        json!({"v": 0.0})
    ));
    assert!(holds(
        json!({"Variable": "$.v", "NumericLessThan": 1.5}),
        json!({"v": 1})
    ));
    assert!(holds(
        json!({"Variable": "$.v", "NumericGreaterThanEquals": -1}),
        json!({"v": -1.0})
    ));
    // 2^53 + 1 is not equal to 2^53, although both round to the same f64.
    assert!(!holds(
        json!({"Variable": "$.v", "NumericEquals": 9_007_199_254_740_992.0_f64}),
        json!({"v": 9_007_199_254_740_993_i64})
    ));
    assert!(holds(
        json!({"Variable": "$.v", "NumericGreaterThan": 9_007_199_254_740_992.0_f64}),
        json!({"v": 9_007_199_254_740_993_i64})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "NumericLessThan": u64::MAX}),
        json!({"v": i64::MAX as f64 * 4.0})
    ));
    assert_eq!(
        compare_numbers(&Number::from(u64::MAX), &Number::from(-1_i64)),
        Some(Ordering::Greater)
    );
}

#[test]
fn strings_compare_by_utf16_code_units() {
    assert!(holds(
        json!({"Variable": "$.v", "StringLessThan": "AB"}),
        json!({"v": "A"})
    ));
    assert!(holds(
        json!({"Variable": "$.v", "StringGreaterThan": "A"}),
        json!({"v": "a"})
    ));
    assert!(!holds(
        json!({"Variable": "$.v", "StringEquals": "\t\r\n"}),
        json!({"v": "\t\n"})
    ));
    // U+1F600 is a surrogate pair (0xD83D...) in UTF-16, so it sorts before U+FF61,
    // unlike in code point (and UTF-8 byte) order.
    assert_eq!(compare_utf16("\u{1F600}", "\u{FF61}"), Ordering::Less);
    assert!("\u{1F600}" > "\u{FF61}");
    assert!(holds(
        json!({"Variable": "$.v", "StringLessThan": "\u{FF61}"}),
        json!({"v": "\u{1F600}"})
    ));
    assert_eq!(compare_utf16("ab", "abc"), Ordering::Less);
    assert_eq!(compare_utf16("", ""), Ordering::Equal);
}

#[test]
fn timestamps_compare_as_instants() {
    let rule = |op: &str, value: &str| {
        let mut map = Map::new();
        map.insert("Variable".into(), json!("$.t"));
        map.insert(op.into(), json!(value));
        Value::Object(map)
    };
    let input = json!({"t": "2012-10-09T20:00:55+01:00"});
    assert!(holds(
        rule("TimestampEquals", "2012-10-09T19:00:55Z"),
        input.clone()
    ));
    assert!(holds(
        rule("TimestampGreaterThan", "2012-10-09T19:00:54.999999999Z"),
        input.clone()
    ));
    assert!(holds(
        rule("TimestampLessThanEquals", "2012-10-09T19:00:55.000Z"),
        input.clone()
    ));
    assert!(!holds(
        rule("TimestampLessThan", "2012-10-09T19:00:55Z"),
        input
    ));
    // A string that is not a timestamp compares false.
    for text in [
        "2012-10-09T19:00:55",
        "2012-10-09 19:00:55Z",
        "2012-10-09t19:00:55z",
        "",
    ] {
        assert!(
            !holds(
                rule("TimestampEquals", "2012-10-09T19:00:55Z"),
                json!({"t": text})
            ),
            "{text}"
        );
    }
    assert!(holds(
        json!({"Variable": "$.t", "TimestampLessThanPath": "$.u"}),
        json!({"t": "2016-03-14T01:59:00Z", "u": "2016-03-14T01:59:00.5-00:30"})
    ));
}

#[test]
fn timestamp_parsing_rules() {
    for good in [
        "2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00.1Z",
        "2016-03-05T21:29:29.243167252Z",
        "2016-02-29T23:59:59+18:00",
        "2016-03-14T01:59:00-05:30",
    ] {
        assert!(Timestamp::parse(good).is_some(), "{good}");
    }
    for bad in [
        "2016-03-14T01:59:00",
        "2016-03-14t01:59:00Z",
        "2016-03-14T01:59:00z",
        "2016-03-14 01:59:00Z",
        "2016-03-14T01:59Z",
        "2016-13-05T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "2015-02-29T00:00:00Z",
        "2016-03-14T01:59:60Z",
        "2016-03-14T01:59:00.Z",
        "2016-03-14T01:59:00.1234567890Z",
        "2016-03-14T01:59:00+1:00",
        "2016-03-14T01:59:00+0100",
        "2016-03-14T01:59:00+19:00",
        "2016-03-14T01:59:00Zjunk",
        "05-12-2016T21:29:29Z",
        "2023-02-24",
        "２016-03-14T01:59:00Z",
    ] {
        assert!(Timestamp::parse(bad).is_none(), "{bad}");
    }
    assert_eq!(
        Timestamp::parse("2016-03-14T02:59:00+01:00"),
        Timestamp::parse("2016-03-14T01:59:00Z")
    );
}

#[test]
fn type_tests() {
    let is = |op: &str, expected: bool, value: Value| {
        let mut map = Map::new();
        map.insert("Variable".into(), json!("$.v"));
        map.insert(op.into(), json!(expected));
        holds(Value::Object(map), json!({ "v": value }))
    };
    assert!(is("IsNull", true, json!(null)));
    assert!(is("IsNull", false, json!(0)));
    assert!(is("IsNumeric", true, json!(1.1)));
    assert!(is("IsNumeric", false, json!("1")));
    assert!(is("IsString", true, json!("")));
    assert!(is("IsString", false, json!(null)));
    assert!(is("IsBoolean", true, json!(false)));
    assert!(is("IsBoolean", false, json!(0)));
    assert!(is("IsTimestamp", true, json!("2016-03-14T01:59:00Z")));
    assert!(is("IsTimestamp", false, json!("2016-03-14T01:59:00")));
    assert!(is("IsTimestamp", false, json!(12)));
    assert!(is("IsPresent", true, json!(null)));
    assert!(!is("IsPresent", false, json!(null)));
}

#[test]
fn is_present_on_a_missing_variable() {
    assert!(holds(
        json!({"Variable": "$.missing", "IsPresent": false}),
        json!({})
    ));
    assert!(!holds(
        json!({"Variable": "$.missing", "IsPresent": true}),
        json!({})
    ));
    assert!(holds(
        json!({"Variable": "$.a[3]", "IsPresent": false}),
        json!({"a": [1]})
    ));
}

#[test]
fn missing_variable_fails_with_the_aws_message() {
    for op in [
        json!({"IsNull": true}),
        json!({"IsNumeric": false}),
        json!({"StringEquals": "x"}),
    ] {
        let mut rule = op;
        rule["Variable"] = json!("$.missing");
        let error = eval(rule, json!({"other": 1})).expect_err("must fail");
        assert_eq!(
            error.to_string(),
            "Invalid path '$.missing': The choice state's condition path references an invalid value."
        );
        assert_eq!(error.error_name(), "States.Runtime");
    }
}

#[test]
fn missing_path_operand_fails_with_the_aws_message() {
    let error = eval(
        json!({"Variable": "$.v", "NumericLessThanEqualsPath": "$.right"}),
        json!({"v": 8}),
    )
    .expect_err("must fail");
    assert_eq!(
        error,
        ChoiceError::InvalidPath {
            path: "$.right".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "Invalid path '$.right': The choice state's condition path references an invalid value."
    );
}

#[test]
fn combinators_short_circuit() {
    // The second rule would fail (missing variable) if it were evaluated.
    let input = json!({"a": 1});
    assert!(!holds(
        json!({"And": [
            {"Variable": "$.a", "NumericEquals": 2},
            {"Variable": "$.missing", "IsNull": true}
        ]}),
        input.clone()
    ));
    assert!(holds(
        json!({"Or": [
            {"Variable": "$.a", "NumericEquals": 1},
            {"Variable": "$.missing", "IsNull": true}
        ]}),
        input.clone()
    ));
    assert!(
        eval(
            json!({"And": [
                {"Variable": "$.a", "NumericEquals": 1},
                {"Variable": "$.missing", "IsNull": true}
            ]}),
            input.clone()
        )
        .is_err()
    );
    assert!(holds(
        json!({"Not": {"Variable": "$.a", "StringEquals": "1"}}),
        input
    ));
}

#[test]
fn string_matches_wildcards_and_escapes() {
    let matches = |pattern: &str, text: &str| WildcardPattern::new(pattern).matches(text);
    assert!(matches("log-*.txt", "log-2024.txt"));
    assert!(matches("log-*.txt", "log-.txt"));
    assert!(!matches("log-*.txt", "log-2024.txt.gz"));
    assert!(matches("*", ""));
    assert!(matches("**", "abc"));
    assert!(matches("a*b*c", "abc"));
    assert!(matches("a*b*c", "aXbYbZc"));
    assert!(!matches("a*b*c", "acb"));
    assert!(
        !matches("ab*ba", "aba"),
        "prefix and suffix must not overlap"
    );
    assert!(matches("*ab", "abab"));
    assert!(matches("", ""));
    assert!(!matches("", "a"));
    assert!(matches("exact", "exact"));
    assert!(!matches("exact", "exactly"));
    // `\*` is a literal asterisk, `\\` a literal backslash.
    assert!(matches(r"a\*b", "a*b"));
    assert!(!matches(r"a\*b", "aXb"));
    assert!(matches(r"a\\*", r"a\anything"));
    assert!(!matches(r"a\\*", "anything"));
    assert!(matches(r"a\\\*", r"a\*"));
    // A backslash before anything else, or at the end, is itself literal.
    assert!(matches(r"a\b", r"a\b"));
    assert!(matches(r"a\", r"a\"));
    assert!(matches("ü*ß", "üxyzß"));
    assert_eq!(WildcardPattern::new(r"\*").source(), r"\*");
    assert!(holds(
        json!({"Variable": "$.v", "StringMatches": "*.log"}),
        json!({"v": "x.log"})
    ));
}

#[test]
fn context_object_paths_are_resolved_by_the_caller() {
    assert!(holds(
        json!({"Variable": "$$.Execution.Input.input-value", "NumericLessThanEquals": 0}),
        json!({"input-value": 0})
    ));
}

#[test]
fn choose_takes_the_first_matching_branch() {
    let branches = vec![
        parse_ok(json!({"Variable": "$.v", "NumericLessThan": 0, "Next": "Negative"})),
        parse_ok(json!({"Variable": "$.v", "NumericLessThan": 10, "Next": "Small"})),
        parse_ok(json!({"Variable": "$.v", "NumericLessThan": 100, "Next": "Medium"})),
    ];
    let input = json!({"v": 5});
    assert_eq!(choose(&branches, &mut resolver(&input)), Ok(Some("Small")));
    let input = json!({"v": 500});
    assert_eq!(choose(&branches, &mut resolver(&input)), Ok(None));
}

// ----- conformance ---------------------------------------------------------------------

/// Every recorded case whose definition is a single JSONPath Choice state deciding on the
/// execution input: evaluate its rules and check which state AWS entered next.
#[test]
fn conformance_cases_take_the_branch_aws_took() {
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/cases");
    let mut entries: Vec<_> = std::fs::read_dir(directory)
        .expect("conformance cases directory")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    let mut checked = 0;
    let mut choice_operator_cases = 0;
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let text = std::fs::read_to_string(&path).expect("read case");
        let case: Value = serde_json::from_str(&text).expect("case JSON");
        let features: Vec<&str> = case["features"]
            .as_array()
            .map(|f| f.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !features.contains(&"choice")
            || features
                .iter()
                .any(|f| matches!(*f, "jsonata" | "variables" | "map" | "parallel"))
        {
            continue;
        }
        let states = case["definition"]["States"].as_object().expect("States");
        let choices: Vec<(&String, &Value)> = states
            .iter()
            .filter(|(_, s)| s["Type"] == "Choice")
            .collect();
        let [(choice_name, choice_state)] = choices.as_slice() else {
            continue;
        };
        // The Choice state must see the execution input unchanged.
        if case["definition"]["StartAt"] != json!(choice_name)
            || choice_state.get("InputPath").is_some()
            || choice_state.get("QueryLanguage").is_some()
        {
            continue;
        }
        let branches: Vec<ChoiceBranch> = choice_state["Choices"]
            .as_array()
            .expect("Choices")
            .iter()
            .enumerate()
            .map(|(index, value)| {
                let mut diags = Vec::new();
                let location = format!("/States/{choice_name}/Choices/{index}");
                parse_branch(value, &location, &mut diags)
                    .unwrap_or_else(|| panic!("{name}: {diags:?}"))
            })
            .collect();
        let default = choice_state.get("Default").and_then(Value::as_str);

        // Which state AWS entered after the Choice state.
        let taken: String = if let Some(history) = case["history"].as_array() {
            let exited = history
                .iter()
                .position(|event| event[0] == "ChoiceStateExited")
                .unwrap_or_else(|| panic!("{name}: no ChoiceStateExited"));
            history[exited + 1][1]
                .as_str()
                .expect("state name")
                .to_owned()
        } else {
            let expected = &case["expected"]["output"];
            let candidates: Vec<&str> = branches
                .iter()
                .map(|b| b.next.as_str())
                .chain(default)
                .filter(|target| {
                    let state = &states[*target];
                    state["Type"] == "Pass" && &state["Result"] == expected
                })
                .collect();
            let mut unique = candidates.clone();
            unique.dedup();
            let [target] = unique.as_slice() else {
                panic!("{name}: cannot infer the branch from the output");
            };
            (*target).to_owned()
        };

        let input = &case["input"];
        let chosen = choose(&branches, &mut resolver(input))
            .unwrap_or_else(|error| panic!("{name}: {error}"))
            .or(default)
            .unwrap_or_else(|| panic!("{name}: no branch and no Default"));
        assert_eq!(chosen, taken, "{name}: input {input}");
        checked += 1;
        if name.starts_with("choice_operators_") {
            choice_operator_cases += 1;
        }
    }
    assert_eq!(
        choice_operator_cases, 324,
        "all choice_operators cases must be checked"
    );
    assert!(
        checked > choice_operator_cases,
        "other single-Choice cases are checked too"
    );
}
