//! The HTTP Task, `arn:aws:states:::http:invoke` (request-response only): calls an HTTP API
//! with the state's `ApiEndpoint`, `Method`, `Headers`, `QueryParameters`, `RequestBody` and
//! `Transform`, and answers `{"Headers", "ResponseBody", "StatusCode", "StatusText"}`.
//!
//! What differs from AWS, on purpose:
//! - Only hosts on the allowlist (`stepwise serve --allow-http-host HOST[:PORT]`,
//!   [`HostConfig::http_allowed_hosts`](crate::host::HostConfig)) may be called: a state
//!   machine must not reach the host's network unless its operator says so. The list is empty
//!   by default, so every call is refused until a host is added.
//! - `http://` only: the host carries no TLS stack, and an `https://` endpoint is refused with
//!   an error saying so.
//! - `Authentication.ConnectionArn` (which AWS requires, naming an EventBridge connection) is
//!   accepted and ignored: there are no connections here; put credentials in `Headers`.
//!
//! A response outside 2xx fails the state with `States.Http.StatusCode.<code>` (the cause is
//! the response as JSON); a connection failure or timeout with `States.Http.Socket`; bad
//! parameters and refused hosts with `States.Runtime`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value, json};

use super::{CallContext, Pattern, Service, ServiceFuture};
use crate::executor::{Heartbeat, TaskFuture, TaskRunner};
use crate::interp::Failure;
use crate::interp::TaskRequest;
use crate::interp::errors::names;

/// The error for a connection that failed or timed out.
pub const SOCKET: &str = "States.Http.Socket";
/// AWS's HTTP Task gives up on an endpoint after 60 seconds.
const MAX_REQUEST_TIME: Duration = Duration::from_secs(60);
/// A response body larger than a state's whole payload (256 KiB) could never be its result;
/// twice that leaves room for escaping while bounding what is read.
const MAX_RESPONSE_BYTES: usize = 512 * 1024;

/// `arn:aws:states:::http:invoke`.
#[derive(Clone)]
pub struct HttpInvoke {
    allowed: Arc<Vec<String>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpInvoke {
    /// The HTTP Task, allowed to call `allowed` hosts (`name` for any port, `name:port`).
    pub fn new(allowed: Vec<String>) -> Self {
        HttpInvoke {
            allowed: Arc::new(allowed),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

impl HttpInvoke {
    /// Makes the call `parameters` describe, by `deadline` at the latest: the state's result
    /// (or failure), and, if `traced`, what went over the wire as far as it got (no request
    /// when the parameters describe none; no response when the connection failed). Only
    /// TestState asks for the trace: an execution's call copies nothing for it.
    pub async fn exchange(
        &self,
        parameters: &Value,
        deadline: Option<Instant>,
        traced: bool,
    ) -> (Result<Value, Failure>, Option<HttpTrace>) {
        let request = match build_request(parameters, &self.allowed) {
            Ok(r) => r,
            Err(cause) => return (Err(Failure::new(names::RUNTIME, cause)), None),
        };
        let endpoint = request.uri().to_string();
        let mut trace = traced.then(|| HttpTrace {
            request: TracedRequest::of(&request),
            response: None,
        });
        let request = request.map(Full::new);
        let limit = Instant::now() + MAX_REQUEST_TIME;
        let deadline = deadline.map_or(limit, |d| d.min(limit));
        let socket = |e: String| Failure::new(SOCKET, format!("{endpoint}: {e}"));
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| socket(e.to_string()))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| socket(format!("reading the response: {e}")))?
                .to_bytes();
            Ok((parts, body))
        };
        let (parts, body) = match tokio::time::timeout_at(deadline.into(), exchange).await {
            Ok(Ok(received)) => received,
            Ok(Err(failure)) => return (Err(failure), trace),
            Err(_) => return (Err(socket("the request timed out".into())), trace),
        };
        if let Some(t) = trace.as_mut() {
            t.response = Some(TracedResponse::of(&parts, &body));
        }
        let output = response_value(&parts, &body);
        let result = if parts.status.is_success() {
            Ok(output)
        } else {
            Err(Failure::new(
                format!("States.Http.StatusCode.{}", parts.status.as_u16()),
                output.to_string(),
            ))
        };
        (result, trace)
    }
}

impl Service for HttpInvoke {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "invoke").then_some(&[Pattern::RequestResponse])
    }

    fn call(&self, _action: &str, parameters: Value, cx: CallContext) -> ServiceFuture {
        let this = self.clone();
        Box::pin(async move { this.exchange(&parameters, cx.deadline, false).await.0 })
    }
}

