//! The types of a botocore `service-2.json`: metadata, operations and shapes, with the fields
//! the protocols read. Fields the protocols never read are not kept.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde::Deserialize;

/// One service's model.
#[derive(Debug, Deserialize)]
pub struct ServiceModel {
    /// Who the service is and how it is spoken to.
    pub metadata: Metadata,
    /// Operations by their model name (`GetItem`, `ListObjectsV2`).
    pub operations: HashMap<String, Operation>,
    /// Shapes by name.
    pub shapes: HashMap<String, Shape>,
}

/// `metadata`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// `2012-08-10`: the `Version` of query and ec2 requests.
    pub api_version: String,
    /// The first label of the service's host name (`dynamodb`, `s3`, `states`).
    pub endpoint_prefix: String,
    /// The `json` protocol's version (`1.0`, `1.1`): its content type.
    #[serde(default)]
    pub json_version: Option<String>,
    /// The protocol botocore speaks.
    pub protocol: String,
    /// Every protocol the service accepts, preferred first (newer models).
    #[serde(default)]
    pub protocols: Vec<String>,
    /// The service's stable id (`DynamoDB`, `CloudWatch Logs`).
    pub service_id: String,
    /// The name requests are signed for, when it is not the endpoint prefix.
    #[serde(default)]
    pub signing_name: Option<String>,
    /// `v4`, `s3v4`, `v2`, `bearer`.
    #[serde(default)]
    pub signature_version: Option<String>,
    /// The `json` protocol's `X-Amz-Target` prefix (`DynamoDB_20120810`).
    #[serde(default)]
    pub target_prefix: Option<String>,
    /// The XML namespace of rest-xml bodies.
    #[serde(default)]
    pub xml_namespace: Option<String>,
}

impl ServiceModel {
    /// The protocol this host speaks to the service: the first of `protocols` it knows (newer
    /// models list `smithy-rpc-v2-cbor` before `json`), else `protocol`.
    pub fn protocol(&self) -> Option<Protocol> {
        self.metadata
            .protocols
            .iter()
            .chain(std::iter::once(&self.metadata.protocol))
            .find_map(|p| Protocol::of(p))
    }

    /// The name requests are signed for.
    pub fn signing_name(&self) -> &str {
        self.metadata
            .signing_name
            .as_deref()
            .unwrap_or(&self.metadata.endpoint_prefix)
    }

    /// The shape named `name`.
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }
}

/// The wire protocols of AWS services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `json`: POST `/`, `X-Amz-Target`, `application/x-amz-json-1.x`.
    Json,
    /// `rest-json`: members bound to the URI, query string and headers; a JSON body.
    RestJson,
    /// `rest-xml`: the same bindings; an XML body (S3, Route 53, CloudFront).
    RestXml,
    /// `query`: form-encoded `Action` and members; XML answers (IAM, STS, SNS, SQS of old).
    Query,
    /// `ec2`: the query protocol with EC2's list and name rules.
    Ec2,
}

impl Protocol {
    /// The protocol a model names, if it is one of the five.
    pub fn of(name: &str) -> Option<Protocol> {
        Some(match name {
            "json" => Protocol::Json,
            "rest-json" => Protocol::RestJson,
            "rest-xml" => Protocol::RestXml,
            "query" => Protocol::Query,
            "ec2" => Protocol::Ec2,
            _ => return None,
        })
    }
}

/// An operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Its model name (`GetItem`).
    pub name: String,
    /// Its HTTP binding.
    pub http: Http,
    /// The request shape.
    #[serde(default)]
    pub input: Option<ShapeRef>,
    /// The response shape (`resultWrapper` for query protocols).
    #[serde(default)]
    pub output: Option<ShapeRef>,
    /// The error shapes it may answer with.
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    /// `hostPrefix` (`{AccountId}.`): labels put in front of the host name.
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    /// The request must carry a `Content-MD5` (S3's DeleteObjects, PutBucketPolicy...).
    #[serde(default)]
    pub http_checksum_required: bool,
    /// Newer models' checksum trait; `requestChecksumRequired` means the same as above.
    #[serde(default)]
    pub http_checksum: Option<serde_json::Value>,
    /// `none` for operations that take no signature (STS AssumeRoleWithWebIdentity...).
    #[serde(default)]
    pub authtype: Option<String>,
}

/// An operation's `http`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    /// `GET`, `POST`, ...
    pub method: String,
    /// `/{Bucket}/{Key+}?uploads`: labels in braces, `+` for greedy ones.
    pub request_uri: String,
    /// The success status, when it is not 200.
    #[serde(default)]
    pub response_code: Option<u16>,
}

/// An operation's `endpoint`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// `{AccountId}.`, `data.`.
    pub host_prefix: String,
}

