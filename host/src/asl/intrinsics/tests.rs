use super::*;
use serde_json::{Map, json};

/// Resolves `$`, `$.a.b`, `$.a[0]` against an input, and `$$.Execution.Input...` against
/// the same input; hands out a fixed sequence of random numbers.
struct TestEnv {
    input: Value,
    random: Vec<u64>,
    resolved: Vec<String>,
}

impl TestEnv {
    fn new(input: Value) -> Self {
        TestEnv {
            input,
            random: vec![0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210],
            resolved: vec![],
        }
    }
}

impl Env for TestEnv {
    fn resolve(&mut self, path: &Query) -> Result<Value, ResolveError> {
        let path = path.text();
        self.resolved.push(path.to_string());
        let (root, rest) = if let Some(rest) = path.strip_prefix("$$.Execution.Input") {
            (&self.input, rest)
        } else if let Some(rest) = path.strip_prefix('$') {
            (&self.input, rest)
        } else {
            return Err(ResolveError::not_found(path, &self.input));
        };
        let mut current = root;
        for segment in rest.split('.').filter(|s| !s.is_empty()) {
            let (name, index) = match segment.split_once('[') {
                Some((name, index)) => (name, index.trim_end_matches(']').parse::<usize>().ok()),
                None => (segment, None),
            };
            if !name.is_empty() {
                current = current
                    .get(name)
                    .ok_or_else(|| ResolveError::not_found(path, &self.input))?;
            }
            if let Some(index) = index {
                current = current
                    .get(index)
                    .ok_or_else(|| ResolveError::not_found(path, &self.input))?;
            }
        }
        Ok(current.clone())
    }

    fn random_u64(&mut self) -> u64 {
        let value = self.random.first().copied().unwrap_or(7);
        self.random.rotate_left(1);
        value
    }
}

fn eval(expression: &str, input: Value) -> Result<Value, EvalError> {
    let call = parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
    call.evaluate(&mut TestEnv::new(input))
}

fn ok(expression: &str, input: Value) -> Value {
    eval(expression, input).unwrap_or_else(|e| panic!("{expression}: {e}"))
}

fn cause(expression: &str, input: Value) -> String {
    match eval(expression, input) {
        Ok(v) => panic!("{expression} unexpectedly gave {v}"),
        Err(e) => {
            assert_eq!(e.error_name(), "States.Runtime");
            e.cause()
        }
    }
}

// ----- parser -----

#[test]
fn looks_like_call_needs_prefix_name_and_paren() {
    assert!(looks_like_call("States.Format('x')"));
    assert!(looks_like_call("States.UUID()"));
    assert!(looks_like_call("States.Nope(1)"));
    assert!(!looks_like_call("$.States.Format"));
    assert!(!looks_like_call("States.Format"));
    assert!(!looks_like_call("States.(x)"));
    assert!(!looks_like_call("States.Format ('x')"));
    assert!(!looks_like_call("$.a"));
}

#[test]
fn parses_every_argument_kind() {
    let call = parse("States.Array('a\\'b', -1.5e2, 3, true, false, null, $.x[0], $$.Execution.Id, $['a b'], States.UUID())").unwrap();
    assert_eq!(call.function(), Function::Array);
    let args = call.arguments();
    assert_eq!(args.len(), 10);
    assert_eq!(
        args[0],
        Argument::String {
            value: "a'b".into(),
            raw: "a\\'b".into()
        }
    );
    assert_eq!(args[1], Argument::Number(Number::from_f64(-150.0).unwrap()));
    assert_eq!(args[2], Argument::Number(Number::from(3)));
    assert_eq!(args[3], Argument::Bool(true));
    assert_eq!(args[4], Argument::Bool(false));
    assert_eq!(args[5], Argument::Null);
    assert_eq!(args[6], Argument::Path("$.x[0]".into()));
    assert_eq!(args[7], Argument::Path("$$.Execution.Id".into()));
    assert_eq!(args[8], Argument::Path("$['a b']".into()));
    assert!(matches!(&args[9], Argument::Call(c) if c.function() == Function::Uuid));
    assert_eq!(call.paths(), vec!["$.x[0]", "$$.Execution.Id", "$['a b']"]);
}