/// Runs HTTP Tasks, keeping what the last one sent and received: TestState at its TRACE level
/// runs an HTTP Task through this.
pub struct Tracing {
    http: HttpInvoke,
    last: Arc<std::sync::Mutex<Option<HttpTrace>>>,
}

impl Tracing {
    /// Through `http`.
    pub fn new(http: HttpInvoke) -> Tracing {
        Tracing {
            http,
            last: Arc::default(),
        }
    }

    /// What the last call sent and received, if it got as far as a request.
    pub fn last(&self) -> Option<HttpTrace> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl TaskRunner for Tracing {
    fn run(&self, request: TaskRequest, _heartbeat: Heartbeat) -> TaskFuture {
        let http = self.http.clone();
        let last = self.last.clone();
        Box::pin(async move {
            let deadline = request
                .timeout_seconds
                .and_then(|s| Instant::now().checked_add(Duration::from_secs(s)));
            let (result, trace) = http.exchange(&request.input, deadline, true).await;
            *last.lock().unwrap_or_else(|e| e.into_inner()) = trace;
            result.into()
        })
    }
}

/// What an HTTP Task sent and received, as TestState's TRACE level shows it
/// (`inspectionData.request` and `.response`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTrace {
    /// The request sent.
    pub request: TracedRequest,
    /// The response, if one came.
    pub response: Option<TracedResponse>,
}

/// A request as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedRequest {
    /// `http` (the only scheme this host calls).
    pub protocol: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The endpoint with its query string.
    pub url: String,
    /// `[Name: value, ...]`, AWS's rendering.
    pub headers: String,
    /// The body as text.
    pub body: String,
}

/// A response as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedResponse {
    /// `http`.
    pub protocol: String,
    /// The status code, as text (AWS's shape).
    pub status_code: String,
    /// The status's reason phrase.
    pub status_message: String,
    /// `[Name: value, ...]`.
    pub headers: String,
    /// The body as text.
    pub body: String,
}

impl TracedRequest {
    fn of(request: &Request<Bytes>) -> TracedRequest {
        let body = request.body();
        TracedRequest {
            protocol: request.uri().scheme_str().unwrap_or("http").to_owned(),
            method: request.method().to_string(),
            url: request.uri().to_string(),
            headers: header_list(request.headers()),
            body: String::from_utf8_lossy(body).into_owned(),
        }
    }
}

impl TracedResponse {
    fn of(parts: &hyper::http::response::Parts, body: &[u8]) -> TracedResponse {
        TracedResponse {
            protocol: "http".to_owned(),
            status_code: parts.status.as_u16().to_string(),
            status_message: parts.status.canonical_reason().unwrap_or("").to_owned(),
            headers: header_list(&parts.headers),
            body: String::from_utf8_lossy(body).into_owned(),
        }
    }
}

impl HttpTrace {
    /// TestState's `{"request": {...}, "response": {...}}`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        let r = &self.request;
        out.insert(
            "request".into(),
            json!({"protocol": r.protocol, "method": r.method, "url": r.url,
                   "headers": r.headers, "body": r.body}),
        );
        if let Some(r) = &self.response {
            out.insert(
                "response".into(),
                json!({"protocol": r.protocol, "statusCode": r.status_code,
                       "statusMessage": r.status_message, "headers": r.headers, "body": r.body}),
            );
        }
        Value::Object(out)
    }
}

/// Headers as AWS's TRACE shows them: `[Name: value, Name: value]`.
fn header_list(headers: &hyper::HeaderMap) -> String {
    let items: Vec<String> = headers
        .iter()
        .map(|(name, value)| format!("{name}: {}", String::from_utf8_lossy(value.as_bytes())))
        .collect();
    format!("[{}]", items.join(", "))
}

