//! Tests of `error`.

use super::*;

#[test]
fn templates_fill_token_and_value() {
    let e = Failure::new("T0410")
        .token("substring")
        .index(2)
        .into_error();
    assert_eq!(
        e.message,
        "Argument 2 of function \"substring\" does not match function signature"
    );
    let e = Failure::new("T1005").token("sum").into_error();
    assert_eq!(
        e.message,
        "Attempted to invoke a non-function. Did you mean $sum?"
    );
    let e = Failure::new("D3030").value("\"abc\"").into_error();
    assert_eq!(e.message, "Unable to cast value to a number: \"abc\"");
    assert_eq!(e.code, "D3030");
}
