//! Intrinsic functions and payload templates: the input up to the first newline is an intrinsic
//! expression, the rest a JSON document (a fixed sample when it is not JSON). The expression is
//! parsed and, when valid, evaluated with every path resolving to something in the document and a
//! fixed random source. The expression is also parsed as a template (`{"v.$": expr}`), and so is
//! the document itself; both templates are evaluated against the document.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use stepwise::asl::intrinsics::{self, Env};
use stepwise::asl::path::Query;
use stepwise::asl::template::Template;

/// Resolves a path in the document when it can, and to the whole document otherwise, so that
/// evaluation goes past argument resolution for every path.
struct DocumentEnv<'a> {
    document: &'a Value,
    context: &'a Value,
    state: u64,
}

impl Env for DocumentEnv<'_> {
    fn resolve(&mut self, path: &Query) -> Result<Value, intrinsics::ResolveError> {
        match path.select(self.document, self.context) {
            Ok(found) => Ok(found),
            Err(_) => Ok(self.document.clone()),
        }
    }

    fn random_u64(&mut self) -> u64 {
        // xorshift64: deterministic, so a crash reproduces.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (expression, rest) = text.split_once('\n').unwrap_or((text, ""));
    let document: Value = serde_json::from_str(rest).unwrap_or_else(|_| sample());
    let context = json!({"Execution": {"Id": "arn", "Input": document}, "State": {"Name": "S"}});

    let _ = intrinsics::looks_like_call(expression);
    if let Ok(call) = intrinsics::parse(expression) {
        let _ = call.paths();
        let mut env = DocumentEnv {
            document: &document,
            context: &context,
            state: 0x9E37_79B9_7F4A_7C15,
        };
        if let Err(e) = call.evaluate(&mut env) {
            let _ = e.error_name();
            let _ = e.cause();
        }
    }

    let mut state = 1u64;
    let mut random = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        state
    };
    for value in [
        json!({"v.$": expression, "lit": [expression]}),
        document.clone(),
    ] {
        if let Ok(template) = Template::parse(&value) {
            let _ = template.context_paths();
            let _ = template.evaluate(&document, &context, &mut random);
        }
    }
});

fn sample() -> Value {
    json!({
        "a": {"b": [1, 2, {"c": "x"}], "d": null},
        "list": [1, 2, 3, "four", {"five": 5}],
        "str": "text {} and {}",
        "num": 1.5,
        "big": 12345678901234567890u64
    })
}