/// The state's result: headers (each name to its values), the body as JSON when the response
/// says it is JSON and parses, else as text, the status and its reason phrase.
fn response_value(parts: &hyper::http::response::Parts, body: &[u8]) -> Value {
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers
            .entry(name.as_str())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(values) => values.push(value.into()),
            _ => unreachable!("only arrays are inserted"),
        }
    }
    let is_json = parts
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("json"));
    let text = String::from_utf8_lossy(body);
    let body = match is_json.then(|| serde_json::from_slice::<Value>(body).ok()) {
        Some(Some(v)) => v,
        _ => Value::String(text.into_owned()),
    };
    json!({
        "Headers": headers,
        "ResponseBody": body,
        "StatusCode": parts.status.as_u16(),
        "StatusText": parts.status.canonical_reason().unwrap_or(""),
    })
}

/// Whether `host` on `port` is on the allowlist: an entry `name` allows every port of that
/// host, `name:port` that port only. Names compare ignoring case.
pub fn is_allowed(allowed: &[String], host: &str, port: u16) -> bool {
    allowed.iter().any(|entry| {
        let (name, entry_port) = match entry.rsplit_once(':') {
            Some((name, p)) if !name.ends_with(':') => match p.parse::<u16>() {
                Ok(p) => (name, Some(p)),
                Err(_) => (entry.as_str(), None),
            },
            _ => (entry.as_str(), None),
        };
        name.eq_ignore_ascii_case(host) && entry_port.is_none_or(|p| p == port)
    })
}

/// Builds the request the parameters describe; the error is the failure's cause.
fn build_request(parameters: &Value, allowed: &[String]) -> Result<Request<Bytes>, String> {
    let Some(p) = parameters.as_object() else {
        return Err(format!(
            "http:invoke takes an object of parameters, not {parameters}"
        ));
    };
    let endpoint = match p.get("ApiEndpoint") {
        Some(Value::String(s)) => s.as_str(),
        Some(other) => return Err(format!("ApiEndpoint must be a string, not {other}")),
        None => return Err("the parameters have no ApiEndpoint".into()),
    };
    let method = match p.get("Method") {
        Some(Value::String(m)) => match m.to_ascii_uppercase().as_str() {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            "PATCH" => Method::PATCH,
            "OPTIONS" => Method::OPTIONS,
            "HEAD" => Method::HEAD,
            _ => {
                return Err(format!(
                    "Method '{m}' is not one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD"
                ));
            }
        },
        Some(other) => return Err(format!("Method must be a string, not {other}")),
        None => return Err("the parameters have no Method".into()),
    };
    if let Some(auth) = p.get("Authentication")
        && !auth.is_object()
    {
        return Err(format!("Authentication must be an object, not {auth}"));
    }
    let uri: Uri = endpoint
        .parse()
        .map_err(|e| format!("ApiEndpoint '{endpoint}' is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "ApiEndpoint '{endpoint}' is https, which this host's HTTP Task does not support: use an http:// endpoint"
            ));
        }
        _ => return Err(format!("ApiEndpoint '{endpoint}' must be an http:// URL")),
    }
    let Some(host) = uri.host() else {
        return Err(format!("ApiEndpoint '{endpoint}' names no host"));
    };
    let port = uri.port_u16().unwrap_or(80);
    if !is_allowed(allowed, host, port) {
        return Err(format!(
            "the host {host}:{port} of ApiEndpoint '{endpoint}' is not allowed: start the host with `stepwise serve --allow-http-host {host}:{port}` (or add it to HostConfig.http_allowed_hosts) to let HTTP Tasks call it"
        ));
    }
    let mut target = endpoint.to_owned();
    match p.get("QueryParameters") {
        None | Some(Value::Null) => {}
        Some(Value::Object(q)) if q.is_empty() => {}
        Some(Value::Object(q)) => {
            let query =
                form_encode(q, ArrayFormat::Repeat).map_err(|e| format!("QueryParameters: {e}"))?;
            target.push(if uri.query().is_some() { '&' } else { '?' });
            target.push_str(&query);
        }
        Some(other) => return Err(format!("QueryParameters must be an object, not {other}")),
    }
    let mut builder = Request::builder().method(method).uri(target);
    let mut content_type = None;
    match p.get("Headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (name, value) in h {
                let value = scalar_text(value)
                    .ok_or_else(|| format!("header '{name}' must be a string, not {value}"))?;
                if name.eq_ignore_ascii_case("content-type") {
                    content_type = Some(value.clone());
                }
                builder = builder.header(name.as_str(), value);
            }
        }
        Some(other) => return Err(format!("Headers must be an object, not {other}")),
    }
    let encoding = match p.get("Transform") {
        None | Some(Value::Null) => None,
        Some(Value::Object(t)) => match t.get("RequestBodyEncoding").and_then(Value::as_str) {
            None | Some("NONE") => None,
            Some("URL_ENCODED") => Some(array_format(t.get("RequestEncodingOptions"))?),
            Some(other) => {
                return Err(format!(
                    "Transform.RequestBodyEncoding '{other}' is not NONE or URL_ENCODED"
                ));
            }
        },
        Some(other) => return Err(format!("Transform must be an object, not {other}")),
    };
    let (body, default_type) = match (p.get("RequestBody"), encoding) {
        (None | Some(Value::Null), _) => (String::new(), None),
        (Some(Value::Object(o)), Some(format)) => (
            form_encode(o, format).map_err(|e| format!("RequestBody: {e}"))?,
            Some("application/x-www-form-urlencoded"),
        ),
        (Some(other), Some(_)) => {
            return Err(format!(
                "a URL_ENCODED RequestBody must be an object, not {other}"
            ));
        }
        (Some(Value::String(s)), None) => (s.clone(), Some("text/plain")),
        (Some(v), None) => (v.to_string(), Some("application/json")),
    };
    if content_type.is_none()
        && let Some(t) = default_type
    {
        builder = builder.header(hyper::header::CONTENT_TYPE, t);
    }
    builder
        .body(Bytes::from(body))
        .map_err(|e| format!("the request cannot be made: {e}"))
}

