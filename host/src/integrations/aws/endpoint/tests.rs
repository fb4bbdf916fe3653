use super::*;

fn service(name: &str) -> std::sync::Arc<Service> {
    stepwise_aws::service(name).unwrap().unwrap()
}

#[test]
fn aws_endpoints_are_regional_except_for_global_services() {
    let none = Endpoints::default();
    let ddb = none.resolve(&service("dynamodb"), "eu-west-1");
    assert_eq!(ddb.base, "https://dynamodb.eu-west-1.amazonaws.com");
    assert!(ddb.aws_owned);
    let iam = none.resolve(&service("iam"), "eu-west-1");
    assert_eq!(iam.base, "https://iam.amazonaws.com");
    assert_eq!(iam.signing_region, "us-east-1");
    let sfn = none.resolve(&service("sfn"), "cn-north-1");
    assert_eq!(sfn.base, "https://states.cn-north-1.amazonaws.com.cn");
}

#[test]
fn a_flag_beats_the_service_variable_which_beats_the_general_one() {
    let vars = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"),
        ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
        ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:7000"),
        ("HOME", "/root"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let flags = ["s3=http://127.0.0.1:9000".to_owned()];
    let endpoints = Endpoints::from_env_and_flags(vars, &flags).unwrap();
    let base = |name: &str| endpoints.resolve(&service(name), "us-east-1").base;
    assert_eq!(base("dynamodb"), "http://127.0.0.1:8000");
    assert_eq!(base("cloudwatchlogs"), "http://127.0.0.1:7000");
    assert_eq!(base("s3"), "http://127.0.0.1:9000");
    assert_eq!(base("sqs"), "http://127.0.0.1:5000");
    let iam = endpoints.resolve(&service("iam"), "eu-west-1");
    assert!(!iam.aws_owned);
    assert_eq!(iam.signing_region, "eu-west-1");
}

#[test]
fn a_bad_flag_is_refused_with_the_form_it_takes() {
    let err = Endpoints::from_env_and_flags([], &["dynamodb".to_owned()]).unwrap_err();
    assert!(err.contains("SERVICE=URL"), "{err}");
    let err = Endpoints::from_env_and_flags([], &["s3=localhost:9000".to_owned()]).unwrap_err();
    assert!(err.contains("http://"), "{err}");
}
