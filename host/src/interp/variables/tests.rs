use super::*;
use serde_json::json;

#[test]
fn inner_scopes_read_outer_variables_and_write_their_own() {
    let mut outer = VariableScope::default();
    outer.assign(vec![("x".into(), json!(1)), ("y".into(), json!("a"))]);
    let outer = Arc::new(outer);
    let mut inner = VariableScope::inner(&outer);
    assert_eq!(inner.get("x"), Some(&json!(1)));
    inner.assign(vec![("x".into(), json!(2)), ("z".into(), json!(true))]);
    assert_eq!(inner.get("x"), Some(&json!(2)));
    assert_eq!(inner.get("y"), Some(&json!("a")));
    assert_eq!(outer.get("x"), Some(&json!(1)));
    assert_eq!(outer.get("z"), None);
}

#[test]
fn limits_are_aws_limits() {
    let scope = VariableScope::default();
    let big = json!("a".repeat(MAX_VARIABLE_BYTES));
    assert!(matches!(
        scope.check(&[("v".into(), big)]),
        Err(LimitError::Variable { .. })
    ));
    let half = json!("a".repeat(MAX_VARIABLE_BYTES / 2));
    assert!(matches!(
        scope.check(&[("a".into(), half.clone()), ("b".into(), half.clone())]),
        Err(LimitError::Assign { .. })
    ));
    let mut scope = VariableScope::default();
    // Exactly the largest variable: its JSON text is the string plus two quotes.
    let largest = json!("a".repeat(MAX_VARIABLE_BYTES - 2));
    for i in 0..=MAX_TOTAL_BYTES / MAX_VARIABLE_BYTES {
        let pair = vec![(format!("v{i}"), largest.clone())];
        if i < MAX_TOTAL_BYTES / MAX_VARIABLE_BYTES {
            scope.check(&pair).unwrap();
            scope.assign(pair);
        } else {
            assert!(matches!(scope.check(&pair), Err(LimitError::Total { .. })));
        }
    }
    // Replacing a variable does not count it twice.
    let pair = vec![("v0".to_owned(), largest)];
    scope.check(&pair).unwrap();
}
