//! The wire protocols: a Task's parameters become an [`HttpRequest`] and an HTTP response
//! becomes the task's result or a [`ServiceError`], for each of the five protocols AWS
//! services speak.
//!
//! Step Functions' conventions, which every protocol follows:
//! - Parameters and results use the model's member names with the first letter in upper case
//!   ([`naming::member_name`](crate::naming::member_name)); a parameter that is `null` is not
//!   sent.
//! - A blob parameter given as a string is sent as its UTF-8 bytes, any other JSON value as its
//!   JSON text (S3 PutObject's `Body` of `{"Dict": "Value"}`). A streamed blob in a response
//!   (S3 GetObject's `Body`) is its text; a blob inside a JSON or XML body stays base64.
//! - A timestamp parameter may be an ISO-8601 string or seconds since the epoch; results give
//!   timestamps as ISO-8601 text in UTC.
//!
//! Where each part lives: `params` matches parameters to members (unknown fields, `null`s,
//! idempotency tokens, host labels); `json`, `rest_json`, `rest_xml` and `query` (query and
//! ec2) each write one protocol's requests and read its answers; `rest` binds members to the
//! URI, query string, headers and status for both REST protocols; `xml` reads XML answers by
//! shape; `value` converts scalars; `errors` assembles a [`ServiceError`]; `checksum` adds
//! `Content-MD5` where an operation requires it. botocore's protocol test suite runs against
//! all of them in `tests/protocols.rs`.

use serde_json::Value;

use crate::model::{Operation, Protocol};
use crate::registry::Service;

mod checksum;
mod errors;
mod json;
mod params;
mod query;
mod rest;
mod rest_json;
mod rest_xml;
mod traits;
mod value;
mod xml;

/// A request to send, before it is signed.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and query string, percent-encoded as SigV4 expects (`/b/k%20x?list-type=2`).
    pub path_and_query: String,
    /// Headers, without `Host`, `Content-Length` or any signature.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// Labels to put in front of the endpoint's host name (`123456789012.`), filled in from
    /// the operation's `hostPrefix`.
    pub host_prefix: Option<String>,
}

/// A response, as received.
#[derive(Debug, Clone, Copy)]
pub struct HttpResponse<'a> {
    /// The status code.
    pub status: u16,
    /// Headers, names in any case.
    pub headers: &'a [(String, String)],
    /// The whole body.
    pub body: &'a [u8],
}

impl HttpResponse<'_> {
    /// The first header called `name`, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An error the service answered with.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceError {
    /// The HTTP status.
    pub status: u16,
    /// The error code the service gave, without a namespace before `#` or a URL after `:`
    /// (`ResourceNotFoundException` for `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`,
    /// `NoSuchKey`); the status's name (`NotFound`, `Http599`) when the answer names none, and
    /// `MalformedResponse` for a successful answer whose body does not read.
    pub code: String,
    /// The service's message (empty if it gave none).
    pub message: String,
    /// `x-amzn-RequestId` / `x-amz-request-id` / the body's `RequestId`.
    pub request_id: Option<String>,
    /// S3's `x-amz-id-2`.
    pub extended_request_id: Option<String>,
}

/// Parameters that cannot make a request of this operation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// A parameter the operation does not have.
    #[error("The field '{field}' is not a parameter of {operation}{at}", at = at(path))]
    UnknownField {
        /// The operation's model name.
        operation: String,
        /// Where the field is (`Item.data`), empty at the top.
        path: String,
        /// The field.
        field: String,
    },
    /// A value of the wrong JSON type for its shape.
    #[error("The value at '{path}' must be {expected}, not {found}")]
    WrongType {
        /// Where the value is.
        path: String,
        /// What the shape wants (`a string`, `a list`, ...).
        expected: &'static str,
        /// What was given.
        found: &'static str,
    },
    /// A member bound to the URI or host name was not given.
    #[error("The parameter '{0}' is required")]
    MissingLabel(String),
    /// The operation cannot be called from a Task (an event stream).
    #[error("{0}")]
    Unsupported(String),
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at '{path}'")
    }
}

/// Builds the request for `operation` of `service` from a Task's parameters (a JSON object).
pub fn build_request(
    service: &Service,
    operation: &Operation,
    parameters: &Value,
) -> Result<HttpRequest, BuildError> {
    let protocol = service.model.protocol().ok_or_else(|| {
        BuildError::Unsupported(format!(
            "{} speaks only the Smithy RPC v2 CBOR protocol, which this host does not",
            service.name
        ))
    })?;
    let input = params::Input::new(&service.model, operation, parameters)?;
    let mut request = match protocol {
        Protocol::Json => json::build(&input),
        Protocol::RestJson => rest_json::build(&input),
        Protocol::RestXml => rest_xml::build(&input),
        Protocol::Query => query::build(&input, query::Dialect::Query),
        Protocol::Ec2 => query::build(&input, query::Dialect::Ec2),
    }?;
    checksum::add_content_md5(operation, &mut request);
    Ok(request)
}

/// Reads the response to `operation`: the task's result, or the error the service answered.
pub fn parse_response(
    service: &Service,
    operation: &Operation,
    response: HttpResponse<'_>,
) -> Result<Value, ServiceError> {
    let Some(protocol) = service.model.protocol() else {
        return Err(errors::malformed(
            &response,
            format!("{} speaks no protocol this host reads", service.name),
        ));
    };
    let model = &service.model;
    if !(200..300).contains(&response.status) {
        return Err(match protocol {
            Protocol::Json | Protocol::RestJson => json::error(&response),
            Protocol::RestXml | Protocol::Query | Protocol::Ec2 => xml::error(&response),
        });
    }
    match protocol {
        Protocol::Json => json::parse(model, operation, &response),
        Protocol::RestJson => rest_json::parse(model, operation, &response),
        Protocol::RestXml => rest_xml::parse(model, operation, &response),
        Protocol::Query => query::parse(model, operation, &response, query::Dialect::Query),
        Protocol::Ec2 => query::parse(model, operation, &response, query::Dialect::Ec2),
    }
}

#[cfg(test)]
mod tests;
