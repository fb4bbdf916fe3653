use super::*;
use crate::model::Protocol;

#[test]
fn every_vendored_model_loads_and_has_a_protocol_this_crate_speaks() {
    let names = names();
    assert!(names.len() > 400, "{} services", names.len());
    // Three new services speak only Smithy RPC v2 CBOR, which this crate does not.
    let cbor_only: Vec<&str> = names
        .into_iter()
        .filter(|name| service(name).unwrap().unwrap().model.protocol().is_none())
        .collect();
    assert_eq!(
        cbor_only,
        [
            "cloudwatchomni",
            "eventbridgev2",
            "partnercentralrevenuemeasurement"
        ]
    );
}

#[test]
fn names_follow_step_functions() {
    for (name, prefix, protocol) in [
        ("dynamodb", "DynamoDb", Protocol::Json),
        ("s3", "S3", Protocol::RestXml),
        ("sfn", "Sfn", Protocol::Json),
        ("secretsmanager", "SecretsManager", Protocol::Json),
        ("ec2", "Ec2", Protocol::Ec2),
        ("iam", "Iam", Protocol::Query),
        ("eventbridge", "EventBridge", Protocol::Json),
        ("cloudwatchlogs", "CloudWatchLogs", Protocol::Json),
        ("apigateway", "ApiGateway", Protocol::RestJson),
    ] {
        let service = service(name).unwrap().unwrap();
        assert_eq!(service.error_prefix, prefix);
        assert_eq!(service.model.protocol(), Some(protocol), "{name}");
    }
    assert_eq!(
        service("iam").unwrap().unwrap().global_endpoint,
        Some(("iam.amazonaws.com".to_owned(), "us-east-1".to_owned()))
    );
    assert!(service("nosuchservice").is_none());
}

#[test]
fn a_misspelt_service_has_a_suggestion() {
    assert_eq!(closest_name("dynamo-db").as_deref(), Some("dynamodb"));
    assert_eq!(closest_name("dynamdb").as_deref(), Some("dynamodb"));
    assert_eq!(closest_name("stepfunctionsxyz_completely_else"), None);
}
