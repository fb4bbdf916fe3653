use super::*;
use crate::registry::service;

#[test]
fn actions_are_operations_with_a_lower_case_first_letter() {
    let s3 = service("s3").unwrap().unwrap();
    assert_eq!(s3.operation("listObjectsV2").unwrap().name, "ListObjectsV2");
    assert_eq!(s3.operation("getObject").unwrap().name, "GetObject");
    assert!(s3.operation("GetObject").is_none());
    assert!(s3.operation("getObjekt").is_none());
    assert_eq!(s3.closest_action("getObjekt").as_deref(), Some("getObject"));
    assert_eq!(s3.closest_action("completelyDifferentThing"), None);
}

#[test]
fn member_names_are_pascal_case() {
    assert_eq!(member_name("restApiId"), "RestApiId");
    assert_eq!(member_name("TableName"), "TableName");
    assert_eq!(member_name("Equals"), "EqualsValue");
}

#[test]
fn errors_are_named_as_step_functions_names_them() {
    let ddb = service("dynamodb").unwrap().unwrap();
    let put = ddb.operation("putItem");
    assert_eq!(
        ddb.error_name(
            put,
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
        ),
        "DynamoDb.ResourceNotFoundException"
    );
    assert_eq!(
        ddb.error_name(put, "ValidationException"),
        "DynamoDb.DynamoDbException"
    );
    let s3 = service("s3").unwrap().unwrap();
    assert_eq!(s3.error_name(None, "NoSuchKey"), "S3.NoSuchKeyException");
    assert_eq!(
        s3.error_name(None, "NoSuchBucket"),
        "S3.NoSuchBucketException"
    );
    let sm = service("secretsmanager").unwrap().unwrap();
    assert_eq!(
        sm.error_name(None, "ValidationException"),
        "SecretsManager.SecretsManagerException"
    );
}
