//! `arn:aws:states:::apigateway:invoke` (+ `.waitForTaskToken`): calls an API Gateway
//! endpoint, `https://{ApiEndpoint}/{Stage}/{Path}`, with the state's `Method`, `Headers`
//! and `QueryParameters` (each a list of values) and `RequestBody`. The answer is
//! `{Headers, ResponseBody, StatusCode, StatusText}`, with the body parsed when it is JSON.
//! A status outside 2xx fails the state with `ApiGateway.<status>` and the body as the cause,
//! as AWS recorded. `AuthType` `IAM_ROLE` signs the call for `execute-api`, as the host's
//! credentials (`NO_AUTH`, the default, and `RESOURCE_POLICY` send it unsigned).
//!
//! One difference from AWS: an `ApiEndpoint` may be given with an `http://` or `https://`
//! scheme (a local API for tests); AWS takes a host name only, and so does this without one.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{AwsClient, CallError};
use crate::integrations::{CallContext, Pattern, Service, ServiceFuture};
use crate::interp::Failure;
use crate::interp::errors::names;

/// The API Gateway integration.
pub struct ApiGateway {
    client: Arc<AwsClient>,
}

impl ApiGateway {
    /// Calls through `client`'s transport and credentials.
    pub fn new(client: Arc<AwsClient>) -> ApiGateway {
        ApiGateway { client }
    }
}

const PATTERNS: &[Pattern] = &[Pattern::RequestResponse, Pattern::WaitForTaskToken];

impl Service for ApiGateway {
    fn patterns(&self, action: &str) -> Option<&'static [Pattern]> {
        (action == "invoke").then_some(PATTERNS)
    }

    fn call(&self, _action: &str, parameters: Value, cx: CallContext) -> ServiceFuture {
        let client = self.client.clone();
        Box::pin(async move {
            let request = Request::read(&parameters, client.region())
                .map_err(|cause| Failure::new(names::RUNTIME, cause))?;
            let signing = request
                .signed
                .then_some(("execute-api", request.region.as_str()));
            let response = client
                .send(
                    &request.method,
                    &request.url,
                    request.headers,
                    request.body,
                    signing,
                    cx.deadline,
                )
                .await
                .map_err(|e| match e {
                    CallError::Transport(e) => {
                        Failure::new("ApiGateway.SdkClientException", e.to_string())
                    }
                    CallError::Credentials(cause) => {
                        Failure::new("ApiGateway.SdkClientException", cause)
                    }
                    other => Failure::new(names::RUNTIME, format!("{other:?}")),
                })?;
            let text = String::from_utf8_lossy(&response.body).into_owned();
            if !(200..300).contains(&response.status) {
                return Err(Failure::new(
                    format!("ApiGateway.{}", response.status),
                    text,
                ));
            }
            let mut headers = Map::new();
            for (name, value) in &response.headers {
                let entry = headers
                    .entry(canonical(name))
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(values) = entry {
                    values.push(Value::String(value.clone()));
                }
            }
            let body = serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
            Ok(json!({
                "Headers": headers,
                "ResponseBody": body,
                "StatusCode": response.status,
                "StatusText": status_text(response.status),
            }))
        })
    }
}

/// An `invoke`'s request, read from the state's parameters.
#[derive(Debug, PartialEq)]
struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    signed: bool,
    region: String,
}

impl Request {
    fn read(p: &Value, default_region: &str) -> Result<Request, String> {
        let field = |name: &str| p.get(name).filter(|v| !v.is_null());
        let text = |name: &str| -> Result<Option<String>, String> {
            match field(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("apigateway:invoke: {name} must be a string")),
            }
        };
        let endpoint = text("ApiEndpoint")?
            .ok_or("apigateway:invoke: the parameter ApiEndpoint is required")?;
        let method =
            text("Method")?.ok_or("apigateway:invoke: the parameter Method is required")?;
        if !matches!(
            method.as_str(),
            "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS"
        ) {
            return Err(format!(
                "apigateway:invoke: Method '{method}' is not an HTTP method API Gateway takes"
            ));
        }
        let base = if endpoint.starts_with("http://") || endpoint.starts_with("https://") {
            endpoint.trim_end_matches('/').to_owned()
        } else {
            format!("https://{}", endpoint.trim_end_matches('/'))
        };
        let mut url = base.clone();
        for part in [text("Stage")?, text("Path")?].into_iter().flatten() {
            let part = part.trim_matches('/');
            if !part.is_empty() {
                url.push('/');
                url.push_str(part);
            }
        }
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut any = false;
        for (name, value) in lists(field("QueryParameters"), "QueryParameters")? {
            query.append_pair(&name, &value);
            any = true;
        }
        if any {
            url.push('?');
            url.push_str(&query.finish());
        }
        let mut headers = lists(field("Headers"), "Headers")?;
        let body = match field("RequestBody") {
            None => Vec::new(),
            Some(Value::String(s)) => s.clone().into_bytes(),
            Some(v) => v.to_string().into_bytes(),
        };
        if !body.is_empty()
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        let signed = match text("AuthType")?.as_deref() {
            None | Some("NO_AUTH") | Some("RESOURCE_POLICY") => false,
            Some("IAM_ROLE") => true,
            Some(other) => {
                return Err(format!(
                    "apigateway:invoke: AuthType '{other}' is not one of NO_AUTH, IAM_ROLE, RESOURCE_POLICY"
                ));
            }
        };
        // `{id}.execute-api.{region}.amazonaws.com` names its region.
        let host = base.split_once("://").map_or(base.as_str(), |(_, h)| h);
        let region = host
            .split('.')
            .skip_while(|label| *label != "execute-api")
            .nth(1)
            .unwrap_or(default_region)
            .to_owned();
        Ok(Request {
            method,
            url,
            headers,
            body,
            signed,
            region,
        })
    }
}

/// `{"name": ["a", "b"]}` as name/value pairs.
fn lists(v: Option<&Value>, field: &str) -> Result<Vec<(String, String)>, String> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let Value::Object(map) = v else {
        return Err(format!(
            "apigateway:invoke: {field} must be an object of lists of strings"
        ));
    };
    let mut pairs = Vec::new();
    for (name, values) in map {
        let values = match values {
            Value::Array(values) => values.clone(),
            single @ Value::String(_) => vec![single.clone()],
            _ => {
                return Err(format!(
                    "apigateway:invoke: {field}.{name} must be a list of strings"
                ));
            }
        };
        for value in values {
            match value {
                Value::String(s) => pairs.push((name.clone(), s)),
                other => pairs.push((name.clone(), other.to_string())),
            }
        }
    }
    Ok(pairs)
}

/// `content-type` → `Content-Type`, as the answers AWS recorded show them.
fn canonical(name: &str) -> String {
    if name.starts_with("x-amz") {
        return name.to_owned();
    }
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join("-")
}

fn status_text(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests;
