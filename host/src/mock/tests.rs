use super::*;

/// The mock file of AWS's documented example, as `examples/lambda-sqs-integration/` keeps it
/// (from aws-recordings/local_mocked_service_integrations).
fn documented() -> String {
    let path = format!(
        "{}/../examples/lambda-sqs-integration/mock-config.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn awss_documented_mock_file_reads_with_its_ranges() {
    let config = MockConfig::parse(&documented()).unwrap();
    let retry = config
        .test_case("LambdaSQSIntegration", "RetryPath")
        .unwrap();
    let lambda = &retry.states["LambdaState"];
    assert!(
        matches!(lambda.at(0), Some(Outcome::Throw { error, .. }) if error == "Lambda.ResourceNotReadyException")
    );
    assert!(
        matches!(lambda.at(1), Some(Outcome::Throw { error, .. }) if error == "Lambda.TimeoutException")
    );
    assert!(
        matches!(lambda.at(2), Some(Outcome::Throw { error, .. }) if error == "Lambda.TimeoutException")
    );
    assert!(matches!(lambda.at(3), Some(Outcome::Return(v)) if v["StatusCode"] == 200));
    assert_eq!(lambda.at(4), None);
    let hybrid = config
        .test_case("LambdaSQSIntegration", "HybridPath")
        .unwrap();
    assert!(hybrid.states.contains_key("LambdaState"));
    assert!(!hybrid.states.contains_key("SQSState"));
    assert!(
        config
            .test_case("LambdaSQSIntegration", "NoSuchCase")
            .is_none()
    );
    assert!(config.test_case("Other", "HappyPath").is_none());
}

#[test]
fn a_bad_file_is_refused_with_the_path_of_the_problem() {
    let cases = [
        ("[]", "$"),
        (r#"{"StateMachines": {"M": {}}}"#, "$.StateMachines.M"),
        (
            r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "missing"}}}}, "MockedResponses": {}}"#,
            "$.StateMachines.M.TestCases.T.S",
        ),
        (
            r#"{"MockedResponses": {"R": {"0": {"Throw": {"Error": 1, "Cause": "c"}}}}}"#,
            "$.MockedResponses.R.0.Throw.Error",
        ),
        (
            r#"{"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}"#,
            "$.MockedResponses.R.0",
        ),
        (
            r#"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#,
            "$.MockedResponses.R.x",
        ),
        (
            r#"{"MockedResponses": {"R": {"2-1": {"Return": 1}}}}"#,
            "$.MockedResponses.R.2-1",
        ),
        (
            r#"{"MockedResponses": {"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}}"#,
            "$.MockedResponses.R",
        ),
        (r#"{"Extra": {}}"#, "$.Extra"),
    ];
    for (text, path) in cases {
        let err = MockConfig::parse(text).unwrap_err();
        assert_eq!(err.path, path, "{text}: {err}");
    }
}
