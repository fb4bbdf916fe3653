use serde_json::json;

use crate::protocol::ServiceError;
use crate::protocol::tests::{body, header, request, response, try_request};

#[test]
fn sts_assume_role_is_a_form_with_action_version_and_member_lists() {
    let request = request(
        "sts",
        "assumeRole",
        json!({"RoleArn": "arn:aws:iam::1:role/r", "RoleSessionName": "s 1",
               "PolicyArns": [{"Arn": "arn:a"}, {"Arn": "arn:b"}],
               "Tags": [{"Key": "k", "Value": "v"}], "DurationSeconds": 900,
               "TransitiveTagKeys": []}),
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.path_and_query, "/");
    assert_eq!(
        request.headers,
        [(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned()
        )]
    );
    assert_eq!(
        body(&request),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr\
         &RoleSessionName=s%201&PolicyArns.member.1.arn=arn%3Aa&PolicyArns.member.2.arn=arn%3Ab\
         &DurationSeconds=900&Tags.member.1.Key=k&Tags.member.1.Value=v&TransitiveTagKeys="
    );
}

#[test]
fn sts_get_caller_identity_unwraps_its_result() {
    let request = request("sts", "getCallerIdentity", json!({}));
    assert_eq!(
        body(&request),
        "Action=GetCallerIdentity&Version=2011-06-15"
    );
    let result = response(
        "sts",
        "getCallerIdentity",
        200,
        &[],
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/ana</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"UserId": "AIDAEXAMPLE", "Account": "123456789012",
               "Arn": "arn:aws:iam::123456789012:user/ana"})
    );
}

#[test]
fn iam_list_users_reads_member_lists_and_timestamps() {
    let result = response(
        "iam",
        "listUsers",
        200,
        &[],
        r#"<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListUsersResult>
    <IsTruncated>false</IsTruncated>
    <Users>
      <member><Path>/</Path><UserName>ana</UserName><UserId>U1</UserId>
        <Arn>arn:aws:iam::1:user/ana</Arn><CreateDate>2024-05-01T10:20:30Z</CreateDate></member>
      <member><Path>/ops/</Path><UserName>bo</UserName><UserId>U2</UserId>
        <Arn>arn:aws:iam::1:user/ops/bo</Arn><CreateDate>2024-05-01T10:20:30.5Z</CreateDate>
        <Tags><member><Key>team</Key><Value>ops</Value></member></Tags></member>
    </Users>
  </ListUsersResult>
</ListUsersResponse>"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"Users": [
            {"Path": "/", "UserName": "ana", "UserId": "U1", "Arn": "arn:aws:iam::1:user/ana",
             "CreateDate": "2024-05-01T10:20:30Z"},
            {"Path": "/ops/", "UserName": "bo", "UserId": "U2", "Arn": "arn:aws:iam::1:user/ops/bo",
             "CreateDate": "2024-05-01T10:20:30.500Z", "Tags": [{"Key": "team", "Value": "ops"}]},
        ], "IsTruncated": false})
    );
    let empty = response(
        "iam",
        "listUsers",
        200,
        &[],
        "<ListUsersResponse><ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>",
    )
    .unwrap();
    assert_eq!(empty, json!({"Users": [], "IsTruncated": false}));
}

#[test]
fn query_errors_are_read_from_error_response() {
    let error = response(
        "iam",
        "getUser",
        404,
        &[],
        r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name nobody cannot be found.</Message></Error>
  <RequestId>f4d7b8c2-0000-1111-2222-333344445555</RequestId>
</ErrorResponse>"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ServiceError {
            status: 404,
            code: "NoSuchEntity".to_owned(),
            message: "The user with name nobody cannot be found.".to_owned(),
            request_id: Some("f4d7b8c2-0000-1111-2222-333344445555".to_owned()),
            extended_request_id: None,
        }
    );
}