#[test]
fn whitespace_between_arguments_is_allowed() {
    let call = parse("  States.MathAdd( 1 ,\n\t2 )  ").unwrap();
    assert_eq!(call.arguments().len(), 2);
    assert_eq!(call.source(), "States.MathAdd( 1 ,\n\t2 )");
}

#[test]
fn string_escapes_decode() {
    let call = parse(r"States.Array('\{\}\\\'x')").unwrap();
    assert_eq!(
        call.arguments()[0],
        Argument::String {
            value: r"{}\'x".into(),
            raw: r"\{\}\\\'x".into()
        }
    );
    // A bare newline inside the quotes is fine (a conformance case relies on it).
    assert!(parse("States.StringSplit('Hello\nWorld', '\n')").is_ok());
}

#[test]
fn syntax_errors() {
    for bad in [
        "",
        "States.Format",
        "States.Format('x'",
        "States.Format('x)",
        "States.Array(1,)",
        "States.Array(,1)",
        "States.Array(01)",
        "States.Array(1.)",
        "States.Array(1e)",
        "States.Array(abc)",
        "States.Array(trueish)",
        "States.Array($$a)",
        "States.Array($['x')",
        "States.Array(1) extra",
        "Format('x')",
        "States.Array('x' 'y')",
    ] {
        assert!(
            matches!(parse(bad), Err(ParseError::Syntax { .. })),
            "{bad:?} gave {:?}",
            parse(bad)
        );
    }
}

#[test]
fn unknown_function_is_rejected() {
    assert_eq!(
        parse("States.Compare(1, 2)"),
        Err(ParseError::UnknownFunction {
            name: "States.Compare".into()
        })
    );
    assert_eq!(
        parse("States.format('x')"),
        Err(ParseError::UnknownFunction {
            name: "States.format".into()
        })
    );
}

#[test]
fn argument_counts_are_checked() {
    let cases = [
        (
            "States.UUID(1)",
            "States.UUID expects 0 argument(s) but received 1",
        ),
        (
            "States.Format()",
            "States.Format expects at least 1 argument(s) but received 0",
        ),
        (
            "States.MathRandom(1)",
            "States.MathRandom expects 2 to 3 argument(s) but received 1",
        ),
        (
            "States.ArrayRange(1, 2)",
            "States.ArrayRange expects 3 argument(s) but received 2",
        ),
        (
            "States.StringSplit($.a)",
            "States.StringSplit expects 2 argument(s) but received 1",
        ),
        (
            "States.JsonMerge($.a, $.b)",
            "States.JsonMerge expects 3 argument(s) but received 2",
        ),
        (
            "States.Array(States.Hash($.a))",
            "States.Hash expects 2 argument(s) but received 1",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(parse(text).unwrap_err().to_string(), message, "{text}");
    }
    for f in Function::ALL {
        let (min, _) = f.arity();
        let args = vec!["$.a"; min].join(", ");
        let text = if f == Function::Format {
            format!("{}('x')", f.name())
        } else {
            format!("{}({args})", f.name())
        };
        assert!(parse(&text).is_ok(), "{text}");
    }
}

#[test]
fn literal_format_template_is_checked_statically() {
    assert_eq!(
        parse("States.Format('{} {}', $.a)")
            .unwrap_err()
            .to_string(),
        "invalid argument 1 of States.Format: number of arguments do not match the occurrences of {}."
    );
    assert_eq!(
        parse("States.Format('{ x', $.a)").unwrap_err().to_string(),
        "invalid argument 1 of States.Format: matching '}' not found for '{'."
    );
    assert!(parse("States.Format(1)").is_err());
    assert!(parse("States.Format('\\{\\}')").is_ok());
    assert!(parse("States.Format($.template, $.a, $.b)").is_ok());
}

#[test]
fn nesting_depth_is_bounded() {
    let mut text = String::from("1");
    for _ in 0..MAX_NESTING_DEPTH {
        text = format!("States.Array({text})");
    }
    assert!(parse(&text).is_ok());
    let deeper = format!("States.Array({text})");
    assert_eq!(parse(&deeper), Err(ParseError::TooDeep));
    let hostile = "States.Array(".repeat(100_000);
    assert_eq!(parse(&hostile), Err(ParseError::TooDeep));
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "States.",
        "States.Array('",
        "States.Array('\\",
        "States.Array($",
        "States.Array(-",
        "States.Array(1e999)",
        "States.Array(99999999999999999999)",
        "States.Array($[",
        "States.Array(\u{1F600})",
        "States.Array('\u{1F600}\\\u{1F600}')",
        "States.Array($.a['x\u{1F600}'])",
    ] {
        let _ = parse(text);
    }
    assert!(parse("States.Array(1e999)").is_err());
    assert_eq!(
        parse("States.Array(99999999999999999999)")
            .unwrap()
            .arguments()[0],
        Argument::Number(Number::from_f64(1e20).unwrap())
    );
}

