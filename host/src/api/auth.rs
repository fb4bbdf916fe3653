//! Who may call: with `serve --credentials FILE` every request must carry an AWS Signature
//! Version 4 by one of the file's key pairs, for this host's region and the service it calls.
//! The signature is computed again with `aws-sigv4` (the signer the AWS SDKs use) over what
//! arrived, and compared; a request that fails is answered with the error its service's
//! protocol uses and reaches no handler.
//!
//! A browser cannot sign (and a page served over plain HTTP from another address has no
//! WebCrypto), so the console signs in once: [`Access::sign_in`] checks a key pair and hands out
//! a session, kept in an HttpOnly, SameSite=Strict cookie. The cookie stands in for a signature
//! only on requests a cross-site page cannot forge: reads (GET), and the JSON API, whose
//! `X-Amz-Target` header no HTML form can set.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::lambda::MAX_CODE_REQUEST_BYTES;
use crate::integrations::aws::signing::{Scope, Unsigned, signature_headers};

/// AWS refuses a signature dated more than 15 minutes from its own clock.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// The key pairs that may call, by access key id.
#[derive(Clone, Default)]
pub struct Keys {
    secrets: HashMap<String, String>,
    /// The region signatures must be scoped to.
    region: String,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secrets.
        f.debug_struct("Keys")
            .field("access_keys", &self.secrets.len())
            .field("region", &self.region)
            .finish()
    }
}

impl Keys {
    /// Whether `id` is one of the file's access keys and `secret` its secret.
    pub fn check_pair(&self, id: &str, secret: &str) -> bool {
        self.secrets
            .get(id)
            .is_some_and(|s| constant_time_eq(s.as_bytes(), secret.as_bytes()))
    }
}

/// The name of the console's session cookie.
pub const SESSION_COOKIE: &str = "stepwise_session";

/// How long a console session lasts: a working day, as the AWS console's sign-in does.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// Most sessions kept at once; signing in past it drops the oldest. Bounds the memory a caller
/// with a valid key could fill by signing in again and again.
const MAX_SESSIONS: usize = 1024;

/// Who may call: the key pairs, and the console sessions signed in with one of them.
#[derive(Debug)]
pub struct Access {
    keys: Keys,
    /// Session token -> when it ends.
    sessions: std::sync::Mutex<HashMap<String, std::time::Instant>>,
}

impl Access {
    /// Access by `keys`, with no session yet.
    pub fn new(keys: Keys) -> Access {
        Access {
            keys,
            sessions: std::sync::Mutex::default(),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, std::time::Instant>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new session for whoever knows a key pair; `None` for a wrong pair.
    pub fn sign_in(&self, access_key: &str, secret: &str) -> Option<String> {
        if !self.keys.check_pair(access_key, secret) {
            return None;
        }
        // 244 random bits from the CSPRNG behind uuid's v4.
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let now = std::time::Instant::now();
        let mut sessions = self.sessions();
        sessions.retain(|_, ends| *ends > now);
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, ends)| **ends)
                .map(|(t, _)| t.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(token.clone(), now + SESSION_TTL);
        Some(token)
    }

    /// Ends the session of `headers`' cookie, if any.
    pub fn sign_out(&self, headers: &HeaderMap) {
        if let Some(token) = session_cookie(headers) {
            self.sessions().remove(token);
        }
    }

    /// Whether `headers` carry the cookie of a live session.
    pub fn has_session(&self, headers: &HeaderMap) -> bool {
        let Some(token) = session_cookie(headers) else {
            return false;
        };
        let sessions = self.sessions();
        sessions
            .get(token)
            .is_some_and(|ends| *ends > std::time::Instant::now())
    }
}

/// The session token in a `Cookie` header.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// Why a credentials file was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// A line the format does not have.
    #[error("line {line}: {why}")]
    Syntax {
        /// 1-based.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// A section without both keys.
    #[error("profile [{0}] needs both aws_access_key_id and aws_secret_access_key")]
    Incomplete(String),
    /// No key pair at all.
    #[error("the file has no key pair: nobody could call")]
    Empty,
}

impl Keys {
    /// The key pairs of a file in the AWS shared-credentials format (`[name]` sections with
    /// `aws_access_key_id` and `aws_secret_access_key`; other keys are ignored), for `region`.
    pub fn parse(text: &str, region: &str) -> Result<Keys, KeysError> {
        let mut secrets = HashMap::new();
        let mut section: Option<(String, Option<String>, Option<String>)> = None;
        let close = |s: Option<(String, Option<String>, Option<String>)>,
                     secrets: &mut HashMap<String, String>|
         -> Result<(), KeysError> {
            match s {
                None => Ok(()),
                Some((_, Some(id), Some(secret))) => {
                    secrets.insert(id, secret);
                    Ok(())
                }
                Some((name, _, _)) => Err(KeysError::Incomplete(name)),
            }
        };
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                close(section.take(), &mut secrets)?;
                section = Some((name.trim().to_owned(), None, None));
                continue;
            }
            let syntax = |why: &str| KeysError::Syntax {
                line: i + 1,
                why: why.to_owned(),
            };
            let Some((key, value)) = line.split_once('=') else {
                return Err(syntax("expected `key = value` or `[profile]`"));
            };
            let Some(current) = section.as_mut() else {
                return Err(syntax("a key before any [profile] section"));
            };
            let value = value.trim().to_owned();
            match key.trim() {
                "aws_access_key_id" => current.1 = Some(value),
                "aws_secret_access_key" => current.2 = Some(value),
                _ => {}
            }
        }
        close(section.take(), &mut secrets)?;
        if secrets.is_empty() {
            return Err(KeysError::Empty);
        }
        Ok(Keys {
            secrets,
            region: region.to_owned(),
        })
    }
}

