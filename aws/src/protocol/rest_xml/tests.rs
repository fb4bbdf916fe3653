use serde_json::json;

use crate::protocol::tests::{body, header, request, response};
use crate::protocol::{HttpRequest, ServiceError};

fn md5_of(request: &HttpRequest) -> String {
    use md5::{Digest, Md5};
    crate::protocol::value::base64(&Md5::digest(&request.body))
}

#[test]
fn s3_put_object_sends_a_string_body_as_its_bytes_on_a_path_style_uri() {
    let request = request(
        "s3",
        "putObject",
        json!({"Bucket": "my-bucket", "Key": "reports/2024 May/a+b.txt", "Body": "héllo",
               "ContentType": "text/plain", "Metadata": {"owner": "ana", "run": "7"}}),
    );
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.path_and_query,
        "/my-bucket/reports/2024%20May/a%2Bb.txt"
    );
    assert_eq!(
        request.headers,
        [
            ("Content-Type".to_owned(), "text/plain".to_owned()),
            ("x-amz-meta-owner".to_owned(), "ana".to_owned()),
            ("x-amz-meta-run".to_owned(), "7".to_owned()),
        ]
    );
    assert_eq!(request.body, "héllo".as_bytes());
}

#[test]
fn s3_put_object_sends_an_object_body_as_its_json_text() {
    let request = request(
        "s3",
        "putObject",
        json!({"Bucket": "b", "Key": "k.json", "Body": {"Dict": "Value"}, "ContentLength": 16}),
    );
    assert_eq!(body(&request), r#"{"Dict":"Value"}"#);
    assert_eq!(request.path_and_query, "/b/k.json");
    assert!(request.headers.is_empty(), "{:?}", request.headers);
}

#[test]
fn s3_get_object_reads_headers_metadata_and_the_body_as_text() {
    let result = response(
        "s3",
        "getObject",
        200,
        &[
            ("accept-ranges", "bytes"),
            ("content-length", "11"),
            ("content-type", "text/plain"),
            ("etag", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\""),
            ("last-modified", "Wed, 01 May 2024 10:20:30 GMT"),
            ("x-amz-server-side-encryption", "AES256"),
            ("x-amz-request-id", "R"),
        ],
        "hello world",
    )
    .unwrap();
    assert_eq!(
        result,
        json!({
            "Body": "hello world",
            "AcceptRanges": "bytes",
            "LastModified": "2024-05-01T10:20:30Z",
            "ContentLength": 11,
            "ETag": "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"",
            "ContentType": "text/plain",
            "ServerSideEncryption": "AES256",
            "Metadata": {},
        })
    );
    assert_eq!(
        serde_json::to_string(&result).unwrap(),
        r#"{"Body":"hello world","AcceptRanges":"bytes","LastModified":"2024-05-01T10:20:30Z","ContentLength":11,"ETag":"\"5eb63bbbe01eeed093cb22bb8f5acdc3\"","ContentType":"text/plain","ServerSideEncryption":"AES256","Metadata":{}}"#
    );
    let with_metadata =
        response("s3", "getObject", 200, &[("X-Amz-Meta-Owner", "ana")], "").unwrap();
    assert_eq!(
        with_metadata,
        json!({"Body": "", "Metadata": {"Owner": "ana"}})
    );
}

#[test]
fn s3_list_objects_v2_binds_the_query_string() {
    let request = request(
        "s3",
        "listObjectsV2",
        json!({"Bucket": "b", "Prefix": "logs/2024", "MaxKeys": 2,
               "ContinuationToken": "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="}),
    );
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path_and_query,
        "/b?list-type=2&max-keys=2&prefix=logs%2F2024&continuation-token=1ueGcxLPRx1Tr%2FXYExHnhbYLgveDs2J%2Fwm36Hy4vbOwM%3D"
    );
    assert!(request.body.is_empty());
    assert_eq!(header(&request, "Content-MD5"), None);
}

#[test]
fn s3_list_objects_v2_reads_flattened_contents() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>logs/</Prefix>
  <NextContinuationToken>next-1</NextContinuationToken>
  <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <Contents>
    <Key>logs/a.txt</Key><LastModified>2024-05-01T10:20:30.000Z</LastModified>
    <ETag>&quot;abc&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>
    <Size>12</Size><StorageClass>STANDARD</StorageClass>
  </Contents>
  <Contents>
    <Key>logs/b &amp; c.txt</Key><LastModified>2024-05-02T00:00:00.250Z</LastModified>
    <ETag>"def"</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass>
  </Contents>
</ListBucketResult>"#;
    let result = response("s3", "listObjectsV2", 200, &[], body).unwrap();
    assert_eq!(
        result,
        json!({
            "IsTruncated": true,
            "Contents": [
                {"Key": "logs/a.txt", "LastModified": "2024-05-01T10:20:30Z", "ETag": "\"abc\"",
                 "ChecksumAlgorithm": ["CRC32"], "Size": 12, "StorageClass": "STANDARD"},
                {"Key": "logs/b & c.txt", "LastModified": "2024-05-02T00:00:00.250Z",
                 "ETag": "\"def\"", "Size": 0, "StorageClass": "STANDARD"},
            ],
            "Name": "b",
            "Prefix": "logs/",
            "MaxKeys": 2,
            "KeyCount": 2,
            "NextContinuationToken": "next-1",
        })
    );
    let empty = response(
        "s3",
        "listObjectsV2",
        200,
        &[],
        "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>",
    )
    .unwrap();
    assert_eq!(
        empty,
        json!({"IsTruncated": false, "Name": "b", "KeyCount": 0})
    );
}