#[test]
fn truncations_and_insertions_never_panic() {
    let seeds = [
        r"States.Format('a {} \\\{ b', $.x[0], States.Array(1, -2.5e3, true, null))",
        "States.ArrayGetItem(States.StringSplit($$.Execution.Id, ':'), $['k, )'])",
        "States.MathRandom(1, 9, 3)",
    ];
    let noise = [
        '(', ')', ',', '\'', '\\', '$', '[', ']', '{', '}', ' ', '-', 'e', '.', '\u{e9}',
    ];
    for seed in seeds {
        for (cut, _) in seed.char_indices() {
            let (prefix, suffix) = seed.split_at(cut);
            if let Ok(call) = parse(prefix) {
                let _ = call.evaluate(&mut TestEnv::new(json!({"x": [1]})));
            }
            for extra in noise {
                let mutated = format!("{prefix}{extra}{suffix}");
                if let Ok(call) = parse(&mutated) {
                    let _ = call.evaluate(&mut TestEnv::new(json!({"x": [1]})));
                }
            }
        }
    }
}

// ----- evaluation order and environment -----

#[test]
fn arguments_are_evaluated_left_to_right() {
    let call = parse("States.Array($.b, States.Array($.a), $.c)").unwrap();
    let mut env = TestEnv::new(json!({"a": 1, "b": 2, "c": 3}));
    assert_eq!(call.evaluate(&mut env).unwrap(), json!([2, [1], 3]));
    assert_eq!(env.resolved, vec!["$.b", "$.a", "$.c"]);
}

#[test]
fn path_failure_names_the_whole_expression() {
    assert_eq!(
        cause(
            "States.Format('{}', States.Format('{}', $.nope))",
            json!({"other": 1})
        ),
        "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following error: \
         The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
    );
    assert_eq!(
        cause("States.Format('{}',$.nope)", json!({"other": 1})),
        "The function 'States.Format('{}',$.nope)' had the following error: \
         The JsonPath argument for the field '$.nope' could not be found in the input '{\"other\":1}'"
    );
}

#[test]
fn missing_context_path_is_reported_rewritten() {
    assert_eq!(
        missing_path_detail("$$.Nope.Deep", &json!({"other": 1})),
        "The JsonPath argument for the field '$.Nope.Deep' could not be found in the input '{\"other\":1}'"
    );
}

// ----- States.Format -----

#[test]
fn format_renders_like_aws() {
    let cases = [
        (json!(""), "Formatting argument ."),
        (json!(" "), "Formatting argument  ."),
        (json!("HelloWorld"), "Formatting argument HelloWorld."),
        (json!(null), "Formatting argument null."),
        (json!(1), "Formatting argument 1."),
        (json!(1.1), "Formatting argument 1.1."),
        (
            json!("{\"Arg1\": 1, \"Arg2\": []}"),
            "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.",
        ),
        (
            json!({"Arg1": 1, "Arg2": []}),
            "Formatting argument {Arg1=1, Arg2=[]}.",
        ),
        (
            json!([1, "a", [true, null], {"k": 2.5}]),
            "Formatting argument [1, a, [true, null], {k=2.5}].",
        ),
        (json!(1.0), "Formatting argument 1.0."),
        (json!(1e20), "Formatting argument 1.0E20."),
        (json!(1.5e-5), "Formatting argument 1.5E-5."),
        (json!(12345678.9), "Formatting argument 1.23456789E7."),
        (json!(0.001), "Formatting argument 0.001."),
        (json!(false), "Formatting argument false."),
    ];
    for (input, expected) in cases {
        assert_eq!(
            ok(
                "States.Format('Formatting argument {}.', $.FunctionInput)",
                json!({"FunctionInput": input})
            ),
            json!(expected)
        );
    }
}