#[test]
fn sns_publish_writes_maps_as_numbered_entries() {
    let request = request(
        "sns",
        "publish",
        json!({"TopicArn": "arn:t", "Message": "hi",
               "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "a"},
                                     "raw": {"DataType": "Binary", "BinaryValue": "hi"}}}),
    );
    assert_eq!(
        body(&request),
        "Action=Publish&Version=2010-03-31&TopicArn=arn%3At&Message=hi\
         &MessageAttributes.entry.1.Name=kind&MessageAttributes.entry.1.Value.DataType=String\
         &MessageAttributes.entry.1.Value.StringValue=a\
         &MessageAttributes.entry.2.Name=raw&MessageAttributes.entry.2.Value.DataType=Binary\
         &MessageAttributes.entry.2.Value.BinaryValue=aGk%3D"
    );
}

#[test]
fn ec2_describe_instances_numbers_lists_from_one_under_their_location_names() {
    let request = request(
        "ec2",
        "describeInstances",
        json!({"Filters": [{"Name": "tag:env", "Values": ["prod", "stage"]},
                           {"Name": "instance-state-name", "Values": ["running"]}],
               "InstanceIds": ["i-1"], "MaxResults": 10, "DryRun": false}),
    );
    assert_eq!(
        header(&request, "Content-Type"),
        Some("application/x-www-form-urlencoded; charset=utf-8")
    );
    assert_eq!(
        body(&request),
        "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&DryRun=false\
         &Filter.1.Name=tag%3Aenv&Filter.1.Value.1=prod&Filter.1.Value.2=stage\
         &Filter.2.Name=instance-state-name&Filter.2.Value.1=running&MaxResults=10"
    );
    let empty = request_with_empty_list();
    assert_eq!(body(&empty), "Action=DescribeInstances&Version=2016-11-15");
}

fn request_with_empty_list() -> crate::protocol::HttpRequest {
    request("ec2", "describeInstances", json!({"InstanceIds": []}))
}

#[test]
fn ec2_describe_instances_reads_item_lists_without_a_wrapper() {
    let result = response(
        "ec2",
        "describeInstances",
        200,
        &[],
        r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1</reservationId><ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1</instanceId><imageId>ami-1</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <launchTime>2024-05-01T10:20:30.000Z</launchTime>
          <tagSet><item><key>env</key><value>prod</value></item></tagSet>
          <ebsOptimized>false</ebsOptimized>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>"#,
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"Reservations": [{
            "ReservationId": "r-1", "OwnerId": "123456789012", "Groups": [],
            "Instances": [{"ImageId": "ami-1", "InstanceId": "i-1",
                           "LaunchTime": "2024-05-01T10:20:30Z",
                           "State": {"Code": 16, "Name": "running"},
                           "EbsOptimized": false,
                           "Tags": [{"Key": "env", "Value": "prod"}]}],
        }]})
    );
}

#[test]
fn ec2_errors_are_read_from_response_errors() {
    let error = response(
        "ec2",
        "describeInstances",
        400,
        &[],
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>"#,
    )
    .unwrap_err();
    assert_eq!(
        error,
        ServiceError {
            status: 400,
            code: "InvalidInstanceID.NotFound".to_owned(),
            message: "The instance ID 'i-1' does not exist".to_owned(),
            request_id: Some("ea966190-f9aa-478e-9ede-example".to_owned()),
            extended_request_id: None,
        }
    );
}

#[test]
fn ec2_timestamps_and_blobs_are_text() {
    let request = request(
        "ec2",
        "describeSpotPriceHistory",
        json!({"StartTime": 1714558830, "InstanceTypes": ["t3.micro"]}),
    );
    assert!(
        body(&request).contains("&StartTime=2024-05-01T10%3A20%3A30Z"),
        "{}",
        body(&request)
    );
    assert!(
        body(&request).contains("&InstanceType.1=t3.micro"),
        "{}",
        body(&request)
    );
    let wrong = try_request(
        "ec2",
        "describeSpotPriceHistory",
        json!({"StartTime": "yesterday"}),
    );
    assert!(wrong.is_err());
}
