//! A [`ServiceError`] from what each protocol reads out of an error answer: its code (cleaned
//! of namespaces, else named after the status), message and request ids.
//!
//! Owns: the headers request ids travel in and the names of bare statuses. Must not: parse
//! bodies; the JSON and XML readers hand in what they found.

use crate::protocol::{HttpResponse, ServiceError};

/// The code of a successful answer whose body does not read.
const MALFORMED: &str = "MalformedResponse";

/// The error for `response`, from the `code` and `message` its body gave (if any) and the
/// request id the body carried.
pub(crate) fn service_error(
    response: &HttpResponse<'_>,
    code: Option<&str>,
    message: String,
    body_request_id: Option<String>,
) -> ServiceError {
    let code = code
        .map(clean_code)
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| status_name(response.status));
    let request_id = ["x-amzn-RequestId", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|name| response.header(name))
        .map(str::to_owned)
        .or(body_request_id);
    ServiceError {
        status: response.status,
        code,
        message,
        request_id,
        extended_request_id: response.header("x-amz-id-2").map(str::to_owned),
    }
}

/// A successful answer whose body does not read as the operation's output.
pub(crate) fn malformed(response: &HttpResponse<'_>, why: String) -> ServiceError {
    service_error(response, Some(MALFORMED), why, None)
}

/// The body as text, for an error whose body names nothing.
pub(crate) fn body_text(response: &HttpResponse<'_>) -> String {
    String::from_utf8_lossy(response.body).trim().to_owned()
}

/// `aws.protocoltests#FooError:http://internal.amazon.com/...` → `FooError`.
fn clean_code(code: &str) -> String {
    let code = code.rsplit('#').next().unwrap_or(code);
    let code = code.split(':').next().unwrap_or(code);
    code.trim().to_owned()
}

/// The code for an answer that names none (a HEAD's 404, an HTML page from a proxy).
fn status_name(status: u16) -> String {
    let name = match status {
        301 => "MovedPermanently",
        302 => "Found",
        304 => "NotModified",
        307 => "TemporaryRedirect",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "RequestEntityTooLarge",
        416 => "RequestedRangeNotSatisfiable",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => return format!("Http{status}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests;
