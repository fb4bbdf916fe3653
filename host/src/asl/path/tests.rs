use super::*;
use serde_json::json;

#[test]
fn set_cloned_agrees_with_set() {
    let doc = json!({"a": {"b": 1, "c": [1, {"d": 2}]}, "e": "x"});
    for path in [
        "$",
        "$.a",
        "$.a.b",
        "$.a.c[1].d",
        "$.a.c[-1]",
        "$.new.deep",
        "$.e",
        "$.a.c[5]",
    ] {
        let p = ReferencePath::parse(path).unwrap();
        let value = json!({"v": path});
        assert_eq!(
            p.set_cloned(&doc, value.clone()).map_err(|e| e.to_string()),
            p.set(doc.clone(), value).map_err(|e| e.to_string()),
            "{path}"
        );
    }
}

fn q(text: &str) -> Query {
    match Query::parse(text) {
        Ok(query) => query,
        Err(error) => panic!("{text} should parse: {error}"),
    }
}

fn sel(text: &str, input: &Value) -> Result<Value, SelectError> {
    q(text).select(input, &json!({}))
}

fn ok(text: &str, input: &Value) -> Value {
    match sel(text, input) {
        Ok(value) => value,
        Err(error) => panic!("{text} should select: {error}"),
    }
}

fn rp(text: &str) -> ReferencePath {
    match ReferencePath::parse(text) {
        Ok(path) => path,
        Err(error) => panic!("{text} should parse as a reference path: {error}"),
    }
}

fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "LOTR", "isbn": "0-395", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

#[test]
fn root_selects_whole_document() {
    let input = json!({"a": 1});
    assert_eq!(ok("$", &input), input);
    assert!(q("$").is_definite());
    assert_eq!(q("$").root(), Root::Input);
}

#[test]
fn context_root_reads_the_context_object() {
    let query = q("$$.Execution.Input.input-value");
    assert_eq!(query.root(), Root::Context);
    let context = json!({"Execution": {"Input": {"input-value": 7}}});
    assert_eq!(query.select(&json!({}), &context), Ok(json!(7)));
    assert_eq!(q("$$").select(&json!(1), &context), Ok(context.clone()));
    assert_eq!(query.normalized(), "$['Execution']['Input']['input-value']");
}

#[test]
fn dot_and_bracket_names() {
    let input = json!({"a": {"b c": {"d": 1}, "x-y": 2, "q\"": 3}});
    assert_eq!(ok("$['a']['b c']['d']", &input), json!(1));
    assert_eq!(ok("$[\"a\"][\"b c\"].d", &input), json!(1));
    assert_eq!(ok("$.a.x-y", &input), json!(2));
    assert_eq!(ok("$.['a'].['x-y']", &input), json!(2));
    assert_eq!(ok("$['a']['q\"']", &input), json!(3));
    assert_eq!(q("$.a['b c'].d").normalized(), "$['a']['b c']['d']");
    assert_eq!(
        ok(
            "$.a.b c".replace(' ', "").as_str(),
            &json!({"a": {"bc": 5}})
        ),
        json!(5)
    );
}

#[test]
fn escaped_quote_names_are_kept_verbatim_as_aws_does() {
    // ESCAPE_SEQUENCES_JSONPATH conformance case.
    let input = json!({"Test\\\"\"Name\"": "Value\"\\"});
    assert_eq!(ok("$['Test\\\"\"Name\"']", &input), json!("Value\"\\"));
}

#[test]
fn indices_positive_and_negative() {
    let input = json!({"items": [{"k": 0}, {"k": 1}, {"k": 2}]});
    assert_eq!(ok("$.items[0]", &input), json!({"k": 0}));
    assert_eq!(ok("$.items[2].k", &input), json!(2));
    assert_eq!(ok("$.items[-1].k", &input), json!(2));
    assert!(q("$.items[-1]").is_definite());
    assert_eq!(
        sel("$.items[3]", &input),
        Err(SelectError::NoResults {
            path: "$['items'][3]".into()
        })
    );
    assert_eq!(
        sel("$.items[99999999999999]", &input).map_err(|e| e.to_string()),
        Err("No results for path: $['items'][99999999999999]".into())
    );
}

