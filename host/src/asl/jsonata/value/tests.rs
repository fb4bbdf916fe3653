//! Tests of `value`.

use super::*;

#[test]
fn numbers_print_as_javascript_prints_them() {
    assert_eq!(number_to_string(1.0), "1");
    assert_eq!(number_to_string(-2.5), "-2.5");
    assert_eq!(number_to_string(1e21), "1e+21");
    assert_eq!(number_to_string(1e20), "100000000000000000000");
    assert_eq!(number_to_string(1.5e-7), "1.5e-7");
    assert_eq!(number_to_string(0.000001), "0.000001");
    assert_eq!(number_to_string(123.456), "123.456");
    assert_eq!(number_to_string(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(number_to_string(to_precision_15(0.1 + 0.2)), "0.3");
}

#[test]
fn integral_numbers_become_json_integers() {
    assert_eq!(number_to_json(1.0).map(|v| v.to_string()), Some("1".into()));
    assert_eq!(
        number_to_json(1.5).map(|v| v.to_string()),
        Some("1.5".into())
    );
    assert_eq!(number_to_json(f64::INFINITY), None);
}

#[test]
fn stringify_matches_json_stringify() {
    let v = from_json(&serde_json::json!({"a": [1, 2.5, "x"], "b": {}}));
    assert_eq!(
        stringify(&v, false, true).ok().as_deref(),
        Some(r#"{"a":[1,2.5,"x"],"b":{}}"#)
    );
    assert_eq!(
        stringify(&v, true, true).ok().as_deref(),
        Some("{\n  \"a\": [\n    1,\n    2.5,\n    \"x\"\n  ],\n  \"b\": {}\n}")
    );
}
