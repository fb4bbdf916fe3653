//! Tests of `function`.

use super::*;

#[test]
fn the_default_is_lambdas() {
    let c = FunctionConfig::default();
    assert_eq!((c.memory_mb, c.timeout_seconds), (128, 3));
    assert_eq!(c.validate(), Ok(()));
}

#[test]
fn bounds_are_lambdas() {
    let with = |memory_mb, timeout_seconds| FunctionConfig {
        memory_mb,
        timeout_seconds,
        ..FunctionConfig::default()
    };
    assert_eq!(with(127, 3).validate(), Err(ConfigError::MemorySize(127)));
    assert_eq!(
        with(10_241, 3).validate(),
        Err(ConfigError::MemorySize(10_241))
    );
    assert_eq!(with(10_240, 900).validate(), Ok(()));
    assert_eq!(with(128, 0).validate(), Err(ConfigError::Timeout(0)));
    assert_eq!(with(128, 901).validate(), Err(ConfigError::Timeout(901)));
}

#[test]
fn environment_names_and_size_are_checked() {
    let with = |name: &str, value: &str| FunctionConfig {
        environment: BTreeMap::from([(name.to_owned(), value.to_owned())]),
        ..FunctionConfig::default()
    };
    assert_eq!(with("TABLE_NAME", "orders").validate(), Ok(()));
    for bad in ["1X", "A-B", "", "A"] {
        assert_eq!(
            with(bad, "v").validate(),
            Err(ConfigError::VariableName(bad.into()))
        );
    }
    assert_eq!(
        with("AWS_LAMBDA_FUNCTION_NAME", "x").validate(),
        Err(ConfigError::ReservedVariable(
            "AWS_LAMBDA_FUNCTION_NAME".into()
        ))
    );
    assert_eq!(
        with("BIG", &"v".repeat(5000)).validate(),
        Err(ConfigError::EnvironmentTooLarge(5003))
    );
}

#[test]
fn allowed_calls_match_exactly_or_by_prefix() {
    let c = FunctionConfig {
        allowed_calls: vec![
            "arn:aws:states:::lambda:invoke".into(),
            "arn:aws:states:::sqs:*".into(),
        ],
        ..FunctionConfig::default()
    };
    assert!(c.allows_call("arn:aws:states:::lambda:invoke"));
    assert!(!c.allows_call("arn:aws:states:::lambda:invoke.waitForTaskToken"));
    assert!(c.allows_call("arn:aws:states:::sqs:sendMessage"));
    assert!(!c.allows_call("arn:aws:states:::sns:publish"));
    assert!(!FunctionConfig::default().allows_call("arn:aws:states:::lambda:invoke"));
    for bad in ["", "a*b", "**"] {
        let c = FunctionConfig {
            allowed_calls: vec![bad.into()],
            ..FunctionConfig::default()
        };
        assert_eq!(c.validate(), Err(ConfigError::AllowedCall(bad.into())));
    }
}
