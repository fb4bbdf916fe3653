//! Tests of `regex`.

use super::*;

#[test]
fn finds_with_groups_and_flags() {
    let re = RegexLiteral::new("a(b+)?", "i").unwrap_or_else(|e| panic!("{e}"));
    let all = re.find_all("xAbbya");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].range, 1..4);
    assert_eq!(all[0].groups, vec![Some(2..4)]);
    assert_eq!(all[1].groups, vec![None]);
}

#[test]
fn pathological_patterns_finish() {
    for pattern in ["(a+)+$", "(a|aa)+$", "(a*)*b", "^(\\w+\\s?)*$"] {
        let re = RegexLiteral::new(pattern, "").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(re.engine, Engine::Linear(_)), "{pattern}");
        let text = format!("{}!", "a".repeat(5000));
        assert!(re.find_at(&text, 0).is_none());
    }
}

#[test]
fn javascript_syntax_is_translated() {
    let t = |p: &str| translate(p, "");
    assert_eq!(t("\\d+").as_deref(), Some("[0-9]+"));
    assert_eq!(t("[\\d.]").as_deref(), Some("[0-9.]"));
    assert_eq!(t("a{2}b{").as_deref(), Some("a{2}b\\{"));
    assert_eq!(t("(a)\\1"), None);
    assert_eq!(t("a(?=b)"), None);
    let re = RegexLiteral::new("(\\w+)\\s(\\w+)", "").unwrap_or_else(|e| panic!("{e}"));
    let f = re.find_at("John Smith", 0).map(|f| (f.range, f.groups));
    assert_eq!(f, Some((0..10, vec![Some(0..4), Some(5..10)])));
    let re = RegexLiteral::new("^b", "m").unwrap_or_else(|e| panic!("{e}"));
    assert!(re.find_at("a\nb", 0).is_some());
    // Back-references still work, on the backtracking engine.
    let re = RegexLiteral::new("(a)\\1", "").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(re.find_at("xaa", 0).map(|f| f.range), Some(1..3));
}
