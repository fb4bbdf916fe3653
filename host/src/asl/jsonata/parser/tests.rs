//! Tests of `parser`.

use super::*;

fn code(text: &str) -> Option<&'static str> {
    parse(text, MAX_PARSE_STACK).err().map(|e| e.code)
}

#[test]
fn syntax_errors() {
    assert_eq!(code("1="), Some("S0207"));
    assert_eq!(code("@ bar"), Some("S0211"));
    assert_eq!(code("[1:2]"), Some("S0202"));
    assert_eq!(code("$lowercase('x'"), Some("S0203"));
    assert_eq!(code("x:=1"), Some("S0212"));
    assert_eq!(code("function(x){$x}(3)"), Some("S0208"));
    assert_eq!(code("Account.Order@o.Product"), Some("S0214"));
    assert_eq!(code("1 2"), Some("S0201"));
    assert_eq!(code(&"(".repeat(300)), Some("U1004"));
}

#[test]
fn parses() {
    for text in [
        "a.b[0].c",
        "$sum(a.b) + 1",
        "function($x, $y)<nn:n>{ $x + $y }",
        "a^(>b, c)",
        "a{b: c}",
        "| a | {'x': 1}, ['y'] |",
        "$f(?, 2)",
        "a ? b : c",
        "[1..5]",
        "a.b@$x#$i[$x > 1]",
    ] {
        assert!(parse(text, MAX_PARSE_STACK).is_ok(), "{text}");
    }
}
