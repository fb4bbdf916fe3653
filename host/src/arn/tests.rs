//! Tests of `arn`.

use super::*;

#[test]
fn task_resources_name_their_events_and_pattern() {
    let r = TaskResource::new("arn:aws:states:::lambda:invoke");
    assert_eq!((r.resource_type(), r.resource_name()), ("lambda", "invoke"));
    assert_eq!(r.kind(), Kind::Service);
    let r = TaskResource::new("arn:aws:states:::sqs:sendMessage.waitForTaskToken");
    assert_eq!(
        (r.resource_type(), r.resource_name()),
        ("sqs", "sendMessage.waitForTaskToken")
    );
    assert!(r.takes_token() && !r.is_job());
    let r = TaskResource::new("arn:aws:lambda:us-east-1:1:function:f");
    assert_eq!((r.kind(), r.resource_type()), (Kind::Function, "lambda"));
    let r = TaskResource::new("arn:aws:states:us-east-1:1:activity:a");
    assert!(r.is_activity() && r.takes_token());
    assert!(TaskResource::new("arn:aws:states:::batch:submitJob.sync").is_job());
    assert!(TaskResource::new("arn:aws:states:::states:startExecution.sync:2").is_job());
    assert_eq!(TaskResource::new("nope").resource_type(), "unknown");
}

/// What AWS recorded for SDK integrations: `resourceType` `aws-sdk:secretsmanager`,
/// `resource` `createSecret` (aws-recordings/v2/error_handling/test_aws_sdk).
#[test]
fn sdk_integrations_are_a_service_named_aws_sdk_colon_service() {
    let r = TaskResource::new("arn:aws:states:::aws-sdk:secretsmanager:createSecret");
    assert_eq!(
        (r.resource_type(), r.resource_name()),
        ("aws-sdk:secretsmanager", "createSecret")
    );
    assert_eq!(
        r.target(),
        Some(Resource::Service {
            service: "aws-sdk:secretsmanager",
            action: "createSecret",
            pattern: Pattern::RequestResponse,
        })
    );
    assert_eq!(r.region(), None);
    let r = TaskResource::new("arn:aws:states:eu-west-1::aws-sdk:s3:getObject.waitForTaskToken");
    assert_eq!(r.region(), Some("eu-west-1"));
    assert_eq!(r.resource_name(), "getObject.waitForTaskToken");
    assert!(r.takes_token());
    assert_eq!(Resource::parse("arn:aws:states:::aws-sdk:s3"), None);
    assert_eq!(Resource::parse("arn:aws:states:::aws-sdk::getObject"), None);
}

#[test]
fn names_follow_aws_rules() {
    for ok in ["a", "Hello-World_1", "ünïcode", &"x".repeat(80)] {
        assert!(is_valid_name(ok), "{ok}");
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
        assert!(!is_valid_name(bad), "{bad}");
    }
}

#[test]
fn lambda_function_arns() {
    assert_eq!(
        Resource::parse("arn:aws:lambda:us-east-1:123456789012:function:greeter"),
        Some(Resource::LambdaFunction {
            name: "greeter",
            qualifier: None
        })
    );
    assert_eq!(
        Resource::parse("arn:aws:lambda:eu-west-1:1:function:greeter:$LATEST"),
        Some(Resource::LambdaFunction {
            name: "greeter",
            qualifier: Some("$LATEST")
        })
    );
    assert_eq!(Resource::parse("arn:aws:lambda:us-east-1:1:layer:x"), None);
    assert_eq!(
        Resource::parse("arn:aws:lambda:us-east-1:1:function:"),
        None
    );
}

#[test]
fn service_integrations_and_their_patterns() {
    let service = |arn| match Resource::parse(arn) {
        Some(Resource::Service {
            service,
            action,
            pattern,
        }) => (service, action, pattern),
        other => panic!("{arn}: {other:?}"),
    };
    assert_eq!(
        service("arn:aws:states:::lambda:invoke"),
        ("lambda", "invoke", Pattern::RequestResponse)
    );
    assert_eq!(
        service("arn:aws:states:::lambda:invoke.waitForTaskToken"),
        ("lambda", "invoke", Pattern::WaitForTaskToken)
    );
    assert_eq!(
        service("arn:aws:states:::states:startExecution.sync:2"),
        ("states", "startExecution", Pattern::RunJob2)
    );
    assert_eq!(
        service("arn:aws:states:::batch:submitJob.sync"),
        ("batch", "submitJob", Pattern::RunJob)
    );
}

#[test]
fn activities_and_nonsense() {
    assert_eq!(
        Resource::parse("arn:aws:states:us-east-1:123456789012:activity:review"),
        Some(Resource::Activity { name: "review" })
    );
    for bad in [
        "",
        "arn",
        "arn:aws:s3:::bucket",
        "arn:aws:states:::",
        "nope",
    ] {
        assert_eq!(Resource::parse(bad), None, "{bad}");
    }
}