#[test]
fn wildcards() {
    let input = json!({"a": [1, 2], "b": {"x": 1, "y": [3]}});
    assert_eq!(ok("$.a[*]", &input), json!([1, 2]));
    assert_eq!(ok("$.*", &input), json!([[1, 2], {"x": 1, "y": [3]}]));
    assert_eq!(ok("$.b.*", &input), json!([1, [3]]));
    assert_eq!(ok("$[*]", &json!({})), json!([]));
    assert!(!q("$.a[*]").is_definite());
}

#[test]
fn wildcard_and_slice_on_missing_input_give_empty_array() {
    // base_test_base.test_json_path_array_wildcard_or_slice_with_no_input*
    for path in [
        "$[*]",
        "$.item.items[*]",
        "$.item.items[:1]",
        "$.item.items[1:5]",
        "$.item.items[1:5].itemValue",
        "$.items[*]",
        "$.items[*].itemValue",
        "$.items[:1]",
        "$.items[:1].itemValue",
    ] {
        assert_eq!(ok(path, &json!({})), json!([]), "{path}");
    }
}

#[test]
fn slices() {
    let input = json!({"a": [0, 1, 2, 3, 4, 5]});
    assert_eq!(ok("$.a[1:3]", &input), json!([1, 2]));
    assert_eq!(ok("$.a[:2]", &input), json!([0, 1]));
    assert_eq!(ok("$.a[-2:]", &input), json!([4, 5]));
    assert_eq!(ok("$.a[1:5:2]", &input), json!([1, 3]));
    assert_eq!(ok("$.a[4:100]", &input), json!([4, 5]));
    assert_eq!(ok("$.a[3:1]", &input), json!([]));
    assert_eq!(ok("$.a[0:1]", &input), json!([0]), "a slice stays an array");
    assert_eq!(q("$.a[1:]").normalized(), "$['a'][1:]");
    assert!(Query::parse("$.a[1:2:0]").is_err());
    assert!(Query::parse("$.a[1:2:-1]").is_err());
}

#[test]
fn unions() {
    let input = json!({"a": [10, 11, 12], "b": {"x": 1, "y": 2, "z": 3}});
    assert_eq!(ok("$.a[0,2]", &input), json!([10, 12]));
    assert_eq!(ok("$.b['x','z']", &input), json!([1, 3]));
    assert_eq!(ok("$.b['x', 'nope']", &input), json!([1]));
    assert_eq!(q("$.b['x','z']").normalized(), "$['b']['x','z']");
    assert_eq!(q("$.a[0, 2]").normalized(), "$['a'][0,2]");
}

#[test]
fn deep_scan() {
    let input = store();
    assert_eq!(
        ok("$..author", &input),
        json!([
            "Nigel Rees",
            "Evelyn Waugh",
            "Herman Melville",
            "J. R. R. Tolkien"
        ])
    );
    assert_eq!(ok("$..book[0].title", &input), json!(["Sayings"]));
    assert_eq!(ok("$..[0].title", &input), json!(["Sayings"]));
    assert_eq!(
        ok("$..price", &input),
        json!([8.95, 12.99, 8.99, 22.99, 19.95])
    );
    assert_eq!(ok("$.store..color", &input), json!(["red"]));
    assert_eq!(ok("$..nothing", &input), json!([]));
    let all = ok("$..*", &json!({"a": {"b": 1}, "c": [2]}));
    assert_eq!(all, json!([{"b": 1}, [2], 1, 2]));
    assert_eq!(q("$..name").normalized(), "$..['name']");
}