#[test]
fn format_two_arguments_and_escapes() {
    assert_eq!(
        ok(
            "States.Format('Formatting arguments fst={} and snd={}.', $.a, $.b)",
            json!({"a": 1.1, "b": ""})
        ),
        json!("Formatting arguments fst=1.1 and snd=.")
    );
    assert_eq!(
        ok(r"States.Format('\{\} {} \'q\' \\', 'x')", json!({})),
        json!(r"{} x 'q' \")
    );
    assert_eq!(
        ok("States.Format('no placeholders')", json!({})),
        json!("no placeholders")
    );
}

#[test]
fn format_template_from_a_path() {
    assert_eq!(
        ok("States.Format($.tpl, 1)", json!({"tpl": "n={}"})),
        json!("n=1")
    );
    assert_eq!(
        cause("States.Format($.tpl, 1, 2)", json!({"tpl": "n={}"})),
        "The function 'States.Format($.tpl, 1, 2)' had the following error: Invalid arguments in \
         States.Format: number of arguments do not match the occurrences of {}."
    );
    assert_eq!(
        cause("States.Format($.tpl)", json!({"tpl": 5})),
        "The function 'States.Format($.tpl)' had the following error: Invalid arguments in \
         States.Format: the template must be a string, but was integer"
    );
    assert_eq!(
        cause("States.Format($.tpl)", json!({"tpl": "{"})),
        "The function 'States.Format($.tpl)' had the following error: Invalid arguments in \
         States.Format: matching '}' not found for '{'."
    );
}

#[test]
fn fail_state_intrinsics() {
    let input = json!({"Error": "error string", "Cause": "cause string"});
    assert_eq!(
        ok("States.Format('{}', $.Error)", input.clone()),
        json!("error string")
    );
    assert_eq!(
        ok(
            "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
            input
        ),
        json!("This is a custom error message for error string, caused by cause string.")
    );
}

// ----- JSON -----

#[test]
fn string_to_json_cases() {
    let cases = [
        ("", json!(null)),
        (" ", json!(null)),
        ("null", json!(null)),
        ("-0", json!(0)),
        ("1", json!(1)),
        ("1.1", json!(1.1)),
        ("true", json!(true)),
        ("\"HelloWorld\"", json!("HelloWorld")),
        ("[1, 2, \"HelloWorld\"]", json!([1, 2, "HelloWorld"])),
        (
            "{\"Arg1\": 1, \"Arg2\": []}",
            json!({"Arg1": 1, "Arg2": []}),
        ),
    ];
    for (text, expected) in cases {
        let got = ok(
            "States.StringToJson($.FunctionInput)",
            json!({"FunctionInput": text}),
        );
        assert_eq!(got, expected, "{text:?}");
        // Numbers compare by type too: 0 must stay an integer.
        assert_eq!(got.is_i64(), expected.is_i64());
    }
    assert_eq!(
        cause("States.StringToJson($.s)", json!({"s": "{bad"})),
        "The function 'States.StringToJson($.s)' had the following error: Invalid arguments in \
         States.StringToJson: the string is not valid JSON: {bad"
    );
    assert_eq!(
        cause("States.StringToJson($.s)", json!({"s": 1})),
        "The function 'States.StringToJson($.s)' had the following error: Invalid arguments in \
         States.StringToJson: argument 1 must be a string, but was integer"
    );
}

#[test]
fn json_to_string_is_compact_and_ordered() {
    assert_eq!(
        ok(
            "States.JsonToString($.o)",
            json!({"o": {"z": 1, "a": [1.0, "x", null]}})
        ),
        json!("{\"z\":1,\"a\":[1.0,\"x\",null]}")
    );
    assert_eq!(ok("States.JsonToString('s')", json!({})), json!("\"s\""));
}

#[test]
fn json_merge_is_shallow() {
    assert_eq!(
        ok(
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"a": {"a1": 1, "a2": 2}, "b": 2}, "b": {"a": {"a3": 1}, "c": 3}})
        ),
        json!({"a": {"a3": 1}, "b": 2, "c": 3})
    );
    assert_eq!(
        cause(
            "States.JsonMerge($.a, $.b, true)",
            json!({"a": {}, "b": {}})
        ),
        "The function 'States.JsonMerge($.a, $.b, true)' had the following error: Invalid arguments \
         in States.JsonMerge: only shallow merging is supported; the third argument must be false"
    );
    assert!(
        eval(
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": [], "b": {}})
        )
        .is_err()
    );
    assert!(
        eval(
            "States.JsonMerge($.a, $.b, 'no')",
            json!({"a": {}, "b": {}})
        )
        .is_err()
    );
}