/// Which API a request is for: its signing name and how its errors are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    States,
    Sqs,
    Sns,
    Lambda,
    Batch,
}

impl Service {
    fn of(request: &Request) -> Service {
        let path = request.uri().path();
        if path.starts_with("/2015-03-31/") {
            return Service::Lambda;
        }
        if path.starts_with("/v1/") {
            return Service::Batch;
        }
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if target.starts_with("AmazonSQS.") {
            Service::Sqs
        } else if target.is_empty() && super::sns::is_query(request.headers()) {
            Service::Sns
        } else {
            Service::States
        }
    }

    fn signing_name(self) -> &'static str {
        match self {
            Service::States => "states",
            Service::Sqs => "sqs",
            Service::Sns => "sns",
            Service::Lambda => "lambda",
            Service::Batch => "batch",
        }
    }
}

/// Why a request is refused, as AWS names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No signature at all.
    Missing,
    /// The access key is not one of the file's.
    UnknownKey,
    /// The signature does not match, or its scope or date is wrong: the message says which.
    BadSignature(String),
}

impl Refusal {
    /// AWS's error code for the service's protocol: the Query protocol (SNS) has its own.
    fn code(&self, service: Service) -> &'static str {
        match (self, service) {
            (Refusal::Missing, Service::Sns) => "MissingAuthenticationToken",
            (Refusal::Missing, _) => "MissingAuthenticationTokenException",
            (Refusal::UnknownKey, Service::Sns) => "InvalidClientTokenId",
            (Refusal::UnknownKey, _) => "UnrecognizedClientException",
            (Refusal::BadSignature(_), Service::Sns) => "SignatureDoesNotMatch",
            (Refusal::BadSignature(_), _) => "InvalidSignatureException",
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::Missing => "Missing Authentication Token".into(),
            Refusal::UnknownKey => "The security token included in the request is invalid.".into(),
            Refusal::BadSignature(m) => m.clone(),
        }
    }

    fn response(&self, service: Service) -> Response {
        let (code, message) = (self.code(service), self.message());
        match service {
            Service::Sns => (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/xml")],
                format!(
                    "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                    xml_escape(&message),
                    uuid::Uuid::new_v4()
                ),
            )
                .into_response(),
            Service::Lambda | Service::Batch => (
                StatusCode::FORBIDDEN,
                [("x-amzn-errortype", code), ("content-type", "application/json")],
                json!({"message": message, "Type": "User"}).to_string(),
            )
                .into_response(),
            Service::States | Service::Sqs => (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/x-amz-json-1.0")],
                json!({"__type": code, "message": message}).to_string(),
            )
                .into_response(),
        }
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The fields of `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
/// Signature=...`.
struct Authorization<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let mut scope = credential?.split('/');
    let access_key = scope.next()?;
    let date = scope.next()?;
    let region = scope.next()?;
    let service = scope.next()?;
    if scope.next()? != "aws4_request" {
        return None;
    }
    Some(Authorization {
        access_key,
        date,
        region,
        service,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

/// `20261202T150405Z`.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let t = chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok()?;
    let secs = t.and_utc().timestamp();
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Checks a request's signature against `keys` at time `now`.
pub fn verify(
    keys: &Keys,
    method: &str,
    uri: &str,
    headers: &HeaderMap,
    body: &[u8],
    service: &str,
    now: SystemTime,
) -> Result<(), Refusal> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(Refusal::Missing);
    };
    let bad = |m: &str| Refusal::BadSignature(m.to_owned());
    let auth = parse_authorization(value).ok_or_else(|| {
        bad("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters of an AWS4-HMAC-SHA256 signature")
    })?;
    let Some(secret) = keys.secrets.get(auth.access_key) else {
        return Err(Refusal::UnknownKey);
    };
    if auth.region != keys.region {
        return Err(bad(&format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            auth.region
        )));
    }
    if auth.service != service {
        return Err(bad(&format!(
            "Credential should be scoped to correct service: '{service}'. "
        )));
    }
    let date_text = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| bad("The request must carry an X-Amz-Date header"))?;
    let signed_at = parse_amz_date(date_text)
        .ok_or_else(|| bad(&format!("X-Amz-Date '{date_text}' is not a date")))?;
    if !date_text.starts_with(auth.date) {
        return Err(bad("The credential's date does not match X-Amz-Date"));
    }
    let skew = now
        .duration_since(signed_at)
        .or_else(|_| signed_at.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        let fmt = |t: SystemTime| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .format("%Y%m%dT%H%M%SZ")
                .to_string()
        };
        return Err(bad(&format!(
            "Signature expired: {date_text} is now earlier than {} ({} - 15 min.)",
            fmt(now - MAX_SKEW),
            fmt(now)
        )));
    }
    // What the client signed, as it arrived; the signer adds X-Amz-Date from the time.
    let mut signed: Vec<(String, String)> = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        if *name == "x-amz-date" {
            continue;
        }
        let values: Vec<&str> = headers
            .get_all(*name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if values.is_empty() {
            return Err(bad(&format!("The signed header '{name}' is missing")));
        }
        signed.push(((*name).to_owned(), values.join(",")));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let url = format!("http://{host}{uri}");
    let credentials = aws_credential_types::Credentials::new(
        auth.access_key,
        secret.as_str(),
        None,
        None,
        "stepwise-credentials-file",
    );
    let expected = signature_headers(
        &Unsigned {
            method,
            url: &url,
            headers: &signed,
            body,
        },
        &Scope {
            service,
            region: auth.region,
            time: signed_at,
        },
        &credentials,
    )
    .map_err(|e| bad(&e))?;
    let ours = expected
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.rsplit_once("Signature=").map(|(_, s)| s.to_owned()))
        .unwrap_or_default();
    if !constant_time_eq(ours.as_bytes(), auth.signature.as_bytes()) {
        return Err(bad(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(())
}

/// Compares without stopping at the first difference, so that timing tells nothing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Requests that need no signature: Prometheus cannot sign, and the metrics are names and
/// counts, never payloads; the console's page, scripts and sign-in form are the same for
/// everyone (what they show comes from the API, which is guarded).
fn is_open(request: &Request) -> bool {
    let path = request.uri().path();
    if request.method() == axum::http::Method::GET {
        return path == "/metrics" || super::console::is_asset(path);
    }
    request.method() == axum::http::Method::POST && super::console::is_sign_in(path)
}

/// Whether a console session may stand in for a signature on this request: a read, or a call of
/// the JSON API (a cross-site form cannot set `X-Amz-Target`, and the cookie is SameSite=Strict).
fn session_may(request: &Request) -> bool {
    request.method() == axum::http::Method::GET || request.headers().contains_key("x-amz-target")
}

/// The middleware: verifies, then hands the request (its body read once) to the handlers.
pub async fn require_signature(
    State(access): State<std::sync::Arc<Access>>,
    request: Request,
    next: Next,
) -> Response {
    if is_open(&request)
        || (session_may(&request)
            && !request.headers().contains_key(header::AUTHORIZATION)
            && access.has_session(request.headers()))
    {
        return next.run(request).await;
    }
    let service = Service::of(&request);
    let (parts, body) = request.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_CODE_REQUEST_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            )
                .into_response();
        }
    };
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if let Err(refusal) = verify(
        &access.keys,
        parts.method.as_str(),
        &uri,
        &parts.headers,
        &bytes,
        service.signing_name(),
        SystemTime::now(),
    ) {
        return refusal.response(service);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests;