#[test]
fn filters() {
    let input = store();
    assert_eq!(
        ok("$.store.book[?(@.price < 10)].title", &input),
        json!(["Sayings", "Moby Dick"])
    );
    assert_eq!(
        ok("$.store.book[?(@.isbn)].title", &input),
        json!(["Moby Dick", "LOTR"])
    );
    assert_eq!(
        ok("$.store.book[?(!@.isbn)].title", &input),
        json!(["Sayings", "Sword"])
    );
    assert_eq!(
        ok(
            "$.store.book[?(@.category == 'fiction' && @.price > 20)].title",
            &input
        ),
        json!(["LOTR"])
    );
    assert_eq!(
        ok(
            "$.store.book[?(@.price<9 || @.author == \"Evelyn Waugh\")].title",
            &input
        ),
        json!(["Sayings", "Sword", "Moby Dick"])
    );
    assert_eq!(
        ok("$.store.book[?(@.price <= $.expensive)].title", &input),
        json!(["Sayings", "Moby Dick"])
    );
    assert_eq!(
        ok("$.store.book[?(@.price >= 22.99)].title", &input),
        json!(["LOTR"])
    );
    assert_eq!(
        ok("$.store.book[?(@.category != 'fiction')].title", &input),
        json!(["Sayings"])
    );
    assert_eq!(
        ok("$..book[?(@.isbn)].isbn", &input),
        json!(["0-553", "0-395"])
    );
    assert_eq!(ok("$..[?(@.color)].price", &input), json!([19.95]));
    assert_eq!(
        ok(
            "$.store.book[?((@.price > 20 || @.price < 9) && @.isbn)].title",
            &input
        ),
        json!(["Moby Dick", "LOTR"])
    );
}

#[test]
fn filter_from_conformance_case() {
    // base_test_base.test_state_pass_regex_json_path_base
    let input = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
    assert_eq!(
        ok("$.users[?(@.status == 0)]", &input),
        json!([{"year": 1997, "status": 0}])
    );
}

#[test]
fn filter_literals_and_types() {
    let input = json!({"xs": [
        {"v": 1}, {"v": 1.0}, {"v": "1"}, {"v": true}, {"v": null}, {"v": [1, 2]}, {"w": 0}
    ]});
    assert_eq!(
        ok("$.xs[?(@.v == 1)]", &input),
        json!([{"v": 1}, {"v": 1.0}])
    );
    assert_eq!(ok("$.xs[?(@.v == '1')]", &input), json!([{"v": "1"}]));
    assert_eq!(ok("$.xs[?(@.v == true)]", &input), json!([{"v": true}]));
    assert_eq!(ok("$.xs[?(@.v == null)]", &input), json!([{"v": null}]));
    assert_eq!(ok("$.xs[?(@.v == [1, 2])]", &input), json!([{"v": [1, 2]}]));
    assert_eq!(
        ok("$.xs[?(@.v in [true, 'x'])]", &input),
        json!([{"v": true}])
    );
    assert_eq!(ok("$.xs[?(@.v size 2)]", &input), json!([{"v": [1, 2]}]));
    assert_eq!(
        ok("$.xs[?(@.v < 2)]", &input),
        json!([{"v": 1}, {"v": 1.0}])
    );
    // A missing value differs from everything.
    assert_eq!(
        ok("$.xs[?(@.v != 1)]", &input).as_array().map(Vec::len),
        Some(5)
    );
    assert_eq!(
        ok("$.xs[?(@.v.length() == 2)]", &input),
        json!([{"v": [1, 2]}])
    );
    assert_eq!(
        ok("$.s[?(@ > 'b')]", &json!({"s": ["a", "b", "c"]})),
        json!(["c"])
    );
    assert_eq!(
        ok("$.n[?(@ > -1.5e0)]", &json!({"n": [-2, -1, 3]})),
        json!([-1, 3])
    );
    assert_eq!(
        ok("$.n[?(@ == 'it\\'s')]", &json!({"n": ["it's"]})),
        json!(["it's"])
    );
}

#[test]
fn filter_on_object_tests_the_object() {
    let input = json!({"o": {"a": 1}});
    assert_eq!(ok("$.o[?(@.a == 1)]", &input), json!([{"a": 1}]));
    assert_eq!(ok("$.o[?(@.a == 2)]", &input), json!([]));
}

#[test]
fn length_function() {
    let input = json!({"a": [1, 2, 3], "o": {"x": 1}});
    assert_eq!(ok("$.a.length()", &input), json!(3));
    assert_eq!(ok("$.o.length()", &input), json!(1));
    assert_eq!(ok("$.a[*].length()", &input), json!(3));
    assert!(Query::parse("$.a.length().b").is_err());
    assert!(Query::parse("$.a.sum()").is_err());
    assert!(ReferencePath::parse("$.a.length()").is_err());
}