// ----- arrays -----

#[test]
fn array_builds_from_arguments() {
    assert_eq!(
        ok("States.Array()", json!({"FunctionInput": "HelloWorld"})),
        json!([])
    );
    assert_eq!(
        ok("States.Array('a', 1, $.x, null)", json!({"x": {"k": 1}})),
        json!(["a", 1, {"k": 1}, null])
    );
}

#[test]
fn array_partition_cases() {
    for (array, size, expected) in [
        (json!([]), 1, json!([])),
        (json!([]), 5, json!([])),
        (json!([0]), 1, json!([[0]])),
        (json!([0]), 5, json!([[0]])),
        (json!([0, 1]), 1, json!([[0], [1]])),
        (json!([0, 1]), 2, json!([[0, 1]])),
        (json!([0, 1, 2]), 2, json!([[0, 1], [2]])),
        (json!([0, 1, 2, 3]), 3, json!([[0, 1, 2], [3]])),
        (json!([0, 1, 2, 3]), 4, json!([[0, 1, 2, 3]])),
        (json!([0, 1, 2, 3]), 5, json!([[0, 1, 2, 3]])),
    ] {
        assert_eq!(
            ok(
                "States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)",
                json!({"FunctionInput": {"fst": array, "snd": size}})
            ),
            expected
        );
    }
    assert_eq!(
        cause("States.ArrayPartition($.a, 0)", json!({"a": [1]})),
        "The function 'States.ArrayPartition($.a, 0)' had the following error: Invalid arguments in \
         States.ArrayPartition: the chunk size must be greater than 0, but was 0"
    );
    assert!(eval("States.ArrayPartition($.a, -1)", json!({"a": [1]})).is_err());
    assert!(eval("States.ArrayPartition($.a, 1)", json!({"a": "x"})).is_err());
}

#[test]
fn array_range_cases() {
    for (a, b, c, expected) in [
        (0, 9, 3, json!([0, 3, 6, 9])),
        (0, 10, 3, json!([0, 3, 6, 9])),
        (1, 9, 9, json!([1])),
        (1, 9, 2, json!([1, 3, 5, 7, 9])),
        (0, 3, 1, json!([0, 1, 2, 3])),
        (5, 1, -2, json!([5, 3, 1])),
        (5, 1, 1, json!([])),
    ] {
        assert_eq!(
            ok(
                "States.ArrayRange($.f.fst, $.f.snd, $.f.trd)",
                json!({"f": {"fst": a, "snd": b, "trd": c}})
            ),
            expected
        );
    }
    assert_eq!(
        ok("States.ArrayRange(1, 1000, 1)", json!({}))
            .as_array()
            .map(Vec::len),
        Some(1000)
    );
    assert_eq!(
        cause("States.ArrayRange(0, 1000, 1)", json!({})),
        "The function 'States.ArrayRange(0, 1000, 1)' had the following error: Invalid arguments in \
         States.ArrayRange: the range would have 1001 items, more than the limit of 1000"
    );
    assert_eq!(
        cause("States.ArrayRange(0, 10, 0)", json!({})),
        "The function 'States.ArrayRange(0, 10, 0)' had the following error: Invalid arguments in \
         States.ArrayRange: the step must not be 0"
    );
    assert!(eval("States.ArrayRange(-2147483648, 2147483647, 1)", json!({})).is_err());
}

