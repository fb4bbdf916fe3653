//! Tests of `tokens`.

use super::*;

fn claims() -> Claims {
    Claims {
        execution: "arn:aws:states:us-east-1:123456789012:execution:machine:run-1".into(),
        task: 3,
        entered_event: 2,
        attempt: 1,
    }
}

#[test]
fn a_minted_token_verifies_to_its_claims() {
    let key = TokenKey::generate();
    let token = key.mint(&claims());
    assert!(token.len() <= MAX_TOKEN_CHARS);
    assert_eq!(key.verify(&token), Ok(claims()));
    assert_eq!(
        TokenKey::from_hex(&key.to_hex()).unwrap().verify(&token),
        Ok(claims())
    );
}

#[test]
fn forged_altered_and_foreign_tokens_are_refused() {
    let key = TokenKey::generate();
    let token = key.mint(&claims());
    assert_eq!(
        TokenKey::generate().verify(&token),
        Err(TokenError::Signature)
    );
    let other = Claims {
        task: 4,
        ..claims()
    };
    let (_, tag) = token.split_once('.').unwrap();
    let (payload, _) = key
        .mint(&other)
        .split_once('.')
        .map(|(p, t)| (p.to_owned(), t.to_owned()))
        .unwrap();
    assert_eq!(
        key.verify(&format!("{payload}.{tag}")),
        Err(TokenError::Signature)
    );
    assert_eq!(key.verify(""), Err(TokenError::Length));
    assert_eq!(key.verify(&"a".repeat(1025)), Err(TokenError::Length));
    for junk in ["abc", "abc.def", "!!!.???", "a.b.c"] {
        assert_eq!(key.verify(junk), Err(TokenError::Malformed), "{junk}");
    }
    assert_eq!(TokenKey::from_hex("zz"), None);
}