#[test]
fn definite_errors_have_jayway_messages() {
    let input = json!({"a": {"s": "text", "n": null, "o": {"k": 1}, "i": 5}});
    let cases = [
        (
            "$.NoSuchInputPath",
            "No results for path: $['NoSuchInputPath']",
        ),
        ("$.a.missing", "No results for path: $['a']['missing']"),
        ("$.x.y", "Missing property in path $['x']"),
        ("$.a.nope.y[0]", "Missing property in path $['a']['nope']"),
        (
            "$.a.s.y",
            "Expected to find an object with property ['y'] in path $['a']['s'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
        (
            "$.a.i.y",
            "Expected to find an object with property ['y'] in path $['a']['i'] but found 'java.lang.Integer'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
        ),
        ("$.a.n[0]", "The path $['a']['n'] is null"),
        (
            "$.a.o[0]",
            "Filter: [0] can only be applied to arrays. Current context is: {\"k\":1}",
        ),
        (
            "$.a.s[1]",
            "Filter: [1] can only be applied to arrays. Current context is: text",
        ),
    ];
    for (path, message) in cases {
        let error = match sel(path, &input) {
            Err(error) => error,
            Ok(value) => panic!("{path} should fail, got {value}"),
        };
        assert_eq!(error.to_string(), message, "{path}");
    }
}

#[test]
fn aws_cause_for_input_and_output_path() {
    // scenarios_test_base_scenarios.test_invalid_jsonpath_ST.INVALID_JSONPATH_IN_INPUTPATH
    let query = q("$.NoSuchInputPath");
    let error = match query.select(&json!({"int-literal": 0}), &json!({})) {
        Err(error) => error,
        Ok(value) => panic!("should fail, got {value}"),
    };
    assert_eq!(
        query.invalid_path_cause(&error),
        "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"
    );
    assert_eq!(error.path(), "$['NoSuchInputPath']");
}

#[test]
fn aws_cause_for_template_fields() {
    let query = q("$.application.address");
    assert_eq!(
        query.field_not_found_cause("address.$", &json!({"flagged": false})),
        "The JSONPath '$.application.address' specified for the field 'address.$' could not be found in the input '{\"flagged\":false}'"
    );
}

#[test]
fn find_reports_absence_as_none() {
    let input = json!({"a": {"b": null}, "s": "x"});
    assert_eq!(
        q("$.a.b").find(&input, &json!({}), &NoVariables),
        Ok(Some(Value::Null))
    );
    assert_eq!(q("$.a.c").find(&input, &json!({}), &NoVariables), Ok(None));
    assert_eq!(q("$.z.c").find(&input, &json!({}), &NoVariables), Ok(None));
    assert_eq!(q("$.s.c").find(&input, &json!({}), &NoVariables), Ok(None));
    assert_eq!(
        q("$.z[*]").find(&input, &json!({}), &NoVariables),
        Ok(Some(json!([])))
    );
}

#[test]
fn select_ref_borrows_definite_results() {
    let input = json!({"a": {"b": [1, 2]}});
    let context = json!({});
    let found = q("$.a.b").select_ref(&input, &context);
    assert!(matches!(found, Ok(Cow::Borrowed(value)) if *value == json!([1, 2])));
}

#[test]
fn parse_errors() {
    let bad = [
        "",
        "a.b",
        "$.",
        "$..",
        "$.a.",
        "$[",
        "$['a'",
        "$['a]",
        "$[\"a]",
        "$[abc]",
        "$.a b",
        "$[?(@.a ==)]",
        "$[?(@.a == 'x')",
        "$[?(@.a =~ /x/)]",
        "$[(@.length-1)]",
        "$.a[1,]",
        "$.a[99999999999999999999]",
        "$$$",
        "$[?(1)]",
    ];
    for text in bad {
        assert!(Query::parse(text).is_err(), "{text:?} should not parse");
    }
    assert_eq!(
        Query::parse("$.a.").map_err(|e| e.to_string()),
        Err("The path '$.a.' is not a valid JSONPath: a path must not end with '.' or '..' (at character 4)".into())
    );
    assert_eq!(
        Query::parse("x").map_err(|e| e.to_string()),
        Err(
            "The path 'x' is not a valid JSONPath: a path must start with '$' (at character 0)"
                .into()
        )
    );
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let deep_filter = format!("$[?({}@.a{})]", "(".repeat(10_000), ")".repeat(10_000));
    assert!(matches!(
        Query::parse(&deep_filter),
        Err(ParseError::TooDeep { .. })
    ));
    let deep_not = format!("$[?({}@.a)]", "!".repeat(10_000));
    assert!(matches!(
        Query::parse(&deep_not),
        Err(ParseError::TooDeep { .. })
    ));
    let deep_array = format!("$[?(@.a in {}1{})]", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(
        Query::parse(&deep_array),
        Err(ParseError::TooDeep { .. })
    ));
    let nested_filters = format!("$.a{}", "[?(@.b".repeat(5_000));
    assert!(Query::parse(&nested_filters).is_err());
    let long_path = format!("${}", ".a".repeat(100_000));
    assert!(Query::parse(&long_path).is_ok());
    assert!(Query::parse("$['\u{1F600}\u{0301}']").is_ok());
    assert!(Query::parse("$.\u{202E}x").is_ok());
    assert!(Query::parse("$['unterminated").is_err());
    assert!(Query::parse("$[-]").is_err());
    assert!(Query::parse("$[?(@.a == -)]").is_err());
}

#[test]
fn deep_documents_do_not_overflow() {
    let mut doc = json!(1);
    for _ in 0..100_000 {
        doc = Value::Array(vec![doc]);
    }
    let found = ok("$..[0]", &json!({"d": 1}));
    assert_eq!(found, json!([]));
    let scanned = q("$..nothing").select(&doc, &json!({}));
    assert_eq!(scanned, Ok(json!([])));
    // Drop iteratively: serde_json's recursive Drop would overflow on 100k levels.
    let mut current = doc;
    while let Value::Array(mut items) = current {
        current = items.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn reference_paths_accept_only_names_and_indices() {
    for text in [
        "$",
        "$.a",
        "$.a.b[0]",
        "$['a b'][-1]",
        "$$.Map.Item.Value",
        "$.input-value",
    ] {
        assert!(ReferencePath::parse(text).is_ok(), "{text}");
    }
    let rejected = [
        ("$.a[*]", "wildcards '*' are not allowed"),
        ("$.*", "wildcards '*' are not allowed"),
        ("$..a", "deep scan '..' is not allowed"),
        ("$.a[0,1]", "unions ',' are not allowed"),
        ("$['a','b']", "unions ',' are not allowed"),
        ("$.a[1:2]", "slices ':' are not allowed"),
        ("$.a[?(@.b)]", "filters '?' are not allowed"),
    ];
    for (text, reason) in rejected {
        assert_eq!(
            ReferencePath::parse(text).map_err(|e| e.to_string()),
            Err(format!(
                "The path '{text}' is not a valid ReferencePath: {reason}; a ReferencePath may only use field names and single array indices"
            )),
        );
    }
}

#[test]
fn reference_path_get() {
    let input = json!({"a": {"b": [1, 2]}});
    assert_eq!(rp("$.a.b[1]").get(&input, &json!({})), Ok(json!(2)));
    assert_eq!(
        rp("$.a.b[1]").get_ref(&input, &json!({}), &NoVariables),
        Ok(&json!(2))
    );
    assert_eq!(
        rp("$.a.c")
            .get(&input, &json!({}))
            .map_err(|e| e.to_string()),
        Err("No results for path: $['a']['c']".into())
    );
    assert_eq!(rp("$$.x").get(&input, &json!({"x": 3})), Ok(json!(3)));
}

#[test]
fn result_path_root_replaces_input() {
    assert_eq!(rp("$").set(json!({"a": 1}), json!("r")), Ok(json!("r")));
}

#[test]
fn result_path_inserts_and_creates_objects() {
    let input = json!({"comment": "x", "strings": {"s": 1}});
    assert_eq!(
        rp("$.taskresult").set(input.clone(), json!("R")),
        Ok(json!({"comment": "x", "strings": {"s": 1}, "taskresult": "R"}))
    );
    assert_eq!(
        rp("$.strings.lambdaresult").set(input.clone(), json!(2)),
        Ok(json!({"comment": "x", "strings": {"s": 1, "lambdaresult": 2}}))
    );
    assert_eq!(
        rp("$.new.deep.er").set(input.clone(), json!(true)),
        Ok(json!({"comment": "x", "strings": {"s": 1}, "new": {"deep": {"er": true}}}))
    );
    // Overwrites in place, keeping key order.
    let replaced = rp("$.comment").set(input, json!("y"));
    assert_eq!(
        replaced.map(|v| v.to_string()),
        Ok(r#"{"comment":"y","strings":{"s":1}}"#.to_owned())
    );
}

#[test]
fn result_path_indices() {
    let input = json!({"a": [{"x": 1}, 2]});
    assert_eq!(
        rp("$.a[1]").set(input.clone(), json!(9)),
        Ok(json!({"a": [{"x": 1}, 9]}))
    );
    assert_eq!(
        rp("$.a[-1]").set(input.clone(), json!(9)),
        Ok(json!({"a": [{"x": 1}, 9]}))
    );
    assert_eq!(
        rp("$.a[0].y").set(input.clone(), json!(3)),
        Ok(json!({"a": [{"x": 1, "y": 3}, 2]}))
    );
    assert_eq!(rp("$[0]").set(json!([1]), json!(2)), Ok(json!([2])));
}

#[test]
fn result_path_mismatches() {
    let cases = [
        ("$.a.b", json!({"a": "text"})),
        ("$.a.b", json!({"a": 5})),
        ("$.a.b", json!({"a": null})),
        ("$.a.b", json!({"a": [1]})),
        ("$.x", json!("a string")),
        ("$.x", json!([1, 2])),
        ("$.a[2]", json!({"a": [1, 2]})),
        ("$.a[-3]", json!({"a": [1, 2]})),
        ("$.a[0]", json!({"a": {"0": 1}})),
        ("$.a[0]", json!({})),
        ("$.m.n[0]", json!({})),
        ("$.a[0].b", json!({"a": [1]})),
    ];
    for (path, input) in cases {
        let error = match rp(path).set(input.clone(), json!("R")) {
            Err(error) => error,
            Ok(value) => panic!("{path} on {input} should fail, got {value}"),
        };
        assert_eq!(error.error_name(), "States.ResultPathMatchFailure");
        assert_eq!(
            error.to_string(),
            format!("Unable to apply ReferencePath {path} to input {input}"),
            "the document is reported unchanged"
        );
    }
    assert_eq!(
        rp("$.x")
            .set(json!("{\"k\":1}"), json!(1))
            .map_err(|e| e.to_string()),
        Err(r#"Unable to apply ReferencePath $.x to input "{\"k\":1}""#.to_owned())
    );
    assert!(matches!(
        rp("$$.x").set(json!({}), json!(1)),
        Err(SetError::ContextObject { .. })
    ));
}

/// Every path expression in the in-scope conformance cases parses, reference-path fields
/// as reference paths.
#[test]
fn conformance_case_paths_parse() {
    let entries = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/cases"
    ))
    .expect("conformance cases directory");
    let mut checked = 0;
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(case) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let features = case
            .get("features")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if features.iter().any(|f| f == "jsonata" || f == "variables") {
            continue;
        }
        let mut stack = vec![case.get("definition").cloned().unwrap_or(Value::Null)];
        while let Some(node) = stack.pop() {
            match node {
                Value::Object(map) => {
                    for (key, value) in map {
                        if let Value::String(path) = &value
                            && path.starts_with('$')
                        {
                            let reference = key == "ResultPath"
                                || key == "Variable"
                                || (key.ends_with("Path")
                                    && !matches!(
                                        key.as_str(),
                                        "InputPath" | "OutputPath" | "ItemsPath"
                                    ));
                            if reference {
                                assert!(ReferencePath::parse(path).is_ok(), "{key}: {path}");
                                checked += 1;
                            } else if key.ends_with("Path") || key.ends_with(".$") {
                                assert!(Query::parse(path).is_ok(), "{key}: {path}");
                                checked += 1;
                            }
                        }
                        stack.push(value);
                    }
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
    assert!(checked > 50, "only {checked} paths checked");
}