#[test]
fn array_get_item_cases() {
    assert_eq!(
        ok(
            "States.ArrayGetItem($.f.fst, $.f.snd)",
            json!({"f": {"fst": [1, 2, 3, 4, 5, 6, 7, 8, 9], "snd": 5}})
        ),
        json!(6)
    );
    assert_eq!(
        ok("States.ArrayGetItem($.a, 1.0)", json!({"a": [1, {"k": 2}]})),
        json!({"k": 2})
    );
    assert_eq!(
        cause("States.ArrayGetItem($.a, 3)", json!({"a": [1, 2, 3]})),
        "The function 'States.ArrayGetItem($.a, 3)' had the following error: Invalid arguments in \
         States.ArrayGetItem: the index 3 is out of bounds for an array of length 3"
    );
    assert!(eval("States.ArrayGetItem($.a, -1)", json!({"a": [1]})).is_err());
    assert!(eval("States.ArrayGetItem($.a, 0.5)", json!({"a": [1]})).is_err());
    assert!(eval("States.ArrayGetItem($.a, '0')", json!({"a": [1]})).is_err());
    assert!(eval("States.ArrayGetItem($.a, 0)", json!({"a": {"0": 1}})).is_err());
}

#[test]
fn array_contains_length_unique() {
    assert_eq!(
        ok(
            "States.ArrayContains($.a, $.v)",
            json!({"a": [1, {"x": [2]}], "v": {"x": [2]}})
        ),
        json!(true)
    );
    assert_eq!(
        ok("States.ArrayContains($.a, 1.0)", json!({"a": [2]})),
        json!(false)
    );
    assert_eq!(
        ok("States.ArrayLength($.a)", json!({"a": [1, 2, 3]})),
        json!(3)
    );
    assert_eq!(
        cause("States.ArrayLength($.a)", json!({"a": "abc"})),
        "The function 'States.ArrayLength($.a)' had the following error: Invalid arguments in \
         States.ArrayLength: argument 1 must be an array, but was string"
    );
    assert_eq!(
        ok(
            "States.ArrayUnique($.a)",
            json!({"a": [1, 2, 3, 3, 3, 3, 3, 3, 4, "x", 1, "x", {"k": 1}, {"k": 1}]})
        ),
        json!([1, 2, 3, 4, "x", {"k": 1}])
    );
    assert_eq!(
        ok(
            "States.ArrayUnique($.a)",
            json!({"a": [{"a": 1, "b": 2}, {"b": 2, "a": 1}, 1, 1.0]})
        ),
        json!([{"a": 1, "b": 2}, 1, 1.0])
    );
}

// ----- encoding and hashing -----

#[test]
fn base64_round_trip_and_limits() {
    assert_eq!(
        ok(
            "States.Base64Encode($.FunctionInput)",
            json!({"FunctionInput": ""})
        ),
        json!("")
    );
    assert_eq!(
        ok(
            "States.Base64Encode($.FunctionInput)",
            json!({"FunctionInput": "Data to encode"})
        ),
        json!("RGF0YSB0byBlbmNvZGU=")
    );
    assert_eq!(
        ok(
            "States.Base64Decode($.FunctionInput)",
            json!({"FunctionInput": ""})
        ),
        json!("")
    );
    assert_eq!(
        ok(
            "States.Base64Decode($.FunctionInput)",
            json!({"FunctionInput": "RGF0YSB0byBlbmNvZGU="})
        ),
        json!("Data to encode")
    );
    assert_eq!(ok("States.Base64Encode('>>>')", json!({})), json!("Pj4+"));
    let long = "a".repeat(MAX_INPUT_CHARS);
    assert!(eval("States.Base64Encode($.s)", json!({"s": long})).is_ok());
    assert_eq!(
        cause(
            "States.Base64Encode($.s)",
            json!({"s": "a".repeat(MAX_INPUT_CHARS + 1)})
        ),
        "The function 'States.Base64Encode($.s)' had the following error: Invalid arguments in \
         States.Base64Encode: argument 1 must be at most 10000 characters, but has 10001"
    );
    assert_eq!(
        cause("States.Base64Decode('not base64!!!')", json!({})),
        "The function 'States.Base64Decode('not base64!!!')' had the following error: Invalid \
         arguments in States.Base64Decode: the string is not valid Base64"
    );
    assert!(eval("States.Base64Decode('/w==')", json!({})).is_err());
    assert!(eval("States.Base64Encode(1)", json!({})).is_err());
}