/// A reference to a shape, with the traits of where it is used (a member, a list's member, an
/// operation's input).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeRef {
    /// The shape's name.
    pub shape: String,
    /// `uri`, `querystring`, `header`, `headers` (a map of prefixed headers), `statusCode`;
    /// absent for the body.
    #[serde(default)]
    pub location: Option<String>,
    /// The name on the wire, when it is not the member name.
    #[serde(default)]
    pub location_name: Option<String>,
    /// ec2's name for the member in a request.
    #[serde(default)]
    pub query_name: Option<String>,
    /// XML: written as an attribute.
    #[serde(default)]
    pub xml_attribute: bool,
    /// XML: this member's namespace.
    #[serde(default)]
    pub xml_namespace: Option<XmlNamespace>,
    /// XML and query: a list or map whose entries are not wrapped.
    #[serde(default)]
    pub flattened: bool,
    /// A string that holds JSON text (rest-json headers).
    #[serde(default)]
    pub jsonvalue: bool,
    /// `iso8601`, `rfc822`, `unixTimestamp`, overriding the protocol's default.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    /// Filled with a fresh UUID when not given.
    #[serde(default)]
    pub idempotency_token: bool,
    /// A label of the operation's `hostPrefix`.
    #[serde(default)]
    pub host_label: bool,
    /// Query protocols: the element the operation's result is wrapped in.
    #[serde(default)]
    pub result_wrapper: Option<String>,
    /// The body is a stream (S3's GetObject `Body`).
    #[serde(default)]
    pub streaming: bool,
    /// An event stream's payload member.
    #[serde(default)]
    pub eventpayload: bool,
}

/// An XML namespace.
#[derive(Debug, Clone, Deserialize)]
pub struct XmlNamespace {
    /// The prefix (`xsi`), if the namespace has one.
    #[serde(default)]
    pub prefix: Option<String>,
    /// The namespace's URI.
    pub uri: String,
}

/// A shape.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    /// `structure`, `list`, `map`, `string`, `integer`, `long`, `float`, `double`, `boolean`,
    /// `timestamp`, `blob`.
    #[serde(rename = "type")]
    pub kind: ShapeKind,
    /// A structure's members, in model order.
    #[serde(default)]
    pub members: IndexMap<String, ShapeRef>,
    /// A structure's required members.
    #[serde(default)]
    pub required: Vec<String>,
    /// The member that is the whole body of a REST message.
    #[serde(default)]
    pub payload: Option<String>,
    /// A list's member.
    #[serde(default)]
    pub member: Option<Box<ShapeRef>>,
    /// A map's key.
    #[serde(default)]
    pub key: Option<Box<ShapeRef>>,
    /// A map's value.
    #[serde(default)]
    pub value: Option<Box<ShapeRef>>,
    /// XML and query: entries not wrapped.
    #[serde(default)]
    pub flattened: bool,
    /// The element name of a shape (rest-xml payloads, list members).
    #[serde(default)]
    pub location_name: Option<String>,
    /// The shape's timestamp format.
    #[serde(default)]
    pub timestamp_format: Option<String>,
    /// An error shape.
    #[serde(default)]
    pub exception: bool,
    /// An error shape's wire code and status, when they differ from its name.
    #[serde(default)]
    pub error: Option<ErrorTrait>,
    /// XML: the shape's namespace.
    #[serde(default)]
    pub xml_namespace: Option<XmlNamespace>,
    /// A blob or string that is streamed.
    #[serde(default)]
    pub streaming: bool,
    /// An event stream (not callable from a Task).
    #[serde(default)]
    pub eventstream: bool,
    /// A structure that is a tagged union (one member set).
    #[serde(default)]
    pub union: bool,
    /// A document: any JSON.
    #[serde(default)]
    pub document: bool,
    /// A string's allowed values.
    #[serde(default, rename = "enum")]
    pub enum_values: Vec<String>,
    /// The least length of a string, blob, list or map; the least value of a number.
    #[serde(default)]
    pub min: Option<f64>,
    /// The greatest length of a string, blob, list or map; the greatest value of a number.
    #[serde(default)]
    pub max: Option<f64>,
}

/// The kinds of shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ShapeKind {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Float,
    Double,
    Boolean,
    Timestamp,
    Blob,
    Bigdecimal,
    Biginteger,
    Byte,
    Short,
    Character,
}

/// An error shape's `error` trait.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    /// The code on the wire (`AWS.SimpleQueueService.NonExistentQueue`).
    #[serde(default)]
    pub code: Option<String>,
    /// The HTTP status it comes with.
    #[serde(default)]
    pub http_status_code: Option<u16>,
    /// Whether it is the caller's fault.
    #[serde(default)]
    pub sender_fault: bool,
}