/// A header or query value: strings as they are, numbers and booleans as JSON writes them.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => None,
    }
}

/// How URL encoding writes arrays (`RequestEncodingOptions.ArrayFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayFormat {
    /// `a[0]=x&a[1]=y`, AWS's default.
    Indices,
    /// `a=x&a=y`.
    Repeat,
    /// `a=x,y`.
    Commas,
    /// `a[]=x&a[]=y`.
    Brackets,
}

fn array_format(options: Option<&Value>) -> Result<ArrayFormat, String> {
    match options.and_then(|o| o.get("ArrayFormat")) {
        None => Ok(ArrayFormat::Indices),
        Some(Value::String(s)) => match s.as_str() {
            "INDICES" => Ok(ArrayFormat::Indices),
            "REPEAT" => Ok(ArrayFormat::Repeat),
            "COMMAS" => Ok(ArrayFormat::Commas),
            "BRACKETS" => Ok(ArrayFormat::Brackets),
            _ => Err(format!(
                "ArrayFormat '{s}' is not one of INDICES, REPEAT, COMMAS, BRACKETS"
            )),
        },
        Some(other) => Err(format!("ArrayFormat must be a string, not {other}")),
    }
}

/// `application/x-www-form-urlencoded` text of a flat object whose values are scalars or
/// arrays of scalars.
fn form_encode(o: &Map<String, Value>, format: ArrayFormat) -> Result<String, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in o {
        let bad = || format!("'{k}' must be a string, number, boolean or array of them, not {v}");
        match v {
            Value::Array(items) => {
                let items: Vec<String> = items
                    .iter()
                    .map(scalar_text)
                    .collect::<Option<_>>()
                    .ok_or_else(bad)?;
                match format {
                    ArrayFormat::Commas => pairs.push((k.clone(), items.join(","))),
                    _ => {
                        for (i, item) in items.into_iter().enumerate() {
                            let key = match format {
                                ArrayFormat::Indices => format!("{k}[{i}]"),
                                ArrayFormat::Brackets => format!("{k}[]"),
                                _ => k.clone(),
                            };
                            pairs.push((key, item));
                        }
                    }
                }
            }
            v => pairs.push((k.clone(), scalar_text(v).ok_or_else(bad)?)),
        }
    }
    Ok(pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
