//! A JSONPath and a JSON document: the input up to the first newline is the path, the rest the
//! document (a fixed sample when it is not JSON). The path is parsed as a `Query` and as a
//! `ReferencePath`, selected on the document and written into it. When the document is a Choice
//! branch, it is parsed and evaluated against itself as well.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use stepwise::asl::choice;
use stepwise::asl::path::{NoVariables, Query, ReferencePath, Variables};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, rest) = text.split_once('\n').unwrap_or((text, ""));
    let document: Value = serde_json::from_str(rest).unwrap_or_else(|_| sample());
    let context = json!({"Execution": {"Id": "arn", "Input": document}, "State": {"Name": "S"}});

    if let Ok(query) = Query::parse(path) {
        let _ = query.normalized();
        let _ = query.is_definite();
        match query.select(&document, &context) {
            Ok(found) => {
                let _ = query.field_not_found_cause("f.$", &found);
            }
            Err(e) => {
                let _ = query.invalid_path_cause(&e);
            }
        }
        let _ = query.find(&document, &context, &NoVariables);
        let _ = query.select_in(&document, &context, &Sample(&document));
    }
    if let Ok(reference) = ReferencePath::parse(path) {
        let _ = reference.get(&document, &context);
        let _ = reference.get_ref(&document, &context, &Sample(&document));
        if let Err(e) = reference.set(document.clone(), json!({"written": true})) {
            let _ = e.error_name();
            let _ = e.to_string();
        }
    }

    let mut diags = Vec::new();
    if let Some(branch) = choice::parse_branch(&document, "/States/C/Choices/0", &mut diags) {
        let mut resolve = |p: &ReferencePath| -> Option<Value> {
            p.get_in(&document, &context, &Sample(&document)).ok()
        };
        if let Some(rule) = &branch.rule {
            let _ = choice::evaluate(rule, &mut resolve);
        }
    }
});

/// Every `$name` variable is the document itself.
struct Sample<'a>(&'a Value);

impl Variables for Sample<'_> {
    fn variable(&self, _name: &str) -> Option<&Value> {
        Some(self.0)
    }
}

fn sample() -> Value {
    json!({
        "a": {"b": [1, 2, {"c": "x"}], "d": null},
        "list": [{"n": 1, "s": "one"}, {"n": 2, "s": "two"}, {"n": 3}],
        "str": "text",
        "num": 1.5
    })
}