#[test]
fn hash_algorithms() {
    for (algorithm, digest) in [
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        (
            "SHA-256",
            "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
        ),
        (
            "SHA-384",
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
        ),
        (
            "SHA-512",
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
        ),
    ] {
        assert_eq!(
            ok(
                "States.Hash($.FunctionInput.fst, $.FunctionInput.snd)",
                json!({"FunctionInput": {"fst": "input data", "snd": algorithm}})
            ),
            json!(digest)
        );
    }
    assert_eq!(
        cause("States.Hash('x', 'sha-256')", json!({})),
        "The function 'States.Hash('x', 'sha-256')' had the following error: Invalid arguments in \
         States.Hash: the hash algorithm 'sha-256' is not supported; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
    );
    assert!(
        eval(
            "States.Hash($.s, 'MD5')",
            json!({"s": "a".repeat(MAX_INPUT_CHARS + 1)})
        )
        .is_err()
    );
}

// ----- math -----

#[test]
fn math_add_rounds_like_java() {
    for (a, b, sum) in [
        (json!(-9), json!(3), -6),
        (json!(1.49), json!(1.5), 3),
        (json!(1.5), json!(1.51), 4),
        (json!(-1.49), json!(-1.5), -2),
        (json!(-1.5), json!(-1.51), -3),
        (json!(1.49), json!(0), 1),
        (json!(1.49), json!(-1.49), 0),
        (json!(1.5), json!(0), 2),
        (json!(1.51), json!(0), 2),
        (json!(-1.49), json!(0), -1),
        (json!(-1.5), json!(0), -1),
        (json!(-1.51), json!(0), -2),
        (json!(0.5), json!(0), 1),
        (json!(2.5), json!(0), 3),
        (json!(3.5), json!(0), 4),
        (json!(-0.5), json!(0.5), 1),
        (json!(-0.5), json!(0), 0),
        (json!(-2.5), json!(0), -2),
        (json!(-3.5), json!(0), -3),
    ] {
        let got = ok(
            "States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)",
            json!({"FunctionInput": {"fst": a, "snd": b}}),
        );
        assert_eq!(got, json!(sum), "{a} + {b}");
        assert!(got.is_i64());
    }
    assert_eq!(
        ok("States.MathAdd($.Iterations, -1)", json!({"Iterations": 1})),
        json!(0)
    );
    assert_eq!(
        cause("States.MathAdd('1', 2)", json!({})),
        "The function 'States.MathAdd('1', 2)' had the following error: Invalid arguments in \
         States.MathAdd: argument 1 must be a number, but was string"
    );
    assert!(eval("States.MathAdd(2147483647, 1)", json!({})).is_err());
}

#[test]
fn math_random_seeded_is_deterministic_and_in_range() {
    let first = ok("States.MathRandom(1, 999, 1234)", json!({}));
    assert_eq!(first, ok("States.MathRandom(1, 999, 1234)", json!({})));
    let expected = 1 + i64::from(JavaRandom::new(1234).next_int(998));
    assert_eq!(first, json!(expected));
    let unseeded = ok("States.MathRandom(10, 20)", json!({})).as_i64().unwrap();
    assert_eq!(unseeded, 10 + (0x0123_4567_89ab_cdef_u64 % 10) as i64);
    assert!(eval("States.MathRandom(5, 5)", json!({})).is_err());
    assert!(eval("States.MathRandom('a', 5)", json!({})).is_err());
}

// ----- strings and ids -----

#[test]
fn string_split_on_any_delimiter_character() {
    assert_eq!(
        ok(
            "States.StringSplit('Hello\nWorld', '\n')",
            json!({"FunctionInput": null})
        ),
        json!(["Hello", "World"])
    );
    assert_eq!(
        ok(
            "States.StringSplit($.s, $.d)",
            json!({"s": "This.is+a,test=string", "d": ".+,="})
        ),
        json!(["This", "is", "a", "test", "string"])
    );
    assert_eq!(
        ok(
            "States.StringSplit($$.Execution.Input.FunctionInput, ',')",
            json!({"FunctionInput": "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n"})
        ),
        json!([
            "Value1",
            "Value2",
            "Value3\nValue4",
            "Value5",
            "Value6\n",
            "\ntrue",
            "1",
            "'HelloWorld'\nNull",
            "None",
            "\n   \n"
        ])
    );
    assert_eq!(ok("States.StringSplit('...', '.')", json!({})), json!([]));
    assert!(eval("States.StringSplit(1, ',')", json!({})).is_err());
}

