//! Tests of `input`.

use super::*;

#[test]
fn names_follow_aws_rules() {
    for ok in ["a", "Hello-World_1", "ünïcode", &"x".repeat(80)] {
        assert!(check_name(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "has space",
        "a/b",
        "a:b",
        "tab\t",
        "{x}",
        "q?",
        &"x".repeat(81),
    ] {
        assert_eq!(
            check_name(bad).unwrap_err(),
            ApiError::InvalidName(format!("Invalid Name: '{bad}'"))
        );
    }
}

#[test]
fn arns_are_checked_for_shape_and_kind() {
    let arn = "arn:aws:states:us-east-1:123456789012:execution:m:e1";
    assert_eq!(
        states_arn(arn, &["execution"]).unwrap(),
        StatesArn {
            kind: "execution",
            rest: "m:e1"
        }
    );
    assert_eq!(
        states_arn(arn, &["stateMachine"]).unwrap_err(),
        ApiError::InvalidArn(
            "Invalid Arn: 'Resource type not valid in this context: execution'".into()
        )
    );
    for bad in [
        "",
        "nope",
        "arn:aws:lambda:us-east-1:1:function:f",
        "arn:aws:states:r:1:stateMachine:",
    ] {
        assert!(
            matches!(
                states_arn(bad, &["stateMachine"]),
                Err(ApiError::InvalidArn(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn tokens_round_trip_and_refuse_forgeries() {
    let t = encode_token("executions", "42");
    assert_eq!(decode_token("executions", &t).unwrap(), "42");
    assert!(matches!(
        decode_token("machines", &t),
        Err(ApiError::InvalidToken(_))
    ));
    assert!(matches!(
        decode_token("executions", "!!"),
        Err(ApiError::InvalidToken(_))
    ));
}

#[test]
fn pages_resume_after_a_key() {
    fn key(s: &String) -> &str {
        s
    }
    let items: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).into();
    assert_eq!(page_after(&items, key, None, 2), (&items[..2], Some("b")));
    assert_eq!(
        page_after(&items, key, Some("b"), 2),
        (&items[2..4], Some("d"))
    );
    assert_eq!(page_after(&items, key, Some("d"), 2), (&items[4..], None));
    // A key that is gone (deleted since) still resumes at the right place.
    assert_eq!(page_after(&items, key, Some("bb"), 10), (&items[2..], None));
    assert_eq!(page_after(&items, key, Some("z"), 10), (&items[5..], None));
}

#[test]
fn page_sizes() {
    assert_eq!(page_size(None).unwrap(), 100);
    assert_eq!(page_size(Some(0)).unwrap(), 100);
    assert_eq!(page_size(Some(1000)).unwrap(), 1000);
    assert!(page_size(Some(1001)).is_err());
    assert!(page_size(Some(-1)).is_err());
}
