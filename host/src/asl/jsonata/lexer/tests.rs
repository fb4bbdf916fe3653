//! Tests of `lexer`.

use super::*;

fn all(text: &str) -> Vec<Token> {
    let mut lx = Lexer::new(text);
    let mut out = Vec::new();
    let mut infix = false;
    while let Ok(Some((t, _))) = lx.next(infix) {
        infix = !matches!(t, Token::Operator(_));
        out.push(t);
    }
    out
}

#[test]
fn tokens() {
    assert_eq!(
        all("$a.b[0] != 'x\\n' and `c d`"),
        vec![
            Token::Variable("a".into()),
            Token::Operator("."),
            Token::Name("b".into()),
            Token::Operator("["),
            Token::Number(0.0),
            Token::Operator("]"),
            Token::Operator("!="),
            Token::String("x\n".into()),
            Token::Operator("and"),
            Token::Name("c d".into()),
        ]
    );
    assert_eq!(
        all("1..5"),
        vec![
            Token::Number(1.0),
            Token::Operator(".."),
            Token::Number(5.0)
        ]
    );
    assert_eq!(
        all("/a[/]b/i"),
        vec![Token::Regex {
            pattern: "a[/]b".into(),
            flags: "i".into()
        }]
    );
    assert_eq!(all("\"\\ud83d\\ude00\""), vec![Token::String("😀".into())]);
}

#[test]
fn lexical_errors() {
    let code = |t: &str| Lexer::new(t).next(false).err().map(|e| e.code);
    assert_eq!(code("'abc"), Some("S0101"));
    assert_eq!(code("1e999"), Some("S0102"));
    assert_eq!(code("'\\q'"), Some("S0103"));
    assert_eq!(code("'\\u12'"), Some("S0104"));
    assert_eq!(code("`abc"), Some("S0105"));
    assert_eq!(code("/* x"), Some("S0106"));
    assert_eq!(code("//"), Some("S0301"));
    assert_eq!(code("/abc"), Some("S0302"));
}