#[test]
fn uuid_is_v4_from_injected_randomness() {
    let value = ok("States.UUID()", json!({}));
    let text = value.as_str().unwrap();
    assert_eq!(text, "01234567-89ab-4def-bedc-ba9876543210");
    let parsed = uuid::Uuid::parse_str(text).unwrap();
    assert_eq!(parsed.get_version_num(), 4);
}

#[test]
fn nested_calls() {
    assert_eq!(
        ok(
            "States.ArrayGetItem(States.StringSplit($.name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.name, '-')), -1))",
            json!({"name": "my-state-machine"})
        ),
        json!("machine")
    );
    assert_eq!(
        ok(
            "States.Base64Decode(States.Base64Encode($.s))",
            json!({"s": "round trip"})
        ),
        json!("round trip")
    );
    assert_eq!(
        cause(
            "States.Format('{}', States.ArrayGetItem($.a, 9))",
            json!({"a": []})
        ),
        "The function 'States.Format('{}', States.ArrayGetItem($.a, 9))' had the following error: \
         Invalid arguments in States.ArrayGetItem: the index 9 is out of bounds for an array of length 0"
    );
}

#[test]
fn java_double_rendering() {
    assert_eq!(java_double(0.0), "0.0");
    assert_eq!(java_double(-0.0), "-0.0");
    assert_eq!(java_double(100.0), "100.0");
    assert_eq!(java_double(9_999_999.0), "9999999.0");
    assert_eq!(java_double(10_000_000.0), "1.0E7");
    assert_eq!(java_double(0.000_99), "9.9E-4");
    assert_eq!(java_double(-2.5), "-2.5");
}

// ----- conformance cases -----

/// Every intrinsic expression in the recorded (non-JSONata) conformance cases parses, and the
/// single-Pass-state cases evaluate to exactly the recorded output.
#[test]
fn conformance_cases() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/cases");
    let mut parsed = 0;
    let mut evaluated = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let features = case["features"].as_array().cloned().unwrap_or_default();
        let out_of_scope = features.iter().any(|f| {
            f.as_str()
                .is_some_and(|f| f.contains("jsonata") || f.contains("variables"))
        });
        if out_of_scope {
            continue;
        }
        let mut expressions = Vec::new();
        collect_expressions(&case["definition"], &mut expressions);
        for expression in &expressions {
            parse(expression).unwrap_or_else(|e| panic!("{}: {expression}: {e}", path.display()));
            parsed += 1;
        }
        // Direct check: one Pass state whose Parameters hold exactly one intrinsic.
        let states = case["definition"]["States"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let [(_, state)] = &states.into_iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let Some(parameters) = state["Parameters"].as_object() else {
            continue;
        };
        if state["Type"] != "Pass"
            || parameters.len() != 1
            || state.get("InputPath").is_some()
            || state.get("ResultPath").is_some()
            || state.get("OutputPath").is_some()
        {
            continue;
        }
        let Some((key, Value::String(expression))) = parameters.iter().next() else {
            continue;
        };
        let Some(field) = key.strip_suffix(".$") else {
            continue;
        };
        if case["expected"]["status"] != "SUCCEEDED" || !looks_like_call(expression) {
            continue;
        }
        let result = ok(expression, case["input"].clone());
        let mut output = Map::new();
        output.insert(field.to_string(), result);
        let output = Value::Object(output);
        assert_eq!(output, case["expected"]["output"], "{}", path.display());
        assert_eq!(
            compact_json(&output),
            compact_json(&case["expected"]["output"]),
            "number types differ in {}",
            path.display()
        );
        evaluated += 1;
    }
    assert!(parsed >= 80, "only {parsed} intrinsic expressions found");
    assert!(evaluated >= 75, "only {evaluated} cases evaluated directly");
}

fn collect_expressions(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if let Value::String(text) = item {
                    let intrinsic_field =
                        key.ends_with(".$") || key == "ErrorPath" || key == "CausePath";
                    if intrinsic_field && text.starts_with("States.") {
                        out.push(text.clone());
                    }
                }
                collect_expressions(item, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_expressions(item, out)),
        _ => {}
    }
}
