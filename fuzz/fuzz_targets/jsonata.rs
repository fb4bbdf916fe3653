//! A JSONata expression and a JSON document: the input up to the first newline is the
//! expression, the rest the document (a fixed sample when it is not JSON). Every expression is
//! parsed; one that parses is evaluated with the document as `$states.input` and as `$doc`,
//! under the engine's own depth and step limits. Neither may panic or overflow the stack,
//! whatever the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use stepwise::asl::jsonata::{Bindings, Environment, Expression};
use stepwise::asl::query::JsonataTemplate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (expression, rest) = text.split_once('\n').unwrap_or((text, ""));
    let document: Value = serde_json::from_str(rest).unwrap_or_else(|_| sample());

    // The same text as an ASL field, as validation parses it.
    let _ = JsonataTemplate::parse(&json!({ "field": format!("{{%{expression}%}}") }));

    let Ok(parsed) = Expression::parse(expression) else {
        return;
    };
    let _ = parsed.free_variables();
    let mut bindings = Bindings::new();
    bindings.insert("states", &json!({"input": document, "context": {"State": {"Name": "S"}}}));
    bindings.insert("doc", &document);
    let environment = Environment {
        now_ms: 1_700_000_000_000,
        seed: 7,
    };
    let _ = parsed.evaluate(Some(&document), &bindings, &environment);
});

fn sample() -> Value {
    json!({
        "a": {"b": [1, 2, {"c": "x"}], "d": null},
        "list": [{"n": 1, "s": "one"}, {"n": 2, "s": "two"}, {"n": 3}],
        "str": "text",
        "num": 1.5
    })
}
