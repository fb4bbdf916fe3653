use super::*;

#[test]
fn size_limit_is_measured_on_json_text() {
    let v = Value::String("a".repeat(10));
    assert!(!json_len_exceeds(&v, 12));
    assert!(json_len_exceeds(&v, 11));
    let escaped = Value::String("\u{1}".repeat(10));
    assert!(!json_len_exceeds(&escaped, 62));
    assert!(json_len_exceeds(&escaped, 61));
    let nested = serde_json::json!({"a": [1, 2.5, null, true, {"b": "c"}]});
    let exact = nested.to_string().len();
    assert!(!json_len_exceeds(&nested, exact));
    assert!(json_len_exceeds(&nested, exact - 1));
}
