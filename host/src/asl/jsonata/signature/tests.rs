//! Tests of `signature`.

use super::*;

fn n(x: f64) -> Value {
    Value::Number(x)
}

#[test]
fn validates_and_substitutes_context() {
    let sig = Signature::parse("<s-nn?:s>").unwrap_or_else(|e| panic!("{e}"));
    let out = sig
        .validate(&[n(1.0)], &Value::string("abc"))
        .map(|v| v.len());
    assert_eq!(out.ok(), Some(3));
    let err = sig.validate(&[n(1.0)], &n(2.0)).err().map(|e| e.code);
    assert_eq!(err, Some("T0411"));
    let err = sig.validate(&[Value::string("a"), Value::string("b")], &Value::Undefined);
    assert_eq!(
        err.err().map(|e| (e.code, e.index)),
        Some(("T0410", Some(2)))
    );
}

#[test]
fn array_subtypes() {
    let sig = Signature::parse("<a<n>:n>").unwrap_or_else(|e| panic!("{e}"));
    let err = sig
        .validate(&[Value::string("x")], &Value::Undefined)
        .err()
        .map(|e| e.code);
    assert_eq!(err, Some("T0412"));
    let ok = sig
        .validate(&[n(1.0)], &Value::Undefined)
        .ok()
        .map(|v| v[0].is_array());
    assert_eq!(ok, Some(true));
    assert!(Signature::parse("<n<n>>").is_err());
}