#[test]
fn s3_errors_are_read_from_a_bare_error_element() {
    let error = response(
        "s3",
        "getObject",
        404,
        &[("x-amz-request-id", "4442587FB7D0A2F9"), ("x-amz-id-2", "host-id")],
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>host-id</HostId></Error>"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ServiceError {
            status: 404,
            code: "NoSuchKey".to_owned(),
            message: "The specified key does not exist.".to_owned(),
            request_id: Some("4442587FB7D0A2F9".to_owned()),
            extended_request_id: Some("host-id".to_owned()),
        }
    );
    let error = response(
        "s3",
        "listObjectsV2",
        404,
        &[],
        "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>nope</BucketName><RequestId>R2</RequestId></Error>",
    )
    .unwrap_err();
    assert_eq!(error.code, "NoSuchBucket");
    assert_eq!(error.message, "The specified bucket does not exist");
    assert_eq!(error.request_id.as_deref(), Some("R2"));
}

#[test]
fn a_head_without_a_body_is_named_after_its_status() {
    let error = response("s3", "headObject", 404, &[("x-amz-request-id", "R")], "").unwrap_err();
    assert_eq!(
        error,
        ServiceError {
            status: 404,
            code: "NotFound".to_owned(),
            message: String::new(),
            request_id: Some("R".to_owned()),
            extended_request_id: None,
        }
    );
}

#[test]
fn s3_delete_objects_writes_a_flattened_xml_body_with_its_md5() {
    let request = request(
        "s3",
        "deleteObjects",
        json!({"Bucket": "b", "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "b<&>.txt", "VersionId": "v1"}], "Quiet": true}}),
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/b?delete");
    assert_eq!(
        body(&request),
        r#"<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a.txt</Key></Object><Object><Key>b&lt;&amp;&gt;.txt</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>"#
    );
    assert_eq!(
        header(&request, "Content-MD5"),
        Some(md5_of(&request).as_str())
    );
    assert_eq!(
        request.headers,
        [("Content-MD5".to_owned(), md5_of(&request))]
    );
    let result = response(
        "s3",
        "deleteObjects",
        200,
        &[],
        r#"<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>a.txt</Key></Deleted><Error><Key>b.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"Deleted": [{"Key": "a.txt"}],
               "Errors": [{"Key": "b.txt", "Code": "AccessDenied", "Message": "Access Denied"}]})
    );
}

#[test]
fn a_success_status_with_an_error_body_is_an_error() {
    let error = response(
        "s3",
        "copyObject",
        200,
        &[],
        "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>",
    )
    .unwrap_err();
    assert_eq!((error.status, error.code.as_str()), (200, "InternalError"));
}

#[test]
fn a_successful_body_that_is_not_xml_is_an_error() {
    let error = response("s3", "listObjectsV2", 200, &[], "<ListBucketResult>").unwrap_err();
    assert_eq!(error.code, "MalformedResponse");
    assert!(
        error.message.starts_with("The response is not valid XML"),
        "{}",
        error.message
    );
}

#[test]
fn s3_get_bucket_location_reads_its_bare_root() {
    let result = response(
        "s3",
        "getBucketLocation",
        200,
        &[],
        r#"<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>"#,
    )
    .unwrap();
    assert_eq!(result, json!({"LocationConstraint": "eu-west-1"}));
}

#[test]
fn s3_put_bucket_tagging_writes_wrapped_lists_and_attributes() {
    let request = request(
        "s3",
        "putBucketTagging",
        json!({"Bucket": "b", "Tagging": {"TagSet": [{"Key": "env", "Value": "prod"}]}}),
    );
    assert_eq!(
        body(&request),
        r#"<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>env</Key><Value>prod</Value></Tag></TagSet></Tagging>"#
    );
    assert!(header(&request, "Content-MD5").is_some());
    let acl = request_with_grantee();
    assert!(
        body(&acl).contains(r#"<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>id-1</ID></Grantee>"#),
        "{}",
        body(&acl)
    );
}

fn request_with_grantee() -> HttpRequest {
    request(
        "s3",
        "putObjectAcl",
        json!({"Bucket": "b", "Key": "k", "AccessControlPolicy": {"Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": "id-1"}, "Permission": "READ"}]}}),
    )
}

#[test]
fn timestamps_in_headers_are_http_dates() {
    let request = request(
        "s3",
        "getObject",
        json!({"Bucket": "b", "Key": "k", "IfModifiedSince": "2024-05-01T10:20:30Z", "PartNumber": 2}),
    );
    assert_eq!(
        header(&request, "If-Modified-Since"),
        Some("Wed, 01 May 2024 10:20:30 GMT")
    );
    assert_eq!(request.path_and_query, "/b/k?partNumber=2");
}

#[test]
fn route53_bodies_are_named_by_the_input_and_errors_nested_in_error_response() {
    let request = request(
        "route53",
        "changeResourceRecordSets",
        json!({"HostedZoneId": "Z1", "ChangeBatch": {"Changes": [{"Action": "UPSERT",
            "ResourceRecordSet": {"Name": "a.example.com", "Type": "A", "TTL": 60,
                                  "ResourceRecords": [{"Value": "1.2.3.4"}]}}]}}),
    );
    assert_eq!(request.path_and_query, "/2013-04-01/hostedzone/Z1/rrset/");
    assert_eq!(
        body(&request),
        r#"<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet><Name>a.example.com</Name><Type>A</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>1.2.3.4</Value></ResourceRecord></ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"#
    );
    let error = response(
        "route53",
        "changeResourceRecordSets",
        400,
        &[],
        r#"<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>No hosted zone found with ID: Z1</Message></Error><RequestId>r-53</RequestId></ErrorResponse>"#,
    )
    .unwrap_err();
    assert_eq!(error.code, "NoSuchHostedZone");
    assert_eq!(error.request_id.as_deref(), Some("r-53"));
}
